"""PII redaction: e-mail addresses, phone numbers, payment cards, CVVs and IBANs become placeholders.

Applied before the first write of anything a customer or agent typed: the delivery spool, the
database, logs, the ticket index, exports, training data and model requests all hold
``[EMAIL]``, ``[PHONE]``, ``[CARD]``, ``[IBAN]`` and ``[CVV]`` instead.

- Phone numbers come from ``phonenumbers`` (the maintained port of Google's libphonenumber):
  numbers it finds valid in the configured regions, plus any number written in international
  form (``+44 7700 900123``) or with a national trunk prefix (``07700 900123``) that has a
  possible length. Reserved ranges such as the UK's 07700 900xxx are not "valid" to the library,
  yet customers (and sample logs) type them: the second rule catches those.
- Cards are 13–19 digits that pass the Luhn check; IBANs (any case) must have their country's
  length and format and pass mod-97 (python-stdnum); so random digit strings are left alone.
- A number right after an order word ("order", "purchase", "invoice", ...) is an order number,
  not a card: a 15-digit order number passes Luhn by chance one time in ten. For phones, a
  bare "#" and misspellings of "order" count too, but never against a number written with "+",
  "00" or a trunk "0" (nobody writes an order number like that).
- Dates, times and references glued to a prefix ("ORD-2024-001234") are not phone numbers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

PLACEHOLDERS = {
    "email": "[EMAIL]",
    "phone": "[PHONE]",
    "card": "[CARD]",
    "iban": "[IBAN]",
    "cvv": "[CVV]",
}
# National numbers are recognised for these regions (international ones for every region).
DEFAULT_PHONE_REGIONS: tuple[str, ...] = ("US", "GB", "DE", "FR")

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# An IBAN candidate: country code, check digits, then up to 30 letters/digits in groups.
_IBAN_START = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])")
_IBAN_TAIL = re.compile(r"(?:[ ]?[A-Za-z0-9]){11,30}")
_CARD = re.compile(r"(?<![\w])\d(?:[ -]?\d){12,18}(?![\w])")
_CVV = re.compile(
    r"(?i)\b(?:cvv2?|cvc2?|cvn|csc|cid|security\s+code|card\s+verification(?:\s+(?:code|value))?)"
    r"(?:\s*(?:code|number|no\.?|is|was|[:#=-]))*\s*(\d{3,4})(?!\d)"
)
# What makes the number after it an order (or other business) reference, not a card: an order
# word right before it. Whole words only ("oder" is German for "or").
_CARD_CONTEXT = re.compile(
    r"(?i)\b(?:orders?|purchase|invoice|receipt|ref|reference|tracking|shipment|parcel|rma)"
    r"(?:\s*(?:no\.?|nr\.?|number|num\.?|id|code|is|was))*\s*[:#]?\s*$"
)
# For phones, customers' misspellings of "order" (odrer, orer, oredr) and a bare "#" count too,
# but only against numbers written without "+", "00" or a trunk "0" (see _phone_spans).
_PHONE_CONTEXT = re.compile(
    r"(?i)(?:\b(?:o(?=[rde]*r)[rde]{2,4}s?|purchase|invoice|receipt|ref|reference|tracking|shipment|"
    r"parcel|confirmation|booking|transaction|rma)"
    r"(?:\s*(?:no\.?|nr\.?|number|num\.?|id|code|is|was))*\s*[:#]?|#)\s*$"
)
# Dates and times are never phone numbers: hidden (same length) before phones are looked for.
_DATE_OR_TIME = re.compile(
    r"\b(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
)
# Seven or more digits, with the separators phone numbers are written with between them.
_DIGIT_RUN = re.compile(r"\+?\(?\d(?:[ \t().\-/]{0,3}\d){6,}\)?")
_LOOSE_HINT = re.compile(r"\+\s?\(?\d|(?<![\w.,])\(?0\d")
_YEAR_PREFIX = re.compile(r"^(?:19|20)\d\d[-/.]")
_DATE = re.compile(r"^\d{4}[./-]\d{2}[./-]\d{2}$|^\d{2}[./-]\d{2}[./-]\d{4}$")


def luhn_ok(digits: str) -> bool:
    """The Luhn check digit of a card number holds (python-stdnum)."""
    from stdnum import luhn

    return bool(luhn.is_valid(digits))


def iban_ok(candidate: str) -> bool:
    """A valid IBAN: its country's length and format, and mod-97 (python-stdnum's registry)."""
    from stdnum import iban

    return bool(iban.is_valid(candidate))


def in_order_context(text: str, start: int, *, phone: bool = False) -> bool:
    """Does the number starting at ``start`` follow an order word (``order``, ``purchase``)?"""
    context = _PHONE_CONTEXT if phone else _CARD_CONTEXT
    return context.search(text[max(0, start - 40) : start]) is not None


@dataclass
class Redaction:
    text: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


Span = tuple[int, int, str]  # start, end, kind


def _iban_spans(text: str) -> list[Span]:
    """IBANs in any case; the longest group-aligned prefix that passes mod-97 wins, so the words
    after an IBAN ("... 0130 00 for the refund") are not swallowed into it."""
    spans: list[Span] = []
    pos = 0
    while (m := _IBAN_START.search(text, pos)) is not None:
        tail = _IBAN_TAIL.match(text, m.end())
        found = None
        if tail is not None:
            # Candidate ends: after each character of the tail where a group ends.
            ends = [
                i + 1
                for i in range(tail.start(), tail.end())
                if text[i] != " " and (i + 1 == tail.end() or text[i + 1] == " " or i + 1 == len(text))
            ]
            ends = ends or [tail.end()]
            for end in sorted(set(ends) | {tail.end()}, reverse=True):
                if iban_ok(text[m.start() : end]):
                    found = (m.start(), end, "iban")
                    break
        if found is not None:
            spans.append(found)
            pos = found[1]
        else:
            pos = m.start() + 1
    return spans


def _card_spans(text: str) -> list[Span]:
    spans = []
    for m in _CARD.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and luhn_ok(digits) and not in_order_context(text, m.start()):
            spans.append((m.start(), m.end(), "card"))
    return spans


def _cvv_spans(text: str) -> list[Span]:
    return [(m.start(1), m.end(1), "cvv") for m in _CVV.finditer(text)]


def _email_spans(text: str) -> list[Span]:
    return [(m.start(), m.end(), "email") for m in _EMAIL.finditer(text)]


def _phone_spans(text: str, regions: Iterable[str]) -> list[Span]:
    from phonenumbers import Leniency, PhoneNumberMatcher

    # Dates and times hidden (same length, so spans stay valid): "05.03.2024 10:15" is no phone.
    shadow = _DATE_OR_TIME.sub(lambda m: "x" * len(m.group(0)), text)
    spans: list[Span] = []

    def keep(start: int, end: int, raw: str) -> None:
        raw = raw.strip()
        if _DATE.match(raw) or _YEAR_PREFIX.match(raw):
            return  # "2024-000123": a year-numbered reference
        if start >= 2 and text[start - 1] in "-/" and text[start - 2].isalnum():
            return  # glued to a prefix: "ORD-2024-001234", "INV/123456789"
        written_as_phone = raw.lstrip("(").startswith(("+", "0"))
        if not written_as_phone and in_order_context(text, start, phone=True):
            return  # "order 4821937", "#5454264": an order number
        spans.append((start, end, "phone"))

    # The matcher (pure Python, slow) only looks at windows around runs of 7 or more digits:
    # no phone number in these regions is shorter, and most texts have no such run at all.
    for run in _DIGIT_RUN.finditer(shadow):
        lo, hi = max(0, run.start() - 6), min(len(shadow), run.end() + 2)
        window = shadow[lo:hi]
        # Only a number in international form or with a trunk prefix can be "possible but not
        # valid" and still count (below): most windows need the strict pass alone.
        loose = _LOOSE_HINT.search(window) is not None
        for region in regions:
            for match in PhoneNumberMatcher(window, region, leniency=Leniency.VALID):
                keep(lo + match.start, lo + match.end, match.raw_string)
            if not loose:
                continue
            # Possible-but-not-valid numbers count only in a form nobody writes an order number
            # in: international ("+44 ...", "0044 ...") or with the trunk prefix ("07700 ...").
            for match in PhoneNumberMatcher(window, region, leniency=Leniency.POSSIBLE):
                raw = match.raw_string.lstrip("(")
                digits = re.sub(r"\D", "", raw)
                international = raw.startswith("+") or raw.startswith("00")
                trunk = raw.startswith("0") and not raw.startswith("00")
                if (international and len(digits) >= 8) or (trunk and len(digits) >= 10):
                    keep(lo + match.start, lo + match.end, match.raw_string)
    return sorted(set(spans))


def _apply(text: str, spans: list[Span], counts: Counter[str]) -> str:
    """Replace non-overlapping spans (earlier kinds win over later ones on overlap)."""
    taken: list[Span] = []
    for span in spans:
        if any(span[0] < e and s < span[1] for s, e, _ in taken):
            continue
        taken.append(span)
    out = []
    pos = 0
    for start, end, kind in sorted(taken):
        out.append(text[pos:start])
        out.append(PLACEHOLDERS[kind])
        counts[kind] += 1
        pos = end
    out.append(text[pos:])
    return "".join(out)


class Redactor:
    """Redaction with a chosen set of phone regions; ``redact`` uses the process's default one."""

    def __init__(self, phone_regions: Iterable[str] = DEFAULT_PHONE_REGIONS) -> None:
        self.phone_regions = tuple(r.upper() for r in phone_regions)

    def redact(self, text: str) -> Redaction:
        counts: Counter[str] = Counter()
        if not text:
            return Redaction(text or "", counts)
        # In passes, so a kind never sees another kind's digits: IBANs, cards, CVVs, e-mails,
        # then phones (the phone matcher would otherwise take card groups for phone numbers).
        out = _apply(text, _iban_spans(text), counts)
        out = _apply(out, _card_spans(out) + _cvv_spans(out), counts)
        out = _apply(out, _email_spans(out), counts)
        if _DIGIT_RUN.search(out):
            out = _apply(out, _phone_spans(out, self.phone_regions), counts)
        return Redaction(out, counts)


_default = Redactor()


def configure(phone_regions: Iterable[str]) -> None:
    """Set the phone regions of this process's default redactor (called once, from the settings)."""
    global _default
    _default = Redactor(phone_regions)


def redact(text: str) -> Redaction:
    """Replace PII with placeholders; ``counts`` says how many of each kind were found."""
    return _default.redact(text)


def redact_text(text: str) -> str:
    return _default.redact(text).text


def redact_optional(text: str | None) -> str | None:
    return None if text is None else _default.redact(text).text
