"""The insight page as it was computed before issue 16: every measurement of the intervention loaded into
Python. Kept as the reference the SQL aggregates of ``outcomes.selectors.insight`` are checked against
(the access checks are left out: the tests call it with what the selector was given)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np
from django.conf import settings

from indsats.engine.base.errors import StatisticsInputError
from indsats.engine.disclosure import comparison_group_allowed
from indsats.engine.statistics.pre_post import analyse_pre_post
from indsats.outcomes.measurement_sql import band_value, score_value
from indsats.outcomes.models import Measurement
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.selectors import RoundInsight, rounds


def _change_statistics(
    baseline: dict[int, tuple[float, str]],
    later: dict[int, tuple[float, str]],
    band_order: tuple[str, ...],
    higher_is_better: bool,
) -> tuple[float | None, float | None, float | None, float | None]:
    """Mean change with its 95 % t-interval (engine.statistics.pre_post.analyse_pre_post) and the share of
    children in a better band."""
    paired = [pid for pid in later if pid in baseline]
    if len(paired) < 3:
        return None, None, None, None
    pre = np.array([baseline[p][0] for p in paired], dtype=float)
    post = np.array([later[p][0] for p in paired], dtype=float)
    try:
        result = analyse_pre_post(pre, post, higher_is_better=higher_is_better)
    except StatisticsInputError:
        return None, None, None, None
    better = None
    if band_order:
        rank = {code: i for i, code in enumerate(band_order)}  # best first
        pairs = [
            (rank[baseline[p][1]], rank[later[p][1]])
            for p in paired
            if baseline[p][1] in rank and later[p][1] in rank
        ]
        if pairs:
            better = sum(1 for before, after in pairs if after < before) / len(pairs)
    return result.estimate, result.ci_low, result.ci_high, better


def reference_insight(*, intervention, instrument, score_key: str, municipality) -> list[RoundInsight]:
    engine = engine_instrument(instrument)
    higher_is_better = engine.direction(score_key) == "higher_is_better"
    try:
        band_order = engine.band_order(score_key)
    except (ValueError, KeyError):
        band_order = ()
    own_id = municipality.pk if municipality is not None else None
    round_list = list(rounds(intervention=intervention))
    per_round: dict[int, dict[int, tuple[float, str, int]]] = defaultdict(dict)
    # the score and band are read through measurement_sql (as the page reads them), so that the reference
    # keeps working whichever way scores are stored; the rest is the old Python
    for round_id, participant_id, municipality_id, value, band in (
        Measurement.objects.filter(round__in=round_list, instrument=instrument)
        .annotate(value=score_value(score_key), band=band_value(score_key))
        .values_list("round_id", "participant_id", "municipality_id", "value", "band")
    ):
        if value is not None:
            per_round[round_id][participant_id] = (float(value), band or "", municipality_id)
    result = []
    baseline_others: dict[int, tuple[float, str]] = {}
    baseline_own: dict[int, tuple[float, str]] = {}
    others_home: dict[int, int] = {}  # participant -> municipality, for the group's size
    for index, measurement_round in enumerate(round_list):
        entries = per_round.get(measurement_round.pk, {})
        others = {pid: (v, b) for pid, (v, b, m) in entries.items() if m != own_id}
        others_home.update({pid: m for pid, (_v, _b, m) in entries.items() if m != own_id})
        own_values = {pid: (v, b) for pid, (v, b, m) in entries.items() if own_id is not None and m == own_id}
        item = RoundInsight(
            round=measurement_round,
            n=len(own_values),
            mean=float(np.mean([v for v, _b in own_values.values()])) if own_values else None,
        )
        if comparison_disclosed(others, others_home):
            item.others_n = len(others)
            item.others_mean = float(np.mean([v for v, _b in others.values()])) if others else None
        else:
            item.others_suppressed = True
        if index == 0:
            baseline_others, baseline_own = others, own_values
        else:
            item.change, item.ci_low, item.ci_high, item.better_band_share = _change_statistics(
                baseline_own, own_values, band_order, higher_is_better
            )
            paired = {pid: others[pid] for pid in others if pid in baseline_others}
            if comparison_disclosed(paired, others_home):
                (
                    item.others_change,
                    item.others_ci_low,
                    item.others_ci_high,
                    item.others_better_band_share,
                ) = _change_statistics(baseline_others, others, band_order, higher_is_better)
            else:
                item.others_change_suppressed = True
        result.append(item)
    return result


def comparison_disclosed(children: Mapping[int, object], home: Mapping[int, int]) -> bool:
    """Whether a group of other municipalities' children may be shown (engine/disclosure.py's comparison
    group rule with the thresholds in settings): an empty group reveals nothing and shows as no data."""
    if not children:
        return True
    return comparison_group_allowed(
        len(children),
        len({home[pid] for pid in children}),
        min_children=settings.DISCLOSURE_MIN_CHILDREN,
        min_units=settings.DISCLOSURE_MIN_MUNICIPALITIES,
    )
