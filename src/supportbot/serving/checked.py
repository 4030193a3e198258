"""Generation with a check: answers that must hold a tool call or be JSON are generated whole,
checked, and generated again when they fail.

Nothing constrains the decoding (no grammar, no logits mask), so a model may miss the format.
Each failing choice is generated again, up to ``MAX_ATTEMPTS`` in all, with a seed of its own;
as the model's greedy answer would only repeat itself, retries sample, at a temperature of at
least ``RETRY_TEMPERATURE``. A choice that fails every attempt fails the request with a 500
(``invalid_model_output``, saying what was wrong): the request was fine, the model could not
answer it in the form asked. Usage counts the tokens of every attempt.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from supportbot.serving import common
from supportbot.serving.adapters import Target
from supportbot.serving.chat_output import Answer, OutputRules
from supportbot.serving.engine import Engine
from supportbot.serving.errors import APIError
from supportbot.serving.job import ChoiceOutput
from supportbot.serving.sampling import SamplingParams

MAX_ATTEMPTS = 3
RETRY_TEMPERATURE = 0.7
_SEED_STEP = 1_000_003  # apart from the n choices' seeds (seed + index)


@dataclasses.dataclass
class CheckedChoice:
    answer: Answer
    output: ChoiceOutput  # the attempt that passed (its tokens, for log-probabilities)


def retry_params(params: SamplingParams, *, attempt: int, index: int) -> SamplingParams:
    seed = None if params.seed is None else params.seed + attempt * _SEED_STEP + index
    return dataclasses.replace(params, seed=seed, temperature=max(params.temperature, RETRY_TEMPERATURE))


def _failed(index: int, problems: list[str], n: int) -> APIError:
    which = f"choice {index}: " if n > 1 else ""
    seen = "; ".join(dict.fromkeys(problems))  # each different problem once, in order
    return APIError(
        f"The model's answer does not have the form the request asks for (tool_choice or "
        f"response_format), after {MAX_ATTEMPTS} attempts: {which}{seen}.",
        status=500,
        type="server_error",
        code="invalid_model_output",
    )


async def generate_checked(
    engine: Engine,
    *,
    prompt: Sequence[int],
    params: SamplingParams,
    target: Target,
    n: int,
    rules: OutputRules,
    arrived: float,
    is_disconnected: Callable[[], Awaitable[bool]] | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[list[CheckedChoice], int] | None:
    """Every choice's checked answer and the completion tokens of all attempts; None if the
    client left. Raises APIError when a choice fails every attempt. ``meta``: the response's
    fields (Engine.submit)."""

    async def once(p: SamplingParams, count: int) -> dict[int, ChoiceOutput] | None:
        job = engine.submit(prompts=[prompt], params=p, target=target, n=count, arrived=arrived, meta=meta)
        return await common.collect(job, is_disconnected)

    first = await once(params, n)
    if first is None:
        return None
    outputs = dict(first)
    passed: dict[int, CheckedChoice] = {}
    problems: dict[int, list[str]] = {}
    spent = 0
    for attempt in range(1, MAX_ATTEMPTS + 1):
        failing: dict[int, str] = {}
        for index, out in sorted(outputs.items()):
            spent += out.completion_tokens
            assert out.finish_reason is not None  # without a stream, only finished choices arrive
            answer, problem = rules.finish(out.text, out.finish_reason)
            if problem is None:
                passed[index] = CheckedChoice(answer, out)
            else:
                failing[index] = problem
                problems.setdefault(index, []).append(problem)
        if not failing:
            break
        if attempt == MAX_ATTEMPTS:
            index = next(iter(failing))
            raise _failed(index, problems[index], n)
        retried = await asyncio.gather(
            *(once(retry_params(params, attempt=attempt, index=i), 1) for i in failing)
        )
        if any(r is None for r in retried):
            return None
        outputs = {i: r[0] for i, r in zip(failing, retried, strict=True) if r is not None}
    return [passed[i] for i in range(n)], spent
