"""The evaluation report of one analysis: the same context for the page and the PDF.

Method in plain Danish words, the estimates with their intervals, warnings translated, a chart of the
mean score over the rounds (SVG with a text alternative and a table), subgroups, balance (Love plot),
dose and fidelity, implementation and economy facts, and the provenance of every number. Every figure
is read from the stored Analysis.result; an analysis stored before a section existed renders with a
sentence saying so (or, for the rounds and the other modules' facts, with today's values, said so).

The mid-term report ("midtvejs") is marked as interim and lists the rounds still to be measured; the
final report ("slut") opens with a conclusion written from the estimate, its interval, the design's
evidence level and the grade, which claims a causal effect only for a randomised design.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from indsats.engine.statistics.causal import BALANCE_SMD_LIMIT
from indsats.evaluation import charts as evaluation_charts
from indsats.evaluation import estimation, report_html
from indsats.evaluation.disclosure import hidden_subgroups, round_mean
from indsats.evaluation.models import Analysis, Design, Randomisation, Study
from indsats.outcomes import charts
from indsats.outcomes.models import MeasurementRound, RoundKind
from indsats.outcomes.registry import engine_instrument, localised
from indsats.ui.choices import labels_of
from indsats.ui.formatting import (
    MISSING,
    Formatter,
    compact_number,
    date,
    interval,
    is_missing,
    number,
    p_value,
    percent,
)

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


@dataclass(frozen=True)
class EstimateRow:
    label: str
    value: str
    interval: str


def warning_texts(analysis: Analysis) -> list[str]:
    return [str(WARNING_TEXTS.get(w.get("code", ""), w.get("message", ""))) for w in analysis.warnings]


def _round_kinds(study: Study) -> dict[str, str]:
    """The study's rounds before and after by their kind's label (get_kind_display, without hashing
    every label of the field on each call)."""
    kinds = labels_of(MeasurementRound, "kind")
    before, after = study.baseline_round.kind, study.follow_up_round.kind
    return {"before": kinds.get(before, before), "after": kinds.get(after, after)}


def method_text(analysis: Analysis) -> str:
    study = analysis.study
    rounds = _round_kinds(study)
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
    if analysis.method == "did":
        return (
            _(
                "Børn i indsatsen og børn i %(comparison)s er målt ved målerunden %(before)s og igen ved "
                "%(after)s. Effekten er ændringen hos børnene i indsatsen minus ændringen hos børnene i "
                "sammenligningsgruppen (forskel-i-forskelle), med standardfejl, der tager højde for, at "
                "hvert barn er målt to gange. Metoden forudsætter, at de to grupper ville have udviklet "
                "sig ens uden indsatsen."
            )
            % values
        )
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


def design_statements(analysis: Analysis) -> list[str]:
    """What the method section says about the randomisation on record and the standard errors."""
    study = analysis.study
    statements = []
    if study.design == Design.RANDOMISED:
        randomisation = Randomisation.objects.filter(study=study).first()
        if analysis.design_notes:
            statements.append(
                _("Studiet er oprettet som lodtrukket, men tæller som evidensniveau 2: %(notes)s")
                % {"notes": " ".join(analysis.design_notes)}
            )
        elif randomisation is not None:
            statements.append(
                _(
                    "Børnene er fordelt ved lodtrækning (%(method)s), lavet af %(who)s %(made)s og "
                    "registreret i Indsats %(recorded)s, før eftermålingen. Gruppen for hver plads var "
                    "skjult, indtil barnet blev tilmeldt. Allokeringslisten har sha256 %(hash)s."
                )
                % {
                    "method": randomisation.get_method_display().lower(),
                    "who": randomisation.made_by,
                    "made": date(randomisation.made_at),
                    "recorded": date(randomisation.recorded_at),
                    "hash": randomisation.sequence_sha256,
                }
            )
    clustering = analysis.result.get("clustering")
    if clustering:
        if clustering["clustered"]:
            statements.append(
                _(
                    "Standardfejlen er klyngerobust efter kommune (%(n)s kommuner; CR1 med t-fordeling på "
                    "antal kommuner minus 1 frihedsgrader), fordi børn i samme kommune ligner hinanden."
                )
                % {"n": clustering["n_municipalities"]}
            )
        elif clustering["reason"] == "one_municipality":
            statements.append(_("Alle børn kommer fra én kommune, så standardfejlen er ikke klyngerobust."))
        else:
            statements.append(
                _("Standardfejlen er ikke klyngerobust efter kommune. Evaluatorens begrundelse: %(reason)s")
                % {"reason": clustering["reason"]}
            )
    elif analysis.method == "matching":
        statements.append(
            _(
                "Standardfejlen ved matchning (Abadie og Imbens) tager ikke højde for, at børn i samme "
                "kommune ligner hinanden."
            )
        )
    return statements


def covariate_list(study: Study) -> str:
    """The covariates of a two-group design in words ("alder og køn"); empty when there are none."""
    parts = [str(_("alder"))] if study.adjust_for_age else []
    if study.adjust_for_sex:
        parts.append(str(_("køn")))
    if len(parts) == 2:
        return _("%(first)s og %(second)s") % {"first": parts[0], "second": parts[1]}
    return "".join(parts)


def _covariate_text(study: Study) -> str:
    words = covariate_list(study)
    return (", " + _("samt %(list)s") % {"list": words}) if words else ""


def estimate_rows(analysis: Analysis) -> list[EstimateRow]:
    r = analysis.result
    main = {
        "pre_post": _("Gennemsnitlig ændring"),
        "did": _("Forskel i ændring mellem grupperne"),
    }.get(analysis.method, _("Forskel mellem grupperne"))
    rows = [EstimateRow(main, number(r["estimate"], 2), interval(r["ci_low"], r["ci_high"]))]
    if analysis.method == "pre_post":
        rows.append(
            EstimateRow(
                _("Standardiseret ændring (Hedges' g)"),
                number(r["hedges_g"], 2),
                interval(r["hedges_g_ci_low"], r["hedges_g_ci_high"]),
            )
        )
        if r.get("bootstrap_ci_low") is not None:
            rows.append(
                EstimateRow(
                    _("Gennemsnitlig ændring, bootstrap-interval"),
                    number(r["estimate"], 2),
                    interval(r["bootstrap_ci_low"], r["bootstrap_ci_high"]),
                )
            )
    elif r.get("hedges_g") is not None:
        rows.append(EstimateRow(_("Standardiseret forskel (Hedges' g)"), number(r["hedges_g"], 2), "–"))
    return rows


def _round_series(
    study: Study, rounds: list[dict[str, Any]]
) -> tuple[list[str], list[tuple[str, list[float | None]]]]:
    """The mean per round of the intervention (and the comparison group); a mean of fewer than
    DISCLOSURE_MIN_CHILDREN children is withheld (None: no point, "–" in the table)."""
    labels = [str(RoundKind(r["kind"]).label) if r["kind"] in RoundKind.values else r["kind"] for r in rounds]

    series: list[tuple[str, list[float | None]]] = [
        (str(study.intervention), [round_mean(r) for r in rounds])
    ]
    if study.comparison_intervention is not None:
        series.append((str(study.comparison_intervention), [round_mean(r, "comparison_") for r in rounds]))
    return labels, series


def stored_rounds(analysis: Analysis) -> tuple[list[dict[str, Any]], bool]:
    """The round summary stored with the analysis, or today's for an older analysis (and whether so)."""
    rounds = analysis.result.get("rounds")
    if rounds is not None:
        return rounds, True
    return estimation.round_summary(analysis.study), False


