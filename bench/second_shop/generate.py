"""A second shop's support history, written apart from the bundled sample, for `bench.own_data`.

    python -m bench.second_shop.generate --out DIR [--tickets 2000] [--held-out 300] [--seed 11]

Larkspur & Co, an online fashion retailer, as a helpdesk export: its own intents, customer and
agent wordings (bench/second_shop/intents.toml), none of them produced by data/generate.py or
shared with the sample's text. It is messier on purpose, as real exports are: agents greet,
sign off and write in their own styles; customers ramble, mistype and give order numbers in
several forms; a share of tickets were closed without an answer; a returns policy changed
part-way (old tickets describe the old one); two programmes started late; popularity is skewed.

Written to DIR:
- ``tickets.csv``: the export to import (Ticket ID, Created, Channel, Subject, Description,
  Public reply, Tags, Agent), oldest first;
- ``chats.jsonl``: the same tickets as chat JSONL (customer message, agent reply), for
  ``train base --data`` / ``train run --data``;
- ``held_out.jsonl`` + ``intents.json``: the newest tickets, held out of everything above
  (``{"id", "question", "reference", "intent", "era"}``; the question in wordings kept for
  evaluation only, the reference the agent's real reply); ``intents.json`` gives each intent's
  keyphrases (every right answer names them), so ``--eval-questions held_out.jsonl`` scores the
  right request;
- ``followups.jsonl``: threads of two customer turns whose second only makes sense after the
  first (``{"id", "turns": [first, follow-up], "intent"}``);
- ``mood.jsonl``: customer messages labelled ``abusive``, ``upset`` or ``ordinary``
  (bench/second_shop/mood.toml).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
START = datetime(2024, 3, 1, 8, 0)
END = datetime(2025, 12, 20, 18, 0)
# The returns policy changed here, and the recent programmes started: tickets before it describe
# free returns, tickets after it the fee (the index keeps both, as a real one would).
CHANGE = datetime(2025, 5, 1)
CLOSED_UNANSWERED = 0.04  # tickets closed for no reply: nothing to learn in their reply

FIRST_NAMES = [
    "Amelia", "Oliver", "Isla", "Noah", "Freya", "Arjun", "Chloe", "Mateusz", "Zainab", "Liam",
    "Grace", "Tomasz", "Aisha", "Ewan", "Sofia", "Kwame", "Hannah", "Ravi", "Megan", "Luca",
    "Niamh", "Daniel", "Yasmin", "Callum", "Ines", "George", "Leah", "Owen", "Maya", "Rhys",
]  # fmt: skip
AGENTS = {
    # name: (greetings, openers, closers, sign-off)
    "Priya": (["Hi {name},", "Hi {name}!"], ["Thanks for getting in touch.", ""],
              ["Let me know if there's anything else I can help with.", ""],
              "Best wishes,\nPriya | Larkspur Customer Care"),
    "Marcus": (["Hello {name},"], ["Thank you for your message.", "I'm sorry about this.", ""],
               ["Kind regards,"], "Marcus\nLarkspur & Co"),
    "Jo": (["Hey {name}!", "Hi {name},"], ["", "Sorry for the hassle!"], ["Have a lovely day!", ""],
           "Jo x\nTeam Larkspur"),
    "Helen": (["Dear {name},"], ["Thank you for contacting Larkspur & Co."],
              ["Should you need anything further, please reply to this e-mail."],
              "Yours sincerely,\nHelen Carter\nCustomer Care Team"),
    "Sam": (["Hi {name}", "{name},"], [""], ["Cheers"], "Sam"),
    "Dev": (["Hi {name},"], ["Thanks for reaching out.", "Apologies for the wait."],
            ["Hope that helps!"], "Dev - Larkspur Support"),
}  # fmt: skip
CHANNELS = ["email", "email", "web form", "chat"]
CUSTOMER_OPENERS = [
    "",
    "",
    "",
    "Hi,",
    "Hello",
    "Hi there,",
    "hey",
    "Good morning,",
    "To whom it may concern,",
]
CUSTOMER_EXTRAS = [
    "", "", "", "", "I ordered on my phone if that matters.", "It was a birthday present.",
    "I've been a customer for years.", "Thanks in advance.", "Please get back to me asap.",
    "I did check the FAQ first.", "Not sure if this is the right place to ask.",
    "Bit of a nuisance to be honest.", "Many thanks!", "Would appreciate a quick reply.",
]  # fmt: skip
CUSTOMER_SIGNOFFS = [
    "",
    "",
    "Thanks, {name}",
    "{name}",
    "Regards, {name}",
    "cheers\n{name}",
    "Sent from my iPhone",
]
UNANSWERED = [
    "We haven't heard back from you, so we're closing this ticket for now. Just reply to this e-mail to reopen it.",
    "Closing this conversation as we've not had a reply. Get back in touch any time.",
    "Merged into a newer ticket from the same customer.",
]
FOLLOWUPS = [
    "And how long does that usually take?",
    "ok and what if that doesn't work?",
    "Do I need to do that from the app or the website?",
    "Is there any cost for that?",
    "What about if I'm ordering from abroad?",
    "and if it's been more than a week?",
    "Can you do it for me instead?",
    "Thanks. Is that the same for sale items?",
    "Where exactly do I find that?",
    "Sorry, can you explain that again more simply?",
]


@dataclass(frozen=True)
class Intent:
    id: str
    category: str
    era: str
    title: str
    keyphrases: list[str]
    replies: list[str]
    asks: list[str]
    subjects: list[str]
    heldout: list[str]


def load_intents(path: Path = HERE / "intents.toml") -> list[Intent]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        Intent(
            r["id"], r["category"], r["era"], r["title"], r["keyphrases"], r["replies"], r["asks"],
            r["subjects"], r["heldout"],
        )
        for r in raw["intent"]
    ]  # fmt: skip


def valid_at(intent: Intent, when: datetime) -> bool:
    """Which intents a ticket of that date can be about: the recent ones only after the change,
    and the old returns policy only before it."""
    if intent.era == "recent":
        return when >= CHANGE
    if intent.id == "start_return":
        return when < CHANGE
    return True


def typo(text: str, rng: random.Random) -> str:
    """One or two slips of the keyboard: a dropped, doubled or swapped letter."""
    chars = list(text)
    for _ in range(rng.choice([1, 1, 2])):
        spots = [i for i, c in enumerate(chars[:-1]) if c.isalpha() and chars[i + 1].isalpha()]
        if not spots:
            break
        i = rng.choice(spots)
        kind = rng.randrange(3)
        if kind == 0:
            del chars[i]
        elif kind == 1:
            chars.insert(i, chars[i])
        else:
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def order_number(rng: random.Random) -> str:
    return str(rng.randint(10000, 99999))


def fill(text: str, order: str, rng: random.Random) -> str:
    return text.replace("{order}", rng.choice([order, order, f"#{order}"]))


def customer_text(ask: str, *, name: str, order: str, rng: random.Random) -> str:
    """A ticket description: maybe a greeting, the problem, maybe a detail, maybe a sign-off;
    sometimes all lower case, sometimes mistyped."""
    parts = [rng.choice(CUSTOMER_OPENERS), fill(ask, order, rng), rng.choice(CUSTOMER_EXTRAS)]
    if "{order}" not in ask and rng.random() < 0.15:
        parts.insert(2, rng.choice([f"Order {order}.", f"(order #{order})", f"order no {order}"]))
    text = " ".join(p for p in parts if p)
    if rng.random() < 0.1:
        text = text.lower()
    if rng.random() < 0.15:
        text = typo(text, rng)
    signoff = rng.choice(CUSTOMER_SIGNOFFS).format(name=name)
    return f"{text}\n\n{signoff}" if signoff else text


def agent_reply(reply: str, *, agent: str, name: str, order: str, rng: random.Random) -> str:
    greetings, openers, closers, signoff = AGENTS[agent]
    body = " ".join(p for p in (rng.choice(openers), fill(reply, order, rng), rng.choice(closers)) if p)
    return f"{rng.choice(greetings).format(name=name)}\n\n{body}\n\n{signoff}"


def weights_for(intents: list[Intent], rng: random.Random) -> dict[str, float]:
    """Skewed popularity (a few requests make most of the volume), fixed by the seed."""
    ranks = list(range(1, len(intents) + 1))
    rng.shuffle(ranks)
    return {i.id: 1.0 / r**0.8 for i, r in zip(intents, ranks, strict=True)}


def dates(n: int, rng: random.Random) -> list[datetime]:
    span = (END - START).total_seconds()
    return sorted(START + timedelta(seconds=rng.random() * span) for _ in range(n))


def ticket_rows(intents: list[Intent], n: int, rng: random.Random) -> list[dict[str, Any]]:
    popularity = weights_for(intents, rng)
    rows = []
    for number, when in enumerate(dates(n, rng), start=1):
        valid = [i for i in intents if valid_at(i, when)]
        intent = rng.choices(valid, weights=[popularity[i.id] for i in valid])[0]
        name, agent, order = rng.choice(FIRST_NAMES), rng.choice(list(AGENTS)), order_number(rng)
        closed = rng.random() < CLOSED_UNANSWERED
        reply = rng.choice(UNANSWERED) if closed else rng.choice(intent.replies)
        rows.append(
            {
                "Ticket ID": f"LS-{200000 + number * 7}",
                "Created": when.strftime("%Y-%m-%d %H:%M"),
                "Channel": rng.choice(CHANNELS),
                "Subject": rng.choice(intent.subjects),
                "Description": customer_text(rng.choice(intent.asks), name=name, order=order, rng=rng),
                "Public reply": agent_reply(reply, agent=agent, name=name, order=order, rng=rng),
                "Tags": f"{intent.category} {rng.choice(['', 'vip', 'web', 'app', ''])}".strip(),
                "Agent": agent,
                "_intent": intent.id,
                "_era": "recent" if when >= CHANGE else "base",
                "_order": order,
            }
        )
    return rows


def held_out_items(rows: list[dict[str, Any]], intents: dict[str, Intent], rng: random.Random) -> list[dict]:
    """The newest tickets, asked in the evaluation-only wordings, their agents' replies as references."""
    items = []
    for row in rows:
        if any(u in row["Public reply"] for u in UNANSWERED):
            continue  # nothing to score an answer against
        intent = intents[row["_intent"]]
        name = row["Public reply"].split("\n", 1)[0]
        question = customer_text(rng.choice(intent.heldout), name=name, order=row["_order"], rng=rng)
        items.append(
            {
                "id": row["Ticket ID"],
                "question": question.split("\n\n")[0],
                "reference": row["Public reply"],
                "intent": intent.id,
                "era": row["_era"],
            }
        )
    return items


