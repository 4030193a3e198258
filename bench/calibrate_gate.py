"""Calibrate the bot's confidence gate on the sample data: when should it hand over to a human?

    python -m bench.calibrate_gate [--model PATH] [--limit 420]

Two signals decide (usecases/decide.py): the closest ticket's retrieval score
(SUPPORTBOT_ESCALATE_BELOW_SCORE) and the answer's mean token log-probability
(SUPPORTBOT_ESCALATE_BELOW_LOGPROB). This script asks
  * the held-out in-domain questions of the sample (data/sample/eval_questions.jsonl), whose
    answers are right when they contain every keyphrase of their intent, and
  * questions the shop's support history cannot answer (OUT_OF_DOMAIN below),
through the real retriever and the real model server, and prints, for candidate thresholds, the
share of in-domain questions answered, of wrong answers caught, and of out-of-domain questions
handed over, in one table — the figures behind the defaults in core/settings.py.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

OUT_OF_DOMAIN = [
    "What is the capital of Australia?",
    "Can you recommend a good pasta recipe for tonight?",
    "Who won the football match last night?",
    "Write me a poem about autumn leaves.",
    "How do I file my income tax return?",
    "What's the weather going to be like tomorrow?",
    "Can you help me with my maths homework on derivatives?",
    "Is it safe to invest in cryptocurrency right now?",
    "How many calories are in a banana?",
    "What time does the train to Manchester leave?",
    "Translate 'good morning' into Japanese.",
    "My car makes a grinding noise when I brake, what is wrong?",
    "Can you book me a table for two at an Italian restaurant?",
    "What's the best way to learn the guitar as an adult?",
    "How do I renew my passport?",
    "Which programming language should I learn first?",
    "My dog keeps barking at night, any tips?",
    "Explain how black holes form.",
    "What is the meaning of life?",
    "How do I get a refund from my airline for a cancelled flight?",
    "Can you tell me a joke?",
    "How do I unclog a bathroom sink?",
    "What are the symptoms of the flu?",
    "Recommend a science fiction novel.",
    "How long should I boil an egg?",
    "What's the exchange rate between euros and dollars today?",
    "How do I change the oil in my motorbike?",
    "Can you write a cover letter for a job application?",
    "How do I grow tomatoes on a balcony?",
    "Which phone contract is cheapest in Germany?",
]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", help="Model path (default: the default model)")
    parser.add_argument("--limit", type=int, default=420)
    args = parser.parse_args()

    from bench.sample import sample_retriever
    from supportbot.core.prompt import build_messages
    from supportbot.core.settings import load_settings
    from supportbot.retrieval.embedder import load_embedder
    from supportbot.serving.embedded import EmbeddedServer
    from supportbot.usecases.model_client import ModelClient

    settings = load_settings()
    model_path = args.model or str(settings.default_base_model_dir)
    sample = ROOT / "data" / "sample"
    intents = {i["intent"]: i["keyphrases"] for i in json.loads((sample / "intents.json").read_text())}
    items = [json.loads(line) for line in (sample / "eval_questions.jsonl").read_text().splitlines() if line][
        : args.limit
    ]
    embedder = load_embedder()
    with tempfile.TemporaryDirectory() as tmp, EmbeddedServer(model_path, device="auto") as server:
        engine, _sessions, retriever = sample_retriever(Path(tmp), embedder)
        client = ModelClient(
            base_url=server.base_url, model="supportbot", max_tokens=settings.max_answer_tokens
        )

        def ask(question: str) -> tuple[float, float, str]:
            top = retriever.search(question, k=1)
            answer = client.complete(build_messages(question=question, history=[], tickets=[]))
            return (top[0].score if top else 0.0), (answer.mean_logprob or -99.0), answer.text

        inside = []
        for item in items:
            score, logprob, text = ask(item["question"])
            right = all(k.lower() in text.lower() for k in intents[item["intent"]])
            inside.append((score, logprob, right))
        outside = [ask(q)[:2] for q in OUT_OF_DOMAIN]
        engine.dispose()

    right = [x for x in inside if x[2]]
    wrong = [x for x in inside if not x[2]]
    print(
        f"in-domain: {len(inside)} questions, {len(right)} answered right by the model alone; "
        f"out-of-domain: {len(outside)}"
    )
    print(
        f"\n{'score <':>8} {'logprob <':>10} {'in-domain answered':>19} {'right kept':>11} "
        f"{'wrong caught':>13} {'out-of-domain handed over':>26}"
    )
    for score_t in (0.35, 0.40, 0.45, 0.50, 0.55):
        for lp_t in (-3.0, -2.0, -1.5, -1.0, -0.5):

            def passes(s: float, lp: float, st: float = score_t, lt: float = lp_t) -> bool:
                return s >= st and lp >= lt

            answered = sum(passes(s, lp) for s, lp, _ in inside) / len(inside)
            kept = sum(passes(s, lp) for s, lp, _ in right) / max(1, len(right))
            caught = sum(not passes(s, lp) for s, lp, _ in wrong) / max(1, len(wrong))
            handed = sum(not passes(s, lp) for s, lp in outside) / len(outside)
            print(
                f"{score_t:>8.2f} {lp_t:>10.1f} {answered:>19.1%} {kept:>11.1%} {caught:>13.1%} {handed:>26.1%}"
            )


if __name__ == "__main__":
    main()
