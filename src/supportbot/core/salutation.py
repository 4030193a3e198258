"""An agent's reply greets one customer by name and is signed by one agent: the bot must neither
greet the next customer with that name nor sign as that agent.

"Hi Ravi," at the top of a past ticket's reply is about Ravi. Shown to another customer (the best
ticket as a fallback), put into a prompt, or learned by the model, it makes the bot call the
customer by someone else's name — the model even learns to invent names. So the name in a reply's
opening salutation is taken out wherever a reply is stored or learned: "Hi Ravi," becomes "Hi,",
"Dear Ms Leah Smith," becomes "Hello,". Only the salutation is touched: a name later in the text
may be a product or a place.

The sign-off ("Cheers\n\nSam", "Best wishes,\nPriya | Larkspur Customer Care", "Kind regards,
Marcus") is taken out the same way (``without_signoff``): shown under the bot's name it tells
the customer a person called Sam answered, and a model that learned it signs each answer as a
different agent. Only a closing block is touched: up to three short lines of capitalised words
(a name, a role, a team, a redacted contact) at the very end after a closing word ("Cheers",
"Kind regards,"), and the closing word; "Cheers, Sam" on one line. Name lines after a finished
sentence with no closing word ("Jo x" over "Team Larkspur") look like content ("Account
Settings", an address): they are a signature only where the same block ends many of the team's
replies (``learn_signatures``; an import learns them per batch, training per data set). A last
line that reads like content ("Orders > Track parcel", "see our returns page") stays.

A general instruct model behind the endpoint (one not tuned on the team's replies) writes a
letter template instead: "Dear [Customer's Name]," … "Best regards,\n[Your Name]". ``model_reply``
takes that salutation's and sign-off's blanks out of the model's answer, and
``template_blanks`` finds any left in the text, which is then not sent as it stands (a blank
the customer would have to fill in is no answer).

Hand-written: e-mail signature libraries look for "--" delimiters and quoted history, not a
helpdesk reply's valediction and name.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?"
_NAME = r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}"
# An emoji or two after the name ("Hello Gemma 😊"): the greeting's, not the text's.
_EMOJI = "[\U0001f300-\U0001faff\u2600-\u27bf]\ufe0f?"
SALUTATION_RE = re.compile(
    rf"^(?P<lead>\s*)(?P<word>hi|hello|hey|dear|(?:good\s+)?(?:morning|afternoon|evening)|hiya)"
    rf"(?:\s+(?:there\s+)?{_TITLE}(?P<name>{_NAME}))?(?:[ \t]*{_EMOJI})*[ \t]*(?P<mark>[,!.:]|\n)",
    re.IGNORECASE,
)


# A first line that is nothing but a name and a comma or a dash ("Daniel,", "Gemma -"): a
# salutation too.
BARE_NAME_RE = re.compile(r"^\s*[A-Z][\w'’-]*(?:,|[ \t]+[-–—])[ \t]*\n")


def neutral_salutation(text: str) -> str:
    """The reply with its opening salutation's name taken out (see the module doc)."""
    match = SALUTATION_RE.match(text)
    if match is None:  # "Daniel," alone on the first line
        bare = BARE_NAME_RE.match(text)
        return text if bare is None else "Hello," + text[bare.end() - 1 :]
    if not match.group("name"):  # "Hi," stays "Hi,"
        return text
    if match.group("name").lower() in {"there", "team", "all", "everyone", "again"}:
        return text
    word = match.group("word")
    greeting = "Hello" if word.lower() == "dear" else word
    mark = match.group("mark")
    if mark == "\n":  # "Hiya Tom" on a line of its own
        return f"{match.group('lead')}{greeting},{text[match.end('mark') - 1 :]}"
    return f"{match.group('lead')}{greeting}{mark}{text[match.end('mark') :]}"