# --- subgroups --------------------------------------------------------------------------------------

SUBGROUP_TITLES = {
    "age_band": gettext_lazy("Aldersgruppe"),
    "sex": gettext_lazy("Køn"),
    "municipality": gettext_lazy("Kommune"),
}


SKIP_REASONS = {
    "fewer_than_two_groups": gettext_lazy("færre end to grupper med data"),
    "not_estimable": gettext_lazy("kunne ikke beregnes, fx fordi et baggrundsforhold er ens i hver gruppe"),
}


def skipped_subgroups(analysis: Analysis) -> list[str]:
    """The subgroup variables left out, with the reason in words."""
    return [
        _("%(title)s: %(reason)s")
        % {
            "title": SUBGROUP_TITLES.get(entry["variable"], entry["variable"]),
            "reason": SKIP_REASONS.get(entry["reason"], entry["reason"]),
        }
        for entry in analysis.result.get("subgroups_skipped", [])
    ]


def _subgroup_level(variable: str, level: str) -> str:
    if variable == "age_band":
        return _("%(band)s år") % {"band": level}
    if variable == "sex":
        return str(_("Pige") if level == "female" else _("Dreng"))
    return level


def formatted_p_value(fmt: Formatter, value: float | None) -> str:
    """``ui.formatting.p_value`` with a Formatter made once for a table."""
    if is_missing(value):
        return MISSING
    assert value is not None
    return "< " + fmt.number(0.001, 3) if value < 0.001 else fmt.number(value, 3)


