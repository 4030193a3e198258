"""A help-center article, Markdown or HTML, as its title, URL, category and sections.

Markdown: front matter (``---`` lines around ``key: value`` pairs: ``title``, ``url``, and the
category key) and sections cut at ATX (``#``, ``##``, ``###``) and setext headings, never inside
fenced code; deeper headings stay in their section's text. The title is the front matter's, else
the first h1. Read line by line here rather than with a Markdown library: none is a dependency
of the project (markdown-it-py is installed only as rich's), and splitting at headings needs
no rendering; the text stays Markdown, which reads as text.

HTML: ``<title>``, ``<link rel="canonical">``, ``<meta name=...>`` and the text cut at
h1/h2/h3 (``html_text.parse_page``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from supportbot.retrieval.formats.html_text import parse_page


@dataclass(frozen=True)
class ArticleSection:
    path: tuple[str, ...]  # the headings above and of this section, outermost first
    anchor: str | None  # an explicit id ({#id} in Markdown, id= in HTML), else made from the heading
    line: int  # where the section starts in the file
    text: str


@dataclass(frozen=True)
class Article:
    title: str | None
    url: str | None
    meta: dict[str, str]
    sections: list[ArticleSection]


class BrokenArticle(ValueError):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*#*[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_EXPLICIT_ID = re.compile(r"\s*\{#([\w.-]+)\}\s*$")
_FRONT_KEY = re.compile(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_INLINE_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_COMMENT = re.compile(r"<!--.*?-->", re.S)


def _front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """The front matter's keys (lowercased) and the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    for n in range(1, len(lines)):
        if lines[n].strip() in ("---", "..."):
            found = (_FRONT_KEY.match(line) for line in lines[1:n])
            return {m[1].lower(): m[2].strip("\"'") for m in found if m and m[2]}, n + 1
    raise BrokenArticle(1, "the front matter opened on line 1 is never closed (---)")


def plain_heading(text: str) -> str:
    """A heading as shown: links as their text, emphasis and code marks dropped."""
    text = _INLINE_LINK.sub(r"\1", text)
    return " ".join(re.sub(r"[*_`]", "", text).split())


@dataclass
class _Open:
    level: int
    heading: str
    anchor: str | None
    line: int
    lines: list[str]


def _heading(lines: list[str], n: int, blank_before: bool) -> tuple[int, str, int] | None:
    """(level, text, lines it takes) of a level 1–3 heading at line ``n``, or None."""
    atx = _ATX.match(lines[n])
    if atx:
        level = len(atx[1])
        return (level, atx[2] or "", 1) if level <= 3 else None
    if (
        blank_before
        and lines[n].strip()
        and n + 1 < len(lines)
        and not lines[n].lstrip().startswith(("-", "*", ">", "|"))
    ):
        setext = _SETEXT.match(lines[n + 1])
        if setext:
            return (1 if setext[1][0] == "=" else 2), lines[n].strip(), 2
    return None


def _markdown_sections(lines: list[str], first: int) -> list[_Open]:
    sections = [_Open(0, "", None, first + 1, [])]
    fence: str | None = None
    n = first
    while n < len(lines):
        line = lines[n]
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened[1][0] * 3
        elif fence is not None and line.strip().startswith(fence):
            fence = None
        heading = (
            None
            if fence or opened
            else _heading(lines, n, not sections[-1].lines or not lines[n - 1].strip())
        )
        if heading is None:
            sections[-1].lines.append(line)
            n += 1
            continue
        level, text, taken = heading
        explicit = _EXPLICIT_ID.search(text)
        anchor = explicit[1] if explicit else None
        text = _EXPLICIT_ID.sub("", text) if explicit else text
        sections.append(_Open(level, plain_heading(text), anchor, n + 1, []))
        n += taken
    return sections


def _markdown_text(lines: list[str]) -> str:
    text = _COMMENT.sub("", "\n".join(lines))
    text = _IMAGE.sub(r"\1", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _with_paths(opened: list[tuple[int, str, str | None, int, str]]) -> list[ArticleSection]:
    """Each section with the path of headings down to it (an h3 under its h2, say)."""
    stack: list[tuple[int, str]] = []
    out = []
    for level, heading, anchor, line, text in opened:
        if level:
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, heading))
        out.append(ArticleSection(tuple(h for _, h in stack if h), anchor, line, text))
    return out


def read_markdown(text: str) -> Article:
    lines = text.split("\n")
    front, first = _front_matter(lines)
    sections = _markdown_sections(lines, first)
    title = front.get("title") or next((s.heading for s in sections if s.level == 1 and s.heading), None)
    opened = [(s.level, s.heading, s.anchor, s.line, _markdown_text(s.lines)) for s in sections]
    return Article(title, front.get("url") or front.get("permalink"), front, _with_paths(opened))


def read_html(text: str) -> Article:
    page = parse_page(text)
    title = page.title or next((s.heading for s in page.sections if s.level == 1 and s.heading), None)
    opened = [(s.level, s.heading, s.anchor, s.line, s.text) for s in page.sections]
    return Article(title, page.canonical, page.meta, _with_paths(opened))
