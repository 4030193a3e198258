"""A third support history, a Zendesk export of a broadband and mobile provider, for `bench.own_data`.

    python -m bench.third_set.generate --out DIR [--tickets 1800] [--held-out 300] [--seed 23]

Brightwire, a UK home broadband and mobile provider, as a Zendesk Tickets API export: its own
intents, customer and agent wordings (bench/third_set/intents.toml, mood.toml), written apart
from the bundled sample and the second shop. It is messy the way a helpdesk's own export is:
each ticket is a thread of comments, some of them internal notes that must never reach another
customer; agents greet, sign off and write in their own styles (and join or leave the team part
way); customers ramble, mistype, write in lower case, give account numbers in several forms and
now and then an e-mail address or phone number; some come back with thanks or a second question
and get a second answer; a few agents first post a holding reply; a share of tickets were closed
without any public answer; popularity is skewed. On one day the new app arrived and four answers
changed with it (price rises, the Direct Debit date, roaming and sign-in): older tickets give the
old answer, newer ones the new, and two products (eSIM, Whole Home Wi-Fi) only exist from then on.

Written to DIR:
- ``tickets.json``: the export to import, ``{"tickets": [...], "users": [...]}``, oldest first;
  each ticket has ``id``, ``subject``, ``description`` (the customer's opening message),
  ``created_at``, ``status``, ``requester_id``, ``tags`` and its ``comments`` (``id``,
  ``author_id``, ``public``, ``plain_body``, ``created_at``); the sideloaded users give each
  agent's role;
- ``held_out.jsonl`` + ``intents.json``: the newest tickets, kept out of the export
  (``{"id", "question", "reference", "intent", "era"}``: the question in wordings kept for
  evaluation only, with the same slips; the reference the agent's first public reply as sent);
  ``intents.json`` gives each intent's keyphrases, which every current right answer names;
- ``ticket_intents.json``: for the benchmark only (no export has it), each exported ticket's intent;
- ``followups.jsonl``: threads of two customer turns whose second only makes sense after the
  first (``{"id", "turns": [first, follow-up], "intent"}``);
- ``mood.jsonl``: customer messages labelled ``abusive``, ``upset`` or ``ordinary``.
"""

from __future__ import annotations

import argparse
import json
import random
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bench.second_shop.generate import _jsonl, typo

HERE = Path(__file__).resolve().parent
START = datetime(2024, 1, 8, 7, 0)
END = datetime(2025, 11, 28, 22, 0)
# The new app, the fixed-price rises, the Roam Pass and Brightwire Pass all arrived here; eSIM and
# Whole Home Wi-Fi were launched with them.
CHANGE = datetime(2025, 3, 3)
CLOSED_UNANSWERED = 0.04  # closed with no public answer: nothing to learn from them
AUTO_CLOSE = timedelta(days=28)  # a solved ticket is closed this long after its last update
GIVES_ACCOUNT = 0.3
MESSY_PII = 0.05


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
    old_keyphrases: list[str]
    old_replies: list[str]

    def replies_at(self, when: datetime) -> list[str]:
        return self.old_replies if self.old_replies and when < CHANGE else self.replies

    def valid_at(self, when: datetime) -> bool:
        return self.era != "recent" or when >= CHANGE


@dataclass(frozen=True)
class Agent:
    id: int
    name: str
    greetings: tuple[str, ...]
    openers: tuple[str, ...]
    closers: tuple[str, ...]
    signature: str
    paragraphs: bool  # opener and closer on lines of their own
    weight: float
    start: datetime = START
    end: datetime = END + timedelta(days=1)


AGENTS = [
    Agent(381204456101, "Nadia Rahman", ("Hi {name},", "Hello {name},"),
          ("Thanks for bearing with us.", "Sorry you've had to chase this up.", "", ""),
          ("Shout if anything's unclear.", "", ""), "Thanks,\nNadia (Brightwire Support)", False, 1.4),
    Agent(381204456117, "Tom Whitaker", ("{part} {name}!", "Hiya {name},"),
          ("", "", "Right, let's get this sorted for you."), ("Any bother, give me a shout.", ""),
          "— Tom, Brightwire", False, 1.2, start=datetime(2024, 4, 15)),
    Agent(381204456120, "Brightwire Customer Team", ("Dear {name},",),
          ("Thank you for contacting Brightwire.", "Thank you for your patience while we looked into this."),
          ("If you need any further help, please reply to this message.",),
          "Kind regards\nBrightwire Customer Team", True, 1.0),
    Agent(381204456134, "Gareth Pugh", ("{name} -", "Hi {name}"), ("",), ("", "Cheers."),
          "Gareth | Broadband & Mobile Support", False, 0.9, end=datetime(2025, 8, 29)),
    Agent(381204456148, "Ifeoma Okafor", ("Hello {name} 😊", "Hi {name}!"),
          ("Lovely to hear from you.", "Thanks so much for all the detail, it really helps.", ""),
          ("Have a great rest of your day!", "Take care!"), "Ifeoma\nBrightwire Support · Glasgow",
          True, 1.1, start=datetime(2024, 9, 2)),
    Agent(381204456153, "Ruth Mensah", ("Hi {name},",), ("Thanks for your patience.", ""),
          ("I hope that's useful.", ""), "Best,\nRuth M.\nBrightwire Help Team", False, 1.0),
]  # fmt: skip
LEAD = (381204456099, "Sophie Turnbull")  # team lead: an admin who only writes internal notes