def subgroup_tables(
    analysis: Analysis, own_municipalities: set[str] | None = None
) -> list[dict[str, Any]] | None:
    """One table per subgroup variable (None for an analysis stored before subgroups were computed).
    Rows with too few children are withheld (`hidden_subgroups`): their numbers read "–". With
    ``own_municipalities`` (a municipality's reader) the table by municipality keeps only those rows,
    after disclosure control was decided on the whole table."""
    stored = analysis.result.get("subgroups")
    if stored is None:
        return None
    fmt = Formatter()  # the language's separators, asked for once for the tables' numbers
    to = _("%(low)s til %(high)s")
    tables = []
    for entry in stored:
        variable = entry["variable"]
        df1, df2 = entry["heterogeneity_df"]
        hidden = hidden_subgroups(entry["subgroups"], entry["has_comparison_group"])
        pairs = list(zip(entry["subgroups"], hidden, strict=True))
        own_only = variable == "municipality" and own_municipalities is not None
        if own_only:
            pairs = [
                (row, is_hidden) for row, is_hidden in pairs if row["level"] in (own_municipalities or set())
            ]
        tables.append(
            {
                "variable": variable,
                "title": str(SUBGROUP_TITLES.get(variable, variable)),
                "has_comparison_group": entry["has_comparison_group"],
                "hidden_rows": sum(is_hidden for _row, is_hidden in pairs),
                "own_only": own_only,
                "rows": [
                    {
                        "level": _subgroup_level(variable, row["level"]),
                        "n": "–",
                        "n_treated": "–",
                        "n_control": "–",
                        "estimate": "–",
                        "interval": "–",
                        "p_value": "–",
                    }
                    if is_hidden
                    else {
                        "level": _subgroup_level(variable, row["level"]),
                        "n": row["n"],
                        "n_treated": row["n_treated"],
                        "n_control": row["n_control"],
                        "estimate": fmt.number(row["estimate"], 2),
                        "interval": to
                        % {"low": fmt.number(row["ci_low"], 2), "high": fmt.number(row["ci_high"], 2)},
                        "p_value": formatted_p_value(fmt, row["p_value"]),
                    }
                    for row, is_hidden in pairs
                ],
                "test": _("F(%(df1)s; %(df2)s) = %(f)s, p = %(p)s")
                % {
                    "df1": df1,
                    "df2": df2,
                    "f": fmt.number(entry["heterogeneity_f"], 2),
                    "p": formatted_p_value(fmt, entry["heterogeneity_p_value"]),
                },
                "differs": entry["heterogeneity_p_value"] is not None
                and entry["heterogeneity_p_value"] < 0.05,
                "small": any(w.get("code") == "small_n" for w in entry.get("warnings", [])),
            }
        )
    return tables


# --- balance ------------------------------------------------------------------------------------------

COVARIATE_LABELS = {
    "baseline": gettext_lazy("Score før indsatsen"),
    "age": gettext_lazy("Alder"),
    "female": gettext_lazy("Køn (andel piger)"),
}


