"""The virkning provider in the gate review's evidence registry, and audit-history visibility."""

from __future__ import annotations

from indsats.accounts.permissions import can_view_object
from indsats.evaluation import services
from indsats.evaluation.evidence import effect_study_facts
from indsats.interventions.evidence import live_facts, providers_for
from tests.evaluation.factories import make_study


def test_provider_is_registered_and_empty_without_analysis(intervention):
    assert effect_study_facts in providers_for("effect")
    assert effect_study_facts(intervention) == []


def test_provider_gives_latest_estimate_interval_and_level(assigned_evaluator, intervention, rounds, sdq):
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    services.run_analysis(actor=assigned_evaluator, study=study)
    latest = services.run_analysis(actor=assigned_evaluator, study=study, seed=1)
    services.override_grade(actor=assigned_evaluator, analysis=latest, grade="B", reason="Begrundet.")
    facts = live_facts(intervention)["effect"]
    values = {fact.label: fact.value for fact in facts}
    estimate = latest.result["estimate"]
    assert values["Estimat (95 % KI)"].startswith(f"{estimate:.2f}".replace("-", "−").replace(".", ","))
    assert "n = 24" in values["Estimat (95 % KI)"]
    assert values["Evidensniveau"] == "3"
    assert values["Vurdering af virkning"] == "B (foreslået: C)"
    assert all(f"nr. {latest.pk}" in fact.source for fact in effect_study_facts(intervention))
    # the intervention's evidence rating stands beside the study's facts
    assert values["Evidensvurdering"] == "Foreløbig dokumentation (2+)"


def test_audit_history_visible_to_assigned_evaluator_not_to_municipality(
    assigned_evaluator, aarhus_caseworker, evaluator, steering_member, intervention, rounds, sdq
):
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    analysis = services.run_analysis(actor=assigned_evaluator, study=study)
    assert can_view_object(assigned_evaluator, analysis) and can_view_object(steering_member, study)
    assert not can_view_object(aarhus_caseworker, study)
    assert not can_view_object(evaluator, analysis)
