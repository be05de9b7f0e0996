"""The evaluation report across practices: one standardised effect per practice, pooled.

Each selected study contributes its newest analysis, expressed as Hedges' g with its sampling variance
and turned so that a positive value is an improvement (the instrument's direction). The effects are
pooled with the engine's meta-analysis: random effects with tau^2 by REML (the main result) and the
fixed-effect estimate beside it. A practice (intervention) enters once: with several studies of the same
intervention the one with the newest analysis is used, because two analyses of the same children are
not independent.

Where the variance comes from, by the method the analysis stored (the formulas, with their sources, are
in engine.statistics.effect_sizes):

* ``pre_post`` (one group, before and after): g and V_g for paired data from the stored d, r and n
  (``paired_g_variance``).
* ``ancova`` and ``did`` (two groups): the stored g with V_g for two independent groups
  (``two_group_g_variance``). For ANCOVA it ignores the precision the covariates add, so it errs on
  the side of too little weight.
* ``matching`` (propensity-score matching; no SD of the outcome is stored): g from the test statistic
  t = estimate / SE and the matched children in each group (``g_from_t``), then V_g as for two groups.
* anything else with a stored g and its 95 % interval: the variance behind that interval
  (``variance_from_interval``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indsats.accounts.models import User
from indsats.engine import ENGINE_VERSION
from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.statistics.effect_sizes import (
    g_from_t,
    hedges_correction,
    normal_interval,
    paired_g_variance,
    two_group_g_variance,
    variance_from_interval,
)
from indsats.engine.statistics.meta_analysis import MetaAnalysisResult, meta_analyse
from indsats.evaluation import selectors
from indsats.evaluation.forest_plot import ForestRow, forest_plot
from indsats.evaluation.models import Analysis, Study
from indsats.outcomes.registry import engine_instrument, localised
from indsats.ui.engine_messages import engine_message
from indsats.ui.formatting import interval, number, p_value, percent

HIGH_HETEROGENEITY_I2 = 50.0
"""I^2 of 50 % or more is "substantial" heterogeneity (Higgins et al. 2003; Cochrane Handbook 10.10.2)."""
FEW_PRACTICES = 5
"""With fewer studies tau^2 and the prediction interval are very imprecise (as the engine warns)."""

VARIANCE_SOURCES = {
    "paired": gettext_lazy("før-efter (parret)"),
    "two_group": gettext_lazy("to grupper"),
    "t_statistic": gettext_lazy("to grupper, fra teststørrelsen"),
    "interval": gettext_lazy("fra intervallet for g"),
}


# --- the standardised effect of one analysis ------------------------------------------------------------


def _numbers(result: dict[str, Any], *keys: str) -> list[float] | None:
    """The stored values as floats, or None when one is missing or not finite."""
    values = [result.get(key) for key in keys]
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values):
        return None
    return [float(v) for v in values]  # type: ignore[arg-type]  # checked above


def standardised_effect(method: str, result: dict[str, Any]) -> tuple[float, float, str] | None:
    """Hedges' g as the analysis stored it (not yet turned by direction), its variance and the formula
    used ("paired", "two_group", "t_statistic", "interval"); None when the result holds too little."""
    if method == "pre_post":
        found = _numbers(result, "cohens_d", "n", "correlation")
        if found is not None and found[1] > 2 and found[2] < 1:
            d, n, r = found
            return hedges_correction(n - 1) * d, paired_g_variance(d=d, n=int(n), correlation=r), "paired"
    elif method in {"ancova", "did"}:
        found = _numbers(result, "hedges_g", "n_treated", "n_control")
        if found is not None and min(found[1:]) >= 2:
            g, n1, n0 = found
            return g, two_group_g_variance(g=g, n_treated=int(n1), n_control=int(n0)), "two_group"
    elif method == "matching":
        found = _numbers(result, "estimate", "se", "n_matched", "n_matched_controls")
        if found is not None and found[1] > 0 and min(found[2:]) >= 2:
            estimate, se, n1, n0 = found
            g = g_from_t(t=estimate / se, n_treated=int(n1), n_control=int(n0))
            return g, two_group_g_variance(g=g, n_treated=int(n1), n_control=int(n0)), "t_statistic"
    found = _numbers(result, "hedges_g", "hedges_g_ci_low", "hedges_g_ci_high")
    if found is not None and found[2] > found[1]:
        g, low, high = found
        return g, variance_from_interval(low, high), "interval"
    return None


@dataclass(frozen=True)
class PracticeEffect:
    """One practice's row: its study, the analysis used and the effect turned so that + is better."""

    study: Study
    analysis: Analysis
    g: float
    variance: float
    source: str
    higher_is_better: bool
    score_name: str

    @property
    def ci_low(self) -> float:
        return normal_interval(self.g, self.variance)[0]

    @property
    def ci_high(self) -> float:
        return normal_interval(self.g, self.variance)[1]


