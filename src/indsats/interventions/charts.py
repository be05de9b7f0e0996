"""Server-rendered SVG charts: the theory of change, the knowledge declaration's spider chart and the
pipeline over time. Each chart carries role="img" and a text alternative; the page also shows the
numbers as a table. The same SVG serves the page and a PDF report."""

from __future__ import annotations

import datetime
import functools
import math
import textwrap
from collections.abc import Sequence

from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indsats.interventions.models import Intervention
from indsats.interventions.workflow import InterventionState
from indsats.ui import svg
from indsats.ui.choices import labels_of

# Phase colours: the hues of Okabe and Ito's palette for colour-vision deficiencies, darkened to at
# least 3:1 against white.
STATE_COLOURS = {
    InterventionState.SCREENING: svg.SKY,
    InterventionState.MATURATION: svg.BLUE,
    InterventionState.TESTING: svg.ORANGE,
    InterventionState.DISSEMINATION: svg.GREEN,
    InterventionState.OPERATION: svg.PINK,
    InterventionState.STOPPED: svg.MUTED,
}
SERIES_COLOURS = svg.SERIES[:3]


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
    colours = [svg.BLUE, svg.ORANGE, svg.GREEN]
    arrow_head = svg.element("path", d="M0,0 L10,5 L0,10 z", fill=svg.INK)
    body: list[str] = [
        svg.element(
            "defs",
            svg.element(
                "marker",
                arrow_head,
                id="toc-arrow",
                viewBox="0 0 10 10",
                refX=9,
                refY=5,
                markerWidth=8,
                markerHeight=8,
                orient="auto-start-reverse",
            ),
        )
    ]
    bottoms = []
    centres: list[list[float]] = []
    for index, (title, items) in enumerate(columns):
        x = margin + index * (column_width + gap)
        body.append(svg.text(x + column_width / 2, 24, title, size=16, anchor="middle", weight="bold"))
        y = 40.0
        mids = []
        for item in items:
            lines = textwrap.wrap(item, chars) or ["–"]
            height = 14 + line_height * len(lines)
            body.append(
                svg.element(
                    "rect",
                    x=x,
                    y=y,
                    width=column_width,
                    height=height,
                    rx=6,
                    fill=svg.TINTS[colours[index]],
                    stroke=colours[index],
                    stroke_width=1.5,
                )
            )
            body += [
                svg.text(x + 12, y + 22 + n * line_height, line, size=14) for n, line in enumerate(lines)
            ]
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
            svg.element(
                "line",
                x1=x1,
                y1=y1,
                x2=x2,
                y2=y2,
                stroke=svg.INK,
                stroke_width=2,
                marker_end="url(#toc-arrow)",
            )
        )
    width = 2 * margin + 3 * column_width + 2 * gap
    label = _("Forandringsteori: %(a)s fører til %(s)s, som fører til %(l)s.") % {
        "a": "; ".join(columns[0][1]),
        "s": "; ".join(columns[1][1]),
        "l": "; ".join(columns[2][1]),
    }
    return svg.document(width=width, height=height, title=label, body=body, display_width=width)


# --- spider chart -------------------------------------------------------------------------------------


_SPIDER_SIZE, _SPIDER_CENTRE, _SPIDER_RADIUS = 440, 220.0, 150.0


def _spider_point(count: int, levels: int, axis: int, value: float) -> tuple[float, float]:
    """Where `value` (in grades from the centre) lies on axis number `axis` of `count`."""
    angle = -math.pi / 2 + 2 * math.pi * axis / count
    distance = _SPIDER_RADIUS * value / levels
    return _SPIDER_CENTRE + distance * math.cos(angle), _SPIDER_CENTRE + distance * math.sin(angle)


@functools.lru_cache(maxsize=16)
def _spider_frame(axes: tuple[str, ...], levels: tuple[str, ...]) -> tuple[str, ...]:
    """The rings with their grades and the axes with their names: the same for every declaration in one
    language, so drawn once per process and language (a page draws the chart afresh on every request)."""
    count, centre = len(axes), _SPIDER_CENTRE
    body: list[str] = []
    for level in range(1, len(levels) + 1):
        ring = svg.points(_spider_point(count, len(levels), a, level) for a in range(count))
        body.append(svg.element("polygon", points=ring, fill="none", stroke=svg.GRID, stroke_width=1))
        x, y = _spider_point(count, len(levels), 0, level)
        body.append(svg.text(x + 6, y + 4, levels[level - 1]))
    for axis, name in enumerate(axes):
        x, y = _spider_point(count, len(levels), axis, len(levels))
        body.append(svg.line(centre, centre, x, y, stroke=svg.GRID, width=1))
        lx, ly = _spider_point(count, len(levels), axis, len(levels) + 0.55)
        anchor = "middle" if abs(lx - centre) < 20 else ("start" if lx > centre else "end")
        body.append(svg.text(lx, ly + 5, name, size=14, anchor=anchor, weight="bold"))
    return tuple(body)


