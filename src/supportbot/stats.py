"""`supportbot stats`: the Analytics page's figures in the terminal, or as one JSON object."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from supportbot.core.store.analytics_tally import Tally
    from supportbot.usecases.analytics import AnalyticsReport
    from supportbot.usecases.content_gaps import ContentGaps


def _pct(value: float | None) -> str:
    return f"{100 * value:.1f}%" if value is not None else "–"


def _num(value: float | None, digits: int = 2) -> str:
    return f"{value:.{digits}f}" if value is not None else "–"


def _summary_lines(t: Tally) -> list[str]:
    from supportbot.core.store.analytics_tally import SENTIMENTS

    moods = ", ".join(f"{label} {_pct(t.sentiment_share(label))}" for label in SENTIMENTS)
    reasons = ", ".join(f"{r} {n}" for r, n in sorted(t.reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return [
        f"conversations          {t.conversations}",
        f"automated resolution   {_pct(t.resolution_rate)}  ({t.resolved} of {t.settled} settled; {t.pending} pending)",
        f"deflection             {_pct(t.deflection_rate)}  ({t.deflected} never reached a human)",
        f"hand-over rate         {_pct(t.handover_rate)}  ({t.handed_over}: {reasons or 'none'})",
        f"CSAT                   {_num(t.csat_mean, 1)}  ({_pct(t.csat_good_share)} rated 4-5, of {t.csat_count})",
        f"sentiment              {moods}  ({t.scored_turns} customer turns; mean frustration {_num(t.mean_frustration)})",
        f"thumbs-up rate         {_pct(t.up_rate)}  ({t.up} up, {t.down} down)",
    ]


def _table_line(label: str, t: Tally) -> str:
    return (
        f"{label:<12} {t.conversations:>6} {_pct(t.resolution_rate):>9} {_pct(t.deflection_rate):>9} "
        f"{_pct(t.handover_rate):>9} {_num(t.csat_mean, 1):>5} {_pct(t.up_rate):>7} {_pct(t.sentiment_share('negative')):>7}"
    )


def _echo_report(report: AnalyticsReport) -> None:
    click.echo(
        f"last {report.days} days ({report.start:%Y-%m-%d} to {report.now:%Y-%m-%d %H:%M} UTC); "
        f"resolution window {report.window.total_seconds() / 3600:g} h, "
        f"a return after {report.reopen_after.total_seconds() / 60:g} min reopens"
    )
    for line in _summary_lines(report.total):
        click.echo("  " + line)
    header = f"{'':<12} {'convs':>6} {'resolved':>9} {'deflect':>9} {'handover':>9} {'CSAT':>5} {'up':>7} {'neg':>7}"
    click.echo("\nby model version\n" + header)
    for version, t in report.by_version:
        click.echo(_table_line(version or "-", t))
    click.echo("\nby day (days with conversations)\n" + header)
    for day, t in report.by_day:
        if t.conversations or t.scored_turns or t.rated:
            click.echo(_table_line(day.isoformat(), t))


def _echo_gaps(found: ContentGaps) -> None:
    click.echo(
        f"\ncontent gaps: {len(found.gaps)} from {found.questions} unserved questions ({found.singles} asked once)"
    )
    for g in found.gaps:
        click.echo(f"  {g.size:>4}x  {g.question}")
        for example in g.examples[1:]:
            click.echo(f"         also: {example}")
        if g.resolution:
            click.echo(f"         agent: {' '.join(g.resolution.split())[:160]}")


@click.command()
@click.option(
    "--days", type=click.IntRange(1, 366), default=30, show_default=True, help="The period, in UTC days."
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object (as /api/analytics).")
@click.option("--gaps", is_flag=True, help="Also the content gaps (loads the embedder).")
def stats(days: int, as_json: bool, gaps: bool) -> None:
    """Automated resolution, deflection, hand-overs and their reasons, CSAT, sentiment and 👍, per
    day and per model version (definitions: README, Analytics)."""
    from supportbot.core.context import AppContext
    from supportbot.usecases.analytics import analytics_report, report_json
    from supportbot.usecases.content_gaps import embedder_from, find_content_gaps, gaps_json

    ctx = AppContext.open()
    try:
        report = analytics_report(ctx.sessions, days=days)
        found = (
            find_content_gaps(ctx.sessions, load_embedder=embedder_from(ctx.settings), days=days)
            if gaps
            else None
        )
    finally:
        ctx.close()
    if as_json:
        data = report_json(report)
        if found is not None:
            data["content_gaps"] = gaps_json(found)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    _echo_report(report)
    if found is not None:
        _echo_gaps(found)
