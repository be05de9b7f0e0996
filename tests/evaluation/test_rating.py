"""The evidence rating of an intervention as a whole, from its studies' newest analyses."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from indsats.audit.models import AuditEntry
from indsats.errors import DomainError
from indsats.evaluation import services
from indsats.evaluation.models import Analysis, Design, Study
from indsats.evaluation.rating import evidence_rating, proposed_rating
from indsats.outcomes.models import RoundKind
from tests.evaluation.factories import make_study, record_randomisation
from tests.outcomes.factories import RoundFactory

IMPROVED = (-3.0, -1.0)  # total difficulties: lower is better, the whole interval below 0
UNCLEAR = (-2.0, 0.5)
WORSE = (0.5, 2.0)


def _analyse(study: Study, interval: tuple[float, float]) -> Analysis:
    low, high = interval
    return Analysis.objects.create(
        study=study,
        method="ancova",
        result={"estimate": (low + high) / 2, "ci_low": low, "ci_high": high},
        n=100,
        inputs_hash="0" * 64,
        engine_version="test",
        seed=0,
        evidence_level=study.evidence_level,
        proposed_grade="C",
        grade="C",
    )


def _study(intervention, rounds, sdq, comparison=None, *, design=Design.PRE_POST, **fields) -> Study:
    return make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=design,
        comparison_intervention=comparison,
        **fields,
    )


def _six_months(intervention):
    baseline = intervention.measurement_rounds.get(kind=RoundKind.BASELINE)
    return baseline, RoundFactory(
        intervention=intervention,
        kind=RoundKind.MONTH_6,
        order=1,
        opens_on=datetime.date(2025, 7, 1),
        closes_on=datetime.date(2025, 9, 30),
    )


def _criteria(rating) -> dict[str, bool]:
    return {c.code: c.met for c in rating.criteria}


def test_without_analysed_studies_the_intervention_cannot_be_rated(intervention, rounds, sdq):
    _study(intervention, rounds, sdq)  # a study, but no analysis yet
    rating = evidence_rating(intervention)
    assert (rating.level, rating.code, rating.effect_grade) == ("NR", "NR", "D")
    assert rating.label == "Kan ikke vurderes"
    assert not rating.decided


def test_a_before_after_improvement_is_preliminary(intervention, rounds, sdq):
    _analyse(_study(intervention, _six_months(intervention), sdq), IMPROVED)
    rating = evidence_rating(intervention)
    assert (rating.code, rating.effect_grade) == ("2", "C")
    assert _criteria(rating) == {
        "design": False,
        "effect": False,
        "replicated": False,
        "lasting": False,
        "no_harm": True,
    }


def test_a_randomised_study_on_record_lasting_a_year_is_supported_plus(intervention, comparison, rounds, sdq):
    rct = _study(intervention, rounds, sdq, comparison, design=Design.RANDOMISED)
    record_randomisation(rct)
    _analyse(rct, IMPROVED)
    rating = evidence_rating(intervention)
    assert (rating.level, rating.lasting, rating.code, rating.effect_grade) == ("3", True, "3+", "A")
    assert {c.code for c in rating.criteria_unmet} == {"replicated"}
    assert "“" + rct.name + "”" in next(c.detail for c in rating.criteria if c.code == "effect")


def test_a_randomised_design_without_its_list_counts_as_controlled_and_says_why(
    intervention, comparison, rounds, sdq
):
    _analyse(_study(intervention, rounds, sdq, comparison, design=Design.RANDOMISED), IMPROVED)
    rating = evidence_rating(intervention)
    assert (rating.code, rating.effect_grade) == ("3+", "B")
    randomisation = next(c for c in rating.criteria if c.code == "randomisation")
    assert not randomisation.met and "ikke registreret en lodtrækning" in randomisation.detail


def test_an_independent_replication_of_a_randomised_effect_is_well_supported(
    intervention, comparison, rounds, sdq
):
    rct = _study(intervention, rounds, sdq, comparison, design=Design.RANDOMISED, name="RCT")
    record_randomisation(rct)
    _analyse(rct, IMPROVED)
    replication = _study(
        intervention, rounds, sdq, comparison, design=Design.QUASI, name="Replikation", is_independent=True
    )
    _analyse(replication, IMPROVED)
    rating = evidence_rating(intervention)
    assert (rating.code, rating.effect_grade) == ("4+", "A")
    assert rating.criteria_unmet == ()


def test_a_replication_by_the_developers_alone_is_not_independent(intervention, comparison, rounds, sdq):
    rct = _study(intervention, rounds, sdq, comparison, design=Design.RANDOMISED, name="RCT")
    record_randomisation(rct)
    _analyse(rct, IMPROVED)
    _analyse(_study(intervention, rounds, sdq, comparison, design=Design.QUASI, name="Egen"), IMPROVED)
    assert evidence_rating(intervention).code == "3+"


def test_any_study_finding_harm_rates_the_intervention_harmful(intervention, comparison, rounds, sdq):
    rct = _study(intervention, rounds, sdq, comparison, design=Design.RANDOMISED, name="RCT")
    record_randomisation(rct)
    _analyse(rct, IMPROVED)
    _analyse(_study(intervention, rounds, sdq, name="Før-efter"), WORSE)
    rating = evidence_rating(intervention)
    assert (rating.level, rating.effect_grade) == ("NE", "D")
    assert not _criteria(rating)["no_harm"]


def test_controlled_studies_without_a_clear_effect_do_not_show_one(intervention, comparison, rounds, sdq):
    _analyse(_study(intervention, rounds, sdq, comparison, design=Design.QUASI), UNCLEAR)
    assert evidence_rating(intervention).level == "NL2"


def test_the_newest_analysis_of_a_study_counts(intervention, comparison, rounds, sdq):
    study = _study(intervention, rounds, sdq, comparison, design=Design.QUASI)
    _analyse(study, IMPROVED)
    _analyse(study, UNCLEAR)
    assert evidence_rating(intervention).level == "NL2"


def test_the_agency_overrides_the_proposal_with_a_reason_and_it_is_audited(
    agency_staff, assigned_evaluator, intervention, rounds, sdq
):
    _analyse(_study(intervention, _six_months(intervention), sdq), IMPROVED)
    with pytest.raises(DomainError):
        services.decide_rating(
            actor=agency_staff, intervention=intervention, level="3", lasting=False, reason=" "
        )
    with pytest.raises(PermissionDenied):
        services.decide_rating(
            actor=assigned_evaluator, intervention=intervention, level="3", lasting=False, reason="x"
        )
    decision = services.decide_rating(
        actor=agency_staff,
        intervention=intervention,
        level="3",
        lasting=False,
        reason="A Norwegian RCT of the same manual supports it",
    )
    rating = evidence_rating(intervention)
    assert (rating.code, rating.proposed_level, rating.decided) == ("3", "2", True)
    assert rating.reason.startswith("A Norwegian RCT")
    assert rating.decided_by == agency_staff
    assert proposed_rating(intervention).code == "2"
    assert AuditEntry.objects.filter(object_id=str(decision.pk), action="create").exists()


def test_the_declaration_form_proposes_the_effect_dimension_from_the_rating(
    agency_staff, intervention, comparison, rounds, sdq
):
    from django.urls import reverse  # only this test opens a page

    from tests.conftest import logged_in

    rct = _study(intervention, rounds, sdq, comparison, design=Design.RANDOMISED)
    record_randomisation(rct)
    _analyse(rct, IMPROVED)
    response = logged_in(agency_staff).get(reverse("interventions:declaration_new", args=[intervention.pk]))
    form = response.context["form"]
    assert form.initial["effect_grade"] == "A"
    assert "Dokumenteret virkning (3+)" in form.initial["effect_reason"]
