"""What the result page, the comparison, the PDF appendix and the Excel sheet show of a stored result:
Danish labels, rows for the tables and the SVG charts. Reads the engine's stored ``to_dict()`` only."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indsats.economy.charts import cumulative_net_by_payer_svg, npv_histogram_svg, tornado_svg
from indsats.economy.models import BusinessCaseResult
from indsats.ui.converters import url_with_id
from indsats.ui.formatting import Formatter

INPUT_LABELS: dict[str, Promise] = {
    "effect": gettext_lazy("effekt"),
    "baseline": gettext_lazy("basisniveau"),
    "unit_price": gettext_lazy("enhedspris"),
    "persistence.decay": gettext_lazy("aftagning"),
}

SENSITIVITY_SHOWN = 10  # the inputs a result shows in its tornado and table


def sensitivity_label(row: dict[str, Any], document: dict[str, Any]) -> str:
    """A Danish label for a tornado row, from its input path and the case's own names."""
    path = str(row["input"])
    match = re.match(r"outcomes\[(\d+)\]\.(.+)", path)
    if match:
        outcome = document["outcomes"][int(match.group(1))]
        return f"{outcome['name']}: {INPUT_LABELS.get(match.group(2), match.group(2))}"
    match = re.match(r"(costs|base_alternative)\[(\d+)\]", path)
    if match:
        cost = document.get(match.group(1), [])[int(match.group(2))]
        kind = _("basisalternativ") if match.group(1) == "base_alternative" else _("omkostning")
        return f"{kind}: {cost['name']}"
    if path == "discount":
        return _("diskonteringsrente (alle satser ±1 procentpoint)")
    return str(row.get("label", path))


def basis_label(basis: str) -> str:
    """The engine's English basis of a tornado row, in Danish."""
    if basis.startswith("every rate"):
        return _("alle satser ±1 procentpoint (lav/høj: den første sats)")
    match = re.match(r"estimate -\+(\d+)%", basis)
    if match:
        return _("estimat ±%(share)s %%") % {"share": match.group(1)}
    match = re.match(r"95 % interval \((\w+)\)", basis)
    if match:
        return _("95 %%-interval (%(distribution)s fordeling)") % {"distribution": match.group(1)}
    return basis


def result_view(result: BusinessCaseResult, *, chart_prefix: str = "") -> dict[str, Any]:
    """Everything a page or report shows of one finished result."""
    data: dict[str, Any] = result.result or {}
    document: dict[str, Any] = result.document
    payers = []
    for payer, totals in data["by_payer"].items():
        indicators = data["by_payer_indicators"][payer]
        payers.append({"payer": payer, **totals, **indicators})
    # the ten inputs with the largest swing, those the tornado and its table show
    sensitivity = [
        {**row, "label": sensitivity_label(row, document), "basis": basis_label(str(row["basis"]))}
        for row in data["sensitivity"][:SENSITIVITY_SHOWN]
    ]
    payer_names = list(data["by_payer_by_year"])
    years = []
    for position, year in enumerate(data["by_year"]):
        years.append(
            {
                **year,
                "by_payer": [
                    data["by_payer_by_year"][payer][position]["cumulative_discounted_net"]
                    for payer in payer_names
                ],
            }
        )
    prefix = chart_prefix or f"r{result.pk}"
    charts: dict[str, SafeString] = {
        "cumulative": cumulative_net_by_payer_svg(data, chart_id=f"{prefix}-cumulative"),
        "tornado": tornado_svg(
            sensitivity, npv=float(data["npv"]), limit=SENSITIVITY_SHOWN, chart_id=f"{prefix}-tornado"
        ),
    }
    if result.histogram and result.histogram.get("counts"):
        charts["histogram"] = npv_histogram_svg(
            result.histogram, npv=float(data["npv"]), chart_id=f"{prefix}-histogram"
        )
    return {
        "data": data,
        "document": document,
        "payers": payers,
        "payer_names": payer_names,
        "years": years,
        "payer_rows": payer_rows_html(payers, has_monte_carlo=bool(result.draws)),
        "year_rows": year_rows_html(years),
        "sensitivity": sensitivity,
        "sensitivity_rows": sensitivity_rows_html(sensitivity),
        "charts": charts,
        "has_monte_carlo": bool(result.draws),
        "break_even_text": _break_even_text(data["break_even_year"]),
    }


