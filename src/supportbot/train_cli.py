"""`supportbot train|model`: training and the model registry (jobs and the worker: jobs_cli.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from supportbot.sentiment_cli import train_sentiment_cmd
from supportbot.training.calibration import gate_pool_note, not_earned_note
from supportbot.training.config import FinetuneConfig
from supportbot.training.config_flags import dataclass_options, set_flags
from supportbot.training.data import EARLIER_ERA

if TYPE_CHECKING:
    from supportbot.training.base_checks import CalibrationPlan


def _ctx(check_schema: bool = True):
    from supportbot.core.context import AppContext

    return AppContext.open(check_schema=check_schema)


# --- train ------------------------------------------------------------------------------------


@click.group()
def train() -> None:
    """Build the default model, fine-tune with LoRA, evaluate."""


@train.command("base")
@click.option("--size", type=click.Choice(["tiny", "small", "medium"]), default="small", show_default=True)
@click.option("--steps", type=int, default=None, help="Optimizer steps (default 800 for small).")
@click.option(
    "--data",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="Chat JSONL, question/answer CSV or a Zendesk/Freshdesk/Intercom export (default: the sample logs).",
)
@click.option(
    "--era",
    "eras",
    multiple=True,
    default=(EARLIER_ERA,),
    show_default=True,
    help="Sample-log eras to learn from.",
)
@click.option("--vocab-size", type=int, default=4096, show_default=True)
@click.option(
    "--tickets",
    type=int,
    default=2,
    show_default=True,
    help="Retrieved tickets in each example's prompt, as the bot shows them (0: none).",
)
@click.option(
    "--hold-newest",
    type=click.FloatRange(0, 0.9),
    default=0.2,
    show_default=True,
    help="With --data: the newest share of the conversations is left to `train run` (0: learn all).",
)
@click.option("--question-field", default="question", show_default=True, help="Q/A CSV: the question column.")
@click.option("--answer-field", default="resolution", show_default=True, help="Q/A CSV: the answer column.")
@click.option("--force", is_flag=True, help="Rebuild even if the default model exists.")
def base_cmd(
    size: str,
    steps: int | None,
    data: tuple[str, ...],
    eras: tuple[str, ...],
    vocab_size: int,
    tickets: int,
    hold_newest: float,
    question_field: str,
    answer_field: str,
    force: bool,
) -> None:
    """Train the default chat model from scratch on the bundled support logs (a few minutes on a CPU)."""
    from supportbot.training.default_model import DefaultModelConfig, train_default_model
    from supportbot.training.registry import register_version

    ctx = _ctx()
    out = ctx.settings.default_base_model_dir
    if (out / "config.json").exists() and not force:
        click.echo(f"the default model is already at {out} (use --force to rebuild it)")
        return
    config = DefaultModelConfig(
        size=size,
        vocab_size=vocab_size,
        eras=list(eras),
        tickets=tickets,
        hold_newest=hold_newest,
        question_field=question_field,
        answer_field=answer_field,
    )
    if data:
        config.data = list(data)
    if steps:
        config.steps = steps
    elif size == "tiny":
        config.steps = 200
    retriever = None
    if config.tickets:
        from supportbot.retrieval.search import Retriever

        try:  # the examples carry the tickets the bot would show (their own left out)
            retriever = Retriever.open(settings=ctx.settings, sessions=ctx.sessions)
        except Exception as exc:
            click.echo(f"tickets: none in the prompts ({exc})", err=True)
    plan, unplanned = None, None  # the calibration's split, gathered once: its answers are in the time said
    if retriever is not None:
        from supportbot.training.base_checks import calibration_plan

        try:
            plan = calibration_plan(config.data if data else [], sessions=ctx.sessions)
        except Exception as exc:  # the model still trains; it answers under the configured checks
            unplanned = exc
    answers = plan.answers if plan is not None else 0
    result = train_default_model(config, out_dir=out, retriever=retriever, then_answers=answers)
    m = result.metrics
    click.echo(
        f"default model saved to {out}: {m['parameters']:,} parameters, {m['steps']} steps in {m['seconds']} s, "
        f"validation perplexity {m['val_perplexity']:.2f}, token accuracy {m['val_token_accuracy']:.3f}"
    )
    if retriever is not None:
        m = {
            **m,
            "calibration": _calibrate_base(out, plan=plan, unplanned=unplanned, ctx=ctx, retriever=retriever),
        }
    version = register_version(
        ctx.sessions, base_model=str(out.resolve()), metrics=m, activate=True if force else None
    )
    active = " (active)" if version.status.value == "active" else ""
    click.echo(f"registered as model version {version.name!r}{active}")


def _calibrate_base(
    out: Path, *, plan: CalibrationPlan | None, unplanned: Exception | None, ctx: Any, retriever: Any
) -> dict[str, Any] | None:
    """The checks after the model chosen for this base on the team's validation conversations
    (training.base_checks; ``plan``: their split, or ``unplanned``: why it could not be
    gathered); None, said, when they cannot be."""
    from supportbot.training.base_checks import calibrate_base

    try:
        if plan is None:
            raise unplanned or RuntimeError("no calibration split")
        cal = calibrate_base(
            out, plan=plan, settings=ctx.settings, sessions=ctx.sessions, retriever=retriever
        )
    except Exception as exc:  # the model is trained: it answers under the configured checks then
        click.echo(f"checks not calibrated for this model ({exc}): the configured ones apply", err=True)
        return None
    if cal is None:
        click.echo("checks not calibrated: no validation conversations; the configured ones apply", err=True)
        return None
    top = cal["top_ticket"].get("right_request", 0.0)
    click.echo(
        f"checks calibrated on {cal['questions']} of the team's questions: agreement floor"
        f" {cal['disagree_below']:.2f}, close match {cal['close_match_score']:.2f}, confidence gate"
        f" {cal['escalate_below_score']:.2f}{gate_pool_note(cal['questions'], cal.get('gate_tickets', 0))} (right request as sent {cal['right_request']:.3f},"
        f" top ticket {top:.3f})" + ("" if cal.get("earns", True) else "; " + not_earned_note())
    )
    return cal


@train.command("run")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="JSON or TOML config.",
)
@dataclass_options(FinetuneConfig)
def run_cmd(config_file: Path | None, **flags: Any) -> None:
    """Fine-tune the model with LoRA on support logs; the result is a candidate version."""
    from supportbot.training.finetune import run_finetune

    from_file = FinetuneConfig.from_file(config_file) if config_file else FinetuneConfig()
    config = from_file.merged(**set_flags(flags))
    ctx = _ctx()
    result = run_finetune(config, settings=ctx.settings, sessions=ctx.sessions)
    m = result.metrics
    before = m.get("before") or {}

    def fmt(v: Any) -> str:
        return f"{v:.3f}" if isinstance(v, float) else str(v)

    click.echo(f"candidate {result.version} saved to {result.adapter_path}")
    for key in ("val_perplexity", "answer_f1", "keyphrase_accuracy", "invented_identifier_rate"):
        click.echo(f"  {key:<26} before {fmt(before.get(key)):>8}   after {fmt(m.get(key)):>8}")
    click.echo(f"report: {result.report_paths.get('md')}")
    click.echo(f"make it live: supportbot model promote {result.version}")


@train.command("eval")
@click.argument("version", required=False)
@click.option("--questions", type=click.Path(exists=True, dir_okay=False), help="Held-out questions JSONL.")
@click.option("--limit", type=int, default=400, show_default=True)
def eval_cmd(version: str | None, questions: str | None, limit: int) -> None:
    """Evaluate a model version (default: the active one) against its base on held-out questions."""
    from supportbot.core import store
    from supportbot.training.evaluation import evaluate_version

    ctx = _ctx()
    with ctx.sessions() as s:
        v = store.get_model_version(s, name=version) if version else store.active_model_version(s)
    if v is None:
        raise click.ClickException("no model version yet: run `supportbot train base`")
    paths = evaluate_version(
        v, settings=ctx.settings, sessions=ctx.sessions, questions=questions, limit=limit
    )
    click.echo(paths["md"].read_text())


train.add_command(train_sentiment_cmd)


@train.command("config")
def config_cmd() -> None:
    """Print every fine-tuning setting with its default and help (a starting --config file)."""
    from supportbot.training.config import FinetuneConfig, defaults

    values = defaults()
    for name, help_text in FinetuneConfig.help_text().items():
        click.echo(f"# {help_text}")
        click.echo(f"{name} = {json.dumps(values[name])}")


# --- model ------------------------------------------------------------------------------------


@click.group()
def model() -> None:
    """Model versions: list, promote, roll back."""


@model.command("list")
@click.option("--json", "as_json", is_flag=True)
def model_list(as_json: bool) -> None:
    """Every version, newest first, with its status and headline metrics."""
    from supportbot.core import store

    ctx = _ctx()
    with ctx.sessions() as s:
        rows: list[dict[str, Any]] = [
            {
                "name": v.name,
                "status": v.status.value,
                "base_model": v.base_model,
                "adapter_path": v.adapter_path,
                "answer_f1": (v.metrics or {}).get("answer_f1"),
                "keyphrase_accuracy": (v.metrics or {}).get("keyphrase_accuracy"),
                "created_at": v.created_at.isoformat(),
            }
            for v in store.list_model_versions(s)
        ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no model versions yet: run `supportbot train base`")
    for r in rows:
        f1 = f"{r['answer_f1']:.3f}" if r["answer_f1"] is not None else "–"
        mark = "*" if r["status"] == "active" else " "
        click.echo(
            f"{mark} {r['name']:<10} {r['status']:<10} f1 {f1:<6} {r['created_at'][:16]}  {r['adapter_path'] or r['base_model']}"
        )


@model.command("promote")
@click.argument("version")
@click.option("--force", is_flag=True, help="Promote even if the evaluation says it is worse.")
@click.option("--actor", default="cli", show_default=True, help="Recorded in the audit log.")
def model_promote(version: str, force: bool, actor: str) -> None:
    """Make VERSION the active model (refused when it is worse than the active one)."""
    from supportbot.usecases.versions import promote

    ctx = _ctx()
    _, verdict = promote(ctx.sessions, name=version, actor=actor, force=force)
    click.echo(f"{version} is now active ({verdict}); the model server picks it up within seconds")


@model.command("rollback")
@click.option("--actor", default="cli", show_default=True)
def model_rollback(actor: str) -> None:
    """Return to the previously active version."""
    from supportbot.usecases.versions import rollback

    ctx = _ctx()
    target, previous = rollback(ctx.sessions, actor=actor)
    click.echo(f"rolled back from {previous} to {target.name}")


# --- jobs -------------------------------------------------------------------------------------