def practice_effect(analysis: Analysis) -> PracticeEffect | None:
    """The analysis as a standardised effect where a positive value is an improvement."""
    found = standardised_effect(analysis.method, analysis.result)
    if found is None or not (found[1] > 0 and math.isfinite(found[1])):
        return None
    g, variance, source = found
    study = analysis.study
    instrument = engine_instrument(study.instrument)
    higher_is_better = instrument.direction(study.score_key) == "higher_is_better"
    return PracticeEffect(
        study=study,
        analysis=analysis,
        g=g if higher_is_better else -g,
        variance=variance,
        source=source,
        higher_is_better=higher_is_better,
        score_name=localised(instrument.score_name(study.score_key)),
    )


# --- reads ----------------------------------------------------------------------------------------------


def selectable_studies(*, user: User | AnonymousUser) -> QuerySet[Study]:
    """The studies the person may see that have at least one analysis, newest analysis prefetched."""
    return (
        selectors.studies(user=user)
        .filter(analyses__isnull=False)
        .distinct()
        .select_related("intervention", "instrument")
        .prefetch_related(
            Prefetch(
                "analyses",
                queryset=Analysis.objects.order_by("-created_at", "-pk"),
                to_attr="analyses_newest_first",
            )
        )
        .order_by("intervention__name", "name", "pk")
    )


# --- the report -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrossPracticeReport:
    effects: tuple[PracticeEffect, ...]
    skipped: tuple[tuple[Study, str], ...] = ()
    random: MetaAnalysisResult | None = None
    fixed: MetaAnalysisResult | None = None
    problem: str = ""
    inputs_hash: str = ""
    warnings: tuple[str, ...] = ()


def _inputs_hash(effects: Iterable[PracticeEffect]) -> str:
    """sha256 of the pooled inputs: analysis id, its inputs hash, g and its variance (repr of floats)."""
    rows = [[e.analysis.pk, e.analysis.inputs_hash, repr(e.g), repr(e.variance)] for e in effects]
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()


def _newest(study: Study) -> Analysis | None:
    found = getattr(study, "analyses_newest_first", None)
    if found is not None:
        return found[0] if found else None
    return selectors.latest_analysis(study=study)


def build_report(studies: Iterable[Study]) -> CrossPracticeReport:
    """Pool the newest analysis of each study (one per intervention). The caller passes only studies
    the person may see (``selectable_studies``)."""
    by_intervention: dict[int, PracticeEffect] = {}
    skipped: list[tuple[Study, str]] = []
    for study in studies:
        analysis = _newest(study)
        if analysis is None:
            skipped.append((study, _("Studiet har ingen analyse endnu.")))
            continue
        if analysis.n < settings.DISCLOSURE_MIN_CHILDREN:
            # statistical disclosure control: an effect of a handful of children describes them
            skipped.append(
                (
                    study,
                    _("Analysen bygger på færre end %(n)s børn og vises derfor ikke på tværs af praksisser.")
                    % {"n": settings.DISCLOSURE_MIN_CHILDREN},
                )
            )
            continue
        effect = practice_effect(analysis)
        if effect is None:
            skipped.append(
                (study, _("Analysen indeholder ikke nok til at beregne en standardiseret effekt."))
            )
            continue
        kept = by_intervention.get(study.intervention_id)
        if kept is None or (analysis.created_at, analysis.pk) > (kept.analysis.created_at, kept.analysis.pk):
            if kept is not None:
                skipped.append((kept.study, _("Et nyere studie af samme indsats indgår i stedet.")))
            by_intervention[study.intervention_id] = effect
        else:
            skipped.append((study, _("Et nyere studie af samme indsats indgår i stedet.")))
    effects = tuple(sorted(by_intervention.values(), key=lambda e: (str(e.study.intervention), e.study.pk)))
    if len(effects) < 2:
        return CrossPracticeReport(
            effects=effects,
            skipped=tuple(skipped),
            problem=_("Vælg mindst to studier af forskellige indsatser med en analyse for at samle dem."),
        )
    yi = [e.g for e in effects]
    vi = [e.variance for e in effects]
    labels = [str(e.study.intervention) for e in effects]
    try:
        random = meta_analyse(yi, vi, method="reml", study_labels=labels)
        fixed = meta_analyse(yi, vi, method="fe", study_labels=labels)
    except StatisticsInputError as error:  # pragma: no cover - inputs are checked above
        return CrossPracticeReport(
            effects=effects, skipped=tuple(skipped), problem=capfirst(engine_message(error))
        )
    report = CrossPracticeReport(
        effects=effects,
        skipped=tuple(skipped),
        random=random,
        fixed=fixed,
        inputs_hash=_inputs_hash(effects),
    )
    return dataclasses.replace(report, warnings=tuple(report_warnings(report)))


