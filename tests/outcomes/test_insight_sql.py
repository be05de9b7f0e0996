"""The insight page's aggregates come from the database (issue 16): the same figures and the same
disclosure decisions as the old implementation that loaded every measurement into Python
(tests/outcomes/insight_reference.py), checked on the demo data and on generated data with missing scores,
and a number of queries that does not grow with the measurements."""

from __future__ import annotations

import math
import random
from dataclasses import fields

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from scipy import stats

from indsats.accounts.models import Organisation, OrganisationKind, Role, User
from indsats.dashboard.demo import load_demo
from indsats.interventions.models import Intervention
from indsats.outcomes import selectors
from indsats.outcomes.measurement_sql import score_value
from indsats.outcomes.models import Instrument, Measurement, MeasurementRound
from indsats.outcomes.registry import engine_instrument
from indsats.outcomes.services.import_commit import commit_import
from tests.conftest import logged_in
from tests.factories import MunicipalityFactory, person_with_role
from tests.outcomes.files import fake_cpr
from tests.outcomes.insight_reference import reference_insight
from tests.outcomes.validated import validated_import

pytestmark = pytest.mark.django_db

DATES = ("2025-02-10", "2025-07-01", "2026-01-15")
SCORES = ("total_difficulties", "emotional", "prosocial", "conduct")


def _rows(rng: random.Random, children: range, round_index: int, missing_share: float) -> list[list[str]]:
    """SDQ rows for the children: answers around a severity falling with the round; some children miss
    the round, some answers are blank, and a few children leave so many blank that scores are missing."""
    rows = []
    for n in children:
        if round_index and rng.random() < missing_share:
            continue
        severity = 0.4 + (n % 7) / 7 - 0.15 * round_index
        answers = [str(min(2, max(0, round(rng.gauss(severity, 0.7))))) for _ in range(25)]
        blanks = 15 if rng.random() < 0.1 else rng.choice((0, 0, 1, 2))
        for position in rng.sample(range(25), blanks):
            answers[position] = ""
        rows.append([fake_cpr(n), DATES[round_index], *answers])
    return rows


def _import(municipality, measurement_round, sdq, rows) -> None:
    if not rows:
        return
    username = f"cw-{municipality.pk}"
    actor = User.objects.filter(username=username).first() or person_with_role(
        Role.CASEWORKER, municipality, username=username
    )
    commit_import(actor=actor, job=validated_import(actor, municipality, measurement_round, sdq, rows))


def _generated(sdq, rounds, municipalities, children_each: int, seed: int = 7, first: int = 0) -> None:
    rng = random.Random(seed)
    for index, municipality in enumerate(municipalities):
        # the municipalities differ in size: the smallest groups fall under the disclosure thresholds
        children = range(1000 * index + first, 1000 * index + first + max(1, children_each - 3 * index))
        for round_index, measurement_round in enumerate(rounds):
            _import(municipality, measurement_round, sdq, _rows(rng, children, round_index, 0.25))


def _assert_same(new: list[selectors.RoundInsight], old: list[selectors.RoundInsight]) -> None:
    assert len(new) == len(old)
    for got, expected in zip(new, old, strict=True):
        for item in fields(selectors.RoundInsight):
            a, b = getattr(got, item.name), getattr(expected, item.name)
            if isinstance(b, float):
                assert a == pytest.approx(b, rel=1e-9, abs=1e-12), item.name
            else:
                assert a == b, item.name


def _both(user, intervention, instrument, score_key, municipality):
    new = selectors.insight(
        user=user,
        intervention=intervention,
        instrument=instrument,
        score_key=score_key,
        municipality=municipality,
    )
    old = reference_insight(
        intervention=intervention, instrument=instrument, score_key=score_key, municipality=municipality
    )
    return new, old


@pytest.mark.parametrize(("min_children", "min_municipalities"), [(5, 5), (25, 2), (1, 1)])
def test_the_sql_aggregates_equal_the_old_python_on_data_with_missing_scores(
    settings, odense, aarhus, intervention, three_rounds, sdq, agency_admin, min_children, min_municipalities
):
    settings.DISCLOSURE_MIN_CHILDREN = min_children
    settings.DISCLOSURE_MIN_MUNICIPALITIES = min_municipalities
    others = [aarhus, *(MunicipalityFactory(name=f"Kommune {i}") for i in range(3))]
    _generated(sdq, three_rounds, [odense, *others], children_each=14)
    scored = sum(
        r.n + (r.others_n or 0)
        for r in reference_insight(
            intervention=intervention, instrument=sdq, score_key="total_difficulties", municipality=None
        )
    )
    assert Measurement.objects.count() > scored  # some scores are missing
    odense_person = person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-o")
    suppressed = shown = 0
    for score_key in SCORES:
        for user, municipality in ((odense_person, odense), (agency_admin, aarhus), (agency_admin, None)):
            new, old = _both(user, intervention, sdq, score_key, municipality)
            _assert_same(new, old)
            suppressed += sum(r.others_suppressed + r.others_change_suppressed for r in old)
            shown += sum(r.others_mean is not None for r in old)
    assert shown  # both decisions are exercised
    assert suppressed or min_municipalities == 1


