"""The yearly allocation as a process: scenarios saved with their inputs' hash and compared, the chosen
one drafting the recommendation decided at a meeting, then the political decision; each step only in its
state. Best combinations are checked against every subset tried by hand."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from indsats.errors import DomainError
from indsats.governance import services
from indsats.governance.services.allocation import (
    CandidateRow,
    choose_scenario,
    compare_scenarios,
    recommendation_draft,
    record_political_decision,
    save_scenario,
    year_state,
)
from tests.grants.factories import ProgrammeYearFactory

ROWS = [
    CandidateRow("a", "Skolefravær", Decimal("12000000"), Decimal("30")),
    CandidateRow("b", "ADHD", Decimal("8000000"), Decimal("20")),
    CandidateRow("c", "Psykisk sårbarhed", Decimal("10000000"), Decimal("22")),
    CandidateRow("d", "Efterværn", Decimal("6000000"), Decimal("9")),
]


def _by_hand(budget: Decimal, exclude: set[str] = frozenset()) -> set[str]:
    best: tuple[Decimal, set[str]] = (Decimal(-1), set())
    for size in range(len(ROWS) + 1):
        for chosen in itertools.combinations([r for r in ROWS if r.key not in exclude], size):
            if sum(r.cost for r in chosen) <= budget and sum(r.value for r in chosen) > best[0]:
                best = (sum(r.value for r in chosen), {r.key for r in chosen})
    return best[1]


@pytest.mark.django_db
def test_scenarios_are_saved_with_their_inputs_hash_compared_and_chosen(steering_member, agency_staff):
    year = ProgrammeYearFactory()
    first = save_scenario(
        actor=steering_member,
        programme_year=year,
        name="Hele rammen",
        budget=Decimal("25000000"),
        candidates=ROWS,
    )
    second = save_scenario(
        actor=steering_member,
        programme_year=year,
        name="Uden c",
        budget=Decimal("25000000"),
        candidates=ROWS,
        must_exclude=["c"],
    )
    assert {f["key"] for f in first.best["funded"]} == _by_hand(Decimal("25000000")) == {"a", "c"}
    assert {f["key"] for f in second.best["funded"]} == _by_hand(Decimal("25000000"), {"c"})
    canonical = json.dumps(first.inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert first.inputs_sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    assert first.inputs["candidates"][0]["cost"] == "12000000"  # exact, as typed

    difference = compare_scenarios(first, second)
    assert difference.only_in_first == ["Psykisk sårbarhed"]
    names = {r.key: r.name for r in ROWS}
    expected_second = _by_hand(Decimal("25000000"), {"c"})
    assert set(difference.only_in_second) == {names[k] for k in expected_second - {"a", "c"}}
    assert difference.in_both == (["Skolefravær"] if "a" in expected_second else [])
    assert difference.value_difference == float(second.best["total_value"]) - 52

    with pytest.raises(PermissionDenied):
        choose_scenario(actor=_nobody(), scenario=first)
    choose_scenario(actor=steering_member, scenario=first)
    choose_scenario(actor=steering_member, scenario=second)
    first.refresh_from_db()
    assert not first.is_chosen
    assert "Uden c" in recommendation_draft(year) and second.inputs_sha256[:12] in recommendation_draft(year)


def _nobody():
    from indsats.accounts.models import Role
    from tests.factories import person_with_role

    return person_with_role(Role.CASEWORKER)


@pytest.mark.django_db
def test_negative_values_are_refused_with_the_candidates_name(steering_member):
    year = ProgrammeYearFactory()
    rows = [*ROWS, CandidateRow("x", "Skadelig", Decimal("1000"), Decimal("-0.5"))]
    with pytest.raises(DomainError) as raised:
        save_scenario(
            actor=steering_member, programme_year=year, name="x", budget=Decimal("1"), candidates=rows
        )
    assert "Skadelig" in raised.value.text and "-0.5" in raised.value.text


@pytest.mark.django_db
def test_proposal_recommendation_and_political_decision_each_only_in_their_state(
    agency_staff, steering_member
):
    year = ProgrammeYearFactory()
    assert year_state(year) == "proposal"
    with pytest.raises(DomainError):
        record_political_decision(
            actor=agency_staff, programme_year=year, decision="Ja", decided_on=datetime.date.today()
        )

    meeting = services.plan_meeting(actor=agency_staff, held_on=datetime.date(2026, 12, 10), quorum=1)
    item = services.add_agenda_item(
        actor=agency_staff, meeting=meeting, kind="allocation", programme_year=year
    )
    services.open_meeting(
        actor=steering_member, meeting=meeting, members_present=[steering_member], chair=steering_member
    )
    services.decide_item(
        actor=steering_member, item=item, outcome="Indstillet", text="A og C.", by_consensus=True
    )
    year.refresh_from_db()
    assert year_state(year) == "recommended" and year.recommendation == "A og C."
    with pytest.raises(DomainError):  # scenarios are frozen once recommended
        save_scenario(
            actor=steering_member, programme_year=year, name="Sent", budget=Decimal("1"), candidates=ROWS
        )

    with pytest.raises(PermissionDenied):
        record_political_decision(
            actor=steering_member, programme_year=year, decision="Ja", decided_on=datetime.date.today()
        )
    record_political_decision(
        actor=agency_staff,
        programme_year=year,
        decision="Partierne følger indstillingen.",
        decided_on=datetime.date(2026, 12, 20),
    )
    year.refresh_from_db()
    assert year_state(year) == "decided" and year.decision == "Partierne følger indstillingen."
    with pytest.raises(DomainError):
        record_political_decision(
            actor=agency_staff, programme_year=year, decision="Igen", decided_on=datetime.date.today()
        )


@pytest.mark.django_db
def test_groups_and_part_funding_on_the_page_match_a_hand_count(steering_member):
    """Budget 20 mio. a (12 mio., 30) and b (8 mio., 20) are both in group "skole" with at most one;
    c (10 mio., 22) may be funded from half. By hand: a + c at 8/10 = 12 + 8 = 20 mio., value
    30 + 22 x 0.8 = 47.6, beats b + c whole (18 mio., 42) and a + c at the minimum share (17 mio., 41)."""
    from django.urls import reverse

    from indsats.governance.models import AllocationScenario
    from tests.conftest import logged_in

    year = ProgrammeYearFactory()
    url = reverse("governance:allocation_year", args=[year.pk])
    lines = "a;Skolefravær;12000000;30;;skole\nb;ADHD;8000000;20;;skole\nc;Psykisk sårbarhed;10000000;22;0,5"
    response = logged_in(steering_member).post(
        url,
        {
            "action": "scenario",
            "name": "Grupper",
            "budget": "20000000",
            "candidates": lines,
            "group_limits": "skole;0;1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    best = AllocationScenario.objects.get().best
    shares = {f["key"]: f["share"] for f in best["funded"]}
    assert shares.keys() == {"a", "c"} and shares["c"] == pytest.approx(0.8)
    assert best["total_value"] == pytest.approx(47.6)
    scenario = AllocationScenario.objects.get()
    assert scenario.inputs["groups"] == [{"name": "skole", "min_selected": 0, "max_selected": 1}]
