"""The forest plot of the report across practices, as SVG: the same markup in the page and the PDF.

One row per practice (a square whose area is proportional to its weight, and a line for its 95 %
interval), the pooled estimate as a diamond spanning its interval, the prediction interval as a dashed
line through it, a solid line at zero and a dotted one at the pooled estimate. Hand-built like
evaluation/charts.py (no script, inline styles, role="img" with an aria-label); the page shows the same
numbers in a table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from indsats.evaluation.formatting import number

WIDTH = 640
LABEL_RIGHT = 186
PLOT_LEFT, PLOT_RIGHT = 196, 436
NUMBERS_LEFT = 446
ROW = 28
TOP = 34
SQUARE_MAX = 18.0
COLOUR = "#0059b3"  # dkfds primary blue
POOLED_COLOUR = "#1a1a1a"
GRID_COLOUR = "#d8d8d8"
TEXT_STYLE = "font-size:12px;fill:#1a1a1a"
BOLD_STYLE = "font-size:12px;font-weight:600;fill:#1a1a1a"
SVG_STYLE = "width:760px;max-width:100%;height:auto;font-family:IBM Plex Sans,Arial,sans-serif"
LABEL_CHARACTERS = 28


@dataclass(frozen=True)
class ForestRow:
    label: str
    effect: float
    low: float
    high: float
    weight_percent: float


def _format(value: float, digits: int = 2) -> str:
    return number(value, digits)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1].rstrip() + "…"


def _tick_step(span: float) -> float:
    for step in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 5.0):
        if span / step <= 6:
            return step
    return 10.0


def forest_plot(
    *,
    rows: Sequence[ForestRow],
    pooled: ForestRow,
    prediction: tuple[float, float] | None,
    title: str,
    favours_left: str,
    favours_right: str,
    headers: tuple[str, str, str],
) -> str:
    """The forest plot; ``title`` is the text alternative (aria-label), ``headers`` the column titles
    (practice, effect with interval, weight)."""
    # the axis spans the confidence intervals; a wider prediction interval is cut at the edge (arrow)
    values = [0.0, pooled.low, pooled.high] + [v for r in rows for v in (r.low, r.high)]
    values = [v for v in values if math.isfinite(v)]
    low, high = min(values), max(values)
    step = _tick_step(high - low or 1.0)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if high - low < 1e-9:
        low, high = low - step, high + step

    def x(value: float) -> float:
        clipped = min(max(value, low), high)
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * (clipped - low) / (high - low)

    pooled_y = TOP + ROW * len(rows) + ROW * 0.9
    axis_y = pooled_y + ROW * 0.8
    height = int(axis_y + 56)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" style="{SVG_STYLE}">',
        f'<text x="{LABEL_RIGHT}" y="18" text-anchor="end" style="{BOLD_STYLE}">{escape(headers[0])}</text>'
        f'<text x="{NUMBERS_LEFT}" y="18" style="{BOLD_STYLE}">{escape(headers[1])}</text>'
        f'<text x="{WIDTH - 6}" y="18" text-anchor="end" style="{BOLD_STYLE}">{escape(headers[2])}</text>',
    ]
    tick = low
    while tick <= high + 1e-9:
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP - 6}" y2="{axis_y:.1f}" '
            f'style="stroke:{GRID_COLOUR}"/>'
            f'<text x="{x(tick):.1f}" y="{axis_y + 16:.1f}" text-anchor="middle" style="{TEXT_STYLE}">'
            f"{_format(tick, 2 if step < 0.5 else 1)}</text>"
        )
        tick += step
    parts.append(
        f'<line x1="{PLOT_LEFT}" x2="{PLOT_RIGHT}" y1="{axis_y:.1f}" y2="{axis_y:.1f}" '
        f'style="stroke:{POOLED_COLOUR}"/>'
        f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{TOP - 6}" y2="{axis_y:.1f}" '
        f'style="stroke:{POOLED_COLOUR};stroke-width:1.5"/>'
        f'<line x1="{x(pooled.effect):.1f}" x2="{x(pooled.effect):.1f}" y1="{TOP - 6}" y2="{pooled_y:.1f}" '
        f'style="stroke:{POOLED_COLOUR};stroke-dasharray:2 3"/>'
    )
    largest = max([r.weight_percent for r in rows if math.isfinite(r.weight_percent)] or [1.0]) or 1.0
    for i, row in enumerate(rows):
        cy = TOP + ROW * i + ROW / 2
        side = max(5.0, SQUARE_MAX * math.sqrt(max(row.weight_percent, 0.0) / largest))
        parts.append(
            f'<text x="{LABEL_RIGHT}" y="{cy + 4:.1f}" text-anchor="end" style="{TEXT_STYLE}">'
            f"{escape(_short(row.label))}</text>"
            f'<line x1="{x(row.low):.1f}" x2="{x(row.high):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
            f'style="stroke:{COLOUR};stroke-width:2"/>'
            f'<rect x="{x(row.effect) - side / 2:.1f}" y="{cy - side / 2:.1f}" width="{side:.1f}" '
            f'height="{side:.1f}" style="fill:{COLOUR}"/>'
            f'<text x="{NUMBERS_LEFT}" y="{cy + 4:.1f}" style="{TEXT_STYLE}">'
            f"{_format(row.effect)} [{_format(row.low)}; {_format(row.high)}]</text>"
            f'<text x="{WIDTH - 6}" y="{cy + 4:.1f}" text-anchor="end" style="{TEXT_STYLE}">'
            f"{_format(row.weight_percent, 0)} %</text>"
        )
    separator_y = TOP + ROW * len(rows) + 4
    parts.append(
        f'<line x1="8" x2="{WIDTH - 6}" y1="{separator_y:.1f}" y2="{separator_y:.1f}" '
        f'style="stroke:{GRID_COLOUR}"/>'
    )
    if prediction is not None:
        parts.append(
            f'<line x1="{x(prediction[0]):.1f}" x2="{x(prediction[1]):.1f}" y1="{pooled_y:.1f}" '
            f'y2="{pooled_y:.1f}" style="stroke:{POOLED_COLOUR};stroke-width:1.5;stroke-dasharray:5 3"/>'
        )
        for end, edge, sign in ((prediction[0], low, -1), (prediction[1], high, 1)):
            if (end - edge) * sign > 0:
                tip = x(edge)
                parts.append(
                    f'<polygon points="{tip:.1f},{pooled_y:.1f} {tip - sign * 7:.1f},{pooled_y - 4:.1f} '
                    f'{tip - sign * 7:.1f},{pooled_y + 4:.1f}" style="fill:{POOLED_COLOUR}"/>'
                )
    diamond = (
        f"{x(pooled.low):.1f},{pooled_y:.1f} {x(pooled.effect):.1f},{pooled_y - 8:.1f} "
        f"{x(pooled.high):.1f},{pooled_y:.1f} {x(pooled.effect):.1f},{pooled_y + 8:.1f}"
    )
    parts.append(
        f'<polygon points="{diamond}" style="fill:{POOLED_COLOUR}"/>'
        f'<text x="{LABEL_RIGHT}" y="{pooled_y + 4:.1f}" text-anchor="end" style="{BOLD_STYLE}">'
        f"{escape(_short(pooled.label))}</text>"
        f'<text x="{NUMBERS_LEFT}" y="{pooled_y + 4:.1f}" style="{BOLD_STYLE}">'
        f"{_format(pooled.effect)} [{_format(pooled.low)}; {_format(pooled.high)}]</text>"
        f'<text x="{WIDTH - 6}" y="{pooled_y + 4:.1f}" text-anchor="end" style="{BOLD_STYLE}">100 %</text>'
    )
    legend_y = axis_y + 40
    parts.append(
        f'<text x="{x(0) - 6:.1f}" y="{legend_y:.1f}" text-anchor="end" style="{TEXT_STYLE}">'
        f"← {escape(favours_left)}</text>"
        f'<text x="{x(0) + 6:.1f}" y="{legend_y:.1f}" style="{TEXT_STYLE}">{escape(favours_right)} →</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