def spider_chart_svg(
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    levels: Sequence[str] = ("D", "C", "B", "A"),
) -> SafeString:
    """A radar chart: one axis per dimension, grades D (1, centre-most) to A (4, outermost); one polygon
    per declaration (at most three, newest first)."""
    size, centre, radius = _SPIDER_SIZE, _SPIDER_CENTRE, _SPIDER_RADIUS
    axes, levels = tuple(str(a) for a in axes), tuple(str(level) for level in levels)
    body = list(_spider_frame(axes, levels))

    def point(axis: int, value: float) -> tuple[float, float]:
        return _spider_point(len(axes), len(levels), axis, value)

    shown = list(series)[:3]
    for index, (_label, values) in reversed(list(enumerate(shown))):
        colour = SERIES_COLOURS[index]
        body.append(
            svg.element(
                "polygon",
                points=svg.points(point(a, v) for a, v in enumerate(values)),
                fill=colour,
                fill_opacity="0.25" if index == 0 else "0.08",
                stroke=colour,
                stroke_width=3 if index == 0 else 2,
                stroke_dasharray=None if index == 0 else "6 4",
            )
        )
        body += [
            svg.element("circle", cx=x, cy=y, r=4, fill=colour)
            for x, y in (point(a, v) for a, v in enumerate(values))
        ]
    legend_y = int(centre + radius + 60)
    keys = [
        svg.Key(label, SERIES_COLOURS[index], "line", "" if index == 0 else "6 4")
        for index, (label, _values) in enumerate(shown)
    ]
    body += svg.legend(keys, x=20, y=legend_y + 5, vertical=True, size=14)
    height = legend_y + 22 * len(shown)
    grades = "; ".join(
        f"{label}: " + ", ".join(f"{axes[a]} {levels[v - 1]}" for a, v in enumerate(values))
        for label, values in shown
    )
    return svg.document(
        width=size,
        height=height,
        title=_("Vidensdeklaration som edderkoppediagram"),
        description=grades,
        body=body,
        display_width=size,
    )


# --- the pipeline over time ---------------------------------------------------------------------------


def quarter_label(day: datetime.date, today: datetime.date | None = None) -> str:
    today_label, quarter = _quarter_messages(get_language())
    if today is not None and day == today:
        return today_label
    return quarter % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}


@functools.lru_cache(maxsize=16)
def _quarter_messages(_language: str | None) -> tuple[str, str]:
    """The pipeline's "I dag" and quarter label, translated once per process and language (a label for
    each quarter, in the chart and in its table)."""
    # Translators: a calendar quarter, e.g. "K1 2024" (English "Q1 2024").
    return _("I dag"), _("K%(quarter)s %(year)s")


def pipeline_svg(
    points: Sequence[tuple[datetime.date, dict[str, int]]], *, today: datetime.date
) -> SafeString:
    """Stacked bars: the number of interventions in each phase (and in operation) at each quarter's end."""
    states = [s for s in InterventionState if s != InterventionState.STOPPED]
    width, height, left, right, top, bottom = 900, 340, 50, 10, 20, 90
    plot_w = width - left - right
    totals = [sum(counts.get(s, 0) for s in states) for _day, counts in points] or [0]
    ticks = svg.nice_ticks(0, max(max(totals), 1), 5, integer=True)
    y = svg.Scale.over(ticks, height - bottom, top)
    body = svg.horizontal_grid(ticks, y, left=left, right=width - right, baseline=False)
    slot = plot_w / max(len(points), 1)
    bar = slot * 0.65
    for index, (day, counts) in enumerate(points):
        x = left + index * slot + (slot - bar) / 2
        stacked = 0
        for state in states:
            value = counts.get(state, 0)
            if not value:
                continue
            body.append(
                svg.rect(
                    x,
                    y(stacked + value),
                    bar,
                    y(stacked) - y(stacked + value),
                    fill=STATE_COLOURS[state],
                    stroke=svg.PAPER,
                    stroke_width=0.5,
                )
            )
            stacked += value
        body.append(svg.text(x + bar / 2, height - bottom + 18, quarter_label(day, today), anchor="middle"))
    # The legend wraps to a second row when the labels (longer in English) would run off the chart.
    labels = labels_of(Intervention, "state")  # translated once per process and language
    keys = [svg.Key(labels[state], STATE_COLOURS[state]) for state in states]
    body += svg.legend(keys, x=left, y=height - 46, right=width - right, size=13, row_height=26)
    label = _(
        "Søjlediagram: antal indsatser i hver fase ved udgangen af hvert kvartal. Tallene står i tabellen "
        "under diagrammet."
    )
    return svg.document(width=width, height=height, title=label, body=body, display_width=width)
