#!/usr/bin/env python3
"""Synthetic support history for Brindle Home, a fictional online retailer of smart-home devices
and kitchen appliances (customer accounts, the paid "Brindle Plus" membership, orders, shipping,
returns, refunds, warranty and product faults).

    python data/generate.py [--out data/sample] [--seed 7]

writes intents.json, conversations.jsonl, tickets.jsonl, eval_queries.jsonl, eval_questions.jsonl,
sentiment.jsonl and README.md. The text is hand-written in data/text/ (TOML; data/text/README.md says what each
field is for); the code that renders it is in data/sampledata/. Standard library plus
python-stdnum (for card and IBAN check digits); every random choice comes from one
``random.Random(seed)`` walked in a fixed order, and no clock is read, so the output is
byte-identical on every run.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

from sampledata.checks import validate
from sampledata.conversations import build_conversations
from sampledata.evalsets import build_eval_queries, build_eval_questions, build_followups
from sampledata.sentiment import build_sentiment, check_sentiment
from sampledata.texts import INTENTS
from sampledata.tickets import build_tickets

README = """\
# Brindle Home sample support history

Synthetic, fictional data for supportbot: the support history of Brindle Home, an online retailer of
smart-home devices and kitchen appliances. Every name, order number, e-mail address, phone number,
card number and IBAN in it is made up (cards pass the Luhn check and IBANs the mod-97 check so that
redaction has something realistic to catch).

Regenerate (deterministic, byte-identical for the same seed):

    python data/generate.py            # writes data/sample/, seed 7
    python data/generate.py --out DIR --seed 7

| file | contents |
| --- | --- |
| `intents.json` | {n_intents} intents: `intent`, `category`, `era` (`base` or `recent`), `title`, `keyphrases` (exact strings every correct answer contains), `resolution` (canonical procedure) |
| `conversations.jsonl` | {n_conv} multi-turn chats ({n_conv_base} base era 2024-01-01..2025-08-31, {n_conv_recent} recent era 2025-09-01..2025-12-31), ids in time order; `messages` alternate user/assistant (no system message); `pii` lists the exact PII strings in the chat, `order_ids` the 7-digit order numbers |
| `tickets.jsonl` | {n_tickets} solved helpdesk tickets: `subject`, `question`, `resolution` (agent's summary, contains the keyphrases), `category`, `intent`, `created`, `pii`, `order_ids` |
| `eval_queries.jsonl` | {n_queries} held-out retrieval queries (10 per intent), worded differently from the tickets; `relevant_ticket_ids` = every ticket of that intent |
| `followups.jsonl` | {n_followups} two-turn threads (`turns`: a held-out first question, then a follow-up such as "And how long does that usually take?" that names no subject), with the first question's `intent`: the answer to the follow-up must be about it |
| `eval_questions.jsonl` | {n_questions} held-out first-turn questions for the chat model (10 per intent plus 40 quoting an order number, whose `reference` repeats it); never used in any conversation |
| `sentiment.jsonl` | {n_sentiment} labelled customer turns for the sentiment classifier ({n_sentiment_test} in the `test` split): `text`, `label` (`negative`, `neutral`, `positive`), `frustration` (0 calm … 1 furious), `style` (calm, grateful, annoyed, angry, sarcastic, polite-but-stuck), `variant` (`plain`, `typos`, `caps`), `family` (the template family), `intent`, `split`. Split by template family: no test turn shares a template or a problem sentence with a train turn |

Eras: `recent` intents (the Brindle Aura air purifier launch, the Trade-In programme, and the return
window extended from 30 to 60 days) occur only in conversations and tickets dated from 2025-09-01 on.
A model trained on base-era data alone will answer "30 days" where the right answer is now "60 days".

Rules the generator enforces: an assistant message never contains a number, amount, e-mail or URL
that is not in the intent's canonical resolution or in the customer's own earlier turns; assistant
messages never repeat a card number, phone number or IBAN; every first assistant answer and every
ticket resolution contains all keyphrases of its intent.
"""


def intents_table() -> list[dict[str, Any]]:
    """intents.json: what the bot and the evaluations need of each intent, none of its templates."""
    fields = ("intent", "category", "era", "title", "keyphrases", "resolution")
    return [{k: i[k] for k in fields} for i in INTENTS]


def dump_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "sample"))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    intents = intents_table()
    conversations = build_conversations(rng)
    tickets = build_tickets(rng)
    queries = build_eval_queries(tickets)
    user_turns = {m["content"] for c in conversations for m in c["messages"] if m["role"] == "user"}
    questions = build_eval_questions(rng, user_turns)
    validate(intents, conversations, tickets, queries, questions)
    # Drawn last, so the files above do not change when the sentiment text does.
    sentiment = build_sentiment(rng)
    check_sentiment(sentiment)
    followups = build_followups(rng)  # last again: the files above stay as they were

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "intents.json").write_text(
        json.dumps(intents, ensure_ascii=False, sort_keys=True, indent=2) + "\n",
        encoding="utf-8",
        newline="\n",
    )
    dump_jsonl(out / "conversations.jsonl", conversations)
    dump_jsonl(out / "tickets.jsonl", tickets)
    dump_jsonl(out / "eval_queries.jsonl", queries)
    dump_jsonl(out / "eval_questions.jsonl", questions)
    dump_jsonl(out / "sentiment.jsonl", sentiment)
    dump_jsonl(out / "followups.jsonl", followups)
    n_base = sum(1 for c in conversations if c["era"] == "base")
    (out / "README.md").write_text(
        README.format(
            n_intents=len(intents),
            n_conv=len(conversations),
            n_conv_base=n_base,
            n_conv_recent=len(conversations) - n_base,
            n_tickets=len(tickets),
            n_queries=len(queries),
            n_questions=len(questions),
            n_sentiment=len(sentiment),
            n_sentiment_test=sum(1 for r in sentiment if r["split"] == "test"),
            n_followups=len(followups),
        ),
        encoding="utf-8",
        newline="\n",
    )
    print(
        f"wrote {out}: {len(intents)} intents, {len(conversations)} conversations, {len(tickets)} tickets, "
        f"{len(queries)} eval queries, {len(questions)} eval questions, {len(sentiment)} sentiment turns"
    )


if __name__ == "__main__":
    main()
