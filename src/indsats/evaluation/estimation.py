"""From stored scores to the engine and back: the one boundary between the database and the numbers.

Scores are read per participant (pseudonymised; never a CPR number), paired baseline with follow-up,
ordered by pseudonym so the same data always give the same arrays, hashed, and handed to the engine.

Besides the main estimate the stored result holds everything a report shows, so that each figure is
traced to one analysis (inputs hash, engine version, seed): the effect per subgroup (age band, sex,
municipality), dose- and fidelity-response of the treated children, the number measured per round, and
the implementation and economy facts of the other modules as they stood when the analysis ran.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.utils import translation

from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.statistics.causal import ancova, difference_in_differences, propensity_score_matching
from indsats.engine.statistics.effect_sizes import standardised_difference_in_differences
from indsats.engine.statistics.pre_post import analyse_pre_post
from indsats.engine.statistics.process import dose_response, fidelity_response, subgroup_effects
from indsats.evaluation.models import Design, Exposure, Grade, Study
from indsats.interventions.evidence import providers_for
from indsats.outcomes.models import Measurement, MeasurementRound, Sex
from indsats.outcomes.registry import engine_instrument

BOOTSTRAP_REPLICATES = 1000

AGE_BANDS = ((4, 9), (10, 13), (14, 17))
"""Age bands of the subgroup analysis (age at the baseline measurement, both ends included)."""

EXPOSURE_BANDS = 3
"""Equal-count bands of sessions (or fidelity) for the table and chart of mean change."""

PROCESS_CRITERIA = ("implementation", "economy")
"""Gate criteria whose facts from other modules (grants, economy) the report shows."""


@dataclass(frozen=True)
class Pair:
    pseudonym: str
    baseline: float
    follow_up: float
    age: float
    female: float
    participant_id: int = 0
    municipality_id: int = 0
    municipality: str = ""


@dataclass(frozen=True)
class Estimate:
    method: str
    result: dict[str, Any]
    n: int
    warnings: list[dict[str, str]]
    inputs_hash: str


def paired_scores(
    *, intervention: Any, instrument: Any, score_key: str, baseline_kind: str, follow_up_kind: str
) -> list[Pair]:
    """Children of the intervention with a score in both rounds, ordered by pseudonym."""
    rounds = {
        r.kind: r.pk
        for r in MeasurementRound.objects.filter(
            intervention=intervention, kind__in=[baseline_kind, follow_up_kind]
        )
    }
    if baseline_kind not in rounds or follow_up_kind not in rounds:
        return []
    by_round: dict[int, dict[str, tuple[float, float, float, int, int, str]]] = {
        rounds[baseline_kind]: {},
        rounds[follow_up_kind]: {},
    }
    for (
        round_id,
        pseudonym,
        sex,
        age,
        scores,
        participant_id,
        municipality_id,
        municipality,
    ) in Measurement.objects.filter(round_id__in=rounds.values(), instrument=instrument).values_list(
        "round_id",
        "participant__pseudonym",
        "participant__sex",
        "age",
        "scores",
        "participant_id",
        "participant__municipality_id",
        "participant__municipality__name",
    ):
        value = scores.get(score_key)
        if value is None:
            continue
        by_round[round_id][pseudonym] = (
            float(value),
            float(age) if age is not None else math.nan,
            1.0 if sex == Sex.FEMALE else 0.0,
            participant_id,
            municipality_id,
            municipality,
        )
    before, after = by_round[rounds[baseline_kind]], by_round[rounds[follow_up_kind]]
    return [
        Pair(
            code,
            before[code][0],
            after[code][0],
            before[code][1],
            before[code][2],
            before[code][3],
            before[code][4],
            before[code][5],
        )
        for code in sorted(before.keys() & after.keys())
    ]


def inputs_hash(arrays: dict[str, list[Any]]) -> str:
    """sha256 of the canonical JSON of the input arrays (sorted keys, repr of floats, NaN as null)."""

    def clean(values: list[Any]) -> list[Any]:
        return [
            clean(v) if isinstance(v, list) else (None if isinstance(v, float) and math.isnan(v) else v)
            for v in values
        ]

    canonical = json.dumps({k: clean(v) for k, v in arrays.items()}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _covariates(study: Study, pairs: list[Pair]) -> tuple[list[list[float]], list[str]]:
    names = []
    if study.adjust_for_age:
        names.append("age")
    if study.adjust_for_sex:
        names.append("female")
    return [[getattr(p, name) for name in names] for p in pairs], names


def age_band(age: float) -> str | None:
    """The age band ("4-9", "10-13", "14-17") of an age in years; None when unknown or outside."""
    if math.isnan(age):
        return None
    for low, high in AGE_BANDS:
        if low <= age <= high:
            return f"{low}-{high}"
    return None


def _age_band_order(level: str) -> int:
    labels = [f"{low}-{high}" for low, high in AGE_BANDS]
    return labels.index(level) if level in labels else len(labels)


def _groups_with_data(levels: list[Any], treatment: list[float] | None) -> int:
    """Subgroups with at least one child (with a comparison group: a child in each arm)."""
    if treatment is None:
        return len({level for level in levels if level is not None})
    arms: dict[Any, set[float]] = {}
    for level, arm in zip(levels, treatment, strict=True):
        if level is not None:
            arms.setdefault(level, set()).add(arm)
    return sum(1 for found in arms.values() if len(found) == 2)


def subgroup_results(
    study: Study, treated: list[Pair], control: list[Pair], *, two_groups: bool
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """The effect by age band, sex and municipality, each from one regression with the test of equal
    effects (engine.statistics.process.subgroup_effects).

    Before-after: the mean change per subgroup. Two groups: the effect on the follow-up score adjusted for
    baseline and the study's covariates (leaving out the one that defines the subgroup). A variable with
    fewer than two subgroups with data is left out, and so is one the engine cannot estimate (e.g. a
    covariate constant within every subgroup); both are listed with a reason code.
    """
    pairs = treated + control
    treatment = [1.0] * len(treated) + [0.0] * len(control) if two_groups else None
    variables: dict[str, tuple[list[Any], str | None]] = {
        "age_band": ([age_band(p.age) for p in pairs], "age"),
        "sex": (["female" if p.female else "male" for p in pairs], "female"),
        "municipality": ([p.municipality or None for p in pairs], None),
    }
    found: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for variable, (levels, defining_covariate) in variables.items():
        if _groups_with_data(levels, treatment) < 2:
            skipped.append({"variable": variable, "reason": "fewer_than_two_groups"})
            continue
        options: dict[str, Any] = {"subgroup_name": variable}
        if two_groups:
            names = [
                name
                for name, wanted in (("age", study.adjust_for_age), ("female", study.adjust_for_sex))
                if wanted and name != defining_covariate
            ]
            options.update(
                treatment=treatment,
                baseline=[p.baseline for p in pairs],
                covariates=[[getattr(p, name) for name in names] for p in pairs] if names else None,
                covariate_names=names or None,
            )
            outcome = [p.follow_up for p in pairs]
        else:
            outcome = [p.follow_up - p.baseline for p in pairs]
        try:
            effects = subgroup_effects(
                np.array(outcome, dtype=float), np.array(levels, dtype=object), **options
            )
        except StatisticsInputError:
            skipped.append({"variable": variable, "reason": "not_estimable"})
            continue
        if len(effects.subgroups) < 2:
            skipped.append({"variable": variable, "reason": "fewer_than_two_groups"})
            continue
        row = {"variable": variable, **effects.to_dict()}
        if variable == "age_band":
            row["subgroups"] = sorted(row["subgroups"], key=lambda s: _age_band_order(s["level"]))
        found.append(row)
    return found, skipped


def exposures_of(intervention: Any, pairs: list[Pair]) -> dict[int, tuple[float, float]]:
    """Sessions and fidelity (NaN when unknown) per participant id of the given children."""
    rows = Exposure.objects.filter(
        intervention=intervention, participant_id__in=[p.participant_id for p in pairs]
    ).values_list("participant_id", "sessions", "fidelity")
    return {
        participant_id: (
            float(sessions) if sessions is not None else math.nan,
            float(fidelity) if fidelity is not None else math.nan,
        )
        for participant_id, sessions, fidelity in rows
    }


def exposure_results(treated: list[Pair], exposures: dict[int, tuple[float, float]]) -> dict[str, Any]:
    """Dose- and fidelity-response of the treated children's change (follow-up minus baseline), adjusted
    for baseline, with the mean change in equal-count bands; None for a measure without (varying) data."""
    change = np.array([p.follow_up - p.baseline for p in treated], dtype=float)
    baseline = np.array([p.baseline for p in treated], dtype=float)
    found: dict[str, Any] = {"n_children": len(treated)}
    for name, column, response in (("dose", 0, dose_response), ("fidelity", 1, fidelity_response)):
        values = np.array(
            [exposures.get(p.participant_id, (math.nan, math.nan))[column] for p in treated], dtype=float
        )
        recorded = int((~np.isnan(values)).sum())
        found[f"{name}_recorded"] = recorded
        found[name] = None
        if recorded:
            try:
                found[name] = response(change, values, baseline=baseline, bands=EXPOSURE_BANDS).to_dict()
            except StatisticsInputError as error:
                found[f"{name}_problem"] = str(error)
    return found


def round_summary(study: Study) -> list[dict[str, Any]]:
    """Children measured and their mean score per round of the intervention (and of the comparison
    group in the round of the same kind): aggregates only."""
    rounds = list(
        MeasurementRound.objects.filter(intervention=study.intervention).order_by("order", "opens_on")
    )
    groups = [("", study.intervention)]
    if study.comparison_intervention is not None:
        groups.append(("comparison_", study.comparison_intervention))
    values: dict[tuple[str, str], list[float]] = {}
    for prefix, intervention in groups:
        for kind, scores in Measurement.objects.filter(
            round__intervention=intervention, instrument=study.instrument
        ).values_list("round__kind", "scores"):
            value = scores.get(study.score_key)
            if value is not None:
                values.setdefault((prefix, kind), []).append(float(value))
    summary = []
    for measurement_round in rounds:
        row: dict[str, Any] = {
            "kind": measurement_round.kind,
            "opens_on": measurement_round.opens_on.isoformat(),
            "closes_on": measurement_round.closes_on.isoformat(),
        }
        for prefix, _intervention in groups:
            found = values.get((prefix, measurement_round.kind), [])
            row[f"{prefix}n"] = len(found)
            row[f"{prefix}mean"] = sum(found) / len(found) if found else None
        summary.append(row)
    return summary


def process_facts(intervention: Any) -> dict[str, list[dict[str, str]]]:
    """The implementation and economy facts the other modules register for gate reviews, with sources."""
    return {
        criterion: [
            {"label": str(f.label), "value": str(f.value), "source": str(f.source), "url": str(f.url)}
            for provider in providers_for(criterion)
            for f in provider(intervention)
        ]
        for criterion in PROCESS_CRITERIA
    }


def _background_arrays(
    pairs: list[Pair],
    treated: list[Pair],
    exposures: dict[int, tuple[float, float]],
    rounds: list[dict[str, Any]],
) -> dict[str, list[Any]]:
    """The inputs of the subgroup, dose and round figures, for the inputs hash."""
    return {
        "age": [p.age for p in pairs],
        "female": [p.female for p in pairs],
        "municipality": [p.municipality_id for p in pairs],
        "sessions": [exposures.get(p.participant_id, (math.nan, math.nan))[0] for p in treated],
        "fidelity": [exposures.get(p.participant_id, (math.nan, math.nan))[1] for p in treated],
        "rounds": [
            [r["kind"], r["n"], r["mean"], r.get("comparison_n"), r.get("comparison_mean")] for r in rounds
        ],
    }


def _with_report_parts(
    result: dict[str, Any],
    study: Study,
    treated: list[Pair],
    control: list[Pair],
    exposures: dict[int, tuple[float, float]],
    rounds: list[dict[str, Any]],
) -> dict[str, Any]:
    two_groups = study.design != Design.PRE_POST or study.comparison_intervention_id is not None
    subgroups, skipped = subgroup_results(study, treated, control, two_groups=two_groups)
    return {
        **result,
        "subgroups": subgroups,
        "subgroups_skipped": skipped,
        "exposure": exposure_results(treated, exposures),
        "rounds": rounds,
        # in both languages: stored text is read later by people who chose either
        "process_facts_by_language": {
            language: _in_language(language, lambda: process_facts(study.intervention))
            for language in ("da", "en")
        },
    }


def _in_language(language: str, make: Callable[[], dict[str, list[dict[str, str]]]]) -> Any:
    with translation.override(language):
        return make()


def estimate(study: Study, *, seed: int) -> Estimate:
    """Pull the scores of the study, run the engine, and return the plain result (raises
    StatisticsInputError when the data cannot be analysed)."""
    higher_is_better = engine_instrument(study.instrument).direction(study.score_key) == "higher_is_better"
    kinds = {"baseline_kind": study.baseline_round.kind, "follow_up_kind": study.follow_up_round.kind}
    treated = paired_scores(
        intervention=study.intervention, instrument=study.instrument, score_key=study.score_key, **kinds
    )
    exposures = exposures_of(study.intervention, treated)
    rounds = round_summary(study)
    if study.design == Design.PRE_POST and study.comparison_intervention_id is None:
        pre = [p.baseline for p in treated]
        post = [p.follow_up for p in treated]
        pre_post = analyse_pre_post(
            np.array(pre, dtype=float),
            np.array(post, dtype=float),
            higher_is_better=higher_is_better,
            bootstrap_replicates=BOOTSTRAP_REPLICATES,
            seed=seed,
        )
        result = _with_report_parts(pre_post.to_dict(), study, treated, [], exposures, rounds)
        arrays = {"pre": pre, "post": post, **_background_arrays(treated, treated, exposures, rounds)}
        return Estimate("pre_post", result, pre_post.n, result["warnings"], inputs_hash(arrays))
    control = paired_scores(
        intervention=study.comparison_intervention,
        instrument=study.instrument,
        score_key=study.score_key,
        **kinds,
    )
    pairs = treated + control
    outcome = [p.follow_up for p in pairs]
    treatment = [1.0] * len(treated) + [0.0] * len(control)
    baseline = [p.baseline for p in pairs]
    covariates, names = _covariates(study, pairs)
    arrays = {
        "outcome": outcome,
        "treatment": treatment,
        "baseline": baseline,
        "covariates": covariates,
        **_background_arrays(pairs, treated, exposures, rounds),
    }
    if study.design == Design.DIFFERENCE_IN_DIFFERENCES:
        by_municipality = municipality_clusters(study, treated + control) is not None
        found = difference_in_differences_of(treated, control, by_municipality=by_municipality)
        result = _with_report_parts(found, study, treated, control, exposures, rounds)
        result["clustering"] = clustering_note(study, treated + control, clustered=by_municipality)
        return Estimate("did", result, len(treated) + len(control), result["warnings"], inputs_hash(arrays))
    if study.design == Design.QUASI:
        matched = propensity_score_matching(
            np.array(outcome, dtype=float),
            np.array(treatment, dtype=float),
            np.array([[b, *c] for b, c in zip(baseline, covariates, strict=True)], dtype=float),
            covariate_names=["baseline", *names],
        )
        result = _with_report_parts(matched.to_dict(), study, treated, control, exposures, rounds)
        return Estimate("matching", result, matched.n, result["warnings"], inputs_hash(arrays))
    clusters = municipality_clusters(study, pairs)
    if clusters is not None:
        arrays["clusters"] = clusters
    fitted = ancova(
        np.array(outcome, dtype=float),
        np.array(treatment, dtype=float),
        baseline=np.array(baseline, dtype=float),
        covariates=np.array(covariates, dtype=float) if names else None,
        covariate_names=names or None,
        clusters=np.array(clusters) if clusters is not None else None,
    )
    result = _with_report_parts(fitted.to_dict(), study, treated, control, exposures, rounds)
    result["clustering"] = clustering_note(study, pairs, clustered=clusters is not None)
    return Estimate("ancova", result, fitted.n, result["warnings"], inputs_hash(arrays))


def municipality_clusters(study: Study, pairs: list[Pair]) -> list[int] | None:
    """The municipality of each child, for cluster-robust standard errors (CR1 with t on G - 1 df; Cameron
    & Miller 2015), unless the evaluator chose otherwise or all children are in one municipality."""
    if not study.cluster_by_municipality:
        return None
    municipalities = [p.municipality_id for p in pairs]
    return municipalities if len(set(municipalities)) >= 2 else None


def clustering_note(study: Study, pairs: list[Pair], *, clustered: bool) -> dict[str, Any]:
    """What the report says about clustering: clustered or not, and why."""
    n_municipalities = len({p.municipality_id for p in pairs})
    if clustered:
        reason = ""
    elif not study.cluster_by_municipality:
        reason = study.no_clustering_reason
    else:
        reason = "one_municipality"
    return {"clustered": clustered, "n_municipalities": n_municipalities, "reason": reason}


def difference_in_differences_of(
    treated: list[Pair], control: list[Pair], *, by_municipality: bool = False
) -> dict[str, Any]:
    """The change in the intervention's children minus the change in the comparison children, from one
    row per child and round, with standard errors clustered on the child (Bertrand, Duflo & Mullainathan
    2004) or, with ``by_municipality``, on the municipality (which nests each child's two rows; Cameron &
    Miller 2015), and the standardised effect comparable to Hedges' g
    (engine.statistics.effect_sizes.standardised_difference_in_differences)."""
    pairs = treated + control
    n_rows = 2 * len(pairs)
    outcome = np.empty(n_rows)
    outcome[0::2] = [p.baseline for p in pairs]
    outcome[1::2] = [p.follow_up for p in pairs]
    group = np.repeat([1.0] * len(treated) + [0.0] * len(control), 2)
    post = np.tile([0.0, 1.0], len(pairs))
    if by_municipality:
        clusters = np.repeat([p.municipality_id for p in pairs], 2)
    else:
        clusters = np.repeat(np.arange(len(pairs)), 2)
    fitted = difference_in_differences(outcome, group, post, clusters=clusters)
    result: dict[str, Any] = fitted.to_dict()
    result.update(
        {
            "n_treated": len(treated),
            "n_control": len(control),
            "hedges_g": standardised_difference_in_differences(
                fitted.estimate,
                np.array([p.baseline for p in treated], dtype=float),
                np.array([p.baseline for p in control], dtype=float),
            ),
        }
    )
    return result


def is_favourable(result: dict[str, Any], *, higher_is_better: bool) -> bool:
    """Does the whole interval lie on the side of improvement?"""
    low, high = result.get("ci_low"), result.get("ci_high")
    if low is None or high is None:
        return False
    return bool(low > 0) if higher_is_better else bool(high < 0)


def propose_grade(*, level: int, result: dict[str, Any], higher_is_better: bool) -> str:
    """A proposal for the knowledge declaration's effect dimension; people decide.

    An improvement whose whole 95 % interval is on the good side gives A from a randomised study (level 1),
    B from a quasi-experimental or controlled one (level 2), C from before-after (level 3); an interval
    that includes no effect (or harm) gives D: the study does not show an effect.
    """
    if not is_favourable(result, higher_is_better=higher_is_better):
        return Grade.D
    return {1: Grade.A, 2: Grade.B}.get(level, Grade.C)
