"""The Analytics page's two new SVG helpers: rate lines and count bars."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from supportbot.review.charts import Line, count_bars, rate_lines


def parse(markup) -> ET.Element:
    return ET.fromstring(str(markup))  # well-formed, or this raises


def test_rate_lines_place_each_share_on_the_axis_and_break_at_missing_days():
    height, top, bottom = 220, 10, 24
    plot_h = height - top - bottom
    svg = parse(
        rate_lines(
            ["a", "b", "c", "d"],
            [Line("resolved", "line-r", [0.0, 0.5, None, 1.0])],
            title="t",
            height=height,
        )
    )
    dots = svg.findall("circle")
    assert [float(d.get("data-value")) for d in dots] == [0.0, 0.5, 1.0]
    for dot in dots:
        expected = top + plot_h - plot_h * float(dot.get("data-value"))
        assert float(dot.get("cy")) == pytest.approx(expected, abs=0.06)
    # The missing day splits the line: a-b, then d on its own.
    assert [len(p.get("points").split()) for p in svg.findall("polyline")] == [2, 1]
    assert [t.text for t in svg.findall("text") if t.text.endswith("%")] == [
        "0%",
        "25%",
        "50%",
        "75%",
        "100%",
    ]


def test_count_bars_are_as_long_as_their_share_of_the_largest():
    svg = parse(count_bars([("gate", 4), ("asked", 2), ("topic", 0)], title="t", width=720))
    bars = [r for r in svg.findall("rect") if r.get("class") == "bar-count"]
    plot_w = 720 - 150 - 120
    assert [float(r.get("width")) for r in bars] == pytest.approx([plot_w, plot_w / 2, 0.0])
    assert [r.get("data-value") for r in bars] == ["4", "2", "0"]
    values = [t.text for t in svg.findall("text") if t.get("class") == "value"]
    assert values == ["4 · 66.7%", "2 · 33.3%", "0 · 0%"]


def test_empty_charts_say_so():
    assert "none yet" in str(count_bars([], title="t"))
    svg = parse(rate_lines([], [Line("x", "line-x", [])], title="t"))
    assert svg.findall("polyline") == []
