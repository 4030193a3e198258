"""Int8 dynamic quantization of the Linear layers on CPU against float32: speed and answers.

    python -m bench.quantize --base PATH [--adapter PATH] [--limit 140] [--threads 1]

The model (with its LoRA adapter merged in: dynamic quantization replaces ``nn.Linear`` layers,
which peft's adapters need to stay as they are) answers the sample's held-out questions with
the 2 retrieved tickets in the prompt, as the bot sends them, once in float32 and once after
``torch.ao.quantization.quantize_dynamic(..., {nn.Linear}, dtype=torch.qint8)``; same questions,
same greedy decoding, same run. Printed: tokens/s of generation, right procedure, token F1 and
invented identifiers of the model's answers (no pipeline checks), and how many answers changed.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", required=True)
    parser.add_argument("--adapter")
    parser.add_argument("--limit", type=int, default=140)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--batch", type=int, default=16)
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(args.threads)
    from bench.sample import sample_retriever
    from supportbot.retrieval.embedder import load_embedder
    from supportbot.training.context import tickets_for
    from supportbot.training.eval_set import load_eval_items
    from supportbot.training.generation import generate_answers
    from supportbot.training.scores import score_answers

    sample = ROOT / "data" / "sample"
    items = load_eval_items(
        sample / "eval_questions.jsonl", intents_path=sample / "intents.json", limit=args.limit
    )
    questions = [i.question for i in items]
    embedder = load_embedder()
    with tempfile.TemporaryDirectory() as tmp:
        engine, _sessions, retriever = sample_retriever(Path(tmp), embedder)
        contexts = tickets_for(retriever, questions, k=2).prompts(2)
        engine.dispose()

    tokenizer = AutoTokenizer.from_pretrained(args.base)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(args.base, dtype=torch.float32)
    if args.adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, args.adapter).merge_and_unload()
    model.eval()

    def run(m) -> tuple[list[str], float, int]:
        started = time.perf_counter()
        answers = generate_answers(
            m, tokenizer, questions, tickets=contexts, ticket_budget=180, batch_size=args.batch
        )
        seconds = time.perf_counter() - started
        tokens = sum(len(tokenizer(a, add_special_tokens=False)["input_ids"]) for a in answers)
        return answers, seconds, tokens

    rows = {}
    fp32 = run(model)
    rows["float32"] = fp32
    quantized = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
    rows["int8 dynamic"] = run(quantized)

    print(f"{len(items)} held-out questions, 2 tickets in each prompt, {args.threads} torch thread(s)\n")
    print("| weights | tokens/s | speed-up | right procedure | token F1 | invented ids | answers changed |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    base_speed = fp32[2] / fp32[1]
    for name, (answers, seconds, tokens) in rows.items():
        s = score_answers(answers, items)["all"]
        changed = sum(a != b for a, b in zip(answers, fp32[0], strict=True)) / len(answers)
        speed = tokens / seconds
        print(
            f"| {name} | {speed:.0f} | {speed / base_speed:.2f}x | {s['keyphrase_accuracy']:.3f} | {s['f1']:.3f}"
            f" | {s['invented_identifier_rate']:.3f} | {changed:.2f} |"
        )


if __name__ == "__main__":
    main()
