"""LoRA fine-tuning throughput: sequence packing vs padding to the longest, same data, same steps.

    python -m bench.training [--model PATH] [--steps 120] [--batch-size 2] [--max-length 512]

Each mode runs in a fresh process (so its peak memory is its own) on the same conversations from
the bundled sample logs, with the same LoRA config, batch size and number of optimizer steps. The
LoRA settings, batch size and learning rate are `supportbot train run`'s defaults (FinetuneConfig),
and rows are capped at the model's context window as in the run:
  packing  — short conversations packed first-fit-decreasing into rows of --max-length tokens,
             position ids restarting per conversation (block-diagonal attention);
  padding  — one conversation per row, padded to the longest in the batch (the usual collator).
Printed side by side: real (non-pad) tokens per second, tokens that carried loss per second,
seconds, and peak resident memory. The model is the default model when it exists, else a freshly
initialised one of the same shape (throughput does not depend on the weights).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def model_and_tokenizer(path: str | None):
    from supportbot.core.settings import load_settings

    folder = Path(path) if path else load_settings().default_base_model_dir
    if (folder / "config.json").exists():
        from supportbot.training.base_model import load_base_model

        return load_base_model(str(folder), device="cpu")
    from supportbot.core.prompt import render_flat
    from supportbot.training.default_model import DefaultModelConfig, load_conversations
    from supportbot.training.modeling import build_model
    from supportbot.training.tokenizer import train_tokenizer

    conversations = load_conversations(DefaultModelConfig().data, eras=["base"])
    texts = (
        render_flat(
            [{"role": m["role"], "content": m["content"]} for m in c.messages], add_generation_prompt=False
        )
        for c in conversations
    )
    tokenizer = train_tokenizer(texts, vocab_size=4096, max_length=512)
    return build_model(tokenizer, size="small"), tokenizer


def run_mode(mode: str, args: argparse.Namespace) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model

    from supportbot.core.prompt import DEFAULT_SYSTEM, build_messages
    from supportbot.training.config import FinetuneConfig
    from supportbot.training.default_model import DefaultModelConfig, load_conversations
    from supportbot.training.finetune import _present_modules
    from supportbot.training.loop import make_accelerator, train
    from supportbot.training.sft import encode

    torch.manual_seed(0)
    config = FinetuneConfig()
    model, tokenizer = model_and_tokenizer(args.model)
    max_length = min(args.max_length, getattr(tokenizer, "model_max_length", 10**9) or 10**9)
    conversations = load_conversations(DefaultModelConfig().data, eras=["recent", "base"])[
        : args.conversations
    ]
    examples = [
        e
        for c in conversations
        if (
            e := encode(
                tokenizer,
                build_messages(
                    question=None,
                    history=[(m["role"], m["content"]) for m in c.messages],
                    system=DEFAULT_SYSTEM,
                ),
                max_length=max_length,
            )
        )
    ]
    lora = LoraConfig(
        r=config.rank,
        lora_alpha=config.alpha,
        lora_dropout=config.dropout,
        target_modules=_present_modules(model, config.target_modules),
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, lora)
    result = train(
        model,
        accelerator=make_accelerator(seed=0),
        examples=examples,
        steps=args.steps,
        batch_size=args.batch_size,
        lr=config.lr,
        warmup_ratio=config.warmup,
        packing=mode == "packing",
        max_length=max_length,
        pad_id=tokenizer.pad_token_id,
        progress=False,
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "mode": mode,
        "steps": result.steps,
        "max_length": max_length,
        "seconds": result.seconds,
        "tokens": result.tokens,
        "tokens_per_s": result.tokens / result.seconds,
        "trained_tokens_per_s": result.trained_tokens / result.seconds,
        "peak_rss_mb": peak_mb,
        "final_loss": result.losses[-1][1],
    }


def main() -> None:
    from supportbot.training.config import FinetuneConfig

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="Model path (default: the default model, or a fresh one)")
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--batch-size", type=int, default=FinetuneConfig().batch_size)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--conversations", type=int, default=2000)
    parser.add_argument("--mode", choices=["packing", "padding"], help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    if args.mode:  # the child process: one mode, its figures as JSON on the last line
        print(json.dumps(run_mode(args.mode, args)))
        return
    results = []
    for mode in ("packing", "padding"):
        argv = [sys.executable, "-m", "bench.training", "--mode", mode, "--steps", str(args.steps)]
        argv += ["--batch-size", str(args.batch_size), "--max-length", str(args.max_length)]
        argv += ["--conversations", str(args.conversations)] + (["--model", args.model] if args.model else [])
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    packing, padding = results
    print(
        f"LoRA fine-tuning, {args.steps} steps of batch {args.batch_size}, rows up to {packing['max_length']} tokens"
    )
    print(f"{'':<24}{'packing':>12}{'padding':>12}{'ratio':>10}")
    for key, fmt in [
        ("tokens_per_s", "{:.0f}"),
        ("trained_tokens_per_s", "{:.0f}"),
        ("seconds", "{:.1f}"),
        ("tokens", "{:.0f}"),
        ("peak_rss_mb", "{:.0f}"),
    ]:
        ratio = packing[key] / padding[key] if padding[key] else float("nan")
        print(f"{key:<24}{fmt.format(packing[key]):>12}{fmt.format(padding[key]):>12}{ratio:>9.2f}x")


if __name__ == "__main__":
    main()
