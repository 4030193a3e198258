"""Identifiers the application fills in, so the model never has to copy (or invent) them.

Small models do not copy numbers: asked about order 4821937 they answer about some other order.
So order numbers and amounts are replaced by placeholders (``<ORDER_ID>``, ``<AMOUNT>``) in
everything the model reads, in training and in serving alike, and put back after generation from
what the customer actually wrote. This module is that contract, plus the detector the grounding
guard uses for identifiers in a drafted answer.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# A 5–20 digit number, optionally written "#1234567"; not part of a longer token, an amount,
# a phone number or a date (the lookarounds reject digits glued to letters, "-", "." or ",").
ORDER_RE = re.compile(r"(?<![\w$.,/+-])#?(\d{5,20})(?![\w.,/-]\d|[\w])")
# An amount: a currency sign or code and a number, with or without thousands separators ("£1,299",
# "£1299"), with or without pence.
_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d{2})?"
AMOUNT_RE = re.compile(rf"(?<![\w])(?:[$€£]\s?{_NUMBER}|{_NUMBER}\s?(?:USD|EUR|GBP))(?![\w])")
EMAIL_RE = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
URL_RE = re.compile(
    r"\b(?:https?://|www\.)[^\s<>()\"']+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|org|net|io|example|co)(?:/[^\s<>()\"']*)?",
    re.I,
)
TICKET_RE = re.compile(r"\b[A-Z]{1,4}-\d{3,10}\b")

PLACEHOLDER_RE = re.compile(r"<(ORDER_ID|AMOUNT)(?:_(\d+))?>")


def _placeholder(kind: str, n: int) -> str:
    return f"<{kind}>" if n == 1 else f"<{kind}_{n}>"


@dataclass
class Masker:
    """Maps identifiers to placeholders consistently across one conversation's turns."""

    values: dict[str, str] = field(default_factory=dict)  # placeholder -> original text
    _by_value: dict[tuple[str, str], str] = field(default_factory=dict)

    def _name(self, kind: str, key: str, original: str) -> str:
        if (kind, key) in self._by_value:
            return self._by_value[(kind, key)]
        n = 1 + sum(1 for k, _ in self._by_value if k == kind)
        name = _placeholder(kind, n)
        self._by_value[(kind, key)] = name
        self.values[name] = original
        return name

    def mask(self, text: str) -> str:
        def amount(m: re.Match[str]) -> str:
            return self._name("AMOUNT", amount_key(m.group(0)), m.group(0))

        def order(m: re.Match[str]) -> str:
            # "#4821937" and "4821937" are the same order; the "#" stays in the text.
            prefix = "#" if m.group(0).startswith("#") else ""
            return prefix + self._name("ORDER_ID", m.group(1), m.group(1))

        return ORDER_RE.sub(order, AMOUNT_RE.sub(amount, text))

    def unmask(self, text: str) -> tuple[str, list[str]]:
        """Put identifiers back; returns the text and the placeholders that had no value."""
        unknown: list[str] = []

        def put_back(m: re.Match[str]) -> str:
            value = self.values.get(m.group(0))
            if value is None:
                unknown.append(m.group(0))
                return m.group(0)
            return value

        return PLACEHOLDER_RE.sub(put_back, text), unknown

    def originals(self, kind: str) -> list[str]:
        return [self.values[name] for (k, _), name in self._by_value.items() if k == kind]


_CURRENCY_CODES = {"£": "GBP", "$": "USD", "€": "EUR"}
_CURRENCY_RE = re.compile(r"[$€£]|USD|EUR|GBP")


def amount_key(text: str) -> str:
    """An amount's currency and value (of an ``AMOUNT_RE`` match), for knowing the same amount
    however it is written: sign or code, spacing, thousands separators and zero pence aside
    ("£1,299.00", "£1299", "1,299 GBP" are all "GBP 1299"); "$5" and "€5" are two amounts."""
    sign = _CURRENCY_RE.search(text)
    currency = _CURRENCY_CODES.get(sign.group(0), sign.group(0)) if sign else ""
    whole, _, cents = re.sub(r"[^\d.]", "", text).rstrip(".").partition(".")
    return f"{currency} {whole}.{cents}" if cents.strip("0") else f"{currency} {whole}"


