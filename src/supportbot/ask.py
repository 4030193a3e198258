"""`supportbot ask`: answers without a terminal (one question, or a JSONL file of them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.command()
@click.argument("question", required=False)
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help='JSONL of {"id", "question"} lines ("-": standard input); each is a new conversation.',
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="One JSON line per answer: id, answer, outcome, sources, latency_ms.",
)
@click.option("--concurrency", default=32, show_default=True, help="Questions in flight at once.")
def ask(question: str | None, path: Path | None, as_json: bool, concurrency: int) -> None:
    """Answer QUESTION (or every line of --file) with the full pipeline, as the bot would.

    Uses SUPPORTBOT_MODEL_BASE_URL when set; otherwise starts the model server for the active
    model version for the length of the command.
    """
    from supportbot.bot.ask import Question, ask_many, read_questions, reply_json
    from supportbot.bot.local_chat import format_outcome
    from supportbot.bot.runtime import build_responder
    from supportbot.core.context import AppContext
    from supportbot.core.errors import InvalidInput
    from supportbot.processes import model_endpoint
    from supportbot.usecases.respond import Pipeline

    if (question is None) == (path is None):
        raise InvalidInput("give a QUESTION or --file (not both)")
    if path is not None:
        stream = sys.stdin if str(path) == "-" else path.open(encoding="utf-8")
        questions = list(read_questions(stream, name=str(path)))
    else:
        questions = [Question("1", question or "")]
    ctx = AppContext.open()
    with model_endpoint(ctx) as ctx:
        pipeline = Pipeline(build_responder(ctx), ctx.settings)
        for q, outcome in ask_many(pipeline, questions, concurrency=concurrency):
            if as_json:
                click.echo(json.dumps(reply_json(q, outcome), ensure_ascii=False))
            else:
                click.echo(f"you> {q.text}\n{format_outcome(outcome)}")
