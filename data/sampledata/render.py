"""Small text operations shared by conversations, tickets and evaluation questions: typos,
filling the {order} and {amount} slots, the customer's greeting and sign-off, a pasted PII value,
timestamps, and the rule that an agent never states a fact it was not given.
"""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta

from .identifiers import PII_MAKERS, make_amount, make_order_number, pick_pii_kind
from .texts import PHRASES

BASE_START, BASE_END = datetime(2024, 1, 1), datetime(2025, 8, 31, 23, 59)
RECENT_START, RECENT_END = datetime(2025, 9, 1), datetime(2025, 12, 31, 23, 59)

# Only plain words (optionally with trailing punctuation) are ever mangled, so order numbers, amounts
# and PII values stay exact.
_PLAIN_WORD = re.compile(r"^([A-Za-z']+)([.,!?]*)$")


def _split_word(token: str) -> tuple[str, str]:
    match = _PLAIN_WORD.match(token)
    assert match is not None  # only called on tokens that matched before
    return match.group(1), match.group(2)


def add_typos(text: str, rng: random.Random) -> str:
    tokens = text.split(" ")
    plain = [i for i, t in enumerate(tokens) if _PLAIN_WORD.match(t)]
    long_words = [i for i in plain if len(_split_word(tokens[i])[0]) >= 4]
    kind = rng.choice(["swap", "swap", "drop", "lower", "nopunct", "lower_nopunct"])
    if kind in ("swap", "drop") and long_words:
        for i in rng.sample(long_words, min(len(long_words), rng.choice([1, 1, 2]))):
            word, punct = _split_word(tokens[i])
            j = rng.randint(1, len(word) - 3)  # keep the first and last letters
            if kind == "swap":
                word = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            else:
                word = word[:j] + word[j + 1 :]
            tokens[i] = word + punct
    else:
        for i in plain:
            word, punct = _split_word(tokens[i])
            if "lower" in kind:
                word = word.lower()
            if "nopunct" in kind:
                punct = ""
            tokens[i] = word + punct
    return " ".join(tokens)


def fill(template: str, order_ref: str | None = None, amount: str | None = None) -> str:
    """Fill the {order} and {amount} slots; a template may use either, both or neither."""
    return template.replace("{order}", order_ref or "").replace("{amount}", amount or "")


def join(*parts: str) -> str:
    return " ".join(p for p in parts if p)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_URL = re.compile(r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|example)(?:/[^\s,;:)]*[^\s,;:).])?", re.I)


def check_assistant_facts(text: str, resolution: str, user_text: str, where: str) -> None:
    """Every number, e-mail and URL in an agent message comes from the canonical resolution (a
    fixed company fact) or from what the customer has written so far; nothing is invented."""
    allowed_numbers = set(_NUMBER.findall(resolution)) | set(_NUMBER.findall(user_text))
    for num in _NUMBER.findall(text):
        if num not in allowed_numbers:
            raise AssertionError(f"{where}: invented number {num!r} in {text!r}")
    for email in _EMAIL.findall(text):
        raise AssertionError(f"{where}: e-mail {email!r} in an agent message")
    for url in _URL.findall(text):
        if url not in resolution:
            raise AssertionError(f"{where}: URL {url!r} not in the resolution")


def random_time(rng: random.Random, start: datetime, end: datetime) -> str:
    minutes = int((end - start).total_seconds() // 60)
    t = start + timedelta(minutes=rng.randint(0, minutes))
    # Support chats cluster in waking hours: pull night-time timestamps into 07:00-22:59.
    if t.hour < 7:
        t = t.replace(hour=t.hour + 7 + rng.randint(0, 9))
    return t.strftime("%Y-%m-%dT%H:%M:00Z")


def era_range(era: str) -> tuple[datetime, datetime]:
    return (BASE_START, BASE_END) if era == "base" else (RECENT_START, RECENT_END)


def render_problem(
    rng: random.Random, templates: list[str], *, want_order: bool, want_amount: bool
) -> tuple[str, str | None, str | None]:
    """Pick a template and fill its slots. Returns (text, order number or None, amount or None).
    A template with {order} or {amount} is only used when that identifier is wanted; otherwise the
    identifier is appended as its own sentence."""
    usable = [
        t for t in templates if ("{order}" not in t or want_order) and ("{amount}" not in t or want_amount)
    ]
    template = rng.choice(usable)
    n = make_order_number(rng) if want_order else None
    ref = rng.choice(PHRASES["order_forms"]).format(n=n) if n else None
    amount = make_amount(rng) if want_amount else None
    text = fill(template, ref, amount)
    extra = []
    if amount and "{amount}" not in template:
        extra.append(rng.choice(PHRASES["amount_sentences"]).format(amount=amount))
    if n and "{order}" not in template:
        extra.append(rng.choice(PHRASES["order_sentences"]).format(n=n))
    rng.shuffle(extra)
    return join(text, *extra), n, amount


def wrap_customer(rng: random.Random, text: str) -> str:
    """Optional greeting, closing ask and sign-off around a problem statement."""
    parts = []
    if rng.random() < 0.55:
        greeting = rng.choice(PHRASES["greetings"])
        parts.append(greeting)
        # "Hi, where is ..." reads more naturally than "Hi, Where is ...".
        if greeting.endswith(",") and text.split(" ")[0] not in PHRASES["keep_capitalised"]:
            text = text[0].lower() + text[1:]
    parts.append(text)
    if rng.random() < 0.45:
        parts.append(rng.choice(PHRASES["asks"]))
    if rng.random() < 0.2:
        parts.append(rng.choice(PHRASES["signoffs"]))
    return join(*parts)


def add_pii(rng: random.Random, text: str, category: str, pii: list[str]) -> tuple[str, str]:
    """Append a sentence with a made-up PII value; the value goes to ``pii``, its kind is returned."""
    kind = pick_pii_kind(rng, category)
    value = PII_MAKERS[kind](rng)
    pii.append(value)
    return join(text, rng.choice(PHRASES["pii_sentences"][kind]).format(v=value)), kind
