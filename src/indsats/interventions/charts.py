"""Server-rendered SVG charts: the theory of change, the knowledge declaration's spider chart and the
pipeline over time. Each chart carries role="img" and a text alternative; the page also shows the
numbers as a table. The same SVG serves the page and a PDF report."""

from __future__ import annotations

import datetime
import math
import textwrap
from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from indsats.interventions.workflow import InterventionState

FONT = "IBM Plex Sans, Arial, sans-serif"
TEXT = "#1a1a1a"
GRID = "#bfbfbf"
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
STATE_COLOURS = {
    InterventionState.SCREENING: "#56B4E9",
    InterventionState.MATURATION: "#0072B2",
    InterventionState.TESTING: "#E69F00",
    InterventionState.DISSEMINATION: "#009E73",
    InterventionState.OPERATION: "#CC79A7",
    InterventionState.STOPPED: "#999999",
}
SERIES_COLOURS = ["#0072B2", "#E69F00", "#009E73"]


def _svg(width: int, height: int, label: str, body: list[str]) -> SafeString:
    return mark_safe(  # noqa: S308 - every text in body is escaped where it is made
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}" font-family="{FONT}">'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _text(
    x: float, y: float, text: str, *, size: int = 14, anchor: str = "start", weight: str = "normal"
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" font-weight="{weight}" '
        f'fill="{TEXT}">{escape(text)}</text>'
    )


# --- theory of change ---------------------------------------------------------------------------------


def theory_of_change_svg(
    activities: Sequence[str], short_term: Sequence[str], long_term: Sequence[str]
) -> SafeString:
    """Three columns of boxes, activities -> short-term -> long-term outcomes, joined by arrows."""
    columns = [
        (_("Aktiviteter"), list(activities) or ["–"]),
        (_("Kortsigtede resultater"), list(short_term) or ["–"]),
        (_("Langsigtede resultater"), list(long_term) or ["–"]),
    ]
    column_width, gap, margin, line_height, chars = 250, 70, 10, 18, 30
    fills = ["#e6f0fa", "#fdf1dc", "#e3f4ec"]
    strokes = ["#0072B2", "#b37400", "#007a59"]
    body: list[str] = [
        '<defs><marker id="toc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        f'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="{TEXT}"/></marker></defs>'
    ]
    bottoms = []
    centres: list[list[float]] = []
    for index, (title, items) in enumerate(columns):
        x = margin + index * (column_width + gap)
        body.append(_text(x + column_width / 2, 24, title, size=16, anchor="middle", weight="bold"))
        y = 40.0
        mids = []
        for item in items:
            lines = textwrap.wrap(item, chars) or ["–"]
            height = 14 + line_height * len(lines)
            body.append(
                f'<rect x="{x}" y="{y:.1f}" width="{column_width}" height="{height}" rx="6" '
                f'fill="{fills[index]}" stroke="{strokes[index]}" stroke-width="1.5"/>'
            )
            for n, line in enumerate(lines):
                body.append(_text(x + 12, y + 22 + n * line_height, line, size=14))
            mids.append(y + height / 2)
            y += height + 12
        bottoms.append(y)
        centres.append(mids)
    height = int(max(bottoms) + margin)
    for index in range(2):
        x1 = margin + index * (column_width + gap) + column_width + 4
        x2 = x1 + gap - 8
        y1 = sum(centres[index]) / len(centres[index])
        y2 = sum(centres[index + 1]) / len(centres[index + 1])
        body.append(
            f'<line x1="{x1}" y1="{y1:.1f}" x2="{x2}" y2="{y2:.1f}" stroke="{TEXT}" stroke-width="2" '
            'marker-end="url(#toc-arrow)"/>'
        )
    width = 2 * margin + 3 * column_width + 2 * gap
    label = _("Forandringsteori: %(a)s fører til %(s)s, som fører til %(l)s.") % {
        "a": "; ".join(columns[0][1]),
        "s": "; ".join(columns[1][1]),
        "l": "; ".join(columns[2][1]),
    }
    return _svg(width, height, label, body)


# --- spider chart -------------------------------------------------------------------------------------