def report_warnings(report: CrossPracticeReport) -> list[str]:
    """The caveats of a pooled result, in Danish."""
    random = report.random
    if random is None:
        return []
    texts: list[str] = []
    if random.k < FEW_PRACTICES:
        texts.append(
            _(
                "Kun %(k)s indsatser indgår. Med under %(limit)s studier er variationen mellem indsatserne "
                "(tau²) og prædiktionsintervallet meget usikre."
            )
            % {"k": random.k, "limit": FEW_PRACTICES}
        )
    if random.i2 >= HIGH_HETEROGENEITY_I2:
        texts.append(
            _(
                "Effekterne er meget forskellige fra indsats til indsats (I² = %(i2)s %%). Et samlet tal "
                "dækker over store forskelle; se på de enkelte indsatser."
            )
            % {"i2": number(random.i2, 0)}
        )
    if (
        len({e.analysis.method for e in report.effects}) > 1
        or len({e.study.design for e in report.effects}) > 1
    ):
        texts.append(
            _(
                "Studierne har forskellige design. En før-efter-effekt måler ændringen hos de samme børn, en "
                "effekt med sammenligningsgruppe måler forskellen til andre børn; de er ikke helt det samme."
            )
        )
    if len({(e.study.instrument_id, e.study.score_key) for e in report.effects}) > 1:
        texts.append(
            _(
                "Studierne bruger forskellige måleredskaber eller skalaer. De er gjort sammenlignelige som "
                "standardiserede effekter, men måler ikke nødvendigvis det samme."
            )
        )
    if any(e.source == "t_statistic" for e in report.effects):
        texts.append(
            _(
                "For matchede studier er effekten omregnet fra teststørrelsen, fordi spredningen ikke er "
                "gemt; den er derfor et skøn."
            )
        )
    if any(w.code == "not_converged" for w in random.warnings):
        texts.append(_("Beregningen af variationen mellem indsatserne nåede ikke at konvergere."))
    if any(e.analysis.warnings for e in report.effects):
        texts.append(
            _(
                "En eller flere af de enkelte analyser har egne forbehold; de står i indsatsens "
                "evalueringsrapport."
            )
        )
    return texts


def method_paragraphs() -> list[str]:
    return [
        _(
            "Hver indsats indgår med den nyeste analyse af det valgte effektstudie. For at kunne sammenligne "
            "indsatser, der er målt på forskellige måder, er hvert resultat omregnet til en standardiseret "
            "effekt (Hedges' g): ændringen eller forskellen divideret med spredningen i børnenes score. En "
            "effekt på 0,2 regnes normalt for lille, 0,5 for middel og 0,8 for stor."
        ),
        _(
            "Effekterne er vendt, så et positivt tal altid er en forbedring for børnene, også når en lavere "
            "score er bedre (fx SDQ's vanskelighedsscore)."
        ),
        _(
            "De samlede tal er et vægtet gennemsnit, hvor indsatser med mere sikre resultater (typisk flere "
            "børn) vejer mest. Hovedresultatet bruger en model med tilfældige effekter (REML), som antager, "
            "at den sande effekt kan variere fra indsats til indsats; modellen med fast effekt, som antager "
            "én fælles effekt, står ved siden af til sammenligning."
        ),
        _(
            "Prædiktionsintervallet viser, hvor effekten af en ny, lignende indsats kan forventes at ligge. "
            "I² er den andel af variationen mellem indsatserne, der ikke skyldes tilfældighed; Q er testen "
            "for, om effekterne er ens."
        ),
    ]


