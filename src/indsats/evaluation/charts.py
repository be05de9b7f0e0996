"""SVG charts of the evaluation report: the balance (Love) plot and estimates with intervals per band.

Hand-built SVG like outcomes/charts.py (no script, inline style attributes only, role="img" with an
aria-label); the report shows the same numbers in a table beside each chart, and the PDF uses the same
markup.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from indsats.evaluation.formatting import number

WIDTH = 640
BEFORE_COLOUR = "#6b6b6b"
AFTER_COLOUR = "#0059b3"  # dkfds primary blue
GRID_COLOUR = "#d8d8d8"
TEXT_STYLE = "font-size:12px;fill:#1a1a1a"
SVG_STYLE = "max-width:100%;height:auto;font-family:IBM Plex Sans,Arial,sans-serif"


def _format(value: float, digits: int = 1) -> str:
    return number(value, digits)


def _open(height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}" style="{SVG_STYLE}">'
    )


@dataclass(frozen=True)
class BalancePoint:
    label: str
    before: float | None
    after: float | None


def love_plot(
    *, points: Sequence[BalancePoint], limit: float, title: str, before_label: str, after_label: str
) -> str:
    """Standardised mean differences per covariate before (open grey circle) and after (filled blue
    circle) adjustment, with dashed lines at +-limit (Austin 2009's 0.1) and a solid line at 0."""
    left, right, top, row = 190, 24, 16, 34
    height = top + row * max(1, len(points)) + 70
    values = [abs(v) for p in points for v in (p.before, p.after) if v is not None and math.isfinite(v)]
    extent = max([limit * 2, *values])
    extent = math.ceil(extent * 10 + 0.5) / 10
    plot_w = WIDTH - left - right
    bottom = top + row * max(1, len(points))

    def x(v: float) -> float:
        return left + plot_w * (v + extent) / (2 * extent)

    parts = [_open(height, title)]
    ticks = [-extent, -extent / 2, 0.0, extent / 2, extent]
    for tick in ticks:
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{bottom}" '
            f'style="stroke:{GRID_COLOUR}"/>'
            f'<text x="{x(tick):.1f}" y="{bottom + 18}" text-anchor="middle" style="{TEXT_STYLE}">'
            f"{_format(tick, 2)}</text>"
        )
    parts.append(f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{top}" y2="{bottom}" style="stroke:#1a1a1a"/>')
    for edge in (-limit, limit):
        parts.append(
            f'<line x1="{x(edge):.1f}" x2="{x(edge):.1f}" y1="{top}" y2="{bottom}" '
            'style="stroke:#1a1a1a;stroke-dasharray:4 4"/>'
        )
    for i, point in enumerate(points):
        cy = top + row * i + row / 2
        parts.append(
            f'<text x="{left - 10}" y="{cy + 4:.1f}" text-anchor="end" style="{TEXT_STYLE}">'
            f"{escape(point.label)}</text>"
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{cy:.1f}" y2="{cy:.1f}" '
            f'style="stroke:{GRID_COLOUR};stroke-dasharray:1 3"/>'
        )
        if point.before is not None and point.after is not None:
            parts.append(
                f'<line x1="{x(point.before):.1f}" x2="{x(point.after):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
                f'style="stroke:{BEFORE_COLOUR};stroke-width:1.5"/>'
            )
        if point.before is not None:
            parts.append(
                f'<circle cx="{x(point.before):.1f}" cy="{cy:.1f}" r="6" '
                f'style="fill:#ffffff;stroke:{BEFORE_COLOUR};stroke-width:2"/>'
            )
        if point.after is not None:
            parts.append(
                f'<circle cx="{x(point.after):.1f}" cy="{cy:.1f}" r="6" style="fill:{AFTER_COLOUR}"/>'
            )
    legend_y = height - 18
    parts.append(
        f'<circle cx="{left + 6}" cy="{legend_y - 4}" r="6" style="fill:#ffffff;stroke:{BEFORE_COLOUR};'
        f'stroke-width:2"/><text x="{left + 18}" y="{legend_y}" style="{TEXT_STYLE}">'
        f"{escape(before_label)}</text>"
    )
    if any(p.after is not None for p in points):
        parts.append(
            f'<circle cx="{left + 226}" cy="{legend_y - 4}" r="6" style="fill:{AFTER_COLOUR}"/>'
            f'<text x="{left + 238}" y="{legend_y}" style="{TEXT_STYLE}">{escape(after_label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def nice_ticks(low: float, high: float, target: int = 5) -> list[float]:
    """Round tick values (steps of 1, 2, 2.5 or 5 times a power of ten) covering low..high."""
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    raw = (high - low) / max(1, target - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    last = math.ceil(high / step) * step
    count = int(round((last - first) / step))
    return [round(first + k * step, 10) for k in range(count + 1)]


@dataclass(frozen=True)
class IntervalPoint:
    label: str
    estimate: float | None
    low: float | None
    high: float | None


def interval_chart(*, points: Sequence[IntervalPoint], title: str, y_label: str) -> str:
    """Estimates (dots) with their confidence intervals (whiskers) per category, and a line at 0."""
    left, right, top, bottom = 64, 24, 20, 56
    height = 300
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    values = [0.0] + [
        v for p in points for v in (p.estimate, p.low, p.high) if v is not None and math.isfinite(v)
    ]
    ticks = nice_ticks(min(values), max(values))
    low, high = ticks[0], ticks[-1]

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - low) / (high - low))

    step = plot_w / max(1, len(points))
    parts = [_open(height, title)]
    digits = 0 if all(float(t).is_integer() for t in ticks) else 1
    for value in ticks:
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'style="stroke:{GRID_COLOUR}"/>'
            f'<text x="{left - 8}" y="{y(value) + 4:.1f}" text-anchor="end" style="{TEXT_STYLE}">'
            f"{_format(value, digits)}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" style="stroke:#1a1a1a"/>'
    )
    for i, point in enumerate(points):
        cx = left + step * (i + 0.5)
        parts.append(
            f'<text x="{cx:.1f}" y="{height - bottom + 20}" text-anchor="middle" style="{TEXT_STYLE}">'
            f"{escape(point.label)}</text>"
        )
        if point.low is not None and point.high is not None:
            y_low, y_high = y(point.low), y(point.high)
            parts.append(
                f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y_low:.1f}" y2="{y_high:.1f}" '
                f'style="stroke:{AFTER_COLOUR};stroke-width:2"/>'
                f'<line x1="{cx - 8:.1f}" x2="{cx + 8:.1f}" y1="{y_low:.1f}" y2="{y_low:.1f}" '
                f'style="stroke:{AFTER_COLOUR};stroke-width:2"/>'
                f'<line x1="{cx - 8:.1f}" x2="{cx + 8:.1f}" y1="{y_high:.1f}" y2="{y_high:.1f}" '
                f'style="stroke:{AFTER_COLOUR};stroke-width:2"/>'
            )
        if point.estimate is not None:
            parts.append(
                f'<circle cx="{cx:.1f}" cy="{y(point.estimate):.1f}" r="6" style="fill:{AFTER_COLOUR}"/>'
            )
    parts.append(f'<text x="{left}" y="{height - 12}" style="{TEXT_STYLE}">{escape(y_label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
