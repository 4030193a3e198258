"""Which questions the confidence gate is set on: the calibration questions or the team's tickets.

    python -m bench.gate_pool [--set second|third|sample] [--keep DIR]

The gate hands a question to a person when even its closest ticket scores under it; `train`
sets it where ``GATE_SHARE`` (2%) of a pool of the team's answerable questions would fall under
it (training.calibration.gate_score). Side by side in one run, with the set's tickets imported
and indexed through the product (`db upgrade`, `tickets import`, `index build`; no model):

- ``calibration questions``: the pool `train` used alone before, `train base`'s calibration split
  (about 100 conversations, each as worded and thinned; a fine-tune calibrates on its own split,
  of its own size): 2% of ~200 scores is 4 questions, so one or two odd ones move the gate;
- ``team's tickets``: up to 500 of the imported tickets, each searched with its customer's words
  as worded and thinned, its own ticket left out, and none of the report's questions' own
  (training.calibration.ticket_pool_scores);
- the same tickets as worded only (a ticket's own words score higher than a new customer's);
- ``both``: the calibration questions and the tickets, what `train` sets the gate on.

For each gate, how many are handed over of: the held-out questions (answerable: every one has
tickets of its request; and of those whose first source is right, the answers the gate loses);
second turns in threads, searched as the bot searches them (usecases.followup.pick) — the set's
follow-ups and changes of subject, and bench/followup_phrasings.jsonl's, written apart (some of
its changes of subject are about topics the set has no ticket for); and 30 questions no shop's
history answers (bench.calibrate_gate.OUT_OF_DOMAIN), which the gate should hand over.

Written to bench/results/gate_pool-SET.{json,md}.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.own_data import prepare_set, set_arguments, supportbot

ROOT = Path(__file__).resolve().parents[1]


def setup(name: str, work: Path, *, tickets: int, held_out: int) -> tuple[Path, dict[str, Any]]:
    """The set's files, and a SUPPORTBOT_HOME with them imported and indexed (reused when there)."""
    home, data, log = work / "home", work / "data", work / "commands.log"
    home.mkdir(parents=True, exist_ok=True)
    data.mkdir(exist_ok=True)
    files = prepare_set(name, data, tickets=tickets, held_out=held_out)
    env = {
        **os.environ,
        "SUPPORTBOT_HOME": str(home),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }
    if not (home / "index").exists():
        for command in (["db", "upgrade"], files["import"], ["index", "build"]):
            supportbot(command, env=env, log=log)
    return home, files


def under(scores: list[float | None], gate: float) -> int:
    """How many of these closest-ticket scores the gate hands over (usecases.decide.gate)."""
    return sum(1 for s in scores if s is None or s < gate)


def main() -> None:
    parser = set_arguments(__doc__)
    parser.add_argument(
        "--keep", type=Path, help="Work in this folder and keep it (default: a temporary one)."
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="gate-pool-"))
    home, files = setup(args.set, work, tickets=args.tickets, held_out=args.held_out)
    os.environ["SUPPORTBOT_HOME"] = str(home)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from bench.calibrate_gate import OUT_OF_DOMAIN
    from bench.followup_routing import _jsonl, threads
    from supportbot.core.context import AppContext
    from supportbot.training.base_checks import calibration_plan
    from supportbot.training.baseline import open_retriever
    from supportbot.training.calibration import gate_score, reworded, ticket_pool_scores
    from supportbot.training.context import Tickets, tickets_for
    from supportbot.training.eval_set import load_eval_items
    from supportbot.usecases.followup import pick, thread_query

    ctx = AppContext.open()
    settings = ctx.settings
    retriever = open_retriever(settings, ctx.sessions)
    assert retriever is not None, "the index was built above"
    plan = calibration_plan([p for p in files["run_data"] if p != "--data"], sessions=ctx.sessions)
    k = max(1, plan.config.tickets, settings.retrieval_k)

    calibration = [*plan.sets.calibration, *reworded(plan.sets.calibration, seed=plan.config.seed)]
    apart = [i.id for i in plan.sets.report]  # as calibrate_checks: the report's questions
    pools = {
        "calibration questions": tickets_for(
            retriever, [i.question for i in calibration], k=k, ids=[i.id for i in calibration]
        ).closest,
        "team's tickets": ticket_pool_scores(retriever, k=k, seed=plan.config.seed, leave_out=apart),
        "team's tickets as worded": ticket_pool_scores(retriever, k=k, thinned_too=False, leave_out=apart),
    }
    pools["both, what train uses"] = [*pools["calibration questions"], *pools["team's tickets"]]
    gates = {
        name: gate_score(scores, configured=settings.escalate_below_score) for name, scores in pools.items()
    }

    data = Path(files["questions"]).parent
    items = load_eval_items(files["questions"], intents_path=data / "intents.json")
    held = retriever.search_many([i.question for i in items], k=k)
    held_scores = Tickets(held).closest
    labels = files["ticket_intents"]
    right_first = [
        bool(row) and labels.get(row[0].external_id) == i.intent for row, i in zip(held, items, strict=True)
    ]
    groups: dict[str, list[float | None]] = {"held-out questions": held_scores}
    groups["held-out, first source right"] = [s for s, ok in zip(held_scores, right_first, strict=True) if ok]
    for kind, turns in threads(data, _jsonl(Path(files["questions"]))).items():
        searched = retriever.search_many(
            [s for t in turns for s in (t["question"], thread_query(t["question"], [t["first"]]))], k=k
        )
        chosen = [
            pick(searched[2 * n], searched[2 * n + 1], question=t["question"]) for n, t in enumerate(turns)
        ]
        groups[kind] = Tickets(chosen).closest
    groups["out of domain (should be handed over)"] = Tickets(
        retriever.search_many(OUT_OF_DOMAIN, k=k)
    ).closest

    result: dict[str, Any] = {
        "set": args.set,
        "pools": {name: len([s for s in scores if s is not None]) for name, scores in pools.items()},
        "gates": gates,
        "handed_over": {
            group: {"n": len(scores), **{name: under(scores, gate) for name, gate in gates.items()}}
            for group, scores in groups.items()
        },
    }
    lines = [
        f"# The confidence gate's pool ({args.set})",
        "",
        "| | " + " | ".join(f"{name} ({result['pools'][name]} scores)" for name in gates) + " |",
        "|---|---:|" + "---:|" * (len(gates) - 1),
        "| gate (closest-ticket score) | " + " | ".join(f"{g:.3f}" for g in gates.values()) + " |",
    ]
    for group, row in result["handed_over"].items():
        cells = " | ".join(f"{row[name]} of {row['n']}" for name in gates)
        lines.append(f"| handed over: {group} | {cells} |")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"gate_pool-{args.set}.json").write_text(json.dumps(result, indent=1))
    (out / f"gate_pool-{args.set}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