def report_context(report: CrossPracticeReport) -> dict[str, Any]:
    """Everything the page and the PDF show, formatted (Danish decimal comma)."""
    random, fixed = report.random, report.fixed
    weights = list(random.study_weights) if random is not None else [None] * len(report.effects)
    fixed_weights = list(fixed.study_weights) if fixed is not None else [None] * len(report.effects)
    rows = [
        {
            "practice": str(e.study.intervention),
            "study": e.study,
            "analysis": e.analysis,
            "design": e.study.get_design_display(),
            "score_name": e.score_name,
            "instrument": str(e.study.instrument),
            "n": e.analysis.n,
            "g": number(e.g, 2),
            "interval": interval(e.ci_low, e.ci_high),
            "variance": number(e.variance, 4),
            "weight": number(w, 1) if w is not None else "–",
            "fixed_weight": number(fw, 1) if fw is not None else "–",
            "source": str(VARIANCE_SOURCES[e.source]),
            "evidence_level": e.analysis.evidence_level,
            "grade": e.analysis.grade,
            "direction": _("højere er bedre") if e.higher_is_better else _("lavere er bedre"),
        }
        for e, w, fw in zip(report.effects, weights, fixed_weights, strict=True)
    ]
    pooled: dict[str, Any] | None = None
    chart = ""
    if random is not None and fixed is not None:
        pooled = {
            "k": random.k,
            "estimate": number(random.estimate, 2),
            "interval": interval(random.ci_low, random.ci_high),
            "prediction": interval(random.pi_low, random.pi_high) if random.pi_low is not None else "–",
            "p_value": p_value(random.p_value),
            "tau2": number(random.tau2, 3),
            "i2": percent(random.i2 / 100, 0),
            "q": number(random.q, 2),
            "q_df": random.q_df,
            "q_p_value": p_value(random.q_p_value),
            "fixed_estimate": number(fixed.estimate, 2),
            "fixed_interval": interval(fixed.ci_low, fixed.ci_high),
            "improvement": random.ci_low > 0,
            "harm": random.ci_high < 0,
        }
        chart = forest_plot(
            rows=[
                ForestRow(str(e.study.intervention), e.g, e.ci_low, e.ci_high, float(w))
                for e, w in zip(report.effects, random.study_weights, strict=True)
            ],
            pooled=ForestRow(
                _("Samlet (tilfældige effekter)"), random.estimate, random.ci_low, random.ci_high, 100.0
            ),
            prediction=(random.pi_low, random.pi_high)
            if random.pi_low is not None and random.pi_high is not None
            else None,
            title=_(
                "Forest plot: standardiseret effekt (Hedges' g) med 95 %% konfidensinterval for %(k)s "
                "indsatser og den samlede effekt %(estimate)s (%(interval)s). Positive værdier er en "
                "forbedring. Tallene står i tabellen under grafen."
            )
            % {"k": random.k, "estimate": pooled["estimate"], "interval": pooled["interval"]},
            favours_left=_("Forværring"),
            favours_right=_("Forbedring"),
            headers=(_("Indsats"), _("g [95 % KI]"), _("Vægt")),
        )
    outcomes = sorted(
        {
            _("%(score)s i %(instrument)s (%(direction)s)")
            % {"score": e.score_name, "instrument": e.study.instrument, "direction": row["direction"]}
            for e, row in zip(report.effects, rows, strict=True)
        }
    )
    return {
        "rows": rows,
        "outcomes": outcomes,
        "pooled": pooled,
        "chart": chart,
        "warnings": list(report.warnings),
        "skipped": [{"study": study, "reason": reason} for study, reason in report.skipped],
        "problem": report.problem,
        "method_paragraphs": method_paragraphs(),
        "inputs_hash": report.inputs_hash,
        "engine_version": ENGINE_VERSION,
        "today": timezone.localdate(),
    }


def report_document(context: dict[str, Any]) -> Any:
    """The laid-out report (a WeasyPrint Document), from the same template body and chart as the page."""
    from weasyprint import HTML  # loaded lazily: it takes about a second to import

    return HTML(string=render_to_string("evaluation/cross_practice_pdf.html", context)).render()


def report_pdf(context: dict[str, Any]) -> bytes:
    pdf: bytes = report_document(context).write_pdf()
    return pdf
