"""A team's own tickets, through README's own-data path, against the bot's own best source.

    python -m bench.own_data [--set second|third|sample] [--tickets 2000] [--held-out 300] [--keep DIR]

Every step is the `supportbot` command a team would type, in a fresh SUPPORTBOT_HOME, timed:
`tickets import`, `index build`, `train base --data`, `train run --data` (its report: before vs
after on the held-out questions), `model promote` (which may refuse), then `supportbot ask
--file` on the held-out questions, on two-turn follow-up threads and on changes of subject (a
held-out question asked after another request's first turn). The answers are scored in
the same run against the top-ticket baseline: each held-out question answered with its best
retrieved ticket, as the bot would show it.

Sets: ``second`` (default) is Larkspur & Co (bench/second_shop/), a shop the bundled sample's
generator does not produce: other intents, wordings, agents' styles, a policy change; its
newest tickets are held out. ``third`` is Brightwire, a broadband and mobile provider
(bench/third_set/), as a Zendesk export with internal notes and customers' later messages,
imported and learned from the export itself; written apart from the project's rules and run
once to check them. ``sample`` is the bundled Brindle Home sample (its tickets, its
conversations, its 420 held-out questions).

"Right request": the answer contains every keyphrase of the question's intent (the intent's
procedure named, as in the fine-tune's report). Printed: right request and token F1 of the bot's
answers and of the top ticket, outcomes, follow-ups and new subjects beside single turns, the
fine-tune's before and after, the calibrated floors, and each step's seconds. Written to bench/results/own_data-SET.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"


def supportbot(args: list[str], *, env: dict[str, str], log: Path, stdout: Path | None = None) -> float:
    """Run one `supportbot` command; its seconds. Output goes to ``log`` (``stdout`` to a file)."""
    started = time.perf_counter()
    cmd = [sys.executable, "-m", "supportbot", *args]
    with log.open("a") as err:
        err.write(f"\n$ supportbot {' '.join(args)}\n")
        err.flush()
        out = stdout.open("w") if stdout else err
        try:
            code = subprocess.run(cmd, env=env, stdout=out, stderr=err, cwd=env["SUPPORTBOT_HOME"]).returncode
        finally:
            if stdout:
                out.close()
    seconds = time.perf_counter() - started
    print(f"  supportbot {' '.join(args)[:100]}  ({seconds:.0f} s, exit {code})", flush=True)
    if code not in (0, 3) and args[:2] != ["model", "promote"]:  # 3: some rows failed to import
        raise Failed(f"`supportbot {' '.join(args)}` failed: see {log}")
    return seconds


class Failed(Exception):
    """A command exited with an error."""


SETS = ("second", "third", "sample")
# each set's held-out questions
QUESTIONS = {"sample": "eval_questions.jsonl", "second": "held_out.jsonl", "third": "held_out.jsonl"}


def ticket_intents(name: str, folder: Path) -> dict[str, str]:
    """Which request each of a prepared set's tickets is about, by the id the index gives the
    ticket (for the benchmark only)."""
    if name == "sample":
        return {
            (r := json.loads(line))["id"]: r["intent"]
            for line in (folder / "tickets.jsonl").read_text().splitlines()
            if line.strip()
        }
    labels = json.loads((folder / "ticket_intents.json").read_text())
    if name == "third":  # a Zendesk export: `tickets import` names its tickets zendesk-<id>
        return {f"zendesk-{k}": v for k, v in labels.items()}
    return labels


def shown_replies(name: str, raw: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(request, reply) as the bot could show them: no past customer's or agent's name
    (signatures learned as an import learns them)."""
    from supportbot.core.salutation import learn_signatures, neutral_reply

    signatures = learn_signatures(text for _, text in raw)
    return [(intent, neutral_reply(text, signatures)) for intent, text in raw]