def generalise(text: str, *, stated: frozenset[str] = frozenset()) -> str:
    """A past ticket's specifics as placeholders that mean "this customer's": every order number
    becomes ``<ORDER_ID>`` and every amount ``<AMOUNT>`` (but those in ``stated``, by
    ``amount_key``: see ``stated_amounts``).

    Put into a prompt, a ticket then teaches the procedure, not another customer's numbers; the
    model's ``<ORDER_ID>`` is filled with the customer's own order afterwards (or, when they gave
    none, the answer is not sent as is).
    """
    out = AMOUNT_RE.sub(lambda m: m.group(0) if amount_key(m.group(0)) in stated else "<AMOUNT>", text)
    return ORDER_RE.sub(lambda m: ("#" if m.group(0).startswith("#") else "") + "<ORDER_ID>", out)


def stated_amounts(replies: Iterable[str], *, at_least: int = 2) -> frozenset[str]:
    """The amounts (``amount_key``) that at least ``at_least`` of these past replies state alike:
    what the team tells everyone who asks (a price, a fee, a threshold: "the Roam Pass is £2.50
    a day"), not one customer's refund. Shown to the next customer, those stay as written."""
    counts: Counter[str] = Counter()
    for reply in replies:
        counts.update({amount_key(m.group(0)) for m in AMOUNT_RE.finditer(reply)})
    return frozenset(key for key, n in counts.items() if n >= at_least)


# How a past ticket shows a specific the current customer has not given.
UNFILLED = {"ORDER_ID": "[your order number]", "AMOUNT": "[the amount]"}


def present_past(text: str, masker: Masker, *, stated: frozenset[str] = frozenset()) -> str:
    """A past ticket's text, shown to another customer: its order numbers replaced by this
    customer's own (when they gave one) or by a neutral "[your order number]", its amounts by
    "[the amount]"; the amounts the team states to everyone (``stated``: ``stated_amounts`` of
    the tickets retrieved with it) stay as written.

    An order number in a past reply names the order the reply is about, which for this customer
    is theirs. An amount is a fact of that past case (what was refunded, what the fee came to):
    this customer's amount put there would say "we refunded £30" to someone nobody refunded, and
    a reply with two amounts would state this customer's one twice. So amounts are never filled."""

    def fill(m: re.Match[str]) -> str:
        own = masker.values.get(f"<{m.group(1)}>") if m.group(1) == "ORDER_ID" else None
        return own if own is not None else UNFILLED[m.group(1)]

    return PLACEHOLDER_RE.sub(fill, generalise(text, stated=stated))


@dataclass(frozen=True)
class Identifier:
    kind: str  # order | amount | email | url | ticket
    text: str
    start: int
    end: int

    @property
    def key(self) -> str:
        """Normalised form for comparing (an amount's currency and value, an order's digits,
        lower-case e-mail or URL)."""
        if self.kind == "amount":
            return amount_key(self.text)
        if self.kind == "order":
            return re.sub(r"[^\d.]", "", self.text).rstrip(".")
        return self.text.lower().rstrip("/.")


def find_identifiers(text: str) -> list[Identifier]:
    """Order/ticket numbers, amounts, e-mail addresses and URLs in ``text``, left to right."""
    found: list[Identifier] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, m: re.Match[str], group: int = 0) -> None:
        start, end = m.span(group)
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(Identifier(kind, m.group(group), start, end))

    for m in EMAIL_RE.finditer(text):
        add("email", m)
    for m in URL_RE.finditer(text):
        add("url", m)
    for m in TICKET_RE.finditer(text):
        add("ticket", m)
    for m in AMOUNT_RE.finditer(text):
        add("amount", m)
    for m in ORDER_RE.finditer(text):
        add("order", m, 1)
    return sorted(found, key=lambda i: i.start)
