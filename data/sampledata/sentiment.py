"""sentiment.jsonl: labelled customer turns (negative, neutral, positive, and a frustration score
in [0, 1]) for the sentiment classifier, in six styles: calm, grateful, annoyed, angry, sarcastic
and polite-but-stuck, some with typos and some written in capitals.

Each turn is a template of its style (``data/text/sentiment.toml``) filled with a problem
statement of a support intent and what the customer calls the thing they write about. The split
is by phrasing, not by row: a template family is wholly train or wholly test, and test rows take
their problem statements from the intents' held-out ``eval`` wordings, train rows from the
``user`` wordings the conversations use. So no test turn shares a template, or a problem
sentence, with a training turn.
"""

from __future__ import annotations

import random
import re
import tomllib
from typing import Any

from .render import add_typos, render_problem
from .texts import INTENTS, PHRASES, TEXT_DIR, Intent

LABELS = ("negative", "neutral", "positive")
SPLITS = ("train", "test")


def load_sentiment_text() -> dict[str, Any]:
    with (TEXT_DIR / "sentiment.toml").open("rb") as f:
        text = tomllib.load(f)
    missing = sorted(i["intent"] for i in INTENTS if i["intent"] not in text["things"])
    if missing:
        raise ValueError(f"sentiment.toml: [things] has no entry for {missing}")
    for key, style in text["styles"].items():
        if style["label"] not in LABELS:
            raise ValueError(f"sentiment.toml, style {key!r}: label {style['label']!r} not in {LABELS}")
        for split in SPLITS:
            if not any(f.get("split", "train") == split for f in style["families"]):
                raise ValueError(f"sentiment.toml, style {key!r}: no {split} family")
    return text


def _problem(rng: random.Random, intent: Intent, split: str) -> str:
    templates = intent["user"] if split == "train" else intent["eval"]
    want_order = intent.get("order", False) and rng.random() < 0.3
    want_amount = intent.get("amount", False) and rng.random() < 0.3
    text, _n, _amount = render_problem(rng, templates, want_order=want_order, want_amount=want_amount)
    return text if text[-1] in ".?!)" else text + "."


def _fill(template: str, *, problem: str, thing: str) -> str:
    head, slot, tail = template.partition("{problem}")
    if slot and head.endswith(", ") and problem.split(" ")[0] not in PHRASES["keep_capitalised"]:
        problem = problem[0].lower() + problem[1:]  # "Hi, my order ..." rather than "Hi, My order ..."
    text = head + (problem if slot else "") + tail
    text = text.replace("{thing}", thing).replace("{Thing}", thing[0].upper() + thing[1:])
    return text.replace("{THING}", thing.upper())


def _frustration(rng: random.Random, style: dict[str, Any], text: str, *, caps: bool, knobs: dict) -> float:
    """The style's range, then louder for capitals and (in a negative turn) exclamation marks."""
    low, high = style["frustration"]
    value = rng.uniform(low, high)
    if style["label"] == "negative":
        value += knobs["exclaim_boost"] * min(3, text.count("!"))
        if caps:
            value += knobs["caps_boost"]
    return round(min(1.0, max(0.0, value)), 3)


def _row(rng: random.Random, key: str, style: dict[str, Any], family_no: int, knobs: dict) -> dict[str, Any]:
    family = style["families"][family_no]
    split = family.get("split", "train")
    intent = rng.choice(INTENTS)
    template = rng.choice(family["templates"])
    problem = _problem(rng, intent, split) if "{problem}" in template else ""
    text = _fill(template, problem=problem, thing=rng.choice(knobs["things"][intent["intent"]]))
    variant = "plain"
    if rng.random() < style["caps_rate"]:
        text, variant = text.upper(), "caps"
    elif rng.random() < knobs["typo_rate"]:
        text, variant = add_typos(text, rng), "typos"
    return {
        "text": text,
        "label": style["label"],
        "frustration": _frustration(rng, style, text, caps=variant == "caps", knobs=knobs),
        "style": style.get("name", key),
        "variant": variant,
        "family": f"{style.get('name', key)}-{family_no + 1}",
        "intent": intent["intent"],
        "split": split,
    }


def build_sentiment(rng: random.Random) -> list[dict[str, Any]]:
    """Every style's share of the rows, its families taking turns; no text twice. Ids follow a
    seeded shuffle, so neither the style nor the split can be read off a row's position."""
    text = load_sentiment_text()
    knobs = {k: text[k] for k in ("typo_rate", "caps_boost", "exclaim_boost", "things")}
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for key, style in text["styles"].items():
        n_families = len(style["families"])
        for k in range(round(style["share"] * text["rows"])):
            for _attempt in range(20):  # a few templates have no slot: draw again for a new text
                row = _row(rng, key, style, k % n_families, knobs)
                if re.sub(r"\d", "0", row["text"]) not in seen:
                    break
            else:
                continue
            seen.add(re.sub(r"\d", "0", row["text"]))
            rows.append(row)
    rng.shuffle(rows)
    return [{"id": f"s-{i:05d}", **row} for i, row in enumerate(rows, start=1)]


def check_sentiment(rows: list[dict[str, Any]]) -> None:
    """Labels and scores in range, both splits present, and no text or family in both."""
    by_split: dict[str, set[str]] = {s: set() for s in SPLITS}
    families: dict[str, set[str]] = {s: set() for s in SPLITS}
    for r in rows:
        assert r["label"] in LABELS and r["split"] in SPLITS, r
        assert 0.0 <= r["frustration"] <= 1.0, r
        by_split[r["split"]].add(r["text"].lower())
        families[r["split"]].add(r["family"])
    assert not by_split["train"] & by_split["test"], by_split["train"] & by_split["test"]
    assert not families["train"] & families["test"], families["train"] & families["test"]
    assert 250 <= len(by_split["test"]) <= 600, len(by_split["test"])
    for label in LABELS:
        for split in SPLITS:
            assert any(r["label"] == label and r["split"] == split for r in rows), (label, split)