def payer_rows_html(payers: Sequence[dict[str, Any]], *, has_monte_carlo: bool) -> SafeString:
    """The <tr> rows of the by-payer table: the payer, its costs, gains and net in whole kroner, the return
    per krone, the year it breaks even and, with Monte Carlo draws, its chance of a gain; as the template's
    loop wrote them, with the whitespace around each row that the loop left."""
    cell = '<td class="align-text-right">'
    write = Formatter()
    rows = []
    for row in payers:
        written = (
            f'\n    <tr><th scope="row">{_escape(capfirst(row["payer"]))}</th>'
            f"{cell}{_escape(write.kroner(row['pv_costs'], 0))}</td>"
            f"{cell}{_escape(write.kroner(row['pv_gains'], 0))}</td>"
            f"{cell}{_escape(write.kroner(row['npv'], 0))}</td>"
            f"{cell}{_escape(write.number(row['roi'], 2))}</td>"
            f"<td>{_payer_break_even_text(row['break_even_year'], write)}</td>"
        )
        if has_monte_carlo:
            written += f"{cell}{_escape(write.percent(row['p_positive']))}</td>"
        rows.append(written + "</tr>\n  ")
    return mark_safe("".join(rows))  # noqa: S308 - every value is escaped here


def _payer_break_even_text(year: int | None, write: Formatter) -> str:
    """The template's texts, its own message for a payer that never breaks even (the year escaped as the
    template wrote it, with the language's thousands separator; the messages as they are)."""
    if year is None:
        return _("ikke inden for horisonten")
    return _("år %(year)s") % {"year": _escape(write.number(year))}


def year_rows_html(years: Sequence[dict[str, Any]]) -> SafeString:
    """The <tr> rows of the table behind the cumulative chart: the year, each payer's and the whole case's
    cumulative discounted net in whole kroner, as the template's loop wrote them (a row of cells through
    the template cost more than the chart)."""
    cell = '<td class="align-text-right">'
    write = Formatter()
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<tr><th scope="row">{_escape(write.number(year["year"]))}</th>'
            + "".join(f"{cell}{_escape(write.kroner(value, 0))}</td>" for value in year["by_payer"])
            + f"{cell}{_escape(write.kroner(year['cumulative_discounted_net'], 0))}</td></tr>"
            for year in years
        )
    )


def sensitivity_rows_html(rows: Sequence[dict[str, Any]]) -> SafeString:
    """The <tr> rows of the tornado chart's table: the input, its basis, the net present value at its low
    and high value and the swing in whole kroner, as the template's loop wrote them."""
    cell = '<td class="align-text-right">'
    write = Formatter()
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<tr><th scope="row">{_escape(row["label"])}</th><td>{_escape(row["basis"])}</td>'
            f"{cell}{_escape(write.kroner(row['npv_low'], 0))}</td>"
            f"{cell}{_escape(write.kroner(row['npv_high'], 0))}</td>"
            f"{cell}{_escape(write.kroner(row['swing'], 0))}</td></tr>"
            for row in rows
        )
    )


def earlier_results_html(results: Iterable[BusinessCaseResult]) -> SafeString:
    """The <li>s of the case's earlier computations (read with ``npv``, see selectors.earlier_results): when
    each was requested, as a link to it, its status and its net present value in whole kroner when it has
    one, as the template's loop wrote them (the loop resolved the link and the language for every row)."""
    link = url_with_id("economy:result_detail")
    write = Formatter()
    npv_label = _escape(_("NNV"))
    items = []
    for other in results:
        npv: Any = other.npv  # type: ignore[attr-defined]
        written = (
            f'<li><a href="{link(other.pk)}">{_escape(write.date_time(other.requested_at or None))}</a> – '
            f"{_escape(other.get_status_display())}"
        )
        if npv is not None:
            written += f", {npv_label} {_escape(write.kroner(npv, 0))}"
        items.append(written + "</li>")
    return mark_safe("".join(items))  # noqa: S308 - every value is escaped here


def comparison_options_html(others: Iterable[tuple[int, str, str, dt.datetime | None]]) -> SafeString:
    """The <option>s of the results to compare with: (pk, intervention, case, computed_at) each."""
    write = Formatter()
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<option value="{pk:d}">{_escape(intervention)} – {_escape(name)} '
            f"({_escape(write.date_time(computed_at or None))})</option>"
            for pk, intervention, name, computed_at in others
        )
    )


def _escape(value: object) -> str:
    """HTML-escaped text, as Django's escape writes it, without its lazy-string wrapper (the values are
    plain text, never already-safe HTML)."""
    return html.escape(str(value))


def _break_even_text(year: int | None) -> str:
    if year is None:
        return _("ikke inden for tidshorisonten")
    return _("år %(year)s") % {"year": year}
