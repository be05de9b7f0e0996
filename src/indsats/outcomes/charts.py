"""Server-rendered SVG charts of result documentation: the same markup for the page and a PDF.

Built with the chart toolkit (indsats.ui.svg): ``role="img"`` named by the ``title``; the page shows the
same numbers in a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.safestring import SafeString

from indsats.ui import svg

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 64, 20, 56
OWN_COLOUR = svg.BLUE
ALL_COLOUR = svg.MUTED


def line_chart(
    *,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    y_range: tuple[float, float],
    title: str,
) -> SafeString:
    """A line chart of means per round: one line per (name, values, colour); None leaves a gap. The
    first series is solid, the others dashed."""
    ticks = svg.nice_ticks(*y_range, 4)
    plot_w = WIDTH - LEFT - RIGHT
    step = plot_w / max(1, len(labels) - 1)
    y = svg.Scale.over(ticks, HEIGHT - BOTTOM, TOP)

    def x(i: int) -> float:
        return LEFT + (i * step if len(labels) > 1 else plot_w / 2)

    body = svg.horizontal_grid(ticks, y, left=LEFT, right=WIDTH - RIGHT, baseline=False)
    body += [svg.text(x(i), HEIGHT - BOTTOM + 20, label, anchor="middle") for i, label in enumerate(labels)]
    keys = []
    for s, (name, values, colour) in enumerate(series):
        dash = "" if s == 0 else "6 4"
        points = [(x(i), y(v)) for i, v in enumerate(values) if v is not None]
        if len(points) > 1:
            body.append(
                svg.element(
                    "polyline",
                    points=svg.points(points),
                    fill="none",
                    stroke=colour,
                    stroke_width=3,
                    stroke_dasharray=dash or None,
                )
            )
        body += [svg.element("circle", cx=px, cy=py, r=4, fill=colour) for px, py in points]
        keys.append(svg.Key(name, colour, "line", dash))
    body += svg.legend(keys, x=LEFT, y=HEIGHT - 16, right=WIDTH - RIGHT, gap=40)
    return svg.document(width=WIDTH, height=HEIGHT, title=title, body=body)