_CLOSING = (
    r"(?:(?:kind|kindest|warm|warmest|best|many)\s+(?:regards|wishes|thanks)|regards|best|all\s+(?:the\s+)?best"
    r"|cheers|thanks(?:\s+again)?|thank\s+you|thx|sincerely|yours(?:\s+(?:sincerely|faithfully|truly))?"
    r"|take\s+care|speak\s+soon|talk\s+soon|warmly|with\s+thanks|--)"
)
# A closing word ending the last paragraph: on a line of its own or after its last sentence.
CLOSING_RE = re.compile(rf"(?:^|(?<=[.!?])[ \t]+){_CLOSING}[ \t]*[,!.]?[ \t]*$", re.IGNORECASE)
# A capitalised word (in brackets, or before a comma: "Nadia (Brightwire Support)", "— Tom,
# Brightwire"), or what joins a name to a role or a place ("|", "&", "·", "x").
_NAME_WORD = r"(?:\(?[A-Z][\w'’.-]*\)?,?|&|\||-|–|—|/|·|•|x|and|of|the|at|from)"
_SIGNED = rf"{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,5}}"
# A letter template's blank: words in square brackets, at least one in lower case
# ("[Your Name]", "[customer's name]"); not a redaction ("[EMAIL]") nor a Markdown link ("[Orders](https://…)").
TEMPLATE_BLANK_RE = re.compile(r"\[(?=[^\]\n]*[a-z])[A-Za-z][\w'’ ./&-]{0,40}\](?!\()")
# A name, a role or a team; or a contact the redaction left ("[EMAIL]", "Tel: [PHONE]"); or a
# template's blank for one ("[Your Name]", "[Company Name]").
NAME_LINE_RE = re.compile(
    rf"^[ \t]*(?:{_SIGNED}|(?:[A-Za-z]+:[ \t]*)?(?:\[[A-Z_]+\]|{TEMPLATE_BLANK_RE.pattern}))[ \t]*$"
)
# "Cheers, Sam" / "Thanks - Priya": a closing word, a comma or dash, a name, ending the reply.
CLOSING_AND_NAME_RE = re.compile(
    rf"(?:^|(?<=[.!?])[ \t]+)(?i:{_CLOSING})[ \t]*(?:,|-|–|—)[ \t]*(?:{_SIGNED}|{TEMPLATE_BLANK_RE.pattern})[ \t]*$"
)  # the closing word in any case, the name capitalised: "Thanks, see you soon" is no signature
_BULLET_RE = re.compile(r"^[ \t]*(?:[-*•–—]|\d+[.)])[ \t]")
SIGNATURE_LINES = 3
# A block without a closing word is an agent's signature only where it ends this many replies.
SIGNATURE_AT_LEAST, SIGNATURE_SHARE = 3, 0.01


def _lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").rstrip().split("\n")


def _name_block(lines: list[str]) -> tuple[int, int, int]:
    """(how many name lines end ``lines``, the first of them, the line before them and any blank
    lines between)."""
    names, at, start = 0, len(lines), len(lines)
    while at > 0 and names < SIGNATURE_LINES:
        line = lines[at - 1]
        if line.strip() and not (NAME_LINE_RE.match(line) and not CLOSING_RE.search(line)):
            break
        at -= 1
        if line.strip():
            names, start = names + 1, at
    before = start
    while before > 0 and not lines[before - 1].strip():
        before -= 1
    return names, start, before


def _unsigned_block(lines: list[str], block: tuple[int, int, int]) -> str | None:
    """The name lines ending a reply (``block``: its ``_name_block``) as a paragraph of their own
    after a finished sentence, with no closing word before them ("Jo x" over "Team Larkspur"), as
    one key; None where there are none. Whether they are a signature or content ("Account
    Settings") only their frequency across the team's replies tells (``learn_signatures``)."""
    names, start, before = block
    if names == 0 or before == 0 or before == start:
        return None
    found = [line.strip() for line in lines[start:] if line.strip()]
    # A list or a code, not a name; but a lone line after a dash is how many sign ("— Tom").
    lone_dash = len(found) == 1 and found[0].startswith(("—", "–"))
    if any((_BULLET_RE.match(line) and not lone_dash) or any(c.isdigit() for c in line) for line in found):
        return None
    if not lines[before - 1].rstrip().endswith((".", "!", "?")) or CLOSING_RE.search(lines[before - 1]):
        return None
    return "\n".join(" ".join(line.split()) for line in found)


