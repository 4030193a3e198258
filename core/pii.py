"""PII redaction: e-mail addresses, phone numbers, payment cards and IBANs become typed placeholders.

Applied before anything is indexed or trained on. Cards are Luhn-checked and IBANs mod-97-checked,
so order numbers, amounts and dates are left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

PLACEHOLDERS = {"email": "[EMAIL]", "phone": "[PHONE]", "card": "[CARD]", "iban": "[IBAN]"}

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")
_CARD = re.compile(r"(?<![\w#])\d(?:[ -]?\d){12,18}(?![\w])")
# A run of digit groups with an optional +country code or (area code); checked for length below.
_PHONE = re.compile(
    r"(?<![\w#$])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,5}){1,4}(?![\w])"
    r"|(?<![\w#$])\+\d{8,15}(?![\w])"
)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{2}[./-]\d{2}[./-]\d{4}$")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def _is_card(match: str) -> bool:
    digits = re.sub(r"\D", "", match)
    return 13 <= len(digits) <= 19 and luhn_ok(digits)


def _is_phone(match: str) -> bool:
    if _DATE.match(match.strip()):
        return False
    digits = re.sub(r"\D", "", match)
    international = match.lstrip().startswith("+")
    return (8 if international else 9) <= len(digits) <= 15


@dataclass
class Redaction:
    text: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def redact(text: str) -> Redaction:
    """Replace PII with placeholders; ``counts`` says how many of each kind were found."""
    counts: Counter[str] = Counter()

    def sub(kind: str, pattern: re.Pattern[str], check, value: str) -> str:
        def replace(m: re.Match[str]) -> str:
            if check is not None and not check(m.group(0)):
                return m.group(0)
            counts[kind] += 1
            return PLACEHOLDERS[kind]

        return pattern.sub(replace, value)

    # IBANs and cards first: their digit runs would otherwise look like phone numbers.
    out = sub("iban", _IBAN, iban_ok, text)
    out = sub("card", _CARD, _is_card, out)
    out = sub("email", _EMAIL, None, out)
    out = sub("phone", _PHONE, _is_phone, out)
    return Redaction(out, counts)


def redact_text(text: str) -> str:
    return redact(text).text
