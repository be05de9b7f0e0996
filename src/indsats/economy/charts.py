"""Server-rendered SVG charts of a business case result, the same for the page and the PDF appendix.

Each function takes plain data (the engine's ``to_dict()`` result or a stored histogram) and returns an
SVG built with the chart toolkit (indsats.ui.svg): ``role="img"`` named by a ``<title>``; the page shows
a data table beside each chart as its full text alternative. The series differ in lightness and dash
pattern as well as colour, so they can be told apart without colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from indsats.ui import svg
from indsats.ui.formatting import Formatter

PAYER_STYLES: dict[str, tuple[str, str]] = {
    # payer: (colour, stroke-dasharray)
    "kommune": (svg.BLUE, svg.DASHES[0]),
    "region": (svg.ORANGE, svg.DASHES[1]),
    "stat": (svg.GREEN, svg.DASHES[2]),
}
OTHER_STYLES = [(svg.PURPLE, svg.DASHES[3]), (svg.SLATE, svg.DASHES[4])]
TOTAL_STYLE = (svg.INK, "")
LOW_COLOUR, HIGH_COLOUR = svg.ORANGE, svg.BLUE  # the tornado's bars for an input set low and high


def _style_of(payer: str, position: int) -> tuple[str, str]:
    if payer in PAYER_STYLES:
        return PAYER_STYLES[payer]
    return OTHER_STYLES[position % len(OTHER_STYLES)]


def cumulative_net_by_payer_svg(result: Mapping[str, Any], *, chart_id: str = "cumulative") -> SafeString:
    """Lines of the cumulative discounted net by year for each payer and for the whole case."""
    write = Formatter()
    series: list[tuple[str, list[float], tuple[str, str], float]] = []
    for position, (payer, years) in enumerate(result["by_payer_by_year"].items()):
        values = [float(year["cumulative_discounted_net"]) for year in years]
        series.append((payer, values, _style_of(payer, position), 2.0))
    total = [float(year["cumulative_discounted_net"]) for year in result["by_year"]]
    series.append((_("i alt"), total, TOTAL_STYLE, 3.0))
    n_years = len(total)

    width, height = 760, 360
    left, right, top, bottom = 96, 24, 48, 48
    plot_w = width - left - right
    ticks = svg.nice_ticks(*_extent([v for _n, values, _s, _w in series for v in values] + [0.0]))
    y = svg.Scale.over(ticks, height - bottom, top)

    def x_of(year: int) -> float:
        return left + (plot_w * year / (n_years - 1) if n_years > 1 else plot_w / 2)

    label = _(
        "Kurve over den akkumulerede diskonterede nettogevinst pr. betaler over %(years)s år. "
        "Ved sidste år: %(values)s."
    ) % {
        "years": n_years,
        "values": "; ".join(
            f"{name} {write.abbreviated_kroner(values[-1])} kr." for name, values, _s, _w in series
        ),
    }
    body = svg.horizontal_grid(ticks, y, left=left, right=width - right, label=write.abbreviated_kroner)
    label_every = max(1, math.ceil(n_years / 15))
    body += [
        svg.text(x_of(year), height - bottom + 18, year, anchor="middle")
        for year in range(0, n_years, label_every)
    ]
    body.append(svg.text(left + plot_w / 2, height - 8, _("År efter start"), anchor="middle"))
    body.append(svg.text(16, top - 20, _("Kroner (akkumuleret, diskonteret)")))
    for _name, values, (colour, dash), stroke_width in series:
        body.append(
            svg.element(
                "polyline",
                points=svg.points((x_of(t), y(v)) for t, v in enumerate(values)),
                fill="none",
                stroke=colour,
                stroke_width=stroke_width,
                stroke_dasharray=dash or None,
            )
        )
    keys = [
        svg.Key(name, colour, "line", dash, stroke_width) for name, _v, (colour, dash), stroke_width in series
    ]
    body += svg.legend(keys, x=left + 240, y=top - 20, right=width - right)
    return svg.document(
        width=width, height=height, title=label, body=body, chart_id=chart_id, display_width=width
    )


def npv_histogram(draws: Sequence[float] | Any, bins: int = 30) -> dict[str, list[float]]:
    """Bin edges and counts of the Monte Carlo NPV draws (stored with the result; the draws are not)."""
    import numpy as np  # loaded when a result is stored, not with every page

    values = np.asarray(draws, dtype=float)
    if values.size == 0:
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(values, bins=bins)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def npv_histogram_svg(
    histogram: Mapping[str, Sequence[float]], *, npv: float | None = None, chart_id: str = "histogram"
) -> SafeString:
    """Bars of the Monte Carlo distribution of the NPV, with a line at 0 kr."""
    write = Formatter()
    edges = [float(e) for e in histogram["edges"]]
    counts = [float(c) for c in histogram["counts"]]
    width, height = 760, 320
    left, right, top, bottom = 72, 24, 24, 56
    total = sum(counts) or 1.0
    positive = sum(c for c, lo in zip(counts, edges[:-1], strict=False) if lo >= 0)
    label = _(
        "Histogram over nutidsværdien i %(draws)s Monte Carlo-træk, fra %(low)s til %(high)s kr. "
        "Omtrent %(share)s af trækkene ligger over 0 kr."
    ) % {
        "draws": write.number(total),
        "low": write.abbreviated_kroner(edges[0]),
        "high": write.abbreviated_kroner(edges[-1]),
        "share": write.percent(positive / total, 0),
    }
    x_ticks = svg.nice_ticks(min(edges[0], 0.0), max(edges[-1], 0.0), 6)
    y_ticks = svg.nice_ticks(0.0, max(counts) or 1.0, 4, integer=True)
    x = svg.Scale.over(x_ticks, left, width - right)
    y = svg.Scale.over(y_ticks, height - bottom, top)
    body = svg.horizontal_grid(y_ticks, y, left=left, right=width - right, baseline=False)
    for count, lo, hi in zip(counts, edges[:-1], edges[1:], strict=False):
        colour = svg.GREEN if lo >= 0 else (svg.RED if hi <= 0 else svg.MUTED)
        body.append(
            svg.element(
                "rect",
                x=x(lo),
                y=y(count),
                width=max(x(hi) - x(lo) - 1, 0.5),
                height=y(0) - y(count),
                fill=colour,
            )
        )
    body += [
        svg.text(x(tick), height - bottom + 18, write.abbreviated_kroner(tick), anchor="middle")
        for tick in x_ticks
    ]
    body.append(svg.line(x(0), top, x(0), y(0), width=2))
    if npv is not None and x_ticks[0] <= npv <= x_ticks[-1]:
        body.append(svg.line(x(npv), top, x(npv), y(0), stroke=svg.BLUE, width=2, dash="6 3"))
    body.append(
        svg.text(
            left + (width - left - right) / 2,
            height - 12,
            _("Nutidsværdi (kr.); rød: under 0, grøn: over 0, stiplet linje: beregnet nutidsværdi"),
            anchor="middle",
        )
    )
    return svg.document(
        width=width, height=height, title=label, body=body, chart_id=chart_id, display_width=width
    )


def tornado_svg(
    rows: Sequence[Mapping[str, Any]], *, npv: float, limit: int = 10, chart_id: str = "tornado"
) -> SafeString:
    """The tornado: for the inputs with the largest swing, a bar from the NPV at the low value to the NPV
    at the high value, around the case's NPV. ``rows`` carry ``label``, ``npv_low`` and ``npv_high``."""
    write = Formatter()
    shown = list(rows[:limit])
    row_h, width = 30, 760
    left, right, top, bottom = 300, 24, 40, 40
    height = top + bottom + row_h * max(len(shown), 1)
    values = [npv] + [float(r["npv_low"]) for r in shown] + [float(r["npv_high"]) for r in shown]
    ticks = svg.nice_ticks(*_extent(values), 5)
    x = svg.Scale.over(ticks, left, width - right)

    label = _(
        "Tornadodiagram: hvor meget nutidsværdien ændrer sig, når ét input ad gangen sættes lavt og højt. "
    )
    if shown:
        label += _("Størst udsving: %(label)s, fra %(low)s til %(high)s kr.") % {
            "label": shown[0]["label"],
            "low": write.abbreviated_kroner(float(shown[0]["npv_low"])),
            "high": write.abbreviated_kroner(float(shown[0]["npv_high"])),
        }
    body = svg.vertical_grid(ticks, x, top=top, bottom=height - bottom, label=write.abbreviated_kroner)
    body += svg.legend(
        [svg.Key(_("input lavt"), LOW_COLOUR), svg.Key(_("input højt"), HIGH_COLOUR)], x=left, y=20
    )
    for position, row in enumerate(shown):
        y = top + position * row_h
        body.append(svg.text(left - 8, y + 19, svg.shorten(str(row["label"]), 44), anchor="end"))
        for value, colour in ((float(row["npv_low"]), LOW_COLOUR), (float(row["npv_high"]), HIGH_COLOUR)):
            x0, x1 = sorted((x(npv), x(value)))
            body.append(
                svg.element(
                    "rect", x=x0, y=float(y + 6), width=max(x1 - x0, 1.0), height=row_h - 12, fill=colour
                )
            )
    body.append(svg.line(x(npv), top - 4, x(npv), height - bottom, width=2))
    return svg.document(
        width=width, height=height, title=label, body=body, chart_id=chart_id, display_width=width
    )


def _extent(values: Sequence[float]) -> tuple[float, float]:
    """The smallest and largest finite value (0 to 0 when there is none)."""
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    return min(finite), max(finite)