FIRST_NAMES = [
    "Siobhan", "Kieran", "Priyanka", "Darren", "Agnieszka", "Malik", "Bethan", "Hamish", "Chidi",
    "Lorraine", "Stuart", "Fatima", "Jordan", "Eilidh", "Wojciech", "Bronwen", "Tariq", "Paula",
    "Declan", "Roisin", "Harpreet", "Gemma", "Oluwaseun", "Craig", "Mairead", "Imran", "Shona",
    "Barry", "Anika", "Nathan", "Jasmine", "Graham", "Yusuf", "Carys", "Adebayo", "Lindsay", "Kofi",
    "Rachel", "Samir", "Moira", "Dylan", "Precious", "Ahmed", "Jean", "Florin", "Kirsty",
]  # fmt: skip
SURNAMES = [
    "Campbell", "Okonkwo", "Patel", "Hughes", "Kowalski", "McAllister", "Begum", "Evans",
    "Thomson", "Adeyemi", "O'Neill", "Khan", "Morgan", "Fraser", "Nowak", "Price", "Sharma",
    "Murray", "Bennett", "Doyle", "Hussain", "Reid", "Lloyd", "Chen", "Walsh", "Ahmed", "Jenkins",
    "Grant", "Forsyth", "Mahmood", "Pearson", "Popescu", "Gallagher", "Owusu", "Rees", "Kerr",
]  # fmt: skip

CUSTOMER_OPENERS = [
    "", "", "", "", "Hi,", "Hello Brightwire,", "Hiya", "Good afternoon,", "Dear Sir/Madam,",
    "hi there", "Evening all,", "Right then.", "Hello, hope you're well.",
]  # fmt: skip
CUSTOMER_EXTRAS = [
    "", "", "", "", "", "I've already switched everything off and on twice.",
    "I'm on the Fibre 500 plan if that helps.", "Been with you since 2016.",
    "Tried the live chat but it kept crashing.", "Sorry for the long message.",
    "My partner usually deals with this but she's away.", "Please don't just send me a link to the FAQs.",
    "Would be good to get this sorted before the weekend.", "I did ring but gave up after 40 minutes on hold.",
    "Not very techy so go easy on me!", "This is the second time I'm writing about it.",
]  # fmt: skip
CUSTOMER_SIGNOFFS = [
    "", "", "", "Thanks, {first}", "{first}", "Cheers, {first}", "Many thanks\n{first} {surname}",
    "{initial}", "Sent from my Galaxy", "Thank you\n{first} {surname}", "ta\n{first}",
]  # fmt: skip
ACCOUNT_MENTIONS = [
    "My account number is {acc}.", "(acc: {acc})", "Account no. {acc}", "ref {acc}",
    "Account {acc} if you need it.", "Acct number {acc}.",
]  # fmt: skip
PII_LINES = [
    "You can call me on {phone}.", "Best number to reach me is {phone}.",
    "Please reply to {email} rather than the account email.", "Mobile: {phone}",
    "My email is {email} if that's easier.", "Ring me on {phone} after 5 if you need to.",
]  # fmt: skip

