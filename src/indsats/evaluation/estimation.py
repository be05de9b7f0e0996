"""From stored scores to the engine and back: the one boundary between the database and the numbers.

Scores are read per participant (pseudonymised; never a CPR number), paired baseline with follow-up,
ordered by pseudonym so the same data always give the same arrays, hashed, and handed to the engine.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from indsats.engine.causal import ancova, propensity_score_matching
from indsats.engine.effects import analyse_pre_post
from indsats.evaluation.models import Design, Grade, Study
from indsats.outcomes.models import Measurement, MeasurementRound, Sex
from indsats.outcomes.registry import engine_instrument

BOOTSTRAP_REPLICATES = 1000


@dataclass(frozen=True)
class Pair:
    pseudonym: str
    baseline: float
    follow_up: float
    age: float
    female: float


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
    by_round: dict[int, dict[str, tuple[float, float, float]]] = {
        rounds[baseline_kind]: {},
        rounds[follow_up_kind]: {},
    }
    for round_id, pseudonym, sex, age, scores in Measurement.objects.filter(
        round_id__in=rounds.values(), instrument=instrument
    ).values_list("round_id", "participant__pseudonym", "participant__sex", "age", "scores"):
        value = scores.get(score_key)
        if value is None:
            continue
        by_round[round_id][pseudonym] = (
            float(value),
            float(age) if age is not None else math.nan,
            1.0 if sex == Sex.FEMALE else 0.0,
        )
    before, after = by_round[rounds[baseline_kind]], by_round[rounds[follow_up_kind]]
    return [
        Pair(code, before[code][0], after[code][0], before[code][1], before[code][2])
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


def estimate(study: Study, *, seed: int) -> Estimate:
    """Pull the scores of the study, run the engine, and return the plain result (raises
    StatisticsInputError when the data cannot be analysed)."""
    higher_is_better = engine_instrument(study.instrument).direction(study.score_key) == "higher_is_better"
    kinds = {"baseline_kind": study.baseline_round.kind, "follow_up_kind": study.follow_up_round.kind}
    treated = paired_scores(
        intervention=study.intervention, instrument=study.instrument, score_key=study.score_key, **kinds
    )
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
        result = pre_post.to_dict()
        return Estimate(
            "pre_post", result, pre_post.n, result["warnings"], inputs_hash({"pre": pre, "post": post})
        )
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
    arrays: dict[str, list[Any]] = {
        "outcome": outcome,
        "treatment": treatment,
        "baseline": baseline,
        "covariates": covariates,
    }
    if study.design == Design.QUASI:
        matched = propensity_score_matching(
            np.array(outcome, dtype=float),
            np.array(treatment, dtype=float),
            np.array([[b, *c] for b, c in zip(baseline, covariates, strict=True)], dtype=float),
            covariate_names=["baseline", *names],
        )
        result = matched.to_dict()
        return Estimate("matching", result, matched.n, result["warnings"], inputs_hash(arrays))
    fitted = ancova(
        np.array(outcome, dtype=float),
        np.array(treatment, dtype=float),
        baseline=np.array(baseline, dtype=float),
        covariates=np.array(covariates, dtype=float) if names else None,
        covariate_names=names or None,
    )
    result = fitted.to_dict()
    return Estimate("ancova", result, fitted.n, result["warnings"], inputs_hash(arrays))


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
