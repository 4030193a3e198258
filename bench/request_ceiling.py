"""How often can the request be read off a held-out question at all, and what F1 would that allow?

    python -m bench.request_ceiling [--set second|third|sample] [--threads 1]

`bench.own_data` measures the bot against its first source. Its F1 target (the first source's
+ 0.05) needs answers that both name the right request and word it as the agents would. This
measures the first half's limit with the default sentence-embedding model: a classifier fitted on
*every* ticket's true request (labels the benchmark's generator knows and a team does not have)
reads each held-out question, and the question is answered with the best the team's replies of
the request it read could say (an oracle's wording: `own_data.best_of_sentences`). Side by side
in one run: the nearest past question's reply (similarity alone, the baseline), the same
classifier cross-validated on the tickets' own wordings (the requests are learnable from them),
and the oracle that knows the request.

Nothing is trained or indexed through the product here; the set's files are written as
`bench.own_data` writes them (same generator, seeds and sizes).
"""

from __future__ import annotations

import csv
import json
import os
import random
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.own_data import QUESTIONS, best_of_sentences, prepare_set, score, set_arguments, shown_replies

ROOT = Path(__file__).resolve().parents[1]


def ticket_texts(name: str, folder: Path) -> list[tuple[str, str, str]]:
    """(request, the customer's words, reply) of every answered ticket of the set: close to what
    the index embeds (retrieval.rows.embed_text), not cleaned as an import cleans it, so the
    nearest reply here is near the product's nearest ticket, not the same figure."""
    if name == "sample":
        rows = [
            json.loads(line) for line in (folder / "tickets.jsonl").read_text().splitlines() if line.strip()
        ]
        return [(r["intent"], f"{r.get('subject', '')}. {r['question']}", r["resolution"]) for r in rows]
    labels = json.loads((folder / "ticket_intents.json").read_text())
    if name == "third":
        from supportbot.retrieval.formats import read_items
        from supportbot.retrieval.sources import Record

        return [
            (labels[r.external_id.removeprefix("zendesk-")], f"{r.question}. {r.body or ''}", r.resolution)
            for r in read_items(folder / "tickets.json")
            if isinstance(r, Record) and r.resolution.strip()
        ]
    with (folder / "tickets.csv").open(newline="") as handle:
        return [
            (labels[r["Ticket ID"]], f"{r['Subject']}. {r['Description']}", r["Public reply"])
            for r in csv.DictReader(handle)
            if r["Public reply"].strip()
        ]


def measure(name: str, folder: Path, *, tickets: int, held_out: int) -> dict[str, Any]:
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_score

    from supportbot.retrieval.embedder import TransformersEmbedder, packaged_model_path
    from supportbot.training.eval_set import load_eval_items

    prepare_set(name, folder, tickets=tickets, held_out=held_out)
    rows = ticket_texts(name, folder)
    items = load_eval_items(folder / QUESTIONS[name], intents_path=folder / "intents.json")
    labels = np.array([r[0] for r in rows])
    replies = [text for _, text in shown_replies(name, [(r[0], r[2]) for r in rows])]

    embedder = TransformersEmbedder(packaged_model_path(), name="all-MiniLM-L6-v2")
    tickets_v = embedder.encode([r[1] for r in rows], progress=True)
    questions_v = embedder.encode([i.question for i in items], progress=True)
    tickets_v /= np.linalg.norm(tickets_v, axis=1, keepdims=True)
    questions_v /= np.linalg.norm(questions_v, axis=1, keepdims=True)
    nearest = (questions_v @ tickets_v.T).argmax(axis=1)

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    tickets_w = words.fit_transform([r[1] for r in rows])
    questions_w = words.transform([i.question for i in items])
    # Embeddings weighted 2:1 over the words: the best of the weights 0.5, 1 and 2 on the second
    # shop. C=10 likewise (of 1, 10, 100); the table says what each reader gets.
    both_t = hstack([tickets_w, csr_matrix(tickets_v * 2)]).tocsr()
    both_q = hstack([questions_w, csr_matrix(questions_v * 2)]).tocsr()
    readers = {
        "embedding": (tickets_v, questions_v),
        "embedding + words": (both_t, both_q),
    }
    rng = random.Random(0)
    by_intent: dict[str, list[str]] = defaultdict(list)
    for intent, text in zip(labels, replies, strict=True):
        by_intent[str(intent)].append(text)
    best = {i: best_of_sentences(rng.sample(t, min(40, len(t)))) for i, t in by_intent.items()}

    result: dict[str, Any] = {
        "set": name,
        "tickets": len(rows),
        "questions": len(items),
        "requests": len(by_intent),
        "nearest_reply": score([replies[j] for j in nearest], items),
        "request_known": score([best[i.intent] for i in items], items),
    }
    truth = np.array([i.intent for i in items])
    for reader, (fit_x, ask_x) in readers.items():
        model = LogisticRegression(C=10, max_iter=3000)
        read = model.fit(fit_x, labels).predict(ask_x)
        result[reader] = {
            "request_read": float((read == truth).mean()),
            "tickets_cross_validated": float(
                cross_val_score(LogisticRegression(C=10, max_iter=3000), fit_x, labels, cv=5).mean()
            ),
            "answered": score([best.get(str(r), "") for r in read], items),
        }
    return result


def report(result: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    n, k = result["nearest_reply"], result["request_known"]
    lines = [
        f"# The request read off the question: {result['set']} set",
        "",
        f"{result['tickets']} tickets, {result['requests']} requests, {result['questions']} held-out questions.",
        "",
        "| reader | request read (held-out) | on the tickets' own wordings (5-fold) | right request | token F1 |",
        "|---|---:|---:|---:|---:|",
        f"| the nearest past question's reply (baseline) | | | {n['keyphrase_accuracy']:.3f} | {n['f1']:.3f} |",
    ]
    for reader in ("embedding", "embedding + words"):
        r = result[reader]
        a = r["answered"]
        lines.append(
            f"| classifier on every ticket's true request, {reader}; answered with the oracle's wording "
            f"| {r['request_read']:.3f} | {r['tickets_cross_validated']:.3f} | {a['keyphrase_accuracy']:.3f} | {a['f1']:.3f} |"
        )
    lines.append(
        f"| (the request known: the oracle's wording every time) | 1.000 | | {k['keyphrase_accuracy']:.3f} | {k['f1']:.3f} |"
    )
    text = "\n".join(lines) + "\n"
    out.with_suffix(".md").write_text(text)
    out.with_suffix(".json").write_text(json.dumps(result, indent=2))
    print(text)


def main() -> None:
    parser = set_arguments(__doc__)
    parser.add_argument("--threads", type=int, default=1, help="torch threads")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory(prefix="request-ceiling-") as tmp:
        result = measure(args.set, Path(tmp), tickets=args.tickets, held_out=args.held_out)
    report(result, Path(args.out) / f"request_ceiling-{args.set}")


if __name__ == "__main__":
    main()
