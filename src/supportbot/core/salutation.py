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
(a name, a role, a team) at the very end, after a closing word ("Cheers", "Kind regards") or
after a paragraph that ended a sentence, and the closing word before them. A last line that
reads like content ("Orders > Track parcel", "see our returns page") stays.

Hand-written: e-mail signature libraries look for "--" delimiters and quoted history, not a
helpdesk reply's valediction and name.
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


_CLOSING = (
    r"(?:(?:kind|kindest|warm|warmest|best|many)\s+(?:regards|wishes|thanks)|regards|best|all\s+the\s+best"
    r"|cheers|thanks(?:\s+again)?|thank\s+you|sincerely|yours(?:\s+(?:sincerely|faithfully|truly))?"
    r"|take\s+care|speak\s+soon|warmly|with\s+thanks)"
)
# A closing word ending the last paragraph: on a line of its own or after its last sentence.
CLOSING_RE = re.compile(rf"(?:^|(?<=[.!?])[ \t]+){_CLOSING}[ \t]*[,!.]?[ \t]*$", re.IGNORECASE)
_NAME_WORD = r"(?:[A-Z][\w'’.]*|&|\||-|–|—|/|x|and|of|the|at)"
NAME_LINE_RE = re.compile(rf"^[ \t]*{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,5}}[ \t]*$")
# "Cheers, Sam" / "Thanks - Priya": the closing word and the name on one line.
CLOSING_AND_NAME_RE = re.compile(
    rf"^[ \t]*{_CLOSING}[ \t]*[,!.]?[ \t]*(?:-|–|—)?[ \t]*{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,5}}[ \t]*$",
    re.IGNORECASE,
)
SIGNATURE_LINES = 3


def without_signoff(text: str) -> str:
    """The reply without its agent's sign-off (see the module doc); unchanged when it has none
    or when nothing but the sign-off would be left."""
    lines = text.rstrip().split("\n")
    end = len(lines)
    if end and CLOSING_AND_NAME_RE.match(lines[-1]) and not CLOSING_RE.search(lines[-1]):
        end -= 1  # "Cheers, Sam"
        signed = True
    else:
        names, at, start = 0, end, end  # start: the sign-off's first line
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
        if names == 0 or before == 0:
            return text
        last = lines[before - 1]
        # After a closing word, or as a paragraph of its own after a finished sentence.
        signed = bool(CLOSING_RE.search(last)) or (before < start and last.rstrip().endswith((".", "!", "?")))
        end = before
    if not signed:
        return text
    kept = lines[:end]
    while kept and not kept[-1].strip():
        kept.pop()
    if kept:
        closing = CLOSING_RE.search(kept[-1])
        if closing is not None:
            kept[-1] = kept[-1][: closing.start()].rstrip()
            while kept and not kept[-1].strip():
                kept.pop()
    body = "\n".join(kept).rstrip()
    return body if body else text


def neutral_reply(text: str) -> str:
    """A past agent's reply as the bot may show or learn it: no past customer's name in its
    salutation, no agent's sign-off."""
    return without_signoff(neutral_salutation(text))