def spider_chart_svg(
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    levels: Sequence[str] = ("D", "C", "B", "A"),
) -> SafeString:
    """A radar chart: one axis per dimension, grades D (1, centre-most) to A (4, outermost); one polygon
    per declaration (at most three, newest first)."""
    size, centre, radius = 440, 220.0, 150.0
    count = len(axes)
    body: list[str] = []

    def point(axis: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * axis / count
        return centre + radius * value / len(levels) * math.cos(angle), centre + radius * value / len(
            levels
        ) * math.sin(angle)

    for level in range(1, len(levels) + 1):
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(a, level) for a in range(count)))
        body.append(f'<polygon points="{ring}" fill="none" stroke="{GRID}" stroke-width="1"/>')
        x, y = point(0, level)
        body.append(_text(x + 6, y + 4, levels[level - 1], size=12))
    for axis, name in enumerate(axes):
        x, y = point(axis, len(levels))
        body.append(
            f'<line x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>'
        )
        lx, ly = point(axis, len(levels) + 0.55)
        anchor = "middle" if abs(lx - centre) < 20 else ("start" if lx > centre else "end")
        body.append(_text(lx, ly + 5, name, size=14, anchor=anchor, weight="bold"))
    shown = list(series)[:3]
    for index, (_label, values) in reversed(list(enumerate(shown))):
        colour = SERIES_COLOURS[index]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(a, v) for a, v in enumerate(values)))
        opacity = "0.25" if index == 0 else "0.08"
        dash = "" if index == 0 else ' stroke-dasharray="6 4"'
        body.append(
            f'<polygon points="{points}" fill="{colour}" fill-opacity="{opacity}" stroke="{colour}" '
            f'stroke-width="{3 if index == 0 else 2}"{dash}/>'
        )
        for a, v in enumerate(values):
            x, y = point(a, v)
            body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>')
    legend_y = int(centre + radius + 60)
    for index, (label, _values) in enumerate(shown):
        y = legend_y + index * 22
        colour = SERIES_COLOURS[index]
        dash = "" if index == 0 else ' stroke-dasharray="6 4"'
        body.append(f'<line x1="20" y1="{y}" x2="50" y2="{y}" stroke="{colour}" stroke-width="3"{dash}/>')
        body.append(_text(58, y + 5, label, size=14))
    height = legend_y + 22 * len(shown)
    description = "; ".join(
        f"{label}: " + ", ".join(f"{axes[a]} {levels[v - 1]}" for a, v in enumerate(values))
        for label, values in shown
    )
    return _svg(size, height, _("Vidensdeklaration som edderkoppediagram. %(d)s") % {"d": description}, body)


# --- the pipeline over time ---------------------------------------------------------------------------


def quarter_label(day: datetime.date, today: datetime.date | None = None) -> str:
    if today is not None and day == today:
        return _("I dag")
    # Translators: a calendar quarter, e.g. "K1 2024" (English "Q1 2024").
    return _("K%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}


def pipeline_svg(
    points: Sequence[tuple[datetime.date, dict[str, int]]], *, today: datetime.date
) -> SafeString:
    """Stacked bars: the number of interventions in each phase (and in operation) at each quarter's end."""
    states = [s for s in InterventionState if s != InterventionState.STOPPED]
    width, height, left, right, top, bottom = 900, 340, 50, 10, 20, 90
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(counts.get(s, 0) for s in states) for _day, counts in points] or [0]
    peak = max(max(totals), 1)
    step = max(1, math.ceil(peak / 5))
    top_value = step * math.ceil(peak / step)
    body: list[str] = []
    for tick in range(0, top_value + 1, step):
        y = top + plot_h - plot_h * tick / top_value
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 8, y + 5, str(tick), size=12, anchor="end"))
    slot = plot_w / max(len(points), 1)
    bar = slot * 0.65
    for index, (day, counts) in enumerate(points):
        x = left + index * slot + (slot - bar) / 2
        y = top + plot_h
        for state in states:
            value = counts.get(state, 0)
            if not value:
                continue
            h = plot_h * value / top_value
            y -= h
            body.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{STATE_COLOURS[state]}" stroke="#ffffff" stroke-width="0.5"/>'
            )
        body.append(
            _text(x + bar / 2, top + plot_h + 18, quarter_label(day, today), size=12, anchor="middle")
        )
    # The legend wraps to a second row when the labels (longer in English) would run off the chart.
    legend_x, legend_y = left, height - 58
    for state in states:
        item_width = 30 + 8 * len(str(state.label))
        if legend_x + item_width > width - right and legend_x > left:
            legend_x, legend_y = left, legend_y + 26
        body.append(
            f'<rect x="{legend_x}" y="{legend_y}" width="14" height="14" fill="{STATE_COLOURS[state]}"/>'
        )
        body.append(_text(legend_x + 20, legend_y + 12, str(state.label), size=13))
        legend_x += item_width
    label = _(
        "Søjlediagram: antal indsatser i hver fase ved udgangen af hvert kvartal. Tallene står i tabellen "
        "under diagrammet."
    )
    return _svg(width, height, label, body)
