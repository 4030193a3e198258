"""Answers to held-out questions, generated as the bot asks for them: in-process with
``model.generate``, or through an OpenAI-compatible server in completion or chat style."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from supportbot.core.identifiers import Masker
from supportbot.core.prompt import DEFAULT_SYSTEM, ContextTicket, build_messages, end_on_sentence


def masked_messages(
    question: str,
    *,
    system: str = DEFAULT_SYSTEM,
    tickets: Sequence[ContextTicket] = (),
    ticket_budget: int | None = None,
) -> tuple[list[dict[str, str]], Masker]:
    """The prompt as the bot builds it: identifiers masked, our system turn (with the retrieved
    tickets, when there are any) first."""
    masker = Masker()
    messages = build_messages(
        question=masker.mask(question), system=system, tickets=tickets, ticket_budget=ticket_budget
    )
    return messages, masker


def generate_answers(
    model: Any,
    tokenizer: Any,
    questions: Sequence[str],
    *,
    system: str = DEFAULT_SYSTEM,
    max_new_tokens: int = 160,
    batch_size: int = 32,
    progress: bool = False,
    tickets: Sequence[Sequence[ContextTicket]] | None = None,
    ticket_budget: int | None = None,
) -> list[str]:
    """Greedy answers with bare ``model.generate`` (left-padded batches), identifiers put back.

    ``tickets``: per question, the retrieved tickets to put into its prompt (as the bot does)."""
    import torch
    from tqdm.auto import tqdm

    from supportbot.training.modeling import generation_config

    device = next(model.parameters()).device
    tokenizer.padding_side = "left"
    config = generation_config(tokenizer, max_new_tokens=max_new_tokens)
    answers: list[str] = []
    model.eval()
    for start in tqdm(range(0, len(questions), batch_size), disable=not progress, desc="generating"):
        chunk = questions[start : start + batch_size]
        chunk_tickets = tickets[start : start + batch_size] if tickets is not None else [()] * len(chunk)
        prompts, maskers = zip(
            *(
                masked_messages(q, system=system, tickets=t, ticket_budget=ticket_budget)
                for q, t in zip(chunk, chunk_tickets, strict=True)
            ),
            strict=True,
        )
        texts = [
            tokenizer.apply_chat_template(p, tokenize=False, add_generation_prompt=True) for p in prompts
        ]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
        with torch.no_grad():
            out = model.generate(**enc, generation_config=config)
        stops = config.eos_token_id if isinstance(config.eos_token_id, list) else [config.eos_token_id]
        for masker, row in zip(maskers, out[:, enc["input_ids"].shape[1] :], strict=True):
            text = tokenizer.decode(row, skip_special_tokens=True).strip()
            # Stopped by the cap, not a stop token: end on a sentence, as the bot does.
            if not any(int(t) in stops for t in row):
                text = end_on_sentence(text)
            answers.append(masker.unmask(text)[0])
    return answers


def served_answers(
    base_url: str,
    model_name: str,
    questions: Sequence[str],
    *,
    mode: str,
    system: str = DEFAULT_SYSTEM,
    max_tokens: int = 160,
    concurrency: int = 64,  # the server's default batch: 400 questions in ~15 s instead of ~20
    api_key: str = "unused",
    tickets: Sequence[Sequence[ContextTicket]] | None = None,
    ticket_budget: int | None = None,
) -> list[str]:
    """The same questions through an OpenAI-compatible server, in completion or chat style."""
    from concurrent.futures import ThreadPoolExecutor

    from openai import OpenAI

    from supportbot.core.prompt import STOP, render_flat

    client = OpenAI(base_url=base_url, api_key=api_key, timeout=120, max_retries=1)

    def ask(job: tuple[str, Sequence[ContextTicket]]) -> str:
        question, context = job
        messages, masker = masked_messages(
            question, system=system, tickets=context, ticket_budget=ticket_budget
        )
        if mode == "completion":
            done = client.completions.create(
                model=model_name,
                prompt=render_flat(messages),
                max_tokens=max_tokens,
                temperature=0,
                stop=STOP,
            )
            text, capped = done.choices[0].text, done.choices[0].finish_reason == "length"
        else:
            chat = client.chat.completions.create(
                model=model_name, messages=cast(Any, messages), max_tokens=max_tokens, temperature=0
            )
            text, capped = chat.choices[0].message.content or "", chat.choices[0].finish_reason == "length"
        if capped:  # stopped by the cap, not a stop token: end on a sentence, as the bot does
            text = end_on_sentence(text.strip())
        return masker.unmask(text.strip())[0]

    jobs = list(zip(questions, tickets if tickets is not None else [()] * len(questions), strict=True))
    with ThreadPoolExecutor(concurrency) as pool:
        return list(pool.map(ask, jobs))
