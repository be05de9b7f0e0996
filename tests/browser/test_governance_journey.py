"""The steering group's record in a real browser: the agency plans a meeting and puts a gate review on the
agenda; the chair records who is present, the members' votes and a condition, closes the meeting and
downloads the minutes PDF; a partner municipality answers its follow-up on operation. Every page is
checked with axe-core and saved as a screenshot."""

from __future__ import annotations

import datetime

import pytest

from indsats.accounts.models import Role
from indsats.governance.models import Meeting
from indsats.governance.services import follow_up_operations
from indsats.interventions import services as intervention_services
from indsats.interventions.models import DecisionCondition, OperationReport, Partnership, ReviewStatus
from tests.factories import MunicipalityFactory, person_with_role
from tests.interventions.factories import InterventionFactory, complete_checklist, ready_review

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "Styregruppe-2026!"


def _person(role, organisation=None, **fields):
    user = person_with_role(role, organisation, **fields)
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def record(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from indsats.interventions.playbook import ensure_playbook

    ensure_playbook()
    agency = _person(Role.AGENCY_STAFF, username="sekretariat", first_name="Sara", last_name="Sekretær")
    members = [
        _person(Role.STEERING_GROUP, username=f"sg-{n.lower()}", first_name=n, last_name="Medlem")
        for n in ("Anne", "Bent", "Carla")
    ]
    municipality = MunicipalityFactory(name="Vejle Kommune")
    manager = _person(Role.MUNICIPALITY_MANAGER, municipality, username="leder-vejle")
    intervention = InterventionFactory(name="Skoleteam mod fravær")
    review = ready_review(intervention)
    complete_checklist(intervention)
    intervention_services.submit_gate_review(actor=agency, review=review)
    Partnership.objects.create(
        intervention=InterventionFactory(name="Familiestøtte i hjemmet"),
        municipality=municipality,
        role="pilot",
        joined_on=datetime.date(2021, 1, 1),
        funding_ended_on=datetime.date(2024, 1, 1),
    )
    follow_up_operations(today=datetime.date(2025, 1, 2))
    from tests.grants.factories import ProgrammeYearFactory

    year = ProgrammeYearFactory()
    return {"year": year, "agency": agency, "members": members, "manager": manager, "review": review}


def test_a_meeting_from_agenda_to_minutes_pdf_and_a_municipality_answers_on_operation(page, record, tmp_path):
    p = page.page
    page.login("sekretariat", PASSWORD)
    page.goto("/styregruppe/")
    page.check("governance-index")
    p.click("text=Planlæg et møde")
    p.fill("#id_held_on", (datetime.date.today() + datetime.timedelta(days=7)).isoformat())
    p.fill("#id_location", "Styrelsen, Odense")
    page.check("governance-meeting-form")
    p.click("main button[type=submit]")
    assert "Mødet er planlagt." in p.content()
    p.select_option("#id_item-kind", value="gate_review")
    p.select_option("#id_item-gate_review", index=1)
    p.click("text=Tilføj punktet")
    assert "Punktet er sat på dagsordenen." in p.content()
    page.check("governance-meeting-planned")
    meeting = Meeting.objects.get()

    page.goto(f"/styregruppe/udmoentning/{record['year'].pk}/")
    p.fill("#id_name", "Hele rammen")
    p.fill("#id_candidates", "a;Skolefravær;12000000;30\nb;ADHD;8000000;20\nc;Psykisk sårbarhed;10000000;22")
    p.click("text=Beregn og gem scenariet")
    assert "Scenariet er beregnet og gemt." in p.content()
    p.click("main button:has-text('Vælg')")
    assert "Valgt" in p.content()
    page.check("governance-allocation-year")

    p.context.clear_cookies()
    page.login("sg-anne", PASSWORD)
    page.goto(f"/styregruppe/moeder/{meeting.pk}/")
    for member in record["members"]:
        p.check(f"label:has-text('{member.get_full_name()}')")
    p.select_option("#id_attendance-chair", label="Anne Medlem")
    p.click("text=Registrér fremmøde og åbn mødet")
    assert "mødet er i gang" in p.content()
    page.check("governance-meeting-in-session")

    p.click("main a:has-text('Træf beslutning')")
    p.select_option("#id_outcome", value="approve_with_conditions")
    p.fill("#id_text", "Indsatsen er klar til modning.")
    for member in record["members"]:
        p.select_option(f"#id_vote_{member.pk}", value="for" if member.first_name != "Carla" else "abstain")
    p.fill("#id_condition_1_text", "Fidelitetsværktøj afprøvet i to kommuner")
    p.select_option("#id_condition_1_owner", label="Sara Sekretær")
    p.fill("#id_condition_1_deadline", "2027-06-30")
    page.check("governance-item-decide")
    p.click("main button[type=submit]")
    assert "Beslutningen er registreret." in p.content()
    record["review"].refresh_from_db()
    assert record["review"].status == ReviewStatus.DECIDED
    assert DecisionCondition.objects.get().text == "Fidelitetsværktøj afprøvet i to kommuner"

    p.click("text=Afslut mødet og dan referatet")
    page.goto(f"/styregruppe/moeder/{meeting.pk}/")
    page.check("governance-meeting-closed")
    with p.expect_download() as download:
        p.click("text=Hent referatet (PDF)")
    saved = tmp_path / "referat.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")

    page.goto("/styregruppe/betingelser/")
    page.check("governance-conditions")
    page.goto(f"/indsatser/gate-reviews/{record['review'].pk}/")
    assert "Beslutningsgrundlaget er frosset" in p.content()
    page.check("gate-review-frozen-facts")

    p.context.clear_cookies()
    page.login("leder-vejle", PASSWORD)
    page.goto("/styregruppe/drift/")
    page.check("governance-operation-reports")
    p.click("main a:has-text('Svar')")
    p.check("label:has-text('I drift, tilpasset')")
    p.check("label:has-text('Eget budget')")
    p.fill("#id_children_served", "14")
    p.fill("#id_annual_cost", "210000")
    p.fill("#id_reason", "Færre sessioner pr. familie.")
    page.check("governance-operation-answer")
    p.click("main button[type=submit]")
    assert "Tak. Jeres svar er gemt." in p.content()
    assert OperationReport.objects.get().status == "adapted"
