"""What the result page, the comparison, the PDF appendix and the Excel sheet show of a stored result:
Danish labels, rows for the tables and the SVG charts. Reads the engine's stored ``to_dict()`` only."""

from __future__ import annotations

import datetime as dt
import functools
import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from django.templatetags.l10n import unlocalize
from django.utils.formats import localize
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from indsats.economy.charts import cumulative_net_by_payer_svg, npv_histogram_svg, tornado_svg
from indsats.economy.models import BusinessCase, BusinessCaseResult
from indsats.ui.converters import url_with_id
from indsats.ui.formatting import Formatter, as_number

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


# the figures of a stored result that the result page shows as they are (result_sections_html, result_view)
SHOWN_FIGURES = (
    "npv",
    "pv_costs",
    "pv_gains",
    "roi",
    "break_even_year",
    "p_positive",
    "npv_p5",
    "npv_p95",
    "npv_mean",
    "draws",
    "by_payer",
)
# of each payer's indicators, of the welfare view and of a sensitivity row: what the page shows
SHOWN_PAYER_INDICATORS = ("roi", "break_even_year", "p_positive")
SHOWN_SENSITIVITY = ("input", "label", "basis", "npv_low", "npv_high", "swing")


def _some(values: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    return {key: values[key] for key in keys if key in values}


def shown_parts(data: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """What the result page shows of a stored result (the engine's ``to_dict()``) and its input document,
    in their own shapes: the figures it shows, the by-payer totals, the year and cumulative discounted net
    of each year (in all and by payer), the sensitivity rows it shows and the names of the document's
    costs and outcomes that label them. A third of the result's size; kept with the result
    (``BusinessCaseResult.shown``), so the page decodes it rather than the whole result."""
    parts = _some(data, SHOWN_FIGURES)
    if "welfare" in data:
        welfare = data["welfare"]
        parts["welfare"] = _some(welfare, ("npv",)) if isinstance(welfare, dict) else welfare
    parts["by_payer_indicators"] = {
        payer: _some(indicators, SHOWN_PAYER_INDICATORS)
        for payer, indicators in data["by_payer_indicators"].items()
    }
    parts["by_year"] = [
        {"year": year["year"], "cumulative_discounted_net": year["cumulative_discounted_net"]}
        for year in data["by_year"]
    ]
    parts["by_payer_by_year"] = {
        payer: [{"cumulative_discounted_net": year["cumulative_discounted_net"]} for year in years]
        for payer, years in data["by_payer_by_year"].items()
    }
    parts["sensitivity"] = [_some(row, SHOWN_SENSITIVITY) for row in data["sensitivity"][:SENSITIVITY_SHOWN]]
    names = {
        key: [_some(line, ("name",)) for line in document[key]]
        for key in ("outcomes", "costs", "base_alternative")
        if key in document
    }
    return {"result": parts, "document": names}


def result_view(result: BusinessCaseResult, *, chart_prefix: str = "") -> dict[str, Any]:
    """Everything a page or report shows of one finished result."""
    return _view(result, result.result or {}, result.document, chart_prefix=chart_prefix)


def shown_view(result: BusinessCaseResult) -> dict[str, Any]:
    """What the result page shows of one finished result (result_sections_html's view), from the parts
    kept with it (``shown``): the result page's view without decoding the whole result. A result stored
    without them (by a computation older than them) is read whole."""
    shown = result.shown
    if shown is None:
        shown = shown_parts(result.result or {}, result.document)
    return _view(result, shown["result"], shown["document"])


def _view(
    result: BusinessCaseResult, data: dict[str, Any], document: dict[str, Any], *, chart_prefix: str = ""
) -> dict[str, Any]:
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


def result_sections_html(view: dict[str, Any], result: BusinessCaseResult) -> SafeString:
    """The key figures, the by-payer table and the charts with their tables of one finished result: what
    the templates economy/_figures.html, _payers.html and _charts.html wrote on the result page, one after
    another with a line between them (the comparison and the PDF still include those; tests/economy
    compares the two). Their labels are translated once per process and language."""
    t = _section_labels(get_language())
    data: dict[str, Any] = view["data"]
    write = Formatter()

    def kroner(value: Any) -> str:
        return _escape(write.kroner(as_number(value), 0))

    has_monte_carlo = view["has_monte_carlo"]
    welfare = data.get("welfare")
    figure = '  <div class="economy-figure"><dt>'
    figures = (
        '\n<dl class="economy-figures">\n'
        f"{figure}{t['npv']}</dt><dd>{kroner(data.get('npv'))}</dd></div>\n"
        f"{figure}{t['pv_costs']}</dt><dd>{kroner(data.get('pv_costs'))}</dd></div>\n"
        f"{figure}{t['pv_gains']}</dt><dd>{kroner(data.get('pv_gains'))}</dd></div>\n"
        f"{figure}{t['roi']}</dt><dd>{_escape(write.number(as_number(data.get('roi')), 2))}</dd></div>\n"
        f"{figure}{t['break_even']}</dt><dd>{_escape(view['break_even_text'])}</dd></div>\n  "
    )
    if has_monte_carlo:
        figures += (
            f"\n{figure}{t['p_positive']}</dt>"
            f"<dd>{_escape(write.percent(as_number(data.get('p_positive'))))}</dd></div>\n"
            f"{figure}{t['interval']}</dt>"
            f"<dd>{kroner(data.get('npv_p5'))} – {kroner(data.get('npv_p95'))}</dd></div>\n  "
        )
    figures += (
        f"\n{figure}{t['welfare']}</dt>"
        f"<dd>{kroner(welfare.get('npv') if isinstance(welfare, dict) else None)}</dd></div>\n</dl>\n"
    )
    pk = str(result.pk)
    right = '<th scope="col" class="align-text-right">'
    # the caption is named by the result, as the charts' tables are (the comparison names it by its column)
    payers = (
        '\n<div class="table--responsive-scroll" tabindex="0" role="region"'
        f' aria-labelledby="payers-caption-{pk} table-scroll-hint">\n'
        '<table class="table table--zebra">\n'
        f'  <caption id="payers-caption-{pk}">{t["payers_caption"]}</caption>\n'
        f'  <thead><tr><th scope="col">{t["payer"]}</th>{right}{t["costs"]}</th>{right}{t["gains"]}</th>'
        f'{right}{t["net"]}</th>{right}{t["roi"]}</th><th scope="col">{t["break_even"]}</th>'
        + (f"{right}{t['payer_positive']}</th>" if has_monte_carlo else "")
        + f"</tr></thead>\n  <tbody>\n  {view['payer_rows']}\n  </tbody>\n</table>\n</div>\n"
    )
    scroll = '<div class="table--responsive-scroll" tabindex="0" role="region" aria-labelledby="'
    charts = (
        f"\n<h3>{t['cumulative']}</h3>\n"
        f'<figure class="indsats-chart">{view["charts"]["cumulative"]}</figure>\n'
        f'<details class="economy-data"><summary>{t["cumulative_numbers"]}</summary>\n'
        f'{scroll}cumulative-caption-{pk} table-scroll-hint">\n<table class="table table--compact">\n'
        f'  <caption id="cumulative-caption-{pk}" class="sr-only">{t["cumulative_caption"]}</caption>\n'
        f'  <thead><tr><th scope="col">{t["year"]}</th>'
        + "".join(f"{right}{_escape(capfirst(payer))}</th>" for payer in view["payer_names"])
        + f"{right}{t['total']}</th></tr></thead>\n  <tbody>{view['year_rows']}</tbody>\n</table>\n</div>\n"
        "</details>\n"
    )
    histogram = view["charts"].get("histogram")
    if histogram:
        summary = t["draws"] % {
            "draws": _escape(write.number(as_number(data.get("draws")))),
            "mean": kroner(data.get("npv_mean")),
            "p5": kroner(data.get("npv_p5")),
            "p95": kroner(data.get("npv_p95")),
            "share": _escape(write.percent(as_number(data.get("p_positive")))),
        }
        charts += (
            f'\n<h3>{t["histogram"]}</h3>\n<figure class="indsats-chart">{histogram}</figure>\n'
            f"<p>{summary}</p>\n"
        )
    charts += (
        f'\n<h3>{t["tornado"]}</h3>\n<figure class="indsats-chart">{view["charts"]["tornado"]}</figure>\n'
        f'{scroll}sensitivity-caption-{pk} table-scroll-hint">\n<table class="table table--compact">\n'
        f'  <caption id="sensitivity-caption-{pk}">{t["sensitivity_caption"]}</caption>\n'
        f'  <thead><tr><th scope="col">{t["input"]}</th><th scope="col">{t["basis"]}</th>'
        f"{right}{t['npv_low']}</th>{right}{t['npv_high']}</th>{right}{t['swing']}</th></tr></thead>\n"
        f"  <tbody>{view['sensitivity_rows']}</tbody>\n</table>\n</div>\n"
    )
    return mark_safe(f"{figures}\n{payers}\n{charts}")  # noqa: S308 - every value is escaped here


# the templates' texts: {% translate %} looks a text up with its percent signs doubled and writes the
# translation (a literal, so not escaped) with the signs single again
_SECTION_TEXTS = {
    "npv": "Nettonutidsværdi",
    "pv_costs": "Nutidsværdi af omkostninger",
    "pv_gains": "Nutidsværdi af gevinster",
    "roi": "Afkast pr. krone",
    "break_even": "Tilbagebetaling",
    "p_positive": "Sandsynlighed for gevinst (NNV > 0)",
    "interval": "90 %-interval for NNV",
    "welfare": "Samfundsøkonomisk NNV",
    "payers_caption": "Fordeling på betalere (nutidsværdi)",
    "payer": "Betaler",
    "costs": "Omkostninger",
    "gains": "Gevinster",
    "net": "Netto",
    "payer_positive": "P(netto > 0)",
    "cumulative": "Akkumuleret diskonteret netto pr. betaler",
    "cumulative_numbers": "Tallene bag kurven",
    "cumulative_caption": "Akkumuleret diskonteret netto pr. år og betaler",
    "year": "År",
    "total": "I alt",
    "histogram": "Fordelingen af nettonutidsværdien (Monte Carlo)",
    "tornado": "Følsomhed (tornadodiagram)",
    "sensitivity_caption": "Nettonutidsværdien med ét input ad gangen lavt og højt",
    "input": "Input",
    "basis": "Grundlag",
    "npv_low": "NNV ved lav",
    "npv_high": "NNV ved høj",
    "swing": "Udsving",
}


@functools.lru_cache(maxsize=8)
def _section_labels(language: str | None) -> dict[str, str]:
    """The texts of result_sections_html in one language, as the templates wrote them."""
    labels = {key: _(text.replace("%", "%%")).replace("%%", "%") for key, text in _SECTION_TEXTS.items()}
    # {% blocktranslate %}: the message as it is, its values escaped
    labels["draws"] = _(
        "%(draws)s træk: middelværdi %(mean)s, 90 %%-interval %(p5)s til %(p95)s; nettonutidsværdien er "
        "over 0 i %(share)s af trækkene."
    )
    return labels


def provenance_html(result: BusinessCaseResult) -> SafeString:
    """How to recompute one result exactly: what economy/_provenance.html wrote on the result page (the
    comparison and the PDF still include it; tests/economy compares the two)."""
    t = _provenance_labels(get_language())
    write = Formatter()
    by = ""
    if result.computed_by:
        by = " " + t["by"] % {"name": _escape(result.computed_by.get_full_name())}
    return mark_safe(  # noqa: S308 - every value is escaped here
        '\n<dl class="indsats-facts economy-provenance">\n'
        f"  <dt>{t['computed']}</dt><dd>{_escape(write.date_time(result.computed_at or None))}{by}</dd>\n"
        f"  <dt>{t['draws']}</dt><dd>{_escape(write.number(as_number(result.draws)))}"
        f" / {conditional_escape(localize(result.seed))}</dd>\n"
        f"  <dt>{t['engine']}</dt><dd>{conditional_escape(localize(result.engine_version))}</dd>\n"
        f"  <dt>{t['hash']}</dt><dd><code>{conditional_escape(localize(result.inputs_hash))}</code></dd>\n"
        "</dl>\n"
    )


@functools.lru_cache(maxsize=8)
def _provenance_labels(language: str | None) -> dict[str, str]:
    """The texts of provenance_html in one language, as the template wrote them."""
    return {
        "computed": _("Beregnet"),
        "draws": _("Træk og seed"),
        "engine": _("Motorversion"),
        "hash": _("Inputs hash"),
        "by": _("af %(name)s"),
    }


def case_facts_html(case: BusinessCase) -> SafeString:
    """The facts of a case at the top of its page (read by selectors.case_page, with ``cost_count`` and
    ``outcome_count``): what the <dl> of economy/case_detail.html wrote, its labels translated once per
    process and language (tests/economy compares the two)."""
    t = _fact_labels(get_language())
    write = Formatter()
    if case.municipality:
        made_by = t["local"] % {"municipality": _escape(case.municipality.name)}
    else:
        made_by = t["national"]
    catalogue = _escape(case.catalogue) if case.catalogue else t["no_catalogue"]
    counts: Any = case
    return mark_safe(  # noqa: S308 - every value is escaped here
        '<dl class="indsats-facts">\n'
        f"  <dt>{t['intervention']}</dt><dd>{_escape(case.intervention)}</dd>\n"
        f"  <dt>{t['made_by']}</dt><dd>{made_by}</dd>\n"
        f"  <dt>{t['participants']}</dt><dd>{_escape(write.number(as_number(case.participants)))}</dd>\n"
        f"  <dt>{t['prices']}</dt><dd>"
        + t["price_year"]
        % {
            "year": _escape(unlocalize(case.price_year)),
            "horizon": conditional_escape(localize(case.horizon_years)),
        }
        + "</dd>\n"
        f"  <dt>{t['discount']}</dt><dd>{_escape(case.get_discount_display())}</dd>\n"
        f"  <dt>{t['catalogue']}</dt><dd>{catalogue}</dd>\n"
        f"  <dt>{t['lines']}</dt><dd>"
        + t["counts"]
        % {
            "costs": conditional_escape(localize(counts.cost_count)),
            "outcomes": conditional_escape(localize(counts.outcome_count)),
        }
        + "</dd>\n</dl>"
    )


@functools.lru_cache(maxsize=8)
def _fact_labels(language: str | None) -> dict[str, str]:
    """The texts of case_facts_html in one language, as the template wrote them."""
    return {
        "intervention": _("Indsats"),
        "made_by": _("Udarbejdet af"),
        "local": _("%(municipality)s (lokal)"),
        "national": _("Styrelsen (national)"),
        "participants": _("Deltagere"),
        "prices": _("Prisår og horisont"),
        "price_year": _("%(year)s-priser, %(horizon)s år"),
        "discount": _("Diskontering"),
        "catalogue": _("Priskatalog"),
        "no_catalogue": _("intet valgt"),
        "lines": _("Omkostninger og effekter"),
        "counts": _("%(costs)s omkostninger, %(outcomes)s effekter"),
    }
