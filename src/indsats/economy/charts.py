"""Server-rendered SVG charts of a business case result, the same for the page and the PDF appendix.

Each function takes plain data (the engine's ``to_dict()`` result or a stored histogram) and returns an
SVG string with ``role="img"``, an ``aria-label`` and a ``<title>``; the page shows a data table beside
each chart as its full text alternative. No script, no external resources, colours that differ in
lightness and dash patterns so the series can be told apart without colour.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _

from indsats.economy.formatting import danish_number

PAYER_STYLES: dict[str, tuple[str, str]] = {
    # payer: (colour, stroke-dasharray)
    "kommune": ("#0059b3", ""),
    "region": ("#b35900", "8 4"),
    "stat": ("#2e7d32", "2 3"),
}
OTHER_STYLES = [("#6a1b9a", "12 4 2 4"), ("#37474f", "4 4")]
TOTAL_STYLE = ("#1a1a1a", "")
FONT = "font-family:IBMPlexSans,Arial,sans-serif"


def compact_kroner(value: float) -> str:
    """Axis labels: '1,2 mio.', '350.000', '−2 mia.'."""
    size = abs(value)
    if size >= 1e9:
        return f"{danish_number(value / 1e9, 1 if size < 1e10 else 0)} mia."
    if size >= 1e6:
        return f"{danish_number(value / 1e6, 1 if size < 1e7 else 0)} mio."
    return danish_number(value)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About ``count`` round tick values covering [low, high] (1, 2, 2.5 or 5 times a power of ten)."""
    if not math.isfinite(low) or not math.isfinite(high):
        return [0.0]
    if high == low:
        high, low = high + (abs(high) or 1.0), low - (abs(low) or 1.0)
    raw = (high - low) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step)
    ticks = [round(first * step, 10)]
    while ticks[-1] < high - step * 1e-9:
        ticks.append(round((first + len(ticks)) * step, 10))
    return ticks


def _svg_open(width: int, height: int, label: str, title_id: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-labelledby="{title_id}" style="{FONT}">',
        f'<title id="{title_id}">{escape(label)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def _style_of(payer: str, position: int) -> tuple[str, str]:
    if payer in PAYER_STYLES:
        return PAYER_STYLES[payer]
    return OTHER_STYLES[position % len(OTHER_STYLES)]


def cumulative_net_by_payer_svg(result: Mapping[str, Any], *, chart_id: str = "cumulative") -> str:
    """Lines of the cumulative discounted net by year for each payer and for the whole case."""
    series: list[tuple[str, list[float], tuple[str, str], float]] = []
    for position, (payer, years) in enumerate(result["by_payer_by_year"].items()):
        values = [float(year["cumulative_discounted_net"]) for year in years]
        series.append((payer, values, _style_of(payer, position), 2.0))
    total = [float(year["cumulative_discounted_net"]) for year in result["by_year"]]
    series.append((_("i alt"), total, TOTAL_STYLE, 3.0))
    n_years = len(total)

    width, height = 760, 360
    left, right, top, bottom = 96, 24, 48, 48
    plot_w, plot_h = width - left - right, height - top - bottom
    all_values = [v for _n, values, _s, _w in series for v in values] + [0.0]
    ticks = nice_ticks(min(all_values), max(all_values))
    y_low, y_high = ticks[0], ticks[-1]

    def x_of(year: int) -> float:
        return left + (plot_w * year / (n_years - 1) if n_years > 1 else plot_w / 2)

    def y_of(value: float) -> float:
        return top + plot_h * (y_high - value) / (y_high - y_low)

    label = _(
        "Kurve over den akkumulerede diskonterede nettogevinst pr. betaler over %(years)s år. "
        "Ved sidste år: %(values)s."
    ) % {
        "years": n_years,
        "values": "; ".join(f"{name} {compact_kroner(values[-1])} kr." for name, values, _s, _w in series),
    }
    parts = _svg_open(width, height, label, f"{chart_id}-title")
    for tick in ticks:
        y = y_of(tick)
        stroke = "#1a1a1a" if tick == 0 else "#d9d9d9"
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{stroke}"/>')
        parts.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" font-size="12">'
            f"{escape(compact_kroner(tick))}</text>"
        )
    label_every = max(1, math.ceil(n_years / 15))
    for year in range(0, n_years, label_every):
        parts.append(
            f'<text x="{x_of(year):.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="12">'
            f"{year}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="12">'
        f"{escape(_('År efter start'))}</text>"
    )
    parts.append(
        f'<text x="16" y="{top - 20}" font-size="12">{escape(_("Kroner (akkumuleret, diskonteret)"))}</text>'
    )
    legend_x = left + 240
    for name, values, (colour, dash), stroke_width in series:
        points = " ".join(f"{x_of(t):.1f},{y_of(v):.1f}" for t, v in enumerate(values))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="{stroke_width}"'
            f"{dash_attr}/>"
        )
        parts.append(
            f'<line x1="{legend_x}" x2="{legend_x + 28}" y1="{top - 24}" y2="{top - 24}" stroke="{colour}" '
            f'stroke-width="{stroke_width}"{dash_attr}/>'
        )
        parts.append(f'<text x="{legend_x + 34}" y="{top - 20}" font-size="12">{escape(name)}</text>')
        legend_x += 40 + 8 * len(name) + 16
    parts.append("</svg>")
    return "\n".join(parts)


