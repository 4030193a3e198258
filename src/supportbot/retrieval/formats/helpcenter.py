"""Help-center articles: a folder of Markdown (.md, .markdown) and HTML (.html, .htm) files, or one
such file. Each article is cut at its h1/h2/h3 headings, a long section again at paragraphs
(about ``MAX_CHUNK`` characters), and each piece stored as a ticket:

- question: "Title — Section › Subsection" (the title alone for the text before the first heading);
- body and resolution: the piece's text (the body is what is embedded, so the piece is found by
  its words as well as its headings); the resolution ends with "Source: <url#anchor>" when the
  article has a URL, so an answer built from it can point the customer there;
- external id: the article's URL with the section's anchor (``https://help.example.com/reset#by-email``),
  which is what the bot shows as a source; else the file's path relative to the folder
  (``billing/refunds.md#by-card``). The URL is the front matter's ``url`` (or ``permalink``), an
  HTML page's ``<link rel="canonical">``, else ``--base-url`` + the relative path (a Markdown file
  without its suffix, as static site generators publish it).
- category: the front matter key (or ``<meta name>``) named by ``--category-field``.

An article that cannot be read (bytes that are not UTF-8, front matter never closed) is an error
named by its file and line; an article without text is skipped. A section removed from an article
leaves its ticket behind (``tickets remove`` deletes it): an import only adds and updates.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

from supportbot.core.errors import InvalidInput
from supportbot.core.pii import redact
from supportbot.retrieval.formats.articles import (
    Article,
    ArticleSection,
    BrokenArticle,
    read_html,
    read_markdown,
)
from supportbot.retrieval.formats.jsondoc import Doc, decode_utf8
from supportbot.retrieval.sources import MAX_CATEGORY, MAX_EXTERNAL_ID, FieldMap, Record, RowError, Skipped

MARKDOWN = (".md", ".markdown")
HTML = (".html", ".htm")
SUFFIXES = MARKDOWN + HTML
MAX_CHUNK = 1200  # characters: about what the embedder reads of a text (256 word pieces)
NO_TEXT = "an article without text"


def articles_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())


def read(path: Path, *, fields: FieldMap, lines: bool = False) -> Iterator[Record | RowError | Skipped]:
    root = path if path.is_dir() else path.parent
    files = articles_in(path) if path.is_dir() else [path]
    if not files:
        raise InvalidInput(f"{path}: no Markdown (.md) or HTML (.html) articles in it")
    seen: dict[str, str] = {}  # external id → the file that gave it
    for file in files:
        yield from _article(file, file.relative_to(root).as_posix(), fields, seen)


def _parse(file: Path) -> Article | RowError:
    try:
        text, bad = decode_utf8(file.read_bytes())
    except OSError as exc:
        return RowError(1, f"cannot read: {exc.strerror or exc}", str(file))
    if bad:
        return RowError(Doc(text, bad).line(bad[0]), "not valid UTF-8", str(file))
    try:
        return read_html(text) if file.suffix.lower() in HTML else read_markdown(text)
    except BrokenArticle as exc:
        return RowError(exc.line, exc.reason, str(file))


def _article(
    file: Path, rel: str, fields: FieldMap, seen: dict[str, str]
) -> Iterator[Record | RowError | Skipped]:
    article = _parse(file)
    if isinstance(article, RowError):
        yield article
        return
    title = article.title or file.stem.replace("-", " ").replace("_", " ").strip().capitalize()
    url = article.url or _built_url(fields.base_url, rel)
    category = article.meta.get(fields.category.lower()) if fields.category else None
    if category is not None and len(category) > MAX_CATEGORY:
        yield RowError(1, f"category longer than {MAX_CATEGORY} characters", str(file))
        return
    anchors: dict[str, int] = {}
    count = 0
    for section in article.sections:
        anchor = _unique(anchors, _anchor(section))
        for n, piece in enumerate(split_text(section.text), start=1):
            fragment = anchor if n == 1 else f"{anchor}~{n}"
            record = _record(file, rel, section, title, url, fragment, piece, category)
            if record.external_id in seen and seen[record.external_id] != str(file):
                yield RowError(
                    section.line, f"the same URL and anchor as {seen[record.external_id]}", str(file)
                )
                continue
            seen[record.external_id] = str(file)
            count += 1
            yield record
    if not count:
        yield Skipped(1, NO_TEXT, str(file))


def _built_url(base: str | None, rel: str) -> str | None:
    if not base:
        return None
    lowered = rel.lower()
    if lowered.endswith(MARKDOWN):
        rel = rel.rsplit(".", 1)[0]
        rel = rel[: -len("index")] if rel == "index" or rel.endswith("/index") else rel
    return f"{base.rstrip('/')}/{quote(rel)}"


def slug(heading: str) -> str:
    """The anchor a heading gets on GitHub and most static site generators."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def _anchor(section: ArticleSection) -> str:
    if section.anchor:
        return section.anchor
    return slug(section.path[-1]) if section.path else ""


def _unique(used: dict[str, int], anchor: str) -> str:
    """A repeated heading's anchor gets -1, -2 ... as on the page."""
    n = used.get(anchor, 0)
    used[anchor] = n + 1
    return f"{anchor}-{n}" if n and anchor else anchor


def split_text(text: str, limit: int = MAX_CHUNK) -> list[str]:
    """Paragraphs gathered into pieces of at most ``limit`` characters (a longer paragraph is cut
    between words)."""
    parts = [
        part
        for paragraph in re.split(r"\n[ \t]*\n", text.strip())
        if paragraph.strip()
        for part in _pack(paragraph.strip().split(" "), " ", limit)
    ]
    return _pack(parts, "\n\n", limit)


def _pack(parts: list[str], sep: str, limit: int) -> list[str]:
    """``parts`` joined by ``sep`` into as few pieces of at most ``limit`` characters as the order
    allows (a part longer than ``limit`` is a piece of its own)."""
    out: list[str] = []
    current = ""
    for part in parts:
        if current and len(current) + len(sep) + len(part) > limit:
            out.append(current)
            current = part
        else:
            current = f"{current}{sep}{part}" if current else part
    return [*out, current] if current else out


def _record(
    file: Path,
    rel: str,
    section: ArticleSection,
    title: str,
    url: str | None,
    fragment: str,
    piece: str,
    category: str | None,
) -> Record:
    headings = list(section.path[1:] if section.path and section.path[0] == title else section.path)
    question = f"{title} — {' › '.join(headings)}" if headings else title
    # The id and the link are made of the URL and the path: redacted here, as the importer
    # redacts the question, body and resolution (an address in a path is rare, never stored).
    link = redact(f"{url}#{fragment}" if fragment else url).text if url else None
    where = redact(f"{rel}#{fragment}" if fragment else rel).text
    resolution = f"{piece}\n\nSource: {link}" if link else piece
    return Record(section.line, _external_id(link, where), question, piece, resolution, category, str(file))


def _external_id(link: str | None, where: str) -> str:
    """The link when it fits the column, else the relative path, else the path's start and a digest."""
    for candidate in (link, where):
        if candidate and len(candidate) <= MAX_EXTERNAL_ID:
            return candidate
    digest = hashlib.sha256((link or where).encode()).hexdigest()[:16]
    return f"{where[: MAX_EXTERNAL_ID - 18]}~{digest}"