HOLDING = [
    "Thanks for your message. I've passed this to our specialist team and I'll update you as soon as I hear back.",
    "Just to let you know I'm looking into this now and will come back to you later today.",
    "I've asked the relevant team to take a look and I'll be in touch once they report back.",
]
THANKS = [
    "thanks that worked",
    "Brilliant, all sorted now, thank you.",
    "Perfect, cheers {agent}.",
    "Done that and it's fine now, cheers for your help.",
    "ok thanks",
    "That's great, much appreciated.",
    "Thank you, I'll give that a go tonight.",
]
THANKS_ANSWERS = [
    "Glad to hear it's sorted. Take care!",
    "Great news, thanks for letting us know.",
    "Nice one, glad it's working. I'll close this off now, but just reply if anything changes.",
]
# A customer's second question in the same ticket and the agent's second answer, by category.
TICKET_FOLLOWUPS = {
    "broadband": [
        ("Thanks. And if it goes off again, do I need to raise a new ticket?",
         "Just reply to this one and it'll come straight back to us, so you won't need to explain it all again."),
        ("Is there anything I should avoid doing in the meantime?",
         "Nothing special, just leave the Hub switched on so our systems can keep an eye on the line."),
        ("Will I get any money back for the time it wasn't working?",
         "If the service was out for more than two full days, automatic compensation is added to your next bill without you needing to ask."),
    ],
    "mobile": [
        ("Does this apply to the other SIM on my account too?",
         "Yes, what I've described applies to every line on your account, so there's no need to do it twice."),
        ("And if I'm abroad when this happens?",
         "It works the same way from abroad, though you'll need Wi-Fi or a signal to use the app."),
    ],
    "billing": [
        ("When will I see that on my bill?",
         "It'll show on your next bill, which we email a few days before the payment is taken."),
        ("Can you confirm that in writing please?",
         "Of course, I've just sent a summary to the email address on your account."),
    ],
    "account": [
        ("Roughly how long will that be?", "Usually a couple of working days, and we'll email you as soon as it's done."),
        ("Can you confirm that in writing please?",
         "Of course, I've just sent a summary to the email address on your account."),
    ],
}  # fmt: skip
NOTES = {
    "broadband": [
        "Checked line test, all green. Escalating to tier 2",
        "Line test: sync 72/18, no faults found. Advised reboot + wired test.",
        "Raised network fault F-{n}, ETA 48h.",
        "Known outage INC-{n} on the exchange, linked to the parent incident.",
        "Hub firmware is two versions behind, pushed update remotely.",
    ],
    "mobile": [
        "IMEI checked, not blocked.",
        "SIM swap done, ICCID ending {four}.",
        "Verified with DOB + postcode. Number on file {phone}.",
        "Network showing no mast issues near the customer's postcode.",
    ],
    "billing": [
        "Refund approved by TL, £{pounds}.",
        "Goodwill credit £10 applied, reason code GW3.",
        "Bill checked: 0870 calls + paper billing fee, all valid.",
        "Payment history reviewed, no missed DDs.",
    ],
    "account": [
        "Vulnerability marker added with customer's consent.",
        "Passed to Resolutions queue, 5 WD turnaround.",
        "Verified via email link before making changes.",
        "Customer asked for a call back on {phone}.",
    ],
    "any": [
        "Customer very frustrated, please handle with care.",
        "Called back on {phone}, no answer, left voicemail.",
        "Account {account} verified.",
        "Spoke to the customer by phone as well, same issue.",
    ],
}  # fmt: skip
UNANSWERED_NOTES = [
    "Duplicate of #{other}, closing.",
    "Customer rang in and it was sorted on the phone, no written reply needed.",
    "Auto-reply from the customer's mailbox, closing.",
    "No response required, handled on the linked ticket #{other}.",
]
UNANSWERED_LATER = [
    "Never mind, it's working again now.",
    "Still waiting for a reply to this...",
    "ignore this, sorted",
]

# Follow-ups that only make sense after a first question (evaluation threads).
FOLLOWUPS = {
    "broadband": [
        "and if that doesn't sort it, what's the next step?",
        "Does that mean someone has to come to the house?",
        "Will the Hub need to be switched off while you do that?",
        "How long before I'll notice a difference?",
    ],
    "mobile": [
        "and is that the same for my partner's phone on the account?",
        "Does that still work if I'm abroad at the time?",
        "Would that be any different on an iPhone?",
    ],
    "billing": [
        "Will that show on this bill or the next one?",
        "and is that the same for my mobile as well as the broadband?",
        "How soon would the money actually move?",
    ],
    "account": [
        "Can I do that in the app or do I have to ring?",
        "How many days does that normally take?",
        "What happens if I don't hear back by then?",
    ],
    "any": [
        "Sorry, where exactly do I find that?",
        "Do I have to be the account holder to do that?",
        "and if it still doesn't work after that?",
        "Could you sort that from your end instead?",
        "Is there any charge for doing that?",
    ],
}
FOLLOWUPS_BY_INTENT = {
    "no_internet": ["How long will the engineer take then?", "What if the lights are still red after that?"],
    "hub_lights": ["What if the lights are still red after that?"],
    "engineer_visit": ["How long will the engineer take then?"],
    "roaming": ["and is that the same for my mobile data as well as calls?"],
    "price_rise": ["and is that the same for my mobile?"],
}