def prepare_set(name: str, folder: Path, *, tickets: int, held_out: int) -> dict[str, Any]:
    """The set's files and how the commands read them."""
    if name == "sample":
        for f in (
            "tickets.jsonl",
            "conversations.jsonl",
            "eval_questions.jsonl",
            "intents.json",
            "followups.jsonl",
        ):
            shutil.copy(SAMPLE / f, folder / f)
        sample_rows = [
            json.loads(line) for line in (folder / "tickets.jsonl").read_text().splitlines() if line.strip()
        ]
        return {
            "replies": [(r["intent"], r["resolution"]) for r in sample_rows],
            "import": ["tickets", "import", str(folder / "tickets.jsonl")],
            "base_data": [],  # the sample's earlier era, train base's default
            "run_data": [],  # its newer era with the earlier replayed, train run's default
            "questions": folder / QUESTIONS[name],
            "followups": folder / "followups.jsonl",
            "ticket_intents": ticket_intents(name, folder),
        }
    if name == "third":
        return prepare_third(folder, tickets=tickets, held_out=held_out)
    from bench.second_shop.generate import write

    counts = write(folder, tickets=tickets, held_out=held_out)
    print(f"  second shop: {counts}")
    fields = ["--id-field", "Ticket ID", "--question-field", "Subject", "--question-field", "Description"]
    fields += ["--answer-field", "Public reply", "--category-field", "Tags", "--created-field", "Created"]
    chats = str(folder / "chats.jsonl")
    import csv

    labels = ticket_intents(name, folder)
    with (folder / "tickets.csv").open(newline="") as handle:
        raw = [
            (labels[r["Ticket ID"]], r["Public reply"])
            for r in csv.DictReader(handle)
            if r["Public reply"].strip()
        ]
    return {
        "replies": shown_replies(name, raw),
        "import": ["tickets", "import", str(folder / "tickets.csv"), *fields],
        "base_data": ["--data", chats],
        "run_data": ["--data", chats],
        "questions": folder / QUESTIONS[name],
        "followups": folder / "followups.jsonl",
        "ticket_intents": labels,
    }


def prepare_third(folder: Path, *, tickets: int, held_out: int) -> dict[str, Any]:
    """Brightwire's Zendesk export: imported and learned as it is (`train --data` reads the
    export as `tickets import` does), no columns to name, no chat file made from it."""
    from bench.third_set.generate import write
    from supportbot.retrieval.formats import read_items
    from supportbot.retrieval.sources import Record

    counts = write(folder, tickets=tickets, held_out=held_out)
    print(f"  third set: {counts}")
    export = folder / "tickets.json"
    labels = ticket_intents("third", folder)
    raw = [(labels[r.external_id], r.resolution) for r in read_items(export) if isinstance(r, Record)]
    return {
        "replies": shown_replies("third", raw),
        "import": ["tickets", "import", str(export)],
        "base_data": ["--data", str(export)],
        "run_data": ["--data", str(export)],
        "questions": folder / QUESTIONS["third"],
        "followups": folder / "followups.jsonl",
        "ticket_intents": labels,
    }


def score(answers: list[str], items: list[Any]) -> dict[str, Any]:
    from supportbot.training.scores import score_answers

    return score_answers(answers, items)["all"]


def top_ticket_answers(home: Path, questions: list[str], *, request_weight: float | None = None) -> list[str]:
    """Each question answered with its first retrieved ticket, as the bot shows it: ranked as the
    bot ranks (by similarity and request, retrieval.requests), or with ``request_weight`` 0 by
    similarity alone (the nearest past question's ticket)."""
    os.environ["SUPPORTBOT_HOME"] = str(home)
    from supportbot.core.context import AppContext
    from supportbot.training.baseline import top_ticket_answers as tops

    ctx = AppContext.open()
    settings = ctx.settings
    if request_weight is not None:
        settings = settings.model_copy(update={"request_weight": request_weight})
    got = tops(settings, ctx.sessions, questions)
    assert got is not None
    return got


def ceiling(replies: list[tuple[str, str]], items: list[Any], *, per_intent: int = 40) -> dict[str, Any]:
    """What no choice of a past reply can beat: each question answered with the right request
    every time, in the team's most typical reply for it (the reply closest, by token F1, to the
    other replies of that request); beside it a random reply of the right request."""
    import random
    from collections import defaultdict

    from supportbot.core.scoring import token_f1

    rng = random.Random(0)
    by_intent: dict[str, list[str]] = defaultdict(list)
    for intent, text in replies:
        by_intent[intent].append(text)
    typical: dict[str, str] = {}
    anyone: dict[str, str] = {}
    assembled: dict[str, str] = {}
    for intent, texts in by_intent.items():
        pool = rng.sample(texts, min(per_intent, len(texts)))
        typical[intent] = max(pool, key=lambda a: sum(token_f1(a, b) for b in pool))
        anyone[intent] = rng.choice(texts)
        assembled[intent] = best_of_sentences(pool)
    return {
        "typical_reply": score([typical.get(i.intent, "") for i in items], items),
        "a_reply_of_the_request": score([anyone.get(i.intent, "") for i in items], items),
        "best_of_its_sentences": score([assembled.get(i.intent, "") for i in items], items),
    }


