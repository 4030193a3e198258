from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from supportbot.review.charts import Series, divisions, nice_ceiling, rate_bars, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> ET.Element:
    # Our SVG is inline HTML (no xmlns); parse it as XML to prove it is well-formed.
    return ET.fromstring(str(markup))


@pytest.mark.parametrize(
    ("value", "top"), [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (199, 200), (201, 500), (5000, 5000)]
)
def test_nice_ceiling(value, top):
    assert nice_ceiling(value) == top


@pytest.mark.parametrize("top", [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
def test_axis_labels_are_whole_numbers(top):
    assert (top / divisions(top)).is_integer()


def test_stacked_bars_heights_are_proportional_and_stack():
    answered, escalated = [4, 0, 10], [1, 2, 0]
    svg = parse(
        stacked_bars(
            ["a", "b", "c"],
            [Series("answered", "bar-answered", answered), Series("escalated", "bar-escalated", escalated)],
            title="t",
            width=400,
            height=234,
        )
    )
    rects = svg.findall("rect")
    plot_h = 234 - 10 - 24  # the chart's top and bottom margins
    ymax = nice_ceiling(max(a + e for a, e in zip(answered, escalated, strict=True)))
    assert ymax == 10
    by_class: dict[str, list[float]] = {}
    for r in rects:
        by_class.setdefault(r.get("class"), []).append(float(r.get("height")))
        assert float(r.get("height")) == pytest.approx(plot_h * int(r.get("data-value")) / ymax, abs=0.06)
    assert [int(r.get("data-value")) for r in rects if r.get("class") == "bar-answered"] == [
        4,
        10,
    ]  # no empty rect
    assert [int(r.get("data-value")) for r in rects if r.get("class") == "bar-escalated"] == [1, 2]
    # The first bar's escalated segment sits right on top of its answered one.
    first_answered, first_escalated = rects[0], rects[1]
    assert float(first_escalated.get("y")) + float(first_escalated.get("height")) == pytest.approx(
        float(first_answered.get("y")), abs=0.06
    )


def test_labels_are_escaped():
    svg = stacked_bars(["<script>"], [Series("x&y", "c", [1])], title='"quoted"')
    assert "<script>" not in str(svg)
    root = parse(svg)
    assert root.find("title").text == '"quoted"'
    assert parse(rate_bars([("<v1>", 1, 2)], title="r")).find("text").text == "<v1>"


def test_rate_bars_fill_the_share():
    svg = parse(rate_bars([("v1", 3, 4), ("v2", 0, 5)], title="rate", width=420))
    fills = [r for r in svg.findall("rect") if r.get("class") == "bar-up"]
    tracks = [r for r in svg.findall("rect") if r.get("class") == "track"]
    assert float(fills[0].get("width")) == pytest.approx(0.75 * float(tracks[0].get("width")), abs=0.06)
    assert float(fills[1].get("width")) == 0
    texts = [t.text for t in svg.findall("text")]
    assert "75% of 4" in texts and "0% of 5" in texts
    assert "no ratings yet" in str(rate_bars([], title="empty"))