@dataclass
class Customer:
    id: int
    first: str
    surname: str
    account: str  # seven digits
    email: str
    phone: str


# ---------------------------------------------------------------- loading and checks


def load_intents(path: Path = HERE / "intents.toml") -> list[Intent]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    intents = [
        Intent(
            r["id"], r["category"], r["era"], r["title"], r["keyphrases"], r["replies"], r["asks"],
            r["subjects"], r["heldout"], r.get("old_keyphrases", []), r.get("old_replies", []),
        )
        for r in raw["intent"]
    ]  # fmt: skip
    check_intents(intents)
    return intents


def agent_texts() -> list[str]:
    """Every text of an agent's that is not an intent's reply (greetings, openers, second answers)."""
    out = [HOLDING, THANKS_ANSWERS, [a for pairs in TICKET_FOLLOWUPS.values() for _, a in pairs]]
    for agent in AGENTS:
        out.append([*agent.greetings, *agent.openers, *agent.closers, agent.signature])
    return [t for group in out for t in group]


def _need(ok: bool, problem: str) -> None:
    if not ok:
        raise ValueError(problem)


def check_intents(intents: list[Intent]) -> None:
    """Each reply names its intent's keyphrases and no other intent's; the held-out wordings are
    no ticket's; old replies never name the new keyphrases."""
    ids = [i.id for i in intents]
    _need(len(ids) == len(set(ids)), "duplicate intent ids")
    all_asks = [a.lower() for i in intents for a in (*i.asks, *i.subjects)]
    for intent in intents:
        name = intent.id
        _need(3 <= len(intent.replies) <= 5, f"{name}: {len(intent.replies)} replies")
        _need(8 <= len(intent.asks) <= 12, f"{name}: {len(intent.asks)} asks")
        _need(3 <= len(intent.subjects) <= 5, f"{name}: {len(intent.subjects)} subjects")
        _need(5 <= len(intent.heldout) <= 8, f"{name}: {len(intent.heldout)} held-out phrasings")
        _need(2 <= len(intent.keyphrases) <= 3, f"{name}: {len(intent.keyphrases)} keyphrases")
        for reply in intent.replies:
            for phrase in intent.keyphrases:
                _need(phrase in reply, f"{name}: a reply lacks keyphrase {phrase!r}: {reply[:60]}...")
        for reply in intent.old_replies:
            for phrase in intent.old_keyphrases:
                _need(phrase in reply, f"{name}: an old reply lacks keyphrase {phrase!r}: {reply[:60]}...")
            for phrase in intent.keyphrases:
                _need(phrase.lower() not in reply.lower(), f"{name}: an old reply names new {phrase!r}")
        _need(any("{account}" not in r for r in intent.replies), f"{name}: every reply needs an account")
        _need(any("{account}" not in a for a in intent.asks), f"{name}: every ask gives an account")
        for phrase in intent.heldout:
            low = phrase.lower()
            _need(not any(low in a or a == low for a in all_asks), f"{name}: held-out {phrase!r} is an ask")
    for intent in intents:
        for other in intents:
            if other is intent:
                continue
            for reply in (*other.replies, *other.old_replies):
                for phrase in intent.keyphrases:
                    _need(
                        phrase.lower() not in reply.lower(),
                        f"keyphrase {phrase!r} of {intent.id} is in a reply of {other.id}",
                    )
        for text in agent_texts():
            for phrase in intent.keyphrases:
                _need(phrase.lower() not in text.lower(), f"keyphrase {phrase!r} of {intent.id} in {text!r}")


# ---------------------------------------------------------------- people and texts


def zendesk_time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def phone_number(rng: random.Random) -> str:
    tail = f"{rng.randint(0, 999):03d}"
    return rng.choice([f"07700 900{tail}", f"07700900{tail}", f"+44 7700 900{tail}", f"07700 900 {tail}"])


def new_customer(rng: random.Random, taken: set[int]) -> Customer:
    first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    user_id = rng.randint(410_000_000_000, 419_999_999_999)
    while user_id in taken:
        user_id += 1
    taken.add(user_id)
    plain = surname.lower().replace("'", "")
    email = rng.choice(
        [
            f"{first.lower()}.{plain}@example.net",
            f"{first.lower()}{plain[0]}{rng.randint(10, 99)}@example.com",
            f"{first[0].lower()}{plain}@example.org",
        ]
    )
    return Customer(user_id, first, surname, str(rng.randint(1_000_000, 9_999_999)), email, phone_number(rng))


