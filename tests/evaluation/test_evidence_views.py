"""The pages of randomisation, enrolment and the evidence rating."""

from __future__ import annotations

import re

from django.urls import reverse

from indsats.evaluation.models import Allocation, Design, Randomisation
from indsats.outcomes.models import Participant, Sex
from tests.conftest import logged_in
from tests.evaluation.factories import make_study


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _rct(intervention, comparison, rounds, sdq):
    return make_study(
        intervention=intervention,
        rounds=rounds,
        instrument=sdq,
        design=Design.RANDOMISED,
        comparison_intervention=comparison,
        name="RCT",
    )


def test_evaluator_randomises_from_the_study_page_and_the_list_stays_concealed(
    assigned_evaluator, intervention, comparison, rounds, sdq
):
    study = _rct(intervention, comparison, rounds, sdq)
    client = logged_in(assigned_evaluator)
    page = _text(client.get(reverse("evaluation:study_detail", args=[study.pk])).content.decode())
    assert "Designet tæller ikke som lodtrukket" in page and "Lav lodtrækningen" in page
    response = client.post(
        reverse("evaluation:study_randomise", args=[study.pk]),
        {"r-method": "stratified", "r-seed": "2026", "r-block_size": "4", "r-sizes": "751: 8, 461: 8"},
    )
    assert response.status_code == 302
    randomisation = Randomisation.objects.get(study=study)
    assert randomisation.method == "stratified" and randomisation.allocations.count() == 16
    page = _text(client.get(reverse("evaluation:study_detail", args=[study.pk])).content.decode())
    assert randomisation.sequence_sha256 in page
    assert "Lav lodtrækningen" not in page


def test_caseworker_enrols_an_own_child_and_sees_only_that_childs_group(
    assigned_evaluator, aarhus_caseworker, intervention, comparison, rounds, sdq, aarhus, odense
):
    study = _rct(intervention, comparison, rounds, sdq)
    client = logged_in(assigned_evaluator)
    client.post(
        reverse("evaluation:study_randomise", args=[study.pk]),
        {"r-method": "block", "r-seed": "1", "r-block_size": "4", "r-sizes": "8"},
    )
    child = Participant.objects.create(municipality=aarhus, pseudonym="n" * 64, birth_year=2015, sex=Sex.MALE)
    other = Participant.objects.create(municipality=odense, pseudonym="o" * 64, birth_year=2015, sex=Sex.MALE)
    worker = logged_in(aarhus_caseworker)
    url = reverse("evaluation:study_enrol", args=[study.pk])
    form_page = worker.get(url).content.decode()
    assert child.short_code in form_page and other.short_code not in form_page
    response = worker.post(url, {"participant": child.pk})
    assert response.status_code == 302
    allocation = Allocation.objects.get(participant=child)
    page = _text(worker.get(url).content.decode())
    assert allocation.get_arm_display() in page
    assert logged_in(assigned_evaluator).get(url).status_code == 404  # not a municipality's page


def test_rating_page_shows_the_reasons_and_the_agency_overrides(
    agency_staff, aarhus_caseworker, intervention, rounds, sdq
):
    url = reverse("evaluation:intervention_rating", args=[intervention.pk])
    assert logged_in(aarhus_caseworker).get(url).status_code == 404
    literature = reverse("evaluation:intervention_literature", args=[intervention.pk])
    assert logged_in(aarhus_caseworker).get(literature).status_code == 404
    client = logged_in(agency_staff)
    page = _text(client.get(url).content.decode())
    assert "Kan ikke vurderes" in page and "Ingen skadelig virkning fundet" in page
    response = client.post(url, {"level": "2", "reason": "Udenlandske før-efter-studier"})
    assert response.status_code == 302
    page = _text(client.get(url).content.decode())
    assert "Foreløbig dokumentation" in page and "Udenlandske før-efter-studier" in page


def test_the_set_up_page_links_municipality_staff_to_the_enrolment(
    assigned_evaluator, aarhus_caseworker, intervention, comparison, rounds, sdq
):
    from indsats.evaluation.setup_links import randomised_enrolment_link  # the provider under test

    study = _rct(intervention, comparison, rounds, sdq)
    assert randomised_enrolment_link(aarhus_caseworker, intervention) is None  # no list yet
    logged_in(assigned_evaluator).post(
        reverse("evaluation:study_randomise", args=[study.pk]),
        {"r-method": "block", "r-seed": "1", "r-block_size": "4", "r-sizes": "8"},
    )
    link = randomised_enrolment_link(aarhus_caseworker, comparison)
    assert link is not None and link.url == reverse("evaluation:study_enrol", args=[study.pk])
    assert randomised_enrolment_link(assigned_evaluator, intervention) is None