def npv_histogram(draws: Sequence[float] | Any, bins: int = 30) -> dict[str, list[float]]:
    """Bin edges and counts of the Monte Carlo NPV draws (stored with the result; the draws are not)."""
    import numpy as np

    values = np.asarray(draws, dtype=float)
    if values.size == 0:
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(values, bins=bins)
    return {"edges": [float(e) for e in edges], "counts": [int(c) for c in counts]}


def npv_histogram_svg(
    histogram: Mapping[str, Sequence[float]], *, npv: float | None = None, chart_id: str = "histogram"
) -> str:
    """Bars of the Monte Carlo distribution of the NPV, with a line at 0 kr."""
    edges = [float(e) for e in histogram["edges"]]
    counts = [float(c) for c in histogram["counts"]]
    width, height = 760, 320
    left, right, top, bottom = 72, 24, 24, 56
    plot_w, plot_h = width - left - right, height - top - bottom
    total = sum(counts) or 1.0
    positive = sum(c for c, lo in zip(counts, edges[:-1], strict=False) if lo >= 0)
    label = _(
        "Histogram over nutidsværdien i %(draws)s Monte Carlo-træk, fra %(low)s til %(high)s kr. "
        "Omtrent %(share)s af trækkene ligger over 0 kr."
    ) % {
        "draws": danish_number(total),
        "low": compact_kroner(edges[0]),
        "high": compact_kroner(edges[-1]),
        "share": f"{danish_number(100 * positive / total)} %",
    }
    parts = _svg_open(width, height, label, f"{chart_id}-title")
    x_ticks = nice_ticks(min(edges[0], 0.0), max(edges[-1], 0.0), 6)
    x_low, x_high = x_ticks[0], x_ticks[-1]
    top_count = max(counts) or 1.0
    y_ticks = nice_ticks(0.0, top_count, 4)
    y_high = y_ticks[-1]

    def x_of(value: float) -> float:
        return left + plot_w * (value - x_low) / (x_high - x_low)

    def y_of(count: float) -> float:
        return top + plot_h * (1 - count / y_high)

    for tick in y_ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y_of(tick):.1f}" y2="{y_of(tick):.1f}" '
            f'stroke="#d9d9d9"/>'
        )
        parts.append(
            f'<text x="{left - 8}" y="{y_of(tick) + 4:.1f}" text-anchor="end" font-size="12">'
            f"{danish_number(tick)}</text>"
        )
    for count, lo, hi in zip(counts, edges[:-1], edges[1:], strict=False):
        colour = "#2e7d32" if lo >= 0 else ("#b0122b" if hi <= 0 else "#757575")
        parts.append(
            f'<rect x="{x_of(lo):.1f}" y="{y_of(count):.1f}" width="{max(x_of(hi) - x_of(lo) - 1, 0.5):.1f}" '
            f'height="{y_of(0) - y_of(count):.1f}" fill="{colour}"/>'
        )
    for tick in x_ticks:
        parts.append(
            f'<text x="{x_of(tick):.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="12">'
            f"{escape(compact_kroner(tick))}</text>"
        )
    parts.append(
        f'<line x1="{x_of(0):.1f}" x2="{x_of(0):.1f}" y1="{top}" y2="{y_of(0):.1f}" stroke="#1a1a1a" '
        f'stroke-width="2"/>'
    )
    if npv is not None and x_low <= npv <= x_high:
        parts.append(
            f'<line x1="{x_of(npv):.1f}" x2="{x_of(npv):.1f}" y1="{top}" y2="{y_of(0):.1f}" stroke="#0059b3" '
            f'stroke-width="2" stroke-dasharray="6 3"/>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" text-anchor="middle" font-size="12">'
        f"{escape(_('Nutidsværdi (kr.); rød: under 0, grøn: over 0, stiplet linje: beregnet nutidsværdi'))}"
        "</text>"
    )
    parts.append("</svg>")
    return "\n".join(parts)


