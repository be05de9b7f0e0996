"""Server-rendered SVG charts of result documentation: the same markup for the page and a PDF.

Hand-built SVG (no script, inline style attributes only), with role="img" and an aria-label; the page
shows the same numbers in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 64, 20, 56
OWN_COLOUR = "#0059b3"  # dkfds primary blue
ALL_COLOUR = "#6b6b6b"


def _format(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def line_chart(
    *,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    y_range: tuple[float, float],
    title: str,
) -> str:
    """A line chart of means per round: one line per (name, values, colour); None leaves a gap."""
    low, high = y_range
    if high <= low:
        high = low + 1
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(labels) - 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(labels) > 1 else plot_w / 2)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" '
        'style="max-width:100%;height:auto;font-family:IBM Plex Sans,Arial,sans-serif">'
    ]
    for k in range(5):
        value = low + (high - low) * k / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            'style="stroke:#d8d8d8"/>'
            f'<text x="{LEFT - 8}" y="{y(value) + 4:.1f}" text-anchor="end" '
            'style="font-size:12px;fill:#1a1a1a">'
            f"{_format(value)}</text>"
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 20}" text-anchor="middle" '
            f'style="font-size:12px;fill:#1a1a1a">{escape(label)}</text>'
        )
    for s, (name, values, colour) in enumerate(series):
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            dash = "" if s == 0 else ";stroke-dasharray:6 4"
            parts.append(
                f'<polyline points="{path}" style="fill:none;stroke:{colour};stroke-width:3{dash}"/>'
            )
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="4" style="fill:{colour}"/>')
        legend_x = LEFT + s * 260
        parts.append(
            f'<rect x="{legend_x}" y="{HEIGHT - 22}" width="14" height="4" style="fill:{colour}"/>'
            f'<text x="{legend_x + 20}" y="{HEIGHT - 16}" style="font-size:12px;fill:#1a1a1a">'
            f"{escape(name)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