def account_as_written(account: str, rng: random.Random) -> str:
    return rng.choice(
        [
            f"BW-{account}",
            f"BW-{account}",
            f"BW{account}",
            f"bw-{account}",
            account,
            f"BW {account[:3]} {account[3:]}",
        ]
    )


def customer_text(ask: str, customer: Customer, *, gives_account: bool, rng: random.Random) -> str:
    """A customer's message: maybe a greeting, the request, an account number, a detail, now and
    then a phone number or e-mail address, maybe a sign-off; sometimes lower case or mistyped."""
    request = ask.replace("{account}", account_as_written(customer.account, rng))
    parts = [rng.choice(CUSTOMER_OPENERS), request]
    if gives_account and "{account}" not in ask:
        mention = rng.choice(ACCOUNT_MENTIONS).format(acc=account_as_written(customer.account, rng))
        parts.insert(rng.choice([1, 2]), mention)
    parts.append(rng.choice(CUSTOMER_EXTRAS))
    if rng.random() < MESSY_PII:
        parts.append(rng.choice(PII_LINES).format(phone=customer.phone, email=customer.email))
    text = " ".join(p for p in parts if p)
    if rng.random() < 0.1:
        text = text.lower()
    if rng.random() < 0.15:
        text = typo(text, rng)
    signoff = rng.choice(CUSTOMER_SIGNOFFS).format(
        first=customer.first, surname=customer.surname, initial=customer.first[0]
    )
    return f"{text}\n\n{signoff}" if signoff else text


def part_of_day(when: datetime) -> str:
    return "Morning" if when.hour < 12 else "Afternoon" if when.hour < 18 else "Evening"


def agent_message(
    agent: Agent, body: str, *, name: str, when: datetime, rng: random.Random, full: bool = True
) -> str:
    """A public reply in the agent's voice: greeting, maybe an opener, the answer, maybe a closer,
    the agent's signature (a second, shorter reply skips the opener and closer)."""
    greeting = rng.choice(agent.greetings).format(name=name, part=part_of_day(when))
    opener = rng.choice(agent.openers) if full else ""
    closer = rng.choice(agent.closers) if full else ""
    if agent.paragraphs:
        middle = "\n\n".join(p for p in (opener, body, closer) if p)
    else:
        middle = " ".join(p for p in (opener, body, closer) if p)
    return f"{greeting}\n\n{middle}\n\n{agent.signature}"


def note_text(category: str, customer: Customer, rng: random.Random) -> str:
    note = rng.choice(NOTES[category] + NOTES["any"])
    return note.format(
        n=rng.randint(100000, 999999),
        four=rng.randint(1000, 9999),
        phone=customer.phone,
        pounds=f"{rng.randint(5, 90)}.{rng.randint(0, 99):02d}",
        account=f"BW-{customer.account}",
    )


# ---------------------------------------------------------------- tickets


def weights_for(intents: list[Intent], rng: random.Random) -> dict[str, float]:
    """Skewed popularity (a few requests make most of the volume), fixed by the seed."""
    ranks = list(range(1, len(intents) + 1))
    rng.shuffle(ranks)
    launch = {"recent": 3.0}  # a new product brings its own wave of questions
    return {i.id: launch.get(i.era, 1.0) / r for i, r in zip(intents, ranks, strict=True)}


HOURS = list(range(7, 24))
HOUR_WEIGHTS = [2, 5, 8, 9, 9, 8, 8, 7, 7, 6, 6, 6, 7, 7, 5, 3, 2]


def dates(n: int, rng: random.Random) -> list[datetime]:
    days = (END - START).days
    out = []
    for _ in range(n):
        day = START + timedelta(days=rng.randrange(days + 1))
        hour = rng.choices(HOURS, weights=HOUR_WEIGHTS)[0]
        out.append(day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60)))
    return sorted(out)


class Ids:
    """Zendesk's ids only grow: tickets and comments, with gaps where others were deleted."""

    def __init__(self, rng: random.Random) -> None:
        self.rng, self.ticket, self.comment = rng, 48213, 27004185501

    def next_ticket(self) -> int:
        self.ticket += self.rng.choice([1, 1, 1, 2, 3])
        return self.ticket

    def next_comment(self) -> int:
        self.comment += self.rng.randint(1, 40)
        return self.comment


def pick_agent(when: datetime, rng: random.Random) -> Agent:
    on_shift = [a for a in AGENTS if a.start <= when < a.end]
    return rng.choices(on_shift, weights=[a.weight for a in on_shift])[0]


