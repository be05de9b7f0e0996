"""The evaluation report of one analysis: the same context for the page and the PDF.

Method in plain Danish words, the estimates with their intervals, warnings translated, a chart of the
mean score over the rounds (SVG with a text alternative and a table), and the provenance of every number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indsats.evaluation.models import Analysis, Study
from indsats.outcomes import charts
from indsats.outcomes.models import Measurement, MeasurementRound
from indsats.outcomes.registry import engine_instrument

WARNING_TEXTS = {
    "small_n": gettext_lazy("Få børn i en gruppe (under 20): estimatet er usikkert."),
    "heavy_missingness": gettext_lazy(
        "Mere end 20 % af børnene mangler data: resultatet gælder kun børn med fuldstændige data."
    ),
    "poor_balance": gettext_lazy(
        "Grupperne ligner stadig ikke hinanden efter matchning; estimatet kan være skævt."
    ),
    "poor_overlap": gettext_lazy("Mere end 10 % af børnene i indsatsen havde intet sammenligneligt barn."),
    "extreme_weights": gettext_lazy("Et enkelt barn vejer meget tungt; vægtene er ustabile."),
    "separation": gettext_lazy("Baggrundsforholdene forudsiger næsten helt, hvem der fik indsatsen."),
    "few_clusters": gettext_lazy("Få kommuner: standardfejlen kan være for lille."),
    "few_studies": gettext_lazy("Få studier i metaanalysen."),
    "pre_trends": gettext_lazy("Grupperne udviklede sig forskelligt allerede før indsatsen."),
    "subgroup_skipped": gettext_lazy(
        "En undergruppe blev udeladt, fordi den manglede børn i en af grupperne."
    ),
    "no_variation": gettext_lazy("Der er ingen spredning i data; læs resultatet med forsigtighed."),
    "not_converged": gettext_lazy("En beregning nåede ikke at konvergere; læs resultatet med forsigtighed."),
}

REPORT_KINDS = {"midtvejs": gettext_lazy("Midtvejsevaluering"), "slut": gettext_lazy("Slutevaluering")}


def number(value: float | None, digits: int = 2) -> str:
    """Danish decimal comma; a dash for a missing value."""
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace("-", "−").replace(".", ",")


@dataclass(frozen=True)
class EstimateRow:
    label: str
    value: str
    interval: str


def warning_texts(analysis: Analysis) -> list[str]:
    return [str(WARNING_TEXTS.get(w.get("code", ""), w.get("message", ""))) for w in analysis.warnings]


def method_text(analysis: Analysis) -> str:
    study = analysis.study
    rounds = {
        "before": study.baseline_round.get_kind_display(),
        "after": study.follow_up_round.get_kind_display(),
    }
    if analysis.method == "pre_post":
        return (
            _(
                "Børnene er målt ved målerunden %(before)s og igen ved %(after)s. Vi har sammenlignet "
                "hvert barns score med barnets egen score før og beregnet den gennemsnitlige ændring med "
                "et 95 %% konfidensinterval. Der er ingen sammenligningsgruppe, så ændringen kan også "
                "skyldes andet end indsatsen, fx at børn udvikler sig med alderen."
            )
            % rounds
        )
    values = {**rounds, "comparison": study.comparison_intervention, "covariates": _covariate_text(study)}
    if analysis.method == "ancova":
        return (
            _(
                "Børn i indsatsen er sammenlignet med børn i %(comparison)s. Forskellen ved %(after)s er "
                "justeret for børnenes score ved målerunden %(before)s%(covariates)s med lineær regression "
                "(ANCOVA)."
            )
            % values
        )
    return (
        _(
            "Hvert barn i indsatsen er sammenlignet med det barn i %(comparison)s, der lignede mest på score "
            "ved målerunden %(before)s%(covariates)s (matchning på propensity score). Forskellen ved "
            "%(after)s er effekten for børnene i indsatsen. Metoden kan kun tage højde for forhold, "
            "der er målt."
        )
        % values
    )


def covariate_list(study: Study) -> str:
    """The covariates of a two-group design in words ("alder og køn"); empty when there are none."""
    parts = [str(_("alder"))] if study.adjust_for_age else []
    if study.adjust_for_sex:
        parts.append(str(_("køn")))
    return " og ".join(parts)


def _covariate_text(study: Study) -> str:
    words = covariate_list(study)
    return (", " + _("samt %(list)s") % {"list": words}) if words else ""


def estimate_rows(analysis: Analysis) -> list[EstimateRow]:
    r = analysis.result
    main = _("Gennemsnitlig ændring") if analysis.method == "pre_post" else _("Forskel mellem grupperne")
    rows = [EstimateRow(main, number(r["estimate"]), f"{number(r['ci_low'])} til {number(r['ci_high'])}")]
    if analysis.method == "pre_post":
        rows.append(
            EstimateRow(
                _("Standardiseret ændring (Hedges' g)"),
                number(r["hedges_g"]),
                f"{number(r['hedges_g_ci_low'])} til {number(r['hedges_g_ci_high'])}",
            )
        )
        if r.get("bootstrap_ci_low") is not None:
            rows.append(
                EstimateRow(
                    _("Gennemsnitlig ændring, bootstrap-interval"),
                    number(r["estimate"]),
                    f"{number(r['bootstrap_ci_low'])} til {number(r['bootstrap_ci_high'])}",
                )
            )
    elif r.get("hedges_g") is not None:
        rows.append(EstimateRow(_("Standardiseret forskel (Hedges' g)"), number(r["hedges_g"]), "–"))
    return rows


def mean_scores_by_round(study: Study) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    """Mean score per round in the intervention (and the comparison group): aggregates only."""
    labels: list[str] = []
    series = []
    groups = [study.intervention] + ([study.comparison_intervention] if study.comparison_intervention else [])
    kinds = list(
        MeasurementRound.objects.filter(intervention=study.intervention).order_by("order", "opens_on")
    )
    labels = [r.get_kind_display() for r in kinds]
    for intervention in groups:
        sums: dict[str, list[float]] = defaultdict(list)
        for kind, scores in Measurement.objects.filter(
            round__intervention=intervention, instrument=study.instrument
        ).values_list("round__kind", "scores"):
            value = scores.get(study.score_key)
            if value is not None:
                sums[kind].append(float(value))
        series.append(
            (
                str(intervention),
                [sum(sums[r.kind]) / len(sums[r.kind]) if sums[r.kind] else None for r in kinds],
            )
        )
    return labels, series


def report_context(analysis: Analysis, kind: str = "slut") -> dict[str, Any]:
    study = analysis.study
    engine = engine_instrument(study.instrument)
    score_name = engine.score_name(study.score_key).da
    labels, series = mean_scores_by_round(study)
    colours = [charts.OWN_COLOUR, charts.ALL_COLOUR]
    chart = charts.line_chart(
        labels=labels,
        series=[(name, values, colours[i]) for i, (name, values) in enumerate(series)],
        y_range=engine.score_range(study.score_key),
        title=_("Gennemsnitlig %(score)s pr. målerunde. Tallene står i tabellen under grafen.")
        % {"score": score_name},
    )
    table = [(name, [number(v, 1) for v in values]) for name, values in series]
    return {
        "analysis": analysis,
        "study": study,
        "kind_label": REPORT_KINDS.get(kind, REPORT_KINDS["slut"]),
        "kind": kind if kind in REPORT_KINDS else "slut",
        "score_name": score_name,
        "higher_is_better": engine.direction(study.score_key) == "higher_is_better",
        "method_text": method_text(analysis),
        "estimates": estimate_rows(analysis),
        "warning_texts": warning_texts(analysis),
        "chart": chart,
        "chart_labels": labels,
        "chart_table": table,
    }


def report_document(analysis: Analysis, kind: str = "slut") -> Any:
    """The laid-out report (a WeasyPrint Document), from the same template body and chart as the page."""
    from weasyprint import HTML

    html = render_to_string("evaluation/report_pdf.html", report_context(analysis, kind))
    return HTML(string=html).render()


def report_pdf(analysis: Analysis, kind: str = "slut") -> bytes:
    pdf: bytes = report_document(analysis, kind).write_pdf()
    return pdf
