"""Randomisation on record: a list made in Indsats or uploaded, concealed until each child is enrolled,
and a randomised design that counts as randomised only with it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from indsats.audit.models import AuditEntry
from indsats.engine.statistics.randomisation import allocation_sequence
from indsats.errors import DomainError
from indsats.evaluation import services
from indsats.evaluation.models import Allocation, Arm, Design
from indsats.outcomes.models import Enrolment, Participant, Sex
from tests.evaluation.factories import make_study, record_randomisation


@pytest.fixture
def rct(intervention, comparison, rounds, sdq):
    return make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=Design.RANDOMISED,
        comparison_intervention=comparison,
        name="RCT",
    )


def _child(municipality, code: str) -> Participant:
    return Participant.objects.create(
        municipality=municipality, pseudonym=code + "0" * 40, birth_year=2014, sex=Sex.FEMALE
    )


def test_stratified_list_made_in_indsats_is_the_engines_sequence_and_is_audited(assigned_evaluator, rct):
    randomisation = services.randomise_study(
        actor=assigned_evaluator, study=rct, method="stratified", seed=42, sizes={"751": 6, "461": 5}
    )
    expected = allocation_sequence({"751": 6, "461": 5}, method="stratified", seed=42, block_size=4)
    stored = {
        stratum: tuple(
            1 if a.arm == Arm.INTERVENTION else 0
            for a in Allocation.objects.filter(randomisation=randomisation, stratum=stratum).order_by(
                "position"
            )
        )
        for stratum in ("751", "461")
    }
    assert stored == dict(expected.lists)
    assert randomisation.sequence_sha256 == expected.sha256()
    assert (randomisation.seed, randomisation.block_size) == (42, 4)
    assert AuditEntry.objects.filter(object_id=str(randomisation.pk), action="create").exists()
    with pytest.raises(DomainError):
        services.randomise_study(actor=assigned_evaluator, study=rct, method="block", seed=1, sizes={"": 4})


def test_enrolment_reveals_the_next_position_of_the_childs_municipality_and_enrols_in_that_arm(
    assigned_evaluator, aarhus_caseworker, odense_caseworker, rct, aarhus, odense, intervention, comparison
):
    services.randomise_study(
        actor=assigned_evaluator, study=rct, method="stratified", seed=7, sizes={"751": 4, "461": 4}
    )
    expected = allocation_sequence({"751": 4, "461": 4}, method="stratified", seed=7).lists["751"]
    for index in range(4):
        child = _child(aarhus, f"new{index}")
        allocation = services.enrol_randomised_child(actor=aarhus_caseworker, study=rct, participant=child)
        assert (allocation.stratum, allocation.position) == ("751", index + 1)
        arm = expected[index]
        assert allocation.arm == (Arm.INTERVENTION if arm == 1 else Arm.COMPARISON)
        enrolled_in = Enrolment.objects.get(participant=child).intervention
        assert enrolled_in == (intervention if arm == 1 else comparison)
    with pytest.raises(DomainError, match="ikke flere pladser"):
        services.enrol_randomised_child(
            actor=aarhus_caseworker, study=rct, participant=_child(aarhus, "late")
        )
    # Odense's positions are untouched, and Odense's caseworker cannot enrol an Aarhus child
    assert not Allocation.objects.filter(stratum="461", participant__isnull=False).exists()
    with pytest.raises(PermissionDenied):
        services.enrol_randomised_child(actor=odense_caseworker, study=rct, participant=_child(aarhus, "x"))


def test_a_child_is_allocated_once(assigned_evaluator, aarhus_caseworker, rct, aarhus):
    services.randomise_study(actor=assigned_evaluator, study=rct, method="block", seed=3, sizes={"": 8})
    child = _child(aarhus, "once")
    services.enrol_randomised_child(actor=aarhus_caseworker, study=rct, participant=child)
    with pytest.raises(DomainError, match="allerede"):
        services.enrol_randomised_child(actor=aarhus_caseworker, study=rct, participant=child)


def test_uploaded_list_keeps_who_made_it_and_when(assigned_evaluator, rct):
    made_at = timezone.now() - datetime.timedelta(days=3)
    randomisation = services.upload_allocation_list(
        actor=assigned_evaluator,
        study=rct,
        content="kommunekode;gruppe\n751;indsats\n751;kontrol\n461;kontrol\n461;indsats\n",
        made_by="Trialstatistiker, Aarhus Universitet",
        made_at=made_at,
    )
    assert randomisation.method == "uploaded" and randomisation.made_by.startswith("Trialstatistiker")
    assert randomisation.made_at == made_at
    arms = list(
        Allocation.objects.filter(randomisation=randomisation).values_list("stratum", "position", "arm")
    )
    assert sorted(arms) == [
        ("461", 1, "comparison"),
        ("461", 2, "intervention"),
        ("751", 1, "intervention"),
        ("751", 2, "comparison"),
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "tom"), ("arm\nmaybe\n", "hverken"), ("navn\nx\n", "gruppe")],
)
def test_an_unusable_uploaded_list_is_refused(assigned_evaluator, rct, content, message):
    with pytest.raises(DomainError, match=message):
        services.upload_allocation_list(
            actor=assigned_evaluator, study=rct, content=content, made_by="X", made_at=timezone.now()
        )


def test_only_the_studys_managers_make_the_list(aarhus_caseworker, rct):
    with pytest.raises(PermissionDenied):
        services.randomise_study(actor=aarhus_caseworker, study=rct, method="block", seed=1, sizes={"": 4})


def test_a_randomised_design_without_a_list_is_level_two_and_the_proposal_says_why(assigned_evaluator, rct):
    assert rct.design_level == 1 and rct.evidence_level == 2
    analysis = services.run_analysis(actor=assigned_evaluator, study=rct)
    assert analysis.evidence_level == 2
    assert any("ikke registreret en lodtrækning" in note for note in analysis.design_notes)


def test_a_list_stored_after_the_follow_up_does_not_count(rct):
    record_randomisation(rct, recorded_on=datetime.date(2026, 6, 1))  # follow-ups measured 2026-01-11
    problems = rct.randomisation_problems()
    assert len(problems) == 1 and "efter de første eftermålinger" in problems[0]
    assert rct.evidence_level == 2


def test_a_list_on_record_before_the_follow_up_for_every_child_counts(rct):
    record_randomisation(rct)
    assert rct.randomisation_problems() == [] and rct.evidence_level == 1
    Allocation.objects.filter(randomisation__study=rct).order_by("pk").first().delete()
    assert rct.randomisation_problems() == [
        "1 barn målt ved eftermålingen er ikke tildelt ved lodtrækningen."
    ]


def test_a_randomised_enrolment_keeps_the_completeness_counts_current(
    settings,
    assigned_evaluator,
    aarhus_caseworker,
    agency_admin,
    rct,
    aarhus,
    intervention,
    comparison,
    sdq,
    django_capture_on_commit_callbacks,
):
    from indsats.outcomes import selectors
    from indsats.outcomes.models import CompletenessSummary, EnrolmentVersion, InsightVersion
    from indsats.outcomes.services.insight_summary import refresh_insight_summary

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    services.randomise_study(actor=assigned_evaluator, study=rct, method="block", seed=3, sizes={"": 4})
    for arm in (intervention, comparison):  # both arms' counts summarised (nobody enrolled yet)
        refresh_insight_summary(intervention_id=arm.pk, instrument_id=sdq.pk)

    def enrolled(arm) -> int:  # Aarhus' children in the arm, on the completeness page
        _rounds, rows = selectors.completeness(user=agency_admin, intervention=arm, instrument=sdq)
        return next((row.cells[0].enrolled for row in rows if row.municipality == aarhus), 0)

    before = {arm.pk: enrolled(arm) for arm in (intervention, comparison)}
    child = _child(aarhus, "r1")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrol_randomised_child(actor=aarhus_caseworker, study=rct, participant=child)
    enrolled_in = Enrolment.objects.get(participant=child).intervention
    assert EnrolmentVersion.objects.get(intervention=enrolled_in).version == 1
    state = InsightVersion.objects.get(intervention=enrolled_in, instrument=sdq)
    assert state.summary_enrolment_version == 1  # the refresh ran: the summary is current again
    assert (
        CompletenessSummary.objects.get(intervention=enrolled_in, municipality=aarhus, round__isnull=True).n
        == before[enrolled_in.pk] + 1
        == enrolled(enrolled_in)
    )
    assert Enrolment.objects.filter(intervention=enrolled_in, participant__municipality=aarhus).count() == (
        before[enrolled_in.pk] + 1
    )