def later(when: datetime, rng: random.Random, low_min: int, high_min: int) -> datetime:
    return when + timedelta(minutes=rng.randint(low_min, high_min), seconds=rng.randrange(60))


def staffed(rng: random.Random, when: datetime, low_min: int, high_min: int) -> datetime:
    """When an agent next writes: the helpdesk is staffed from 8:00 to 22:00."""
    when = later(when, rng, low_min, high_min)
    if when.hour >= 22:
        when += timedelta(days=1)
    if when.hour >= 22 or when.hour < 8:
        when = when.replace(
            hour=rng.choice([8, 8, 9, 9, 10, 11]), minute=rng.randrange(60), second=rng.randrange(60)
        )
    return when


class Thread:
    def __init__(self, ids: Ids) -> None:
        self.ids, self.comments = ids, []

    def add(self, author: int, text: str, when: datetime, *, public: bool) -> None:
        self.comments.append(
            {
                "id": self.ids.next_comment(),
                "type": "Comment",
                "author_id": author,
                "body": text,
                "plain_body": text,
                "public": public,
                "created_at": zendesk_time(when),
            }
        )


def subject_line(intent: Intent, customer: Customer, channel: str, rng: random.Random) -> str:
    if channel == "native_messaging":
        return f"Conversation with {customer.first} {customer.surname}"
    subject = rng.choice(intent.subjects)
    roll = rng.random()
    if roll < 0.05:
        return rng.choice(["Help", "Question", "Account query", "Please help!!", "Problem"])
    if roll < 0.11:
        return subject.lower()
    if roll < 0.14:
        return f"Re: {subject}"
    if roll < 0.16:
        return f"URGENT - {subject}"
    return subject


def build_ticket(
    intent: Intent, when: datetime, customer: Customer, ids: Ids, rng: random.Random
) -> dict[str, Any]:
    """One ticket with its comments; the ``_`` fields are for the benchmark, not the export."""
    agent = pick_agent(when, rng)
    gives_account = rng.random() < GIVES_ACCOUNT
    asks = intent.asks if gives_account else [a for a in intent.asks if "{account}" not in a]
    message = customer_text(rng.choice(asks), customer, gives_account=gives_account, rng=rng)
    channel = rng.choice(["email", "email", "email", "web", "web", "native_messaging"])
    thread = Thread(ids)
    thread.add(customer.id, message, when, public=True)
    clock = when
    if rng.random() < 0.18:
        clock = staffed(rng, clock, 3, 240)
        author = LEAD[0] if rng.random() < 0.3 else agent.id
        thread.add(author, note_text(intent.category, customer, rng), clock, public=False)
    answer = None
    unanswered = rng.random() < CLOSED_UNANSWERED
    holding = False
    if unanswered:
        clock = later(clock, rng, 60, 3000)
        if rng.random() < 0.35:
            thread.add(customer.id, rng.choice(UNANSWERED_LATER), clock, public=True)
            clock = later(clock, rng, 30, 1500)
        clock = staffed(rng, clock, 0, 30)
        note = rng.choice(UNANSWERED_NOTES).format(other=ids.ticket - rng.randint(1, 400))
        thread.add(rng.choice([agent.id, LEAD[0]]), note, clock, public=False)
    else:
        if rng.random() < 0.04:
            holding = True
            clock = staffed(rng, clock, 10, 300)
            thread.add(
                agent.id,
                agent_message(agent, rng.choice(HOLDING), name=customer.first, when=clock, rng=rng),
                clock,
                public=True,
            )
        clock = staffed(rng, clock, 20, 1800)
        pool = intent.replies_at(when)
        if not gives_account:
            pool = [r for r in pool if "{account}" not in r]
        body = rng.choice(pool).replace("{account}", f"BW-{customer.account}")
        answer = agent_message(agent, body, name=customer.first, when=clock, rng=rng, full=not holding)
        thread.add(agent.id, answer, clock, public=True)
        clock = second_round(thread, intent, agent, customer, clock, rng)
    tags = [intent.category, *([f"topic_{intent.id}"] if rng.random() < 0.45 else [])]
    tags += rng.sample(
        ["app_user", "vip", "callback_requested", "survey_sent", "macro_applied", "web_widget"],
        rng.choice([0, 0, 1, 2]),
    )
    return {
        "id": ids.next_ticket(),
        "subject": subject_line(intent, customer, channel, rng),
        "description": message,
        "created_at": zendesk_time(when),
        "updated_at": zendesk_time(later(clock, rng, 0, 10)),
        "status": "closed" if unanswered else "solved",
        "type": rng.choice([None, "question", "question", "incident", "problem"]),
        "priority": rng.choice([None, None, "normal", "normal", "high", "low"]),
        "via": {"channel": channel},
        "requester_id": customer.id,
        "assignee_id": agent.id,
        "tags": tags,
        "comments": thread.comments,
        "_intent": intent.id,
        "_era": "recent" if when >= CHANGE else "base",
        "_customer": customer,
        "_gives_account": gives_account,
        "_answer": None if holding else answer,
        "_solved": clock,
    }  # fmt: skip


