"""The forest plot of the report across practices, as SVG: the same markup in the page and the PDF.

One row per practice (a square whose area is proportional to its weight, and a line for its 95 %
interval), the pooled estimate as a diamond spanning its interval, the prediction interval as a dashed
line through it, a solid line at zero and a dotted one at the pooled estimate. Built with the chart
toolkit (indsats.ui.svg); the page shows the same numbers in a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from indsats.ui import svg
from indsats.ui.formatting import number, percent

WIDTH = 640
DISPLAY_WIDTH = 760
LABEL_RIGHT = 186
PLOT_LEFT, PLOT_RIGHT = 196, 436
NUMBERS_LEFT = 446
ROW = 28
TOP = 34
SQUARE_MAX = 18.0
COLOUR = svg.BLUE
POOLED_COLOUR = svg.INK
LABEL_CHARACTERS = 28


@dataclass(frozen=True)
class ForestRow:
    label: str
    effect: float
    low: float
    high: float
    weight_percent: float


def _estimate(row: ForestRow) -> str:
    return f"{number(row.effect, 2)} [{number(row.low, 2)}; {number(row.high, 2)}]"


def forest_plot(
    *,
    rows: Sequence[ForestRow],
    pooled: ForestRow,
    prediction: tuple[float, float] | None,
    title: str,
    favours_left: str,
    favours_right: str,
    headers: tuple[str, str, str],
) -> SafeString:
    """The forest plot; ``title`` is the text alternative, ``headers`` the column titles (practice,
    effect with interval, weight)."""
    # the axis spans the confidence intervals; a wider prediction interval is cut at the edge (arrow)
    values = [0.0, pooled.low, pooled.high] + [v for r in rows for v in (r.low, r.high)]
    values = [v for v in values if math.isfinite(v)]
    ticks = svg.nice_ticks(min(values), max(values), 6)
    low, high = ticks[0], ticks[-1]
    x = svg.Scale.over(ticks, PLOT_LEFT, PLOT_RIGHT, clamp=True)

    pooled_y = TOP + ROW * len(rows) + ROW * 0.9
    axis_y = pooled_y + ROW * 0.8
    height = int(axis_y + 56)
    body = [
        svg.text(LABEL_RIGHT, 18, headers[0], anchor="end", weight="600"),
        svg.text(NUMBERS_LEFT, 18, headers[1], weight="600"),
        svg.text(WIDTH - 6, 18, headers[2], anchor="end", weight="600"),
    ]
    body += svg.vertical_grid(ticks, x, top=TOP - 6, bottom=axis_y, label_y=axis_y + 16)
    body += [
        svg.line(PLOT_LEFT, axis_y, PLOT_RIGHT, axis_y, stroke=POOLED_COLOUR),
        svg.line(x(0), TOP - 6, x(0), axis_y, stroke=POOLED_COLOUR, width=1.5),
        svg.line(x(pooled.effect), TOP - 6, x(pooled.effect), pooled_y, stroke=POOLED_COLOUR, dash="2 3"),
    ]
    largest = max([r.weight_percent for r in rows if math.isfinite(r.weight_percent)] or [1.0]) or 1.0
    for i, row in enumerate(rows):
        cy = TOP + ROW * i + ROW / 2
        side = max(5.0, SQUARE_MAX * math.sqrt(max(row.weight_percent, 0.0) / largest))
        body += [
            svg.text(LABEL_RIGHT, cy + 4, svg.shorten(row.label, LABEL_CHARACTERS), anchor="end"),
            svg.line(x(row.low), cy, x(row.high), cy, stroke=COLOUR, width=2),
            svg.element(
                "rect", x=x(row.effect) - side / 2, y=cy - side / 2, width=side, height=side, fill=COLOUR
            ),
            svg.text(NUMBERS_LEFT, cy + 4, _estimate(row)),
            svg.text(WIDTH - 6, cy + 4, percent(row.weight_percent / 100, 0), anchor="end"),
        ]
    separator_y = TOP + ROW * len(rows) + 4
    body.append(svg.line(8, separator_y, WIDTH - 6, separator_y, stroke=svg.GRID))
    if prediction is not None:
        body.append(
            svg.line(
                x(prediction[0]),
                pooled_y,
                x(prediction[1]),
                pooled_y,
                stroke=POOLED_COLOUR,
                width=1.5,
                dash="5 3",
            )
        )
        for end, edge, sign in ((prediction[0], low, -1), (prediction[1], high, 1)):
            if (end - edge) * sign > 0:
                tip = x(edge)
                arrow = [(tip, pooled_y), (tip - sign * 7, pooled_y - 4), (tip - sign * 7, pooled_y + 4)]
                body.append(svg.element("polygon", points=svg.points(arrow), fill=POOLED_COLOUR))
    diamond = [
        (x(pooled.low), pooled_y),
        (x(pooled.effect), pooled_y - 8),
        (x(pooled.high), pooled_y),
        (x(pooled.effect), pooled_y + 8),
    ]
    body += [
        svg.element("polygon", points=svg.points(diamond), fill=POOLED_COLOUR),
        svg.text(
            LABEL_RIGHT, pooled_y + 4, svg.shorten(pooled.label, LABEL_CHARACTERS), anchor="end", weight="600"
        ),
        svg.text(NUMBERS_LEFT, pooled_y + 4, _estimate(pooled), weight="600"),
        svg.text(WIDTH - 6, pooled_y + 4, percent(1, 0), anchor="end", weight="600"),
    ]
    legend_y = axis_y + 40
    body += [
        svg.text(x(0) - 6, legend_y, f"← {favours_left}", anchor="end"),
        svg.text(x(0) + 6, legend_y, f"{favours_right} →"),
    ]
    return svg.document(width=WIDTH, height=height, title=title, body=body, display_width=DISPLAY_WIDTH)