def balance_section(analysis: Analysis) -> dict[str, Any] | None:
    """Love plot and table of the standardised mean differences (two-group designs only)."""
    balance = analysis.result.get("balance")
    if analysis.method == "pre_post" or not balance:
        return None
    matched = analysis.method == "matching"
    points = [
        evaluation_charts.BalancePoint(
            str(COVARIATE_LABELS.get(b["covariate"], b["covariate"])), b["smd_before"], b["smd_after"]
        )
        for b in balance
    ]
    chart = evaluation_charts.love_plot(
        points=points,
        limit=BALANCE_SMD_LIMIT,
        title=_(
            "Standardiserede forskelle mellem grupperne pr. baggrundsforhold, før og efter matchning. "
            "Tallene står i tabellen under grafen."
        )
        if matched
        else _(
            "Standardiserede forskelle mellem grupperne pr. baggrundsforhold. Tallene står i tabellen under "
            "grafen."
        ),
        before_label=_("Før matchning") if matched else _("Alle børn"),
        after_label=_("Efter matchning"),
    )
    rows = [
        {
            "label": point.label,
            "smd_before": number(b["smd_before"], 2),
            "smd_after": number(b["smd_after"], 2),
            "ratio_before": number(b["variance_ratio_before"], 2),
            "ratio_after": number(b["variance_ratio_after"], 2),
            "poor": b["smd_after"] is not None and abs(b["smd_after"]) > BALANCE_SMD_LIMIT,
        }
        for point, b in zip(points, balance, strict=True)
    ]
    return {"chart": chart, "rows": rows, "matched": matched, "limit": number(BALANCE_SMD_LIMIT, 1)}


# --- dose and fidelity -------------------------------------------------------------------------------


def _band_label(name: str, band: dict[str, Any], last: bool) -> str:
    if name == "fidelity":
        low, high = percent(band["lower"], 0), percent(band["upper"], 0)
    else:
        low, high = compact_number(band["lower"]), compact_number(band["upper"])
    if last:
        return _("%(low)s–%(high)s") % {"low": low, "high": high}
    return _("%(low)s til under %(high)s") % {"low": low, "high": high}


EXPOSURE_TITLES = {
    "dose": gettext_lazy("Dosis: modtagne sessioner"),
    "fidelity": gettext_lazy("Troskab: andel af kerneelementerne leveret som beskrevet"),
}


def exposure_sections(analysis: Analysis, score_name: str) -> dict[str, Any] | None:
    """Dose- and fidelity-response of the treated children (None for an analysis stored before)."""
    stored = analysis.result.get("exposure")
    if stored is None:
        return None
    sections = []
    for name in ("dose", "fidelity"):
        found = stored.get(name)
        if not found:
            if stored.get(f"{name}_recorded"):
                sections.append(
                    {
                        "name": name,
                        "title": str(EXPOSURE_TITLES[name]),
                        "recorded": stored[f"{name}_recorded"],
                        "problem": True,
                    }
                )
            continue
        bands = found["bands"]
        labels = [_band_label(name, b, i == len(bands) - 1) for i, b in enumerate(bands)]
        per_unit = _("pr. session") if name == "dose" else _("pr. 10 procentpoint")
        scale = 1.0 if name == "dose" else 0.1
        chart = evaluation_charts.interval_chart(
            points=[
                evaluation_charts.IntervalPoint(label, b["mean"], b["ci_low"], b["ci_high"])
                for label, b in zip(labels, bands, strict=True)
            ],
            title=_(
                "Gennemsnitlig ændring i %(score)s for børn med %(what)s i hvert interval, med 95 %% "
                "konfidensinterval. Tallene står i tabellen under grafen."
            )
            % {"score": score_name, "what": str(EXPOSURE_TITLES[name]).lower()},
            y_label=_("Gennemsnitlig ændring (efter minus før)"),
        )
        sections.append(
            {
                "name": name,
                "title": str(EXPOSURE_TITLES[name]),
                "recorded": stored[f"{name}_recorded"],
                "n": found["n"],
                "slope": number(_scaled(found["estimate"], scale), 2),
                "slope_interval": interval(_scaled(found["ci_low"], scale), _scaled(found["ci_high"], scale)),
                "p_value": p_value(found["p_value"]),
                "per_unit": per_unit,
                "chart": chart,
                "bands": [
                    {
                        "label": label,
                        "n": b["n"],
                        "mean": number(b["mean"], 2),
                        "interval": interval(b["ci_low"], b["ci_high"]),
                    }
                    for label, b in zip(labels, bands, strict=True)
                ],
            }
        )
    return {"n_children": stored["n_children"], "sections": sections}


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


# --- implementation and economy ------------------------------------------------------------------------