def second_round(
    thread: Thread, intent: Intent, agent: Agent, customer: Customer, clock: datetime, rng: random.Random
) -> datetime:
    """Sometimes the customer writes again: thanks (now and then answered), or a second question
    (always answered); sometimes a note is left after the reply."""
    roll = rng.random()
    if roll < 0.13:
        clock = later(clock, rng, 30, 2800)
        thanks = rng.choice(THANKS).format(agent=agent.name.split()[0] if " " in agent.name else "guys")
        thread.add(customer.id, thanks.lower() if rng.random() < 0.3 else thanks, clock, public=True)
        if rng.random() < 0.4:
            clock = staffed(rng, clock, 15, 900)
            text = agent_message(
                agent, rng.choice(THANKS_ANSWERS), name=customer.first, when=clock, rng=rng, full=False
            )
            thread.add(agent.id, text, clock, public=True)
    elif roll < 0.22:
        question, reply = rng.choice(TICKET_FOLLOWUPS[intent.category])
        clock = later(clock, rng, 30, 2800)
        thread.add(customer.id, question, clock, public=True)
        clock = staffed(rng, clock, 15, 1200)
        thread.add(
            agent.id,
            agent_message(agent, reply, name=customer.first, when=clock, rng=rng, full=False),
            clock,
            public=True,
        )
    if rng.random() < 0.04:
        clock = staffed(rng, clock, 5, 120)
        thread.add(
            rng.choice([agent.id, LEAD[0]]), note_text(intent.category, customer, rng), clock, public=False
        )
    return clock  # fmt: skip


def ticket_rows(intents: list[Intent], n: int, rng: random.Random) -> list[dict[str, Any]]:
    popularity = weights_for(intents, rng)
    ids, customers, taken = Ids(rng), [], set()
    rows = []
    for when in dates(n, rng):
        valid = [i for i in intents if i.valid_at(when)]
        intent = rng.choices(valid, weights=[popularity[i.id] for i in valid])[0]
        if customers and rng.random() < 0.2:
            customer = rng.choice(customers)  # a customer who has written before
        else:
            customer = new_customer(rng, taken)
            customers.append(customer)
        rows.append(build_ticket(intent, when, customer, ids, rng))
    return rows