def test_the_change_and_its_interval_equal_a_paired_t_test_computed_independently(
    odense, intervention, three_rounds, sdq, odense_caseworker
):
    _generated(sdq, three_rounds[:2], [odense], children_each=30, seed=3)
    rows = selectors.insight(
        user=odense_caseworker,
        intervention=intervention,
        instrument=sdq,
        score_key="emotional",
        municipality=odense,
    )
    score = {
        (round_id, participant_id): value
        for round_id, participant_id, value in Measurement.objects.annotate(
            value=score_value("emotional")
        ).values_list("round_id", "participant_id", "value")
    }
    baseline, later = three_rounds[0].pk, three_rounds[1].pk
    pairs = [
        (score[(baseline, p)], value)
        for (round_id, p), value in score.items()
        if round_id == later and value is not None and score.get((baseline, p)) is not None
    ]
    pre, post = np.array(pairs, dtype=float).T
    test = stats.ttest_rel(post, pre)
    low, high = test.confidence_interval(0.95)
    assert rows[1].change == pytest.approx(np.mean(post - pre), rel=1e-12)
    assert (rows[1].ci_low, rows[1].ci_high) == pytest.approx((low, high), rel=1e-9)
    assert not math.isnan(rows[1].ci_low)


def test_the_sql_aggregates_equal_the_old_python_on_the_demo(settings):
    load_demo(scale=1, seed=3, log=lambda _message: None)
    agency_person = person_with_role(
        Role.AGENCY_ADMIN,
        Organisation.objects.filter(kind=OrganisationKind.AGENCY).first(),
        username="insight-agency",
    )
    interventions = Intervention.objects.filter(pk__in=MeasurementRound.objects.values("intervention_id"))
    municipalities = [
        None,
        *Organisation.objects.filter(pk__in=Measurement.objects.values("municipality_id")),
    ]
    checked = 0
    for thresholds in ((settings.DISCLOSURE_MIN_CHILDREN, settings.DISCLOSURE_MIN_MUNICIPALITIES), (1, 1)):
        settings.DISCLOSURE_MIN_CHILDREN, settings.DISCLOSURE_MIN_MUNICIPALITIES = thresholds
        for intervention in interventions:
            used = Instrument.objects.filter(measurements__round__intervention=intervention).distinct()
            for instrument in used:
                for score_key in engine_instrument(instrument).score_keys:
                    for municipality in municipalities:
                        new, old = _both(agency_person, intervention, instrument, score_key, municipality)
                        _assert_same(new, old)
                        checked += sum(r.change is not None or r.others_change is not None for r in old)
    assert checked > 20


def _insight_queries(client, intervention, sdq, municipality=None) -> int:
    url = reverse("outcomes:insight") + f"?intervention={intervention.pk}&instrument={sdq.pk}"
    if municipality is not None:
        url += f"&municipality={municipality.pk}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_insight_page_makes_the_same_number_of_queries_with_ten_times_the_measurements(
    odense, aarhus, intervention, three_rounds, sdq, agency_admin
):
    municipalities = [odense, aarhus, *(MunicipalityFactory(name=f"Kommune {i}") for i in range(3))]
    odense_person = person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-o")
    agency, municipal = logged_in(agency_admin), logged_in(odense_person)
    _generated(sdq, three_rounds, municipalities, children_each=8, seed=1)
    few = Measurement.objects.count()

    def counts() -> tuple[int, int]:
        return (
            _insight_queries(agency, intervention, sdq, odense),
            _insight_queries(municipal, intervention, sdq),
        )

    counts()  # caches filled once per process (instruments, settings) are warm from here on
    before = counts()
    _generated(sdq, three_rounds, municipalities, children_each=80, seed=2, first=500)
    assert Measurement.objects.count() >= 8 * few
    assert counts() == before
