"""Which search a second turn in a thread takes (usecases.followup), on a kept own-data run.

    python -m bench.followup_routing --keep DIR [--set second|third|sample]

DIR is a folder kept by ``python -m bench.own_data --set SET --keep DIR`` (its index, tickets and
data). No model is asked: each second turn is searched alone and with its thread, in one batch,
as the bot searches it, and the first hit's request is read from the set's labels. Side by side,
in the same run:

- ``score rule``: the thread's hits when the question alone finds less than 0.85 of what it finds
  with the thread (``pick`` without the question: the rule before the cues);
- ``with cues``: the same, and the thread whenever it finds more for a question that refers back
  (``refers_back``: short, with a connective or a pronoun pointing back, or a few words);
- the thread always, and the question alone always (the two bounds).

On four kinds of second turns:

- the set's follow-up threads (its ``followups.jsonl``: 10 wordings, which the cues were written
  against);
- its changes of subject (a held-out question after another request's first turn, as
  bench.own_data asks them);
- ``followup_phrasings.jsonl``'s 60 follow-ups, written apart from the cues and before they were
  measured on them, each after two of the set's first turns;
- its 40 changes of subject, written the same way, about a shop's common topics (some the set
  has no ticket for): the share searched on their own words, the right search for a subject the
  thread never named (with nothing close, the confidence gate hands it over; searched with the
  thread, it is answered about the first subject).

Written to bench/results/followup_routing-SET.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PHRASINGS = Path(__file__).resolve().parent / "followup_phrasings.jsonl"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def threads(data: Path, questions: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """``{"kind": [{"first", "question", "intent" (the right request; None: unknown)}]}``."""
    from bench.own_data import new_subject_threads

    follow = _jsonl(data / "followups.jsonl")
    firsts = [(t["turns"][0], t["intent"]) for t in follow]
    phrasings = _jsonl(PHRASINGS)
    out: dict[str, list[dict[str, Any]]] = {
        "follow-ups (the set's)": [
            {"first": t["turns"][0], "question": t["turns"][1], "intent": t["intent"]} for t in follow
        ],
        "changes of subject (the set's)": [
            {"first": t["turns"][0], "question": t["turns"][1], "intent": q["intent"]}
            for t, q in zip(new_subject_threads(questions, follow), questions, strict=False)
        ],
        "follow-ups (written apart)": [],
        "changes of subject (written apart)": [],
    }
    for i, p in enumerate(phrasings):
        for j in range(2):  # two first turns each, spread over the set's requests
            first, intent = firsts[(3 * i + 41 * j) % len(firsts)]
            kind = "follow-ups" if p["kind"] == "followup" else "changes of subject"
            out[f"{kind} (written apart)"].append(
                {"first": first, "question": p["text"], "intent": intent if kind == "follow-ups" else None}
            )
    return out


def ids(hits: list[Any]) -> list[str]:
    return [h.external_id for h in hits]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keep", type=Path, required=True, help="A folder kept by bench.own_data.")
    parser.add_argument("--set", choices=["second", "third", "sample"], default="second")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    os.environ["SUPPORTBOT_HOME"] = str(args.keep / "home")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from supportbot.core.context import AppContext
    from supportbot.training.baseline import open_retriever
    from supportbot.usecases.followup import pick, thread_query

    ctx = AppContext.open()
    retriever = open_retriever(ctx.settings, ctx.sessions)
    if retriever is None:
        raise SystemExit(f"no index in {args.keep / 'home'}: run bench.own_data --keep there first")
    from bench.own_data import QUESTIONS, ticket_intents

    data = args.keep / "data"
    ticket_intent, questions = ticket_intents(args.set, data), _jsonl(data / QUESTIONS[args.set])
    Rule = Callable[[list[Any], list[Any], str], list[Any]]
    rules: dict[str, Rule] = {
        "score rule": lambda alone, thread, q: pick(alone, thread),
        "with cues": lambda alone, thread, q: pick(alone, thread, question=q),
        "thread always": lambda alone, thread, q: thread,
        "alone always": lambda alone, thread, q: alone,
    }
    result: dict[str, Any] = {"set": args.set, "kinds": {}}
    for kind, turns in threads(data, questions).items():
        searched = retriever.search_many(
            [s for t in turns for s in (t["question"], thread_query(t["question"], [t["first"]]))], k=8
        )
        row: dict[str, Any] = {"n": len(turns)}
        for name, rule in rules.items():
            chosen = [rule(searched[2 * i], searched[2 * i + 1], t["question"]) for i, t in enumerate(turns)]
            if turns[0]["intent"] is not None:
                right = [
                    bool(c) and ticket_intent.get(c[0].external_id) == t["intent"]
                    for c, t in zip(chosen, turns, strict=True)
                ]
                row[name] = round(sum(right) / len(turns), 3)
            else:  # the share searched on its own words
                own = [ids(c) == ids(searched[2 * i]) for i, c in enumerate(chosen)]
                row[name] = round(sum(own) / len(turns), 3)
        result["kinds"][kind] = row
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    lines = [
        f"# Second turns in a thread: which search ({args.set})",
        "",
        "Right request of the first hit; for the changes of subject written apart (no labels), the "
        "share searched on their own words.",
        "",
        "| second turns | n | " + " | ".join(rules) + " |",
        "|---|---:|" + "---:|" * len(rules),
    ]
    for kind, row in result["kinds"].items():
        lines.append(f"| {kind} | {row['n']} | " + " | ".join(f"{row[r]:.3f}" for r in rules) + " |")
    (out / f"followup_routing-{args.set}.json").write_text(json.dumps(result, indent=1))
    (out / f"followup_routing-{args.set}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
