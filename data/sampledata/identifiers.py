"""Made-up identifiers: order numbers, amounts, and the PII customers paste (e-mail addresses,
phone numbers, card numbers, IBANs). Cards get a valid Luhn digit and IBANs valid mod-97 check
digits (python-stdnum, as core.pii uses to recognise them), so redaction has something realistic
to catch; every value is drawn from the caller's seeded ``random.Random``. ``weighted`` is the
generator's one weighted draw (PII kinds here, follow-up kinds in conversations).
"""

from __future__ import annotations

import random
from collections.abc import Callable

from stdnum import iban, luhn

from .texts import PHRASES


def make_email(rng: random.Random) -> str:
    first, last = rng.choice(PHRASES["first_names"]), rng.choice(PHRASES["last_names"])
    sep = rng.choice([".", "_", ""])
    suffix = rng.choice(["", "", str(rng.randint(1, 99))])
    return f"{first}{sep}{last}{suffix}@{rng.choice(PHRASES['email_domains'])}"


def make_phone(rng: random.Random) -> str:
    # 555-01xx (US) and Ofcom's drama ranges (UK) are reserved for fiction. The UK mobile is written
    # "7700 900 123": core.pii's phone pattern allows digit groups of at most 5, so the equally
    # common "7700 900123" would slip through redaction.
    xx, xxx = f"{rng.randint(0, 99):02d}", f"{rng.randint(0, 999):03d}"
    area = rng.choice(PHRASES["us_area_codes"])
    return rng.choice(
        [
            f"+1 {area}-555-01{xx}",
            f"({area}) 555 01{xx}",
            f"({area}) 555-01{xx}",
            f"{area}-555-01{xx}",
            f"+44 20 7946 0{xxx}",
            f"+44 161 496 0{xxx}",
            f"+44 7700 900 {xxx}",
        ]
    )


def make_card(rng: random.Random) -> str:
    prefix = rng.choice(["4", "51", "52", "53", "54", "55"])
    body = prefix + "".join(str(rng.randint(0, 9)) for _ in range(15 - len(prefix)))
    digits = body + luhn.calc_check_digit(body)
    style = rng.random()
    if style < 0.5:
        return " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    if style < 0.65:
        return "-".join(digits[i : i + 4] for i in range(0, 16, 4))
    return digits


def make_iban(rng: random.Random) -> str:
    def num(k: int) -> str:
        return "".join(str(rng.randint(0, 9)) for _ in range(k))

    country = rng.choice(["DE", "GB", "FR"])
    if country == "DE":
        bban = num(8) + num(10)
    elif country == "GB":
        bban = rng.choice(PHRASES["gb_banks"]) + num(6) + num(8)
    else:
        bban = num(5) + num(5) + num(11) + num(2)
    # calc_check_digits ignores the digits in the check-digit position: "00" holds their place.
    compact = country + iban.calc_check_digits(country + "00" + bban) + bban
    if rng.random() < 0.5:
        return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact


PII_MAKERS: dict[str, Callable[[random.Random], str]] = {
    "email": make_email,
    "phone": make_phone,
    "card": make_card,
    "iban": make_iban,
}


def weighted(rng: random.Random, weights: dict[str, float]) -> str:
    """One key, drawn with probability proportional to its weight."""
    r, acc = rng.random() * sum(weights.values()), 0.0
    for key, w in weights.items():  # dict order is insertion order: deterministic
        acc += w
        if r < acc:
            return key
    return key


def pick_pii_kind(rng: random.Random, category: str) -> str:
    # Card numbers and bank details show up mostly where money is discussed.
    if category in ("billing", "refunds", "membership"):
        weights = {"email": 0.35, "phone": 0.2, "card": 0.3, "iban": 0.15}
    else:
        weights = {"email": 0.5, "phone": 0.32, "card": 0.13, "iban": 0.05}
    return weighted(rng, weights)


def make_order_number(rng: random.Random) -> str:
    return str(rng.randint(1000000, 9999999))


def make_amount(rng: random.Random) -> str:
    if rng.random() < 0.6:
        return rng.choice(PHRASES["prices"])
    return f"${rng.randint(12, 420)}.{rng.choice(['00', '49', '95', '99'])}"