def export(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The Zendesk page: the tickets without the benchmark's fields, and the users they name."""
    last = max(r["_solved"] for r in rows)
    tickets = []
    for row in rows:
        ticket = {k: v for k, v in row.items() if not k.startswith("_")}
        if ticket["status"] == "solved" and last - row["_solved"] > AUTO_CLOSE:
            ticket["status"] = "closed"
        tickets.append(ticket)
    users = [{"id": LEAD[0], "name": LEAD[1], "role": "admin"}]
    users += [{"id": a.id, "name": a.name, "role": "agent"} for a in AGENTS]
    seen = set()
    for row in rows:
        c = row["_customer"]
        if c.id not in seen:
            seen.add(c.id)
            users.append({"id": c.id, "name": f"{c.first} {c.surname}", "role": "end-user"})
    return {
        "tickets": tickets,
        "users": users,
        "count": len(tickets),
        "next_page": None,
        "previous_page": None,
    }


def held_out_items(rows: list[dict[str, Any]], intents: dict[str, Intent], rng: random.Random) -> list[dict]:
    """The newest tickets, asked in the evaluation-only wordings (with the same slips), their
    agents' first public replies as references."""
    items = []
    for row in rows:
        if row["_answer"] is None:
            continue  # closed unanswered, or a holding reply first: nothing to score against
        intent = intents[row["_intent"]]
        question = customer_text(
            rng.choice(intent.heldout), row["_customer"], gives_account=row["_gives_account"], rng=rng
        )
        items.append(
            {
                "id": row["id"],
                "question": question,
                "reference": row["_answer"],
                "intent": intent.id,
                "era": row["_era"],
            }
        )
    return items


def followup_items(intents: list[Intent], n: int, rng: random.Random) -> list[dict[str, Any]]:
    """A first question (evaluation wording) and a follow-up that needs it; the right request is
    the first one's."""
    current = [i for i in intents if i.valid_at(END)]
    out = []
    for k in range(n):
        intent = current[k % len(current)]
        pool = FOLLOWUPS[intent.category] + FOLLOWUPS["any"] + FOLLOWUPS_BY_INTENT.get(intent.id, []) * 3
        out.append(
            {
                "id": f"follow-{k + 1}",
                "turns": [rng.choice(intent.heldout), rng.choice(pool)],
                "intent": intent.id,
            }
        )
    return out


# ---------------------------------------------------------------- mood

MOOD_EXTRA = {"abusive": 40, "upset": 40, "ordinary": 70}


def mood_variant(text: str, label: str, rng: random.Random) -> str:
    """The same message as another customer might send it."""
    name = rng.choice(FIRST_NAMES)
    steps = rng.sample(["lower", "typo", "greet", "sign", "account", "shout"], rng.choice([1, 2]))
    for step in steps:
        if step == "lower":
            text = text.lower()
        elif step == "typo":
            text = typo(text, rng)
        elif step == "greet" and label != "abusive":
            start = text[0].lower() + text[1:] if rng.random() < 0.5 else text
            text = f"{rng.choice(['Hi,', 'Hello,', 'Hiya,', 'Morning,'])} {start}"
        elif step == "sign":
            text = f"{text}\n{rng.choice(['', 'Thanks, ', 'Regards, '])}{name}"
        elif step == "account":
            text = f"{text} Account BW-{rng.randint(1_000_000, 9_999_999)}."
        elif step == "shout" and label == "abusive":
            text = text.upper() if rng.random() < 0.5 else f"{text.rstrip('.!?')}!!!"
    return text


def mood_rows(rng: random.Random, path: Path = HERE / "mood.toml") -> list[dict[str, str]]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for label in ("abusive", "upset", "ordinary"):
        texts = list(raw[label])
        seen = set(texts)
        while len(texts) < len(raw[label]) + MOOD_EXTRA[label]:
            text = mood_variant(rng.choice(raw[label]), label, rng)
            if text not in seen:
                seen.add(text)
                texts.append(text)
        out += [{"id": f"{label}-{i + 1}", "text": t, "label": label} for i, t in enumerate(texts)]
    return out


# ---------------------------------------------------------------- writing


def write(
    out: Path, *, tickets: int = 1800, held_out: int = 300, followups: int = 150, seed: int = 23
) -> dict[str, int]:
    """Every file of the set into ``out``; returns how many rows each got."""
    rng = random.Random(seed)
    intents = load_intents()
    by_id = {i.id: i for i in intents}
    rows = ticket_rows(intents, tickets + held_out + held_out // 5 + 10, rng)
    kept, newest = rows[:tickets], rows[tickets:]
    items = held_out_items(newest, by_id, rng)[:held_out]
    page = export(kept)
    text = json.dumps(page, ensure_ascii=False)
    low = text.lower()
    for intent in intents:
        for phrase in intent.heldout:
            _need(phrase.lower() not in low, f"{intent.id}: held-out wording {phrase!r} is in tickets.json")
    out.mkdir(parents=True, exist_ok=True)
    (out / "tickets.json").write_text(text + "\n", encoding="utf-8")
    _jsonl(out / "held_out.jsonl", items)
    # For the benchmark only (an export has no such field): which request each ticket is about.
    (out / "ticket_intents.json").write_text(json.dumps({str(r["id"]): r["_intent"] for r in kept}))
    threads = followup_items(intents, followups, rng)
    _jsonl(out / "followups.jsonl", threads)
    moods = mood_rows(rng)
    _jsonl(out / "mood.jsonl", moods)
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
            ensure_ascii=False,
        )
    )
    answered = sum(
        1
        for t in page["tickets"]
        if any(c["public"] and c["author_id"] != t["requester_id"] for c in t["comments"])
    )
    return {
        "tickets": len(kept),
        "answered": answered,
        "unanswered": len(kept) - answered,
        "users": len(page["users"]),
        "held_out": len(items),
        "followups": len(threads),
        "mood": len(moods),
        "intents": len(intents),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tickets", type=int, default=1800)
    parser.add_argument("--held-out", type=int, default=300)
    parser.add_argument("--seed", type=int, default=23)
    args = parser.parse_args()
    print(write(args.out, tickets=args.tickets, held_out=args.held_out, seed=args.seed))


if __name__ == "__main__":
    main()