def process_facts(analysis: Analysis) -> tuple[dict[str, list[dict[str, str]]], bool]:
    """Implementation and economy facts stored with the analysis, or today's for an older analysis."""
    by_language = analysis.result.get("process_facts_by_language")
    if by_language is not None:
        language = (translation.get_language() or "da")[:2]
        return by_language.get(language, by_language["da"]), True
    stored = analysis.result.get("process_facts")  # stored in one language by an older version
    if stored is not None:
        return stored, True
    return estimation.process_facts(analysis.study.intervention), False


# --- mid-term and final ---------------------------------------------------------------------------------


def rounds_to_come(rounds: list[dict[str, Any]]) -> list[str]:
    """The rounds of the intervention without measurements (when the analysis ran), with their dates."""
    return [
        _("%(round)s (åbner %(opens)s, lukker %(closes)s)")
        % {
            "round": RoundKind(r["kind"]).label if r["kind"] in RoundKind.values else r["kind"],
            "opens": date(datetime.date.fromisoformat(r["opens_on"])),
            "closes": date(datetime.date.fromisoformat(r["closes_on"])),
        }
        for r in rounds
        if not r.get("n")
    ]


def conclusion(analysis: Analysis, *, score_name: str, higher_is_better: bool) -> list[str]:
    """The final report's conclusion in a few careful sentences: what changed, how sure, and what the
    design lets one say about cause (only a randomised design supports a causal claim)."""
    study = analysis.study
    r = analysis.result
    values = {
        "score": score_name,
        "estimate": number(r.get("estimate"), 2),
        "interval": interval(r.get("ci_low"), r.get("ci_high")),
        **_round_kinds(study),
        "comparison": study.comparison_intervention,
        "level": analysis.evidence_level,
        "grade": analysis.grade,
        "proposed": analysis.proposed_grade,
    }
    favourable = estimation.is_favourable(r, higher_is_better=higher_is_better)
    harmful = estimation.is_favourable(r, higher_is_better=not higher_is_better)
    sentences: list[str] = []
    if analysis.method == "pre_post":
        sentences.append(
            _(
                "På udfaldsmålet %(score)s ændrede børnenes score sig i gennemsnit med %(estimate)s point "
                "fra %(before)s til %(after)s (95 %% konfidensinterval %(interval)s)."
            )
            % values
        )
        if favourable:
            sentences.append(_("Det er en forbedring, som er større end den statistiske usikkerhed."))
        elif harmful:
            sentences.append(_("Det er en forværring, som er større end den statistiske usikkerhed."))
        else:
            sentences.append(
                _("Intervallet omfatter ingen ændring, så studiet viser ikke en sikker ændring.")
            )
        sentences.append(
            _(
                "Studiet har ingen sammenligningsgruppe. Det kan derfor ikke vise, om ændringen skyldes "
                "indsatsen eller andet, fx at børn udvikler sig med alderen."
            )
        )
    else:
        if analysis.method == "did":
            sentence = _(
                "Fra %(before)s til %(after)s ændrede børnene i indsatsen sig %(estimate)s point mere end "
                "børnene i %(comparison)s (95 %% konfidensinterval %(interval)s)."
            )
        else:
            sentence = _(
                "Ved %(after)s var forskellen mellem børnene i indsatsen og børnene i %(comparison)s "
                "%(estimate)s point (95 %% konfidensinterval %(interval)s)."
            )
        sentences.append(sentence % values)
        if favourable and study.design == Design.RANDOMISED:
            sentences.append(
                _(
                    "Børnene er fordelt ved lodtrækning, så resultatet tyder på, at indsatsen har en gunstig "
                    "virkning."
                )
            )
        elif favourable:
            sentences.append(
                _(
                    "Resultatet tyder på en gunstig virkning. Grupperne er ikke dannet ved lodtrækning, så "
                    "forskelle mellem børnene, der ikke er målt, kan også forklare forskellen."
                )
            )
        elif harmful:
            sentences.append(
                _(
                    "Børnene i indsatsen klarede sig dårligere end sammenligningsgruppen, og forskellen er "
                    "større end den statistiske usikkerhed."
                )
            )
        else:
            sentences.append(
                _(
                    "Intervallet omfatter ingen forskel, så studiet viser ikke, at indsatsen virker. "
                    "Det viser heller ikke, at den ikke virker."
                )
            )
    grade = (
        _("Evaluator vurderer virkningen til %(grade)s (foreslået: %(proposed)s).")
        if analysis.grade != analysis.proposed_grade
        else _("Virkningen vurderes til %(grade)s.")
    )
    sentences.append(_("Designet giver evidensniveau %(level)s.") % values + " " + grade % values)
    if analysis.warnings:
        sentences.append(_("Læs resultatet med de forbehold, der står under Resultat."))
    return sentences