def followup_items(intents: list[Intent], n: int, rng: random.Random) -> list[dict[str, Any]]:
    """A first question (evaluation wording) and a follow-up that needs it; the right request is
    the first one's."""
    current = [i for i in intents if valid_at(i, END)]
    out = []
    for k in range(n):
        intent = current[k % len(current)]
        first = rng.choice(intent.heldout)
        out.append(
            {"id": f"follow-{k + 1}", "turns": [first, FOLLOWUPS[k % len(FOLLOWUPS)]], "intent": intent.id}
        )
    return out


def mood_rows(path: Path = HERE / "mood.toml") -> list[dict[str, str]]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return [
        {"id": f"{label}-{i + 1}", "text": t, "label": label}
        for label in ("abusive", "upset", "ordinary")
        for i, t in enumerate(raw.get(label, []))
    ]


def write(
    out: Path, *, tickets: int = 2000, held_out: int = 300, followups: int = 96, seed: int = 11
) -> dict[str, int]:
    """Every file of the set into ``out``; returns how many rows each got."""
    rng = random.Random(seed)
    intents = load_intents()
    by_id = {i.id: i for i in intents}
    rows = ticket_rows(intents, tickets + held_out + held_out // 10, rng)
    kept, newest = rows[:tickets], rows[tickets:]
    items = held_out_items(newest, by_id, rng)[:held_out]
    out.mkdir(parents=True, exist_ok=True)
    columns = ["Ticket ID", "Created", "Channel", "Subject", "Description", "Public reply", "Tags", "Agent"]
    with (out / "tickets.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(kept)
    with (out / "chats.jsonl").open("w", encoding="utf-8") as fh:
        for r in kept:
            messages = [
                {"role": "user", "content": f"{r['Subject']}\n{r['Description']}"},
                {"role": "assistant", "content": r["Public reply"]},
            ]
            fh.write(json.dumps({"id": r["Ticket ID"], "created": r["Created"], "messages": messages}) + "\n")
    _jsonl(out / "held_out.jsonl", items)
    # For the benchmark only (an export has no such column): which request each ticket is about.
    (out / "ticket_intents.json").write_text(json.dumps({r["Ticket ID"]: r["_intent"] for r in kept}))
    _jsonl(out / "followups.jsonl", followup_items(intents, followups, rng))
    _jsonl(out / "mood.jsonl", mood_rows())
    (out / "intents.json").write_text(
        json.dumps(
            [
                {
                    "intent": i.id,
                    "category": i.category,
                    "era": i.era,
                    "title": i.title,
                    "keyphrases": i.keyphrases,
                }
                for i in intents
            ],
            indent=1,
        )
    )
    return {"tickets": len(kept), "held_out": len(items), "followups": followups, "intents": len(intents)}


def _jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--held-out", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    print(write(args.out, tickets=args.tickets, held_out=args.held_out, seed=args.seed))


if __name__ == "__main__":
    main()
