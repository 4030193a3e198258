"""An agent's reply greets one customer by name; the bot must not greet the next one with it.

"Hi Ravi," at the top of a past ticket's reply is about Ravi. Shown to another customer (the best
ticket as a fallback), put into a prompt, or learned by the model, it makes the bot call the
customer by someone else's name — the model even learns to invent names. So the name in a reply's
opening salutation is taken out wherever a reply is stored or learned: "Hi Ravi," becomes "Hi,",
"Dear Ms Leah Smith," becomes "Hello,". Only the salutation is touched: a name later in the text
may be a product or a place.
"""

from __future__ import annotations

import re

_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?"
_NAME = r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}"
SALUTATION_RE = re.compile(
    rf"^(?P<lead>\s*)(?P<word>hi|hello|hey|dear|good\s+(?:morning|afternoon|evening)|hiya)"
    rf"(?:\s+(?:there\s+)?{_TITLE}(?P<name>{_NAME}))?\s*(?P<mark>[,!.:]|\n)",
    re.IGNORECASE,
)


# A first line that is nothing but a name and a comma ("Daniel,"): a salutation too.
BARE_NAME_RE = re.compile(r"^\s*[A-Z][\w'’-]*,[ \t]*\n")


def neutral_salutation(text: str) -> str:
    """The reply with its opening salutation's name taken out (see the module doc)."""
    bare = BARE_NAME_RE.match(text)
    if bare is not None:
        return "Hello," + text[bare.end() - 1 :]
    match = SALUTATION_RE.match(text)
    if match is None or not match.group("name"):
        return text
    if match.group("name").lower() in {"there", "team", "all", "everyone", "again"}:
        return text
    word = match.group("word")
    greeting = "Hello" if word.lower() == "dear" else word
    mark = match.group("mark")
    if mark == "\n":  # "Hiya Tom" on a line of its own
        return f"{match.group('lead')}{greeting},{text[match.end('mark') - 1 :]}"
    return f"{match.group('lead')}{greeting}{mark}{text[match.end('mark') :]}"
