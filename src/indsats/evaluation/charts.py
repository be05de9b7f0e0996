"""SVG charts of the evaluation report: the balance (Love) plot and estimates with intervals per band.

Built with the chart toolkit (indsats.ui.svg): ``role="img"`` named by the ``title``; the report shows
the same numbers in a table beside each chart, and the PDF uses the same markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from indsats.ui import svg

WIDTH = 640
BEFORE_COLOUR = svg.MUTED
AFTER_COLOUR = svg.BLUE


@dataclass(frozen=True)
class BalancePoint:
    label: str
    before: float | None
    after: float | None


def love_plot(
    *, points: Sequence[BalancePoint], limit: float, title: str, before_label: str, after_label: str
) -> SafeString:
    """Standardised mean differences per covariate before (open grey circle) and after (filled blue
    circle) adjustment, with dashed lines at +-limit (Austin 2009's 0.1) and a solid line at 0."""
    left, right, top, row = 190, 24, 16, 34
    height = top + row * max(1, len(points)) + 70
    values = [abs(v) for p in points for v in (p.before, p.after) if v is not None and math.isfinite(v)]
    extent = max([limit * 2, *values]) * 1.1  # room for the circles at the edge
    ticks = svg.nice_ticks(-extent, extent, 6)
    bottom = top + row * max(1, len(points))
    x = svg.Scale.over(ticks, left, WIDTH - right)

    body = svg.vertical_grid(ticks, x, top=top, bottom=bottom)
    body.append(svg.line(x(0), top, x(0), bottom))
    body += [svg.line(x(edge), top, x(edge), bottom, dash="4 4") for edge in (-limit, limit)]
    for i, point in enumerate(points):
        cy = top + row * i + row / 2
        body.append(svg.text(left - 10, cy + 4, point.label, anchor="end"))
        body.append(svg.line(left, cy, WIDTH - right, cy, stroke=svg.GRID, dash="1 3"))
        if point.before is not None and point.after is not None:
            body.append(svg.line(x(point.before), cy, x(point.after), cy, stroke=BEFORE_COLOUR, width=1.5))
        if point.before is not None:
            body.append(_circle(x(point.before), cy, BEFORE_COLOUR, ring=True))
        if point.after is not None:
            body.append(_circle(x(point.after), cy, AFTER_COLOUR))
    keys = [svg.Key(before_label, BEFORE_COLOUR, "ring")]
    if any(p.after is not None for p in points):
        keys.append(svg.Key(after_label, AFTER_COLOUR, "dot"))
    body += svg.legend(keys, x=left, y=height - 18, gap=40)
    return svg.document(width=WIDTH, height=height, title=title, body=body)


@dataclass(frozen=True)
class IntervalPoint:
    label: str
    estimate: float | None
    low: float | None
    high: float | None


def interval_chart(*, points: Sequence[IntervalPoint], title: str, y_label: str) -> SafeString:
    """Estimates (dots) with their confidence intervals (whiskers) per category, and a line at 0."""
    left, right, top, bottom = 64, 24, 20, 56
    height = 300
    plot_w = WIDTH - left - right
    values = [0.0] + [
        v for p in points for v in (p.estimate, p.low, p.high) if v is not None and math.isfinite(v)
    ]
    ticks = svg.nice_ticks(min(values), max(values), 4)
    y = svg.Scale.over(ticks, height - bottom, top)
    step = plot_w / max(1, len(points))
    body = svg.horizontal_grid(ticks, y, left=left, right=WIDTH - right)
    for i, point in enumerate(points):
        cx = left + step * (i + 0.5)
        body.append(svg.text(cx, height - bottom + 20, point.label, anchor="middle"))
        if point.low is not None and point.high is not None:
            y_low, y_high = y(point.low), y(point.high)
            body += [
                svg.line(cx, y_low, cx, y_high, stroke=AFTER_COLOUR, width=2),
                svg.line(cx - 8, y_low, cx + 8, y_low, stroke=AFTER_COLOUR, width=2),
                svg.line(cx - 8, y_high, cx + 8, y_high, stroke=AFTER_COLOUR, width=2),
            ]
        if point.estimate is not None:
            body.append(_circle(cx, y(point.estimate), AFTER_COLOUR))
    body.append(svg.text(left, height - 12, y_label))
    return svg.document(width=WIDTH, height=height, title=title, body=body)


def _circle(cx: float, cy: float, colour: str, *, ring: bool = False) -> str:
    """A point: a filled dot, or an open ring."""
    if ring:
        return svg.element("circle", cx=cx, cy=cy, r=6, fill=svg.PAPER, stroke=colour, stroke_width=2)
    return svg.element("circle", cx=cx, cy=cy, r=6, fill=colour)
