"""HTML to plain text, with the standard library's ``html.parser``.

No HTML library is a dependency of the project (beautifulsoup4, lxml and html2text are not
installed), and what is needed is small: the text of helpdesk messages (Intercom bodies, Zendesk
``html_body``, Freshdesk ``description``) and of help-center pages cut at their h1/h2/h3 headings.
Blocks become lines, list items "- ...", a link keeps its address after its text when the two
differ; scripts, styles and a page's navigation, header and footer are dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCKS = {
    "p", "div", "br", "li", "tr", "blockquote", "pre", "section", "article", "main", "table",
    "ul", "ol", "hr", "h4", "h5", "h6", "dl", "dt", "dd", "figure", "figcaption",
}  # fmt: skip
_DROPPED = {"script", "style", "head", "noscript", "template", "nav", "header", "footer", "svg"}
_SECTION_HEADINGS = {"h1": 1, "h2": 2, "h3": 3}


@dataclass
class Section:
    """The text under one heading (level 0, no heading: what comes before the first)."""

    level: int
    heading: str
    anchor: str | None  # the heading's id attribute
    line: int
    text: str = ""
    _parts: list[str] = field(default_factory=list, repr=False)


@dataclass
class Page:
    title: str | None
    canonical: str | None
    meta: dict[str, str]
    sections: list[Section]


class _Parser(HTMLParser):
    def __init__(self, *, split: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.split = split  # cut at h1/h2/h3 (a page) or not (a message)
        self.sections = [Section(0, "", None, 1)]
        self.title: list[str] | None = None
        self.title_text: str | None = None
        self.canonical: str | None = None
        self.meta: dict[str, str] = {}
        self.dropped = 0
        self.heading: list[str] | None = None  # the text of the heading being read
        self.links: list[tuple[str, int]] = []  # open <a>: its href, where its text starts

    @property
    def parts(self) -> list[str]:
        return self.sections[-1]._parts

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "title":
            self.title = []
        elif tag == "link" and "canonical" in attr.get("rel", "").lower().split():
            self.canonical = attr.get("href") or None
        elif tag == "meta" and attr.get("name") and attr.get("content"):
            self.meta[attr["name"].lower()] = attr["content"]
        elif tag in _DROPPED:
            self.dropped += 1
        elif self.split and tag in _SECTION_HEADINGS and not self.dropped:
            self.sections.append(
                Section(_SECTION_HEADINGS[tag], "", attr.get("id") or None, self.getpos()[0])
            )
            self.heading = []
        elif tag == "a":
            self.links.append((attr.get("href", ""), len(self.parts)))
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCKS or tag in _SECTION_HEADINGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self.title is not None:
            self.title_text = " ".join("".join(self.title).split()) or None
            self.title = None
        elif tag in _DROPPED:
            self.dropped = max(0, self.dropped - 1)
        elif tag in _SECTION_HEADINGS and self.heading is not None:
            self.sections[-1].heading = " ".join("".join(self.heading).split())
            self.heading = None
        elif tag == "a" and self.links:
            href, start = self.links.pop()
            shown = "".join(self.parts[start:]).strip()
            if href.startswith(("http://", "https://")) and shown and href not in shown:
                self.parts.append(f" ({href})")
        elif tag in _BLOCKS or tag in _SECTION_HEADINGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.title is not None:
            self.title.append(data)
        elif self.dropped:
            return
        elif self.heading is not None:
            self.heading.append(data)
        else:
            self.parts.append(data)


def _tidy(parts: list[str]) -> str:
    """Spaces collapsed within lines, at most one blank line between blocks."""
    lines = [" ".join(line.split()) for line in "".join(parts).replace("\xa0", " ").split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return re.sub(r"^- $", "", text, flags=re.M).strip()


def html_to_text(html: str) -> str:
    """The text of an HTML fragment (a message body); plain text comes back as it was, tidied."""
    parser = _Parser(split=False)
    parser.feed(html)
    parser.close()
    return _tidy(parser.parts)


def parse_page(html: str) -> Page:
    """A page's title, canonical URL, meta tags and its text cut at h1/h2/h3 headings."""
    parser = _Parser(split=True)
    parser.feed(html)
    parser.close()
    for section in parser.sections:
        section.text = _tidy(section._parts)
    return Page(parser.title_text, parser.canonical, parser.meta, parser.sections)
