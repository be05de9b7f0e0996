"""Exports of a stored result: an Excel workbook (inputs, results by year and by payer, sensitivity,
provenance) and a PDF appendix rendered by WeasyPrint from an HTML template with the page's SVG charts."""

from __future__ import annotations

import io
from typing import Any

import xlsxwriter
from django.template.loader import render_to_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from indsats.economy.models import BusinessCaseResult
from indsats.economy.presentation import basis_label, result_view, sensitivity_label
from indsats.ui.spreadsheets import XLSXWRITER_OPTIONS


def file_stem(result: BusinessCaseResult) -> str:
    return f"business-case-{slugify(result.case.name) or result.case_id}-{result.pk}"


def result_workbook(result: BusinessCaseResult) -> bytes:
    """The workbook: sheets Nøgletal, Input, År, Betalere, Følsomhed. Amounts in kroner of the price year."""
    view = result_view(result)
    data, document = view["data"], view["document"]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **XLSXWRITER_OPTIONS})
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0"})
    ratio = book.add_format({"num_format": "0.00"})
    share = book.add_format({"num_format": "0.0%"})

    sheet = book.add_worksheet(_("Nøgletal"))
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 20)
    rows: list[tuple[str, Any, Any]] = [
        (_("Business case"), result.case.name, None),
        (_("Indsats"), str(result.case.intervention), None),
        (_("Nutidsværdi af omkostninger (kr.)"), data["pv_costs"], money),
        (_("Nutidsværdi af gevinster (kr.)"), data["pv_gains"], money),
        (_("Nettonutidsværdi (kr.)"), data["npv"], money),
        (_("Afkast pr. krone"), data["roi"], ratio),
        (_("Tilbagebetalingsår"), data["break_even_year"], None),
        (_("Samfundsøkonomisk nettonutidsværdi (kr.)"), data["welfare"]["npv"], money),
    ]
    if data.get("draws"):
        rows += [
            (_("Monte Carlo: middelværdi (kr.)"), data["npv_mean"], money),
            (_("Monte Carlo: 5. percentil (kr.)"), data["npv_p5"], money),
            (_("Monte Carlo: 95. percentil (kr.)"), data["npv_p95"], money),
            (_("Sandsynlighed for nettonutidsværdi over 0"), data["p_positive"], share),
        ]
    rows += [
        (_("Prisår"), data["price_year"], None),
        (_("Tidshorisont (år)"), data["horizon_years"], None),
        (_("Diskontering"), data["discount"]["name"], None),
        (_("Træk"), result.draws, None),
        (_("Seed"), result.seed, None),
        (_("Motorversion"), result.engine_version, None),
        (_("Inputs hash (SHA-256)"), result.inputs_hash, None),
        (_("Beregnet"), result.computed_at.isoformat() if result.computed_at else "", None),
    ]
    for r, (label, value, number_format) in enumerate(rows):
        sheet.write(r, 0, label, bold)
        if value is None:
            sheet.write_blank(r, 1, None)
        elif number_format is not None:
            sheet.write_number(r, 1, float(value), number_format)
        else:
            sheet.write(r, 1, value)

    sheet = book.add_worksheet(_("Input"))
    headers = [_("Type"), _("Navn"), _("Betaler"), _("Beløb"), _("År"), _("Kilde")]
    for c, header in enumerate(headers):
        sheet.write(0, c, header, bold)
    r = 1
    for key, kind in (("costs", _("Omkostning")), ("base_alternative", _("Basisalternativ"))):
        for cost in document.get(key, []):
            amount = cost.get("amount", cost.get("per_participant_per_year"))
            sheet.write_row(r, 0, [kind, cost["name"], cost["payer"]])
            sheet.write_number(r, 3, float(amount), money)
            sheet.write_row(r, 4, [", ".join(str(y) for y in cost.get("years", [])), cost.get("source", "")])
            r += 1
    r += 1
    outcome_headers = [
        _("Effekt"), _("Type"), _("Estimat"), _("Standardfejl"), _("Basisniveau"), _("Enhedspris"),
        _("Prisår"), _("Betalere"), _("Priskilde"), _("Effektkilde"),
    ]  # fmt: skip
    for c, header in enumerate(outcome_headers):
        sheet.write(r, c, header, bold)
    for outcome in document.get("outcomes", []):
        r += 1
        effect = outcome["effect"]
        sheet.write_row(
            r,
            0,
            [
                outcome["name"],
                effect["type"],
                effect["estimate"],
                effect.get("se", ""),
                outcome.get("baseline", ""),
                outcome["unit_price"],
                outcome.get("unit_price_year", data["price_year"]),
                ", ".join(f"{payer} {share:g}" for payer, share in outcome["payers"].items()),
                outcome.get("unit_price_source", ""),
                outcome.get("_effect_source", ""),
            ],
        )
    sheet.set_column(0, 1, 30)
    sheet.set_column(8, 9, 40)

    sheet = book.add_worksheet(_("År"))
    payer_names = view["payer_names"]
    headers = [_("År"), _("Omkostninger"), _("Gevinster"), _("Netto"), _("Diskonteringsfaktor"),
               _("Diskonteret netto"), _("Akkumuleret diskonteret netto")]  # fmt: skip
    headers += [_("Akkumuleret: %(payer)s") % {"payer": payer} for payer in payer_names]
    for c, header in enumerate(headers):
        sheet.write(0, c, header, bold)
    for r, year in enumerate(view["years"], start=1):
        sheet.write_number(r, 0, year["year"])
        for c, key in enumerate(
            ("costs", "gains", "net", "discount_factor", "discounted_net", "cumulative_discounted_net"),
            start=1,
        ):
            sheet.write_number(r, c, float(year[key]), ratio if key == "discount_factor" else money)
        for c, value in enumerate(year["by_payer"], start=7):
            sheet.write_number(r, c, float(value), money)
    sheet.set_column(0, len(headers), 18)

    sheet = book.add_worksheet(_("Betalere"))
    headers = [_("Betaler"), _("NV omkostninger"), _("NV gevinster"), _("Nettonutidsværdi"),
               _("Afkast pr. krone"), _("Tilbagebetalingsår")]  # fmt: skip
    if data.get("draws"):
        headers.append(_("Sandsynlighed for netto over 0"))
    for c, header in enumerate(headers):
        sheet.write(0, c, header, bold)
    for r, payer in enumerate(view["payers"], start=1):
        sheet.write(r, 0, payer["payer"])
        for c, key in enumerate(("pv_costs", "pv_gains", "npv"), start=1):
            sheet.write_number(r, c, float(payer[key]), money)
        if payer["roi"] is not None:
            sheet.write_number(r, 4, float(payer["roi"]), ratio)
        if payer["break_even_year"] is not None:
            sheet.write_number(r, 5, payer["break_even_year"])
        if data.get("draws"):
            sheet.write_number(r, 6, float(payer["p_positive"]), share)
    sheet.set_column(0, len(headers), 20)

    sheet = book.add_worksheet(_("Følsomhed"))
    headers = [_("Input"), _("Grundlag"), _("Lav værdi"), _("Høj værdi"), _("NNV ved lav"), _("NNV ved høj"),
               _("Udsving")]  # fmt: skip
    for c, header in enumerate(headers):
        sheet.write(0, c, header, bold)
    for r, row in enumerate(data["sensitivity"], start=1):
        sheet.write(r, 0, view_label(row, view))
        sheet.write(r, 1, basis_label(str(row["basis"])))
        sheet.write_number(r, 2, float(row["low"]))
        sheet.write_number(r, 3, float(row["high"]))
        for c, key in enumerate(("npv_low", "npv_high", "swing"), start=4):
            sheet.write_number(r, c, float(row[key]), money)
    sheet.set_column(0, 0, 50)
    sheet.set_column(1, 6, 18)
    book.close()
    return buffer.getvalue()


def view_label(row: dict[str, Any], view: dict[str, Any]) -> str:
    return sensitivity_label(row, view["document"])


def appendix_html(result: BusinessCaseResult) -> str:
    """The appendix as HTML, before WeasyPrint lays it out."""
    return render_to_string(
        "economy/result_pdf.html", {"result": result, "case": result.case, "view": result_view(result)}
    )


def pdf_document(result: BusinessCaseResult) -> Any:
    """The laid-out appendix (a WeasyPrint Document: pages with their boxes)."""
    from weasyprint import HTML  # loaded lazily: it takes about a second to import

    return HTML(string=appendix_html(result)).render()


def result_pdf(result: BusinessCaseResult) -> bytes:
    """The PDF appendix: the figures, the tables and the same SVG charts as the page."""
    pdf: bytes = pdf_document(result).write_pdf()
    return pdf