def report_context(
    analysis: Analysis, kind: str = "slut", own_municipalities: set[str] | None = None
) -> dict[str, Any]:
    """The report's context; ``own_municipalities`` for a municipality's reader (see subgroup_tables)."""
    study = analysis.study
    kind = kind if kind in REPORT_KINDS else "slut"
    engine = engine_instrument(study.instrument)
    score_name = localised(engine.score_name(study.score_key))
    higher_is_better = engine.direction(study.score_key) == "higher_is_better"
    rounds, rounds_stored = stored_rounds(analysis)
    labels, series = _round_series(study, rounds)
    colours = [charts.OWN_COLOUR, charts.ALL_COLOUR]
    chart = charts.line_chart(
        labels=labels,
        series=[(name, values, colours[i]) for i, (name, values) in enumerate(series)],
        y_range=engine.score_range(study.score_key),
        title=_("Gennemsnitlig %(score)s pr. målerunde. Tallene står i tabellen under grafen.")
        % {"score": score_name},
    )
    table = [(name, [number(v, 1) for v in values]) for name, values in series]
    facts, facts_stored = process_facts(analysis)
    subgroups = subgroup_tables(analysis, own_municipalities)
    estimates = estimate_rows(analysis)
    balance = balance_section(analysis)
    exposure = exposure_sections(analysis, score_name)
    return {
        "analysis": analysis,
        "study": study,
        "design_statements": design_statements(analysis),
        "kind_label": REPORT_KINDS[kind],
        "kind": kind,
        "score_name": score_name,
        "higher_is_better": higher_is_better,
        "method_text": method_text(analysis),
        "estimates": estimates,
        "estimate_rows_html": report_html.estimate_rows_html(estimates),
        "warning_texts": warning_texts(analysis),
        "chart": chart,
        "chart_labels": labels,
        "chart_table": table,
        "round_table_html": report_html.round_table_html(labels, table),
        "rounds_stored": rounds_stored,
        "rounds_to_come": rounds_to_come(rounds) if kind == "midtvejs" else [],
        "conclusion": conclusion(analysis, score_name=score_name, higher_is_better=higher_is_better)
        if kind == "slut"
        else [],
        "subgroups": subgroups,
        "subgroup_tables_html": report_html.subgroup_tables_html(subgroups or []),
        "practice_reader": own_municipalities is not None,
        "subgroups_skipped": skipped_subgroups(analysis),
        "balance": balance,
        "balance_html": report_html.balance_html(balance),
        "exposure": exposure,
        "exposure_html": report_html.exposure_html(exposure),
        "implementation_facts": facts.get("implementation", []),
        "economy_facts": facts.get("economy", []),
        "implementation_facts_html": report_html.facts_html(
            facts.get("implementation", []),
            gettext_noop("Oplysninger om implementering fra puljer og tilskud"),
            gettext_noop(
                "Der er ikke registreret oplysninger om implementering (uddannelse og støtte) for indsatsen."
            ),
        ),
        "economy_facts_html": report_html.facts_html(
            facts.get("economy", []),
            gettext_noop("Oplysninger om økonomi"),
            gettext_noop("Der er ikke registreret oplysninger om indsatsens økonomi."),
        ),
        "facts_stored": facts_stored,
        "traceability_html": report_html.traceability_html(analysis),
        "body_text": report_html.body_labels(),
    }


def report_document(analysis: Analysis, kind: str = "slut") -> Any:
    """The laid-out report (a WeasyPrint Document), from the same template body and chart as the page."""
    from weasyprint import HTML  # loaded lazily: it takes about a second to import

    html = render_to_string("evaluation/report_pdf.html", report_context(analysis, kind))
    return HTML(string=html).render()


def report_pdf(analysis: Analysis, kind: str = "slut") -> bytes:
    pdf: bytes = report_document(analysis, kind).write_pdf()
    return pdf