def learn_signatures(replies: Iterable[str]) -> frozenset[str]:
    """The blocks without a closing word that end at least ``SIGNATURE_AT_LEAST`` and
    ``SIGNATURE_SHARE`` of these replies: an agent signs every reply alike, content does not
    repeat as the last lines of many."""
    counts: Counter[str] = Counter()
    total = 0
    for reply in replies:
        total += 1
        lines = _lines(reply)
        if (found := _unsigned_block(lines, _name_block(lines))) is not None:
            counts[found] += 1
    least = max(SIGNATURE_AT_LEAST, SIGNATURE_SHARE * total)
    return frozenset(found for found, n in counts.items() if n >= least)


def without_signoff(text: str, signatures: frozenset[str] = frozenset()) -> str:
    """The reply without its agent's sign-off (see the module doc): a closing word and the name
    lines after it, or a block of name lines that ``signatures`` (``learn_signatures`` on the
    team's replies) knows; unchanged when it has none or nothing but the sign-off would be left."""
    lines = _lines(text)
    if (inline := CLOSING_AND_NAME_RE.search(lines[-1])) is not None:
        if len(lines) > 1 and lines[-2].rstrip().endswith(":"):
            return text  # "… under:" then "Best - Sellers": what the reply points to
        body = "\n".join([*lines[:-1], lines[-1][: inline.start()]]).rstrip()  # "Cheers, Sam"
    else:
        block = _name_block(lines)
        names, _, before = block
        if names == 0 or before == 0:
            return text
        if not CLOSING_RE.search(lines[before - 1]) and _unsigned_block(lines, block) not in signatures:
            return text
        body = "\n".join(lines[:before]).rstrip()
    last = body.rfind("\n") + 1  # the closing word ending the last paragraph goes too
    if (closing := CLOSING_RE.search(body[last:])) is not None:
        body = body[: last + closing.start()].rstrip()
    return body if body else text


def template_blanks(text: str) -> list[str]:
    """The letter template's blanks in ``text`` ("[Your Name]"; see the module doc)."""
    return TEMPLATE_BLANK_RE.findall(text)


# "Dear [Customer's Name]," / "Hi [Name]!": a salutation to a blank.
_BLANK_SALUTATION_RE = re.compile(
    rf"^(?P<lead>\s*)(?P<word>hi|hello|hey|dear|hiya)[ \t]+{TEMPLATE_BLANK_RE.pattern}[ \t]*(?P<mark>[,!.:]?)",
    re.IGNORECASE,
)


def model_reply(text: str) -> str:
    """The model's answer without a letter template's salutation blank ("Dear [Customer's
    Name]," becomes "Hello,") and without a sign-off, blanks and all ("Best regards,\n[Your
    Name]\n[Company]"): the bot answers as itself, as a past reply it shows does."""
    if (blank := _BLANK_SALUTATION_RE.match(text)) is not None:
        word = blank.group("word")
        greeting = "Hello" if word.lower() == "dear" else word
        text = f"{blank.group('lead')}{greeting}{blank.group('mark') or ','}{text[blank.end() :]}"
    lines = _lines(without_signoff(text))
    blanks = 0  # more blank lines than a signature's three, or with no closing word before them
    while len(lines) > 1 and (not lines[-1].strip() or TEMPLATE_BLANK_RE.fullmatch(lines[-1].strip())):
        blanks += bool(lines.pop().strip())
    body = "\n".join(lines).rstrip()
    last = body.rfind("\n") + 1
    if blanks and (closing := CLOSING_RE.search(body[last:])) is not None:
        body = body[: last + closing.start()].rstrip()
    return body


def neutral_reply(text: str, signatures: frozenset[str] = frozenset()) -> str:
    """A past agent's reply as the bot may show or learn it: no past customer's name in its
    salutation, no agent's sign-off (``signatures``: see ``without_signoff``)."""
    return without_signoff(neutral_salutation(text), signatures)