def best_of_sentences(replies: list[str]) -> str:
    """What a model that words answers from a request's past replies could at best say, judged
    as the report judges: the request's own sentences, added one at a time while the average
    token F1 against those replies rises (greedy). An oracle: it knows the request."""
    import re

    from supportbot.core.scoring import token_f1

    sentences = list(dict.fromkeys(
        s.strip() for reply in replies for s in re.split(r"(?<=[.!?])\s+|\n+", reply) if s.strip()
    ))  # fmt: skip

    def fit(text: str) -> float:
        return sum(token_f1(text, r) for r in replies) / len(replies)

    chosen: list[str] = []
    best = 0.0
    while True:
        trials = [(fit(" ".join([*chosen, s])), s) for s in sentences if s not in chosen]
        gain = max(trials, default=(0.0, ""))
        if gain[0] <= best + 1e-4:
            return " ".join(chosen)
        best = gain[0]
        chosen.append(gain[1])


def said_up_front(log: Path) -> dict[str, float]:
    """What `train base` and `train run` said they would take (their "expect about N min" line),
    in seconds, to set beside what they took."""
    import re

    said: dict[str, float] = {}
    for m in re.finditer(r"^train (base|run): .*?expect about ([\d.]+) min", log.read_text(), re.M):
        said[f"train {m.group(1)}"] = round(float(m.group(2)) * 60, 1)
    return said