def tornado_svg(
    rows: Sequence[Mapping[str, Any]], *, npv: float, limit: int = 10, chart_id: str = "tornado"
) -> str:
    """The tornado: for the inputs with the largest swing, a bar from the NPV at the low value to the NPV
    at the high value, around the case's NPV. ``rows`` carry ``label``, ``npv_low`` and ``npv_high``."""
    shown = list(rows[:limit])
    row_h, width = 30, 760
    left, right, top, bottom = 300, 24, 40, 40
    height = top + bottom + row_h * max(len(shown), 1)
    plot_w = width - left - right
    values = [npv] + [float(r["npv_low"]) for r in shown] + [float(r["npv_high"]) for r in shown]
    ticks = nice_ticks(min(values), max(values), 5)
    x_low, x_high = ticks[0], ticks[-1]

    def x_of(value: float) -> float:
        return left + plot_w * (value - x_low) / (x_high - x_low)

    label = _(
        "Tornadodiagram: hvor meget nutidsværdien ændrer sig, når ét input ad gangen sættes lavt og højt. "
    )
    if shown:
        label += _("Størst udsving: %(label)s, fra %(low)s til %(high)s kr.") % {
            "label": shown[0]["label"],
            "low": compact_kroner(float(shown[0]["npv_low"])),
            "high": compact_kroner(float(shown[0]["npv_high"])),
        }
    parts = _svg_open(width, height, label, f"{chart_id}-title")
    for tick in ticks:
        parts.append(
            f'<line x1="{x_of(tick):.1f}" x2="{x_of(tick):.1f}" y1="{top}" y2="{height - bottom}" '
            f'stroke="#d9d9d9"/>'
        )
        parts.append(
            f'<text x="{x_of(tick):.1f}" y="{height - bottom + 18}" text-anchor="middle" font-size="12">'
            f"{escape(compact_kroner(tick))}</text>"
        )
    parts.append(
        f'<rect x="{left}" y="8" width="14" height="14" fill="#b35900"/>'
        f'<text x="{left + 20}" y="20" font-size="12">{escape(_("input lavt"))}</text>'
        f'<rect x="{left + 120}" y="8" width="14" height="14" fill="#0059b3"/>'
        f'<text x="{left + 140}" y="20" font-size="12">{escape(_("input højt"))}</text>'
    )
    for position, row in enumerate(shown):
        y = top + position * row_h
        text = str(row["label"])
        if len(text) > 44:
            text = text[:43] + "…"
        parts.append(
            f'<text x="{left - 8}" y="{y + 19}" text-anchor="end" font-size="12">{escape(text)}</text>'
        )
        for value, colour in ((float(row["npv_low"]), "#b35900"), (float(row["npv_high"]), "#0059b3")):
            x0, x1 = sorted((x_of(npv), x_of(value)))
            parts.append(
                f'<rect x="{x0:.1f}" y="{y + 6}" width="{max(x1 - x0, 1):.1f}" height="{row_h - 12}" '
                f'fill="{colour}"/>'
            )
    parts.append(
        f'<line x1="{x_of(npv):.1f}" x2="{x_of(npv):.1f}" y1="{top - 4}" y2="{height - bottom}" '
        f'stroke="#1a1a1a" stroke-width="2"/>'
    )
    parts.append("</svg>")
    return "\n".join(parts)
