"""Small server-side SVG charts: no script, no external asset, styled by the app's stylesheet."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape


@dataclass(frozen=True)
class Series:
    name: str
    css_class: str
    values: Sequence[int]


def nice_ceiling(value: float) -> int:
    """The smallest 1, 2 or 5 × 10^k at or above ``value`` (at least 1): a readable axis top."""
    if value <= 1:
        return 1
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * exponent >= value:
            return int(step * exponent)
    return int(10 * exponent)


def divisions(top: int) -> int:
    """Grid intervals for an axis from 0 to ``top`` (a ``nice_ceiling``) so every label is whole."""
    for n in (4, 5, 2):
        if top % n == 0:
            return n
    return 1


def _svg_open(classes: str, *, width: int, height: int, title: str) -> str:
    """A chart's opening tag, titled for screen readers."""
    return (
        f'<svg class="{classes}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 1000,
    height: int = 220,
    label_every: int = 5,
) -> Markup:
    """One bar per label, its segments stacked bottom-up in the order of ``series``."""
    left, right, top, bottom = 40, 8, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    ymax = nice_ceiling(max(totals, default=0))
    slot = plot_w / max(1, len(labels))
    bar_w = max(1.0, slot * 0.75)
    parts = [_svg_open("chart wide", width=width, height=height, title=title)]
    steps = divisions(ymax)
    for i in range(steps + 1):  # grid lines and the y axis values
        value = ymax * i / steps
        y = top + plot_h - plot_h * i / steps
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_fmt(y)}" y2="{_fmt(y)}"/>')
        parts.append(
            f'<text class="axis" x="{left - 4}" y="{_fmt(y + 3)}" text-anchor="end">{_fmt(value)}</text>'
        )
    for i, label in enumerate(labels):
        x = left + i * slot + (slot - bar_w) / 2
        base: float = top + plot_h
        for s in series:
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / ymax
            base -= h
            parts.append(
                f'<rect class="{escape(s.css_class)}" x="{_fmt(x)}" y="{_fmt(base)}" width="{_fmt(bar_w)}" '
                f'height="{_fmt(h)}" data-value="{value}"><title>{escape(label)} · {escape(s.name)}: {value}</title></rect>'
            )
        if i % label_every == 0 or i == len(labels) - 1:
            parts.append(
                f'<text class="axis" x="{_fmt(x + bar_w / 2)}" y="{height - 6}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def rate_bars(
    rows: Sequence[tuple[str, int, int]], *, title: str, width: int = 720, row_height: int = 26
) -> Markup:
    """One horizontal bar per (label, good, total): the filled share is good / total."""
    label_w, right = 150, 120
    plot_w = width - label_w - right
    height = max(1, len(rows)) * row_height + 4
    parts = [_svg_open("chart", width=width, height=height, title=title)]
    if not rows:
        parts.append(f'<text class="axis" x="4" y="{row_height - 8}">no ratings yet</text>')
    for i, (label, good, total) in enumerate(rows):
        y = 2 + i * row_height
        share = good / total if total else 0.0
        bar_h = row_height - 8
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end">{escape(label)}</text>'
        )
        parts.append(f'<rect class="track" x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}"/>')
        parts.append(
            f'<rect class="bar-up" x="{label_w}" y="{y}" width="{_fmt(plot_w * share)}" height="{bar_h}" '
            f'data-value="{good}/{total}"><title>{escape(label)}: {good} of {total} 👍</title></rect>'
        )
        parts.append(
            f'<text class="value" x="{label_w + plot_w + 8}" y="{y + bar_h - 4}">'
            f"{_fmt(100 * share)}% of {total}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class Line:
    name: str
    css_class: str
    values: Sequence[float | None]  # shares from 0 to 1; None: no value that day (a gap in the line)


def _runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """The stretches of consecutive points that have a value."""
    runs: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append(point)
    return [r for r in runs if r]


def rate_lines(
    labels: Sequence[str],
    lines: Sequence[Line],
    *,
    title: str,
    width: int = 1000,
    height: int = 220,
    label_every: int = 5,
) -> Markup:
    """One line per series of shares (0–100% on the axis), a dot per day that has a value."""
    left, right, top, bottom = 40, 8, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(1, len(labels))
    parts = [_svg_open("chart wide lines", width=width, height=height, title=title)]
    for i in range(5):  # grid lines at 0, 25, 50, 75 and 100%
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{_fmt(y)}" y2="{_fmt(y)}"/>')
        parts.append(
            f'<text class="axis" x="{left - 4}" y="{_fmt(y + 3)}" text-anchor="end">{25 * i}%</text>'
        )
    for line in lines:
        points = [
            None if v is None else (left + slot * (i + 0.5), top + plot_h - plot_h * min(1.0, max(0.0, v)))
            for i, v in enumerate(line.values)
        ]
        for run in _runs(points):
            coords = " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in run)
            parts.append(f'<polyline class="{escape(line.css_class)}" points="{coords}"/>')
        for label, value, point in zip(labels, line.values, points, strict=True):
            if point is None or value is None:
                continue
            parts.append(
                f'<circle class="{escape(line.css_class)}" cx="{_fmt(point[0])}" cy="{_fmt(point[1])}" r="3" '
                f'data-value="{value:.4f}"><title>{escape(label)} · {escape(line.name)}: '
                f"{_fmt(100 * value)}%</title></circle>"
            )
    for i, label in enumerate(labels):
        if i % label_every == 0 or i == len(labels) - 1:
            parts.append(
                f'<text class="axis" x="{_fmt(left + slot * (i + 0.5))}" y="{height - 6}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def count_bars(
    rows: Sequence[tuple[str, int]],
    *,
    title: str,
    css_class: str = "bar-count",
    width: int = 720,
    row_height: int = 26,
    empty: str = "none yet",
) -> Markup:
    """One horizontal bar per (label, count), the longest for the largest count."""
    label_w, right = 150, 120
    plot_w = width - label_w - right
    height = max(1, len(rows)) * row_height + 4
    largest = max((n for _, n in rows), default=0)
    total = sum(n for _, n in rows)
    parts = [_svg_open("chart", width=width, height=height, title=title)]
    if not rows:
        parts.append(f'<text class="axis" x="4" y="{row_height - 8}">{escape(empty)}</text>')
    for i, (label, n) in enumerate(rows):
        y = 2 + i * row_height
        bar_h = row_height - 8
        share = n / total if total else 0.0
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y + bar_h - 4}" text-anchor="end">{escape(label)}</text>'
        )
        parts.append(f'<rect class="track" x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}"/>')
        parts.append(
            f'<rect class="{escape(css_class)}" x="{label_w}" y="{y}" '
            f'width="{_fmt(plot_w * n / largest if largest else 0)}" height="{bar_h}" data-value="{n}">'
            f"<title>{escape(label)}: {n}</title></rect>"
        )
        parts.append(
            f'<text class="value" x="{label_w + plot_w + 8}" y="{y + bar_h - 4}">{n} · {_fmt(100 * share)}%</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