def read_answers(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {r["id"]: r for r in rows}


def top_source_right(
    answers: list[dict[str, Any]], intents: list[str | None], ticket_intents: dict[str, str]
) -> float:
    """Share of answers whose first source ticket is about the question's request."""
    hits = [
        bool(a["sources"]) and ticket_intents.get(a["sources"][0]["id"]) == want
        for a, want in zip(answers, intents, strict=True)
    ]
    return round(sum(hits) / max(1, len(hits)), 3)


def new_subject_threads(
    questions: list[dict[str, Any]], threads: list[dict[str, Any]], *, n: int = 100, seed: int = 0
) -> list[dict[str, Any]]:
    """Held-out questions asked in a thread after another request's first turn (a follow-up
    thread's): a change of subject, to be searched on its own words, not the thread's."""
    import random

    rnd = random.Random(seed)
    out = []
    for i, q in enumerate(questions[:n]):
        other = rnd.choice([t for t in threads if t["intent"] != q.get("intent")])
        first = next(turn for turn in other["turns"] if isinstance(turn, str))
        out.append({"id": f"new-{i + 1}", "turns": [first, q.get("question") or q.get("query")]})
    return out


def ask_new_subjects(
    rows: list[dict[str, Any]], items: list[Any], threads: list[dict[str, Any]], *, work: Path,
    env: dict[str, str], log: Path, seconds: dict[str, float], ticket_intents: dict[str, str], n: int = 100,
) -> dict[str, Any] | None:  # fmt: skip
    """Right request of the second turn, and of its first source, beside the same questions
    asked alone (the held-out answers); ``threads``: the follow-up threads, whose first turns
    open them."""
    asked = new_subject_threads(rows, threads, n=n)
    path, answers = work / "data" / "new_subject.jsonl", work / "new_subject.answers.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in asked))
    try:
        seconds["ask (new subjects)"] = supportbot(
            ["ask", "--file", str(path), "--json"], env=env, log=log, stdout=answers
        )
    except Failed as exc:
        print(f"  new subjects not measured: {exc}")
        return None
    got = read_answers(answers)
    replies = [got[t["id"]] for t in asked]
    return {
        "n": len(asked),
        "right_request": score([r["answer"] for r in replies], items[: len(asked)])["keyphrase_accuracy"],
        "top_source_right": top_source_right(
            replies, [i.intent for i in items[: len(asked)]], ticket_intents
        ),
    }


def outcomes(rows: list[dict[str, Any]]) -> dict[str, float]:
    from collections import Counter

    counts = Counter(r["outcome"] for r in rows)
    return {k: round(v / max(1, len(rows)), 3) for k, v in sorted(counts.items())}


def set_arguments(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's command line with the set to write and its sizes (as this one writes them)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=SETS, default="second")
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--held-out", type=int, default=300)
    return parser


def main() -> None:
    parser = set_arguments(__doc__)
    parser.add_argument("--threads", type=int, default=2, help="torch threads of each command")
    parser.add_argument(
        "--keep", type=Path, help="Work in this folder and keep it (default: a temporary one)."
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--skip-training", action="store_true", help="Reuse the models in --keep.")
    parser.add_argument(
        "--skip-base",
        action="store_true",
        help="Reuse the tickets, index and base model in --keep; fine-tune again.",
    )
    args = parser.parse_args()

    work = args.keep or Path(tempfile.mkdtemp(prefix="own-data-"))
    work.mkdir(parents=True, exist_ok=True)
    home, data, log = work / "home", work / "data", work / "commands.log"
    home.mkdir(exist_ok=True)
    data.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "SUPPORTBOT_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "OMP_NUM_THREADS": str(args.threads),
        # This tree's own code (src layout), whatever else is installed.
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    print(f"{args.set}: working in {work}")
    files = prepare_set(args.set, data, tickets=args.tickets, held_out=args.held_out)
    seconds: dict[str, float] = {}
    version = None
    if not args.skip_training:
        if not args.skip_base:
            seconds["db upgrade"] = supportbot(["db", "upgrade"], env=env, log=log)
            seconds["tickets import"] = supportbot(files["import"], env=env, log=log)
            seconds["index build"] = supportbot(["index", "build"], env=env, log=log)
            seconds["train base"] = supportbot(["train", "base", *files["base_data"]], env=env, log=log)
        run_args = ["train", "run", *files["run_data"], "--eval-questions", str(files["questions"])]
        seconds["train run"] = supportbot(run_args, env=env, log=log)
        listing = work / "versions.json"
        supportbot(["model", "list", "--json"], env=env, log=log, stdout=listing)
        version = json.loads(listing.read_text())[0]["name"]  # newest first: this run's candidate
        seconds["model promote"] = supportbot(["model", "promote", version], env=env, log=log)
    answers_file = work / "answers.jsonl"
    seconds["ask (held-out)"] = supportbot(
        ["ask", "--file", str(files["questions"]), "--json"], env=env, log=log, stdout=answers_file
    )

    from supportbot.training.eval_set import load_eval_items

    items = load_eval_items(files["questions"], intents_path=files["questions"].parent / "intents.json")
    by_id = read_answers(answers_file)
    rows = [json.loads(line) for line in files["questions"].read_text().splitlines() if line.strip()]
    bot = [by_id[str(r.get("id", i + 1))]["answer"] for i, r in enumerate(rows)]
    tops = top_ticket_answers(home, [i.question for i in items])
    nearest = top_ticket_answers(home, [i.question for i in items], request_weight=0)
    result: dict[str, Any] = {
        "set": args.set,
        "questions": len(items),
        "bot": score(bot, items),
        "top_ticket": score(tops, items),
        "nearest_ticket": score(nearest, items),
        "ceiling": ceiling(files["replies"], items),
        "outcomes": outcomes(list(by_id.values())),
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
    }
    result["seconds"]["training (base + run)"] = round(
        seconds.get("train base", 0) + seconds.get("train run", 0), 1
    )
    result["said_up_front"] = said_up_front(log)
    if files.get("followups") and Path(files["followups"]).exists():
        follow_file = work / "followups.answers.jsonl"
        try:
            seconds["ask (follow-ups)"] = supportbot(
                ["ask", "--file", str(files["followups"]), "--json"], env=env, log=log, stdout=follow_file
            )
        except Failed as exc:
            print(f"  follow-ups not measured: {exc}")
            follow_file = None
        intents = {
            i["intent"]: i for i in json.loads((files["questions"].parent / "intents.json").read_text())
        }
        from supportbot.training.eval_set import EvalItem

        threads = [
            json.loads(line) for line in Path(files["followups"]).read_text().splitlines() if line.strip()
        ]
        f_items = [
            EvalItem(
                question=t["turns"][-1],
                reference="",
                intent=t["intent"],
                keyphrases=intents[t["intent"]]["keyphrases"],
            )
            for t in threads
        ]
        if follow_file is not None:
            got = read_answers(follow_file)
            f_score = score([got[t["id"]]["answer"] for t in threads], f_items)
            ticket_intents = files["ticket_intents"]
            result["followups"] = {
                "n": len(threads),
                "right_request": f_score["keyphrase_accuracy"],
                # The follow-up's closest ticket is about the first turn's request.
                "top_source_right": top_source_right(
                    [got[t["id"]] for t in threads], [t["intent"] for t in threads], ticket_intents
                ),
            }
            result["single_turn_top_source_right"] = top_source_right(
                [by_id[str(r.get("id", i + 1))] for i, r in enumerate(rows)],
                [i.intent for i in items],
                ticket_intents,
            )
        result["new_subject"] = ask_new_subjects(
            rows, items, threads, work=work, env=env, log=log, seconds=seconds,
            ticket_intents=files["ticket_intents"],
        )  # fmt: skip
    manifest = home / "models" / "adapters" / (version or "v1") / "supportbot.json"
    if manifest.exists():
        m = json.loads(manifest.read_text())["metrics"]
        result["finetune"] = {
            "before": m.get("before"),
            "after": {k: m.get(k) for k in ("answer_f1", "keyphrase_accuracy", "invented_identifier_rate")},
            "as_sent": m.get("as_sent"),
            "baseline": m.get("baseline"),
            "version": version,
            "calibration": m.get("calibration"),
            "steps": m.get("steps"),
            "train_seconds": m.get("train_seconds"),
        }
    report(result, Path(args.out) / f"own_data-{args.set}")


def report(result: dict[str, Any], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    b, t, n, c = result["bot"], result["top_ticket"], result["nearest_ticket"], result["ceiling"]
    lines = [
        f"# own data: {result['set']} ({result['questions']} held-out questions)",
        "",
        "| | right request | token F1 | ROUGE-L | invented ids |",
        "|---|---:|---:|---:|---:|",
        f"| nearest ticket (similarity alone) | {n['keyphrase_accuracy']:.3f} | {n['f1']:.3f} | {n['rouge_l']:.3f} | {n['invented_identifier_rate']:.3f} |",
        f"| the bot's top ticket (baseline) | {t['keyphrase_accuracy']:.3f} | {t['f1']:.3f} | {t['rouge_l']:.3f} | {t['invented_identifier_rate']:.3f} |",
        f"| **the bot, as sent** | **{b['keyphrase_accuracy']:.3f}** | **{b['f1']:.3f}** | {b['rouge_l']:.3f} | {b['invented_identifier_rate']:.3f} |",
        f"| (a past reply of the right request) | {c['a_reply_of_the_request']['keyphrase_accuracy']:.3f} | {c['a_reply_of_the_request']['f1']:.3f} | | |",
        f"| (the request's most typical past reply: the ceiling of showing a ticket) | {c['typical_reply']['keyphrase_accuracy']:.3f} | {c['typical_reply']['f1']:.3f} | | |",
        f"| (the best answer made of the request's own sentences: an oracle) | {c['best_of_its_sentences']['keyphrase_accuracy']:.3f} | {c['best_of_its_sentences']['f1']:.3f} | | |",
        "",
        f"outcomes: {result['outcomes']}",
    ]
    if "followups" in result:
        lines.append(
            f"follow-ups (second turn of {result['followups']['n']} threads): right request {result['followups']['right_request']:.3f}"
        )
    if result.get("new_subject"):
        ns = result["new_subject"]
        lines.append(
            f"new subjects (a held-out question after another request's first turn, {ns['n']} threads):"
            f" right request {ns['right_request']:.3f}, first source {ns['top_source_right']:.3f}"
        )
    if "finetune" in result:
        lines.append(f"fine-tune: {json.dumps(result['finetune'])}")
    lines.append(f"seconds: {json.dumps(result['seconds'])}")
    if result.get("said_up_front"):
        lines.append(f"said up front (seconds): {json.dumps(result['said_up_front'])}")
    text = "\n".join(lines)
    print(text)
    out.with_suffix(".md").write_text(text + "\n")
    out.with_suffix(".json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
