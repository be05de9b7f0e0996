"""Pages of the register, the portfolio and the phase model, as the agency and the steering group use them."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse, set_script_prefix
from django.utils import timezone, translation
from openpyxl import load_workbook

from indsats.interventions import display, portfolio_totals, selectors, services
from indsats.interventions.models import (
    ChecklistItem,
    Contact,
    DeclarationScore,
    Dimension,
    EventKind,
    EvidenceReference,
    GateDecision,
    GateReview,
    Intervention,
    InterventionEvent,
    KnowledgeDeclaration,
    Material,
    MaterialKind,
    PartnerRole,
    Partnership,
    PhaseRecord,
    PracticeAssessment,
    PracticeElement,
    ProblemArea,
    ReviewStatus,
)
from indsats.interventions.workflow import PHASES, InterventionState
from tests.conftest import logged_in
from tests.factories import MunicipalityFactory
from tests.interventions.factories import InterventionFactory, complete_checklist, partner, ready_review

pytestmark = pytest.mark.django_db


def _intervention_form(owner, **overrides):
    data = {
        "name": "Skolefravær – fælles plan",
        "short_description": "Skole og forvaltning laver en fælles plan.",
        "description": "",
        "target_group": "Elever i 4.-9. klasse",
        "age_from": "9",
        "age_to": "16",
        "problem_areas": [str(ProblemArea.objects.get(name="Bekymrende skolefravær").pk)],
        "origin": "municipal_practice",
        "owner": str(owner.pk),
        "programme": "BUIP 2020: Bekymrende skolefravær",
        "activities": "Fraværsmøder\nFælles handleplan",
        "short_term_outcomes": "Mere fremmøde",
        "long_term_outcomes": "Gennemført grundskole",
        "core_elements": "Tidlig reaktion",
    }
    data.update(overrides)
    return data


def test_the_agency_registers_an_intervention_which_starts_in_screening(agency_staff, agency):
    client = logged_in(agency_staff)
    response = client.post(reverse("interventions:create"), _intervention_form(agency))
    intervention = Intervention.objects.get(name="Skolefravær – fælles plan")
    assert response.status_code == 302 and response.url == reverse(
        "interventions:detail", args=[intervention.pk]
    )
    assert intervention.state == "screening"
    assert list(intervention.problem_areas.values_list("name", flat=True)) == ["Bekymrende skolefravær"]
    assert (
        PhaseRecord.objects.get(intervention=intervention)
        .checklist.filter(title="Behovs- og vidensafdækning")
        .exists()
    )
    body = client.get(response.url).content.decode()
    assert "Fase 0: Screening" in body and "Fraværsmøder" in body and 'role="img"' in body


def test_an_invalid_intervention_form_names_the_field(agency_staff, agency):
    response = logged_in(agency_staff).post(
        reverse("interventions:create"), _intervention_form(agency, age_from="17", age_to="12", name="")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "“Alder til” skal være mindst lige så høj som “alder fra”." in body
    assert 'aria-invalid="true"' in body
    assert not Intervention.objects.exists()


def test_the_checklist_is_filled_in_on_the_phase_page(agency_staff, agency):
    intervention = InterventionFactory(owner=agency)
    items = list(ChecklistItem.objects.filter(phase_record__intervention=intervention))
    client = logged_in(agency_staff)
    assert client.get(reverse("interventions:phase", args=[intervention.pk])).status_code == 200
    response = client.post(
        reverse("interventions:phase", args=[intervention.pk]),
        {
            "done": [str(items[0].pk)],
            "planned_start": "2026-01-01",
            "planned_end": "2026-06-30",
            "committed_amount": "450000",
            "organisations": [str(agency.pk)],
            "new_item": "Workshop med kommunerne",
        },
    )
    assert response.status_code == 302
    record = PhaseRecord.objects.get(intervention=intervention)
    assert str(record.committed_amount) == "450000.00" and record.planned_end == datetime.date(2026, 6, 30)
    assert record.checklist.get(pk=items[0].pk).is_done
    assert record.checklist.filter(title="Workshop med kommunerne", is_required=False).exists()
    response = client.post(
        reverse("interventions:phase", args=[intervention.pk]),
        {"planned_start": "2026-06-01", "planned_end": "2026-01-01", "committed_amount": "1"},
    )
    assert "Den planlagte afslutning ligger før den planlagte start." in response.content.decode()


def test_the_gate_review_page_saves_and_sends_to_the_steering_group(agency_staff):
    intervention = InterventionFactory()
    complete_checklist(intervention)
    client = logged_in(agency_staff)
    response = client.post(reverse("interventions:start_review", args=[intervention.pk]))
    review = GateReview.objects.get(intervention=intervention)
    assert response.url == reverse("interventions:review_edit", args=[review.pk])
    page = client.get(response.url).content.decode()
    assert "Partnerkommuner" in page  # live demand facts beside the assessment
    rationale_label = page.split('for="id_effect-rationale"', 1)[1].split("</label>", 1)[0]
    assert "frivilligt" not in rationale_label  # required before sending: not marked optional
    assert "Skal udfyldes, når kriteriet er vurderet." in page
    data = {"summary": "Videre", "version": str(review.version), "send": "1"}
    for criterion in ["effect", "economy", "implementation", "demand", "realistic_operation"]:
        data[f"{criterion}-rating"] = "met"
        data[f"{criterion}-rationale"] = f"Begrundelse for {criterion}"
    data["demand-rationale"] = ""
    response = client.post(reverse("interventions:review_edit", args=[review.pk]), data)
    assert "Skriv en begrundelse for vurderingen." in response.content.decode()
    data["demand-rationale"] = "Tre kommuner har spurgt."
    response = client.post(reverse("interventions:review_edit", args=[review.pk]), data)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED
    assert response.url == reverse("interventions:review_detail", args=[review.pk])


def test_sending_an_unready_review_explains_why_in_danish(agency_staff):
    intervention = InterventionFactory()
    review = services.start_gate_review(actor=agency_staff, intervention=intervention)
    response = logged_in(agency_staff).post(
        reverse("interventions:review_submit", args=[review.pk]), follow=True
    )
    body = response.content.decode()
    assert "Gate review kan ikke sendes til styregruppen endnu." in body
    assert "Disse kriterier er ikke vurderet" in body


def test_the_steering_group_decides_and_the_intervention_moves(steering_member):
    intervention = InterventionFactory()
    review = ready_review(intervention, status=ReviewStatus.SUBMITTED)
    client = logged_in(steering_member)
    page = client.get(reverse("interventions:review_detail", args=[review.pk])).content.decode()
    assert 'name="version"' in page and "Styregruppens afgørelse" in page
    response = client.post(
        reverse("interventions:review_detail", args=[review.pk]),
        {
            "decision": "approve",
            "reason": "Kriterierne er opfyldt.",
            "conditions": "",
            "version": str(review.version),
        },
    )
    assert response.status_code == 302
    intervention.refresh_from_db()
    assert intervention.state == "maturation"
    body = client.get(response.url).content.decode()
    assert "Kriterierne er opfyldt." in body  # the timeline
    assert "Fase 1: Modning" in body


def test_the_second_decider_gets_a_409_with_who_decided_and_keeps_the_text(
    steering_member, steering_member_2
):
    intervention = InterventionFactory()
    review = ready_review(intervention, status=ReviewStatus.SUBMITTED)
    version = review.version
    first, second = logged_in(steering_member), logged_in(steering_member_2)
    second.get(reverse("interventions:review_detail", args=[review.pk]))
    first.post(
        reverse("interventions:review_detail", args=[review.pk]),
        {"decision": "approve", "reason": "Godkendt.", "version": str(version)},
    )
    response = second.post(
        reverse("interventions:review_detail", args=[review.pk]),
        {"decision": "reject", "reason": "Min lange begrundelse.", "version": str(version)},
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert f"allerede afgjort af {steering_member.get_full_name()}" in body
    assert "Min lange begrundelse." in body  # nothing is lost
    intervention.refresh_from_db()
    assert intervention.state == "maturation"


def test_the_timeline_shows_the_newest_events_and_the_whole_timeline_on_request(agency_staff):
    intervention = InterventionFactory()
    InterventionEvent.objects.filter(intervention=intervention).delete()
    now = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)
    InterventionEvent.objects.bulk_create(
        InterventionEvent(
            intervention=intervention,
            at=now - datetime.timedelta(days=i),
            kind=EventKind.DECIDED,
            text=f"H-{i:02d}.",
        )
        for i in range(25)
    )
    client = logged_in(agency_staff)
    url = reverse("interventions:detail", args=[intervention.pk])
    page = client.get(url).content.decode()
    assert re.findall(r"H-(\d\d)\.", page) == [f"{i:02d}" for i in range(20)]  # the newest 20, newest first
    assert 'href="?tidslinje=alle#tidslinje">Vis hele tidslinjen</a>' in page
    whole = client.get(url, {"tidslinje": "alle"}).content.decode()
    assert re.findall(r"H-(\d\d)\.", whole) == [f"{i:02d}" for i in range(25)]
    assert "Vis hele tidslinjen" not in whole
    InterventionEvent.objects.filter(
        intervention=intervention, text__in=["H-20.", "H-21.", "H-22.", "H-23.", "H-24."]
    ).delete()
    assert "Vis hele tidslinjen" not in client.get(url).content.decode()  # exactly 20: nothing hidden


def test_the_timeline_and_the_reviews_show_local_times_and_escape_what_people_wrote(agency_staff):
    intervention = InterventionFactory(state=InterventionState.MATURATION)
    InterventionEvent.objects.filter(intervention=intervention).delete()
    client = logged_in(agency_staff)
    url = reverse("interventions:detail", args=[intervention.pk])
    page = client.get(url).content.decode()
    assert '<ol class="indsats-timeline">\n  <li>Ingen hændelser endnu.</li>\n  \n</ol>' in page
    assert "Ingen gate reviews endnu." in page
    InterventionEvent.objects.create(
        intervention=intervention,
        at=datetime.datetime(2026, 6, 1, 22, 30, tzinfo=datetime.UTC),  # 2 June in Copenhagen
        kind=EventKind.DECIDED,
        from_state=InterventionState.SCREENING,
        to_state=InterventionState.MATURATION,
        text='Godkendt <b>nu</b>\n& "straks"',
        actor_name="Ane & Bo",
    )
    review = GateReview.objects.create(
        intervention=intervention,
        phase=InterventionState.SCREENING,
        status=ReviewStatus.DECIDED,
        submitted_at=datetime.datetime(2026, 5, 31, 22, 30, tzinfo=datetime.UTC),
    )
    GateDecision.objects.create(
        review=review,
        decision="approve",
        reason="Ja.",
        decided_by_name="<Styregruppen>",
        decided_at=datetime.datetime(2026, 6, 1, 22, 30, tzinfo=datetime.UTC),
    )
    page = client.get(url).content.decode()
    assert (
        '\n  <li>\n    <time datetime="2026-06-02T00:30:00+02:00">2. juni 2026 kl. 00:30</time>'
        "\n    <strong>Styregruppen har afgjort</strong>: Fase 0: Screening → Fase 1: Modning"
        '\n    <span class="indsats-card-meta">Ane &amp; Bo</span>'
        '\n    <p class="indsats-timeline-text">Godkendt &lt;b&gt;nu&lt;/b&gt;<br>&amp; &quot;straks&quot;</p>'
        "\n  </li>\n  \n</ol>"
    ) in page
    review_url = reverse("interventions:review_detail", args=[review.pk])
    assert (
        f'\n    <tr>\n      <td><a href="{review_url}">Fase 0: Screening</a></td>'
        "\n      <td>Afgjort</td>\n      <td>1. juni 2026</td>"
        "\n      <td>Godkend (&lt;Styregruppen&gt;, 2. juni 2026)</td>\n    </tr>\n  </tbody>"
    ) in page


def test_the_partners_show_their_periods_and_only_managers_get_the_edit_link(agency_staff, steering_member):
    intervention = InterventionFactory()
    municipality = MunicipalityFactory(name="Øster & Vester Kommune")
    partnership = Partnership.objects.create(
        intervention=intervention,
        municipality=municipality,
        role=PartnerRole.PILOT,
        joined_on=datetime.date(2025, 3, 1),
        ended_on=datetime.date(2026, 2, 28),
        funding_ended_on=datetime.date(2025, 12, 31),
    )
    url = reverse("interventions:detail", args=[intervention.pk])
    edit_url = reverse("interventions:partner_edit", args=[intervention.pk, partnership.pk])
    period = (
        "<li>Øster &amp; Vester Kommune: Pilotkommune"
        " (fra 1. marts 2025 til 28. feb. 2026; finansiering ophørt 31. dec. 2025)"
    )
    page = logged_in(agency_staff).get(url).content.decode()
    assert (
        f'{period} <a href="{edit_url}">Ret datoer'
        '<span class="sr-only"> (Øster &amp; Vester Kommune)</span></a></li></ul>'
    ) in page
    page = logged_in(steering_member).get(url).content.decode()
    assert f"{period}</li></ul>" in page and edit_url not in page


def test_the_detail_page_shows_the_current_phases_checklist(agency_staff):
    intervention = InterventionFactory()
    record = PhaseRecord.objects.get(intervention=intervention, phase=intervention.state)
    record.checklist.all().delete()
    client = logged_in(agency_staff)
    url = reverse("interventions:detail", args=[intervention.pk])
    empty = "<li>Fasen har ingen leverancer på tjeklisten.</li>\n  \n</ul>"
    assert empty in client.get(url).content.decode()
    ChecklistItem.objects.create(
        phase_record=record, order=1, title="Plan & <budget>", is_done=True, done_on=datetime.date(2026, 3, 2)
    )
    ChecklistItem.objects.create(phase_record=record, order=2, title="Workshop", is_required=False)
    page = client.get(url).content.decode()
    assert (
        '<ul class="nobullet-list indsats-checklist">\n  \n  <li class="is-done">'
        '<span class="indsats-check" aria-hidden="true">✓</span> Plan &amp; &lt;budget&gt;'
        ' <span class="weight-normal">(obligatorisk)</span><span class="sr-only">: færdig</span>'
        ' <span class="indsats-card-meta">2. marts 2026</span></li>\n  '
        '\n  <li class=""><span class="indsats-check" aria-hidden="true">○</span> Workshop'
        '<span class="sr-only">: ikke færdig</span></li>\n  \n</ul>'
    ) in page
    assert empty not in page


def test_the_practice_table_shows_the_newest_assessments_and_all_on_request(agency_staff, aarhus):
    intervention = InterventionFactory()
    PracticeAssessment.objects.bulk_create(
        PracticeAssessment(
            intervention=intervention,
            municipality=aarhus,
            assessed_on=datetime.date(2026, 6, 1) - datetime.timedelta(days=i),
        )
        for i in range(23)
    )
    client = logged_in(agency_staff)
    url = reverse("interventions:detail", args=[intervention.pk])
    days = re.compile(r'<th scope="row">' + re.escape(aarhus.name) + r"</th><td>(\d+)\. ")  # "1. jun. 2026"
    newest = [(datetime.date(2026, 6, 1) - datetime.timedelta(days=i)).day for i in range(23)]
    page = client.get(url).content.decode()
    assert [int(d) for d in days.findall(page)] == newest[:20]  # the newest 20, newest first
    assert 'href="?vurderinger=alle#lovende-praksis">Vis alle vurderinger</a>' in page
    whole = client.get(url, {"vurderinger": "alle"}).content.decode()
    assert [int(d) for d in days.findall(whole)] == newest
    assert "Vis alle vurderinger" not in whole


def test_return_and_stop_pages(agency_staff):
    intervention = InterventionFactory(state="testing")
    client = logged_in(agency_staff)
    page = client.get(reverse("interventions:return_to_phase", args=[intervention.pk])).content.decode()
    assert "Fase 0: Screening" in page and "Fase 1: Modning" in page and "Fase 3: Udbredelse" not in page
    client.post(
        reverse("interventions:return_to_phase", args=[intervention.pk]),
        {"phase": "maturation", "reason": "Manual."},
    )
    intervention.refresh_from_db()
    assert intervention.state == "maturation"
    response = client.post(reverse("interventions:stop", args=[intervention.pk]), {"reason": ""})
    assert "Dette felt er påkrævet." in response.content.decode()
    client.post(reverse("interventions:stop", args=[intervention.pk]), {"reason": "Ingen efterspørgsel."})
    intervention.refresh_from_db()
    assert intervention.state == "stopped" and intervention.stop_reason == "Ingen efterspørgsel."


def test_partners_contacts_references_and_materials_are_added(agency_staff, aarhus, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    intervention = InterventionFactory()
    client = logged_in(agency_staff)
    client.post(
        reverse("interventions:add_related", args=[intervention.pk, "partner"]),
        {"municipality": str(aarhus.pk), "role": "pilot", "joined_on": "2025-03-01"},
    )
    client.post(
        reverse("interventions:add_related", args=[intervention.pk, "kontakt"]),
        {"name": "Mette Madsen", "role": "Projektleder", "email": "mm@example.org"},
    )
    client.post(
        reverse("interventions:add_related", args=[intervention.pk, "reference"]),
        {"citation": "SFI (2016): Lovende praksis på det specialiserede socialområde", "year": "2016"},
    )
    upload = SimpleUploadedFile("manual.pdf", b"%PDF-1.4 manual", content_type="application/pdf")
    client.post(
        reverse("interventions:add_related", args=[intervention.pk, "materiale"]),
        {"title": "Manual", "kind": "manual", "file": upload},
    )
    body = client.get(reverse("interventions:detail", args=[intervention.pk])).content.decode()
    for text in [
        "Aarhus Kommune",
        "Pilotkommune",
        "Mette Madsen",
        "Lovende praksis på det specialiserede",
        "Manual",
    ]:
        assert text in body
    material = Material.objects.get()
    download = client.get(reverse("interventions:material", args=[intervention.pk, material.pk]))
    assert b"".join(download.streaming_content) == b"%PDF-1.4 manual"
    duplicate = client.post(
        reverse("interventions:add_related", args=[intervention.pk, "partner"]),
        {"municipality": str(aarhus.pk), "role": "pilot", "joined_on": "2025-03-01"},
    )
    assert "Aarhus Kommune deltager allerede i indsatsen." in duplicate.content.decode()


def test_knowledge_declaration_is_scored_and_drawn_as_a_spider_chart(agency_staff):
    intervention = InterventionFactory(state="testing")
    client = logged_in(agency_staff)
    data = {"declared_on": "2025-05-01"}
    for dimension, grade in zip(
        ["target_group", "method", "implementation", "effect", "economy"], "ABBCD", strict=True
    ):
        data[f"{dimension}_grade"] = grade
        data[f"{dimension}_reason"] = f"Begrundelse {grade}"
    data["economy_reason"] = ""
    response = client.post(reverse("interventions:declaration_new", args=[intervention.pk]), data)
    assert "Økonomi: begrundelse" in response.content.decode()
    data["economy_reason"] = 'Ingen business case endnu & "snart" <ikke>.'
    client.post(reverse("interventions:declaration_new", args=[intervention.pk]), data)
    declaration = KnowledgeDeclaration.objects.get()
    assert dict(declaration.scores.values_list("dimension", "grade")) == {
        "target_group": "A",
        "method": "B",
        "implementation": "B",
        "effect": "C",
        "economy": "D",
    }
    body = client.get(reverse("interventions:detail", args=[intervention.pk])).content.decode()
    assert "Vidensdeklaration som edderkoppediagram" in body
    assert (
        '<tr><th scope="row">Virkning</th><td>C</td><td>Begrundelse C</td></tr>'
        '<tr><th scope="row">Økonomi</th><td>D</td><td>Ingen business case endnu &amp; &quot;snart&quot;'
        " &lt;ikke&gt;.</td></tr></tbody>"
    ) in body
    assert "Over tid" not in body
    data.update(declared_on="2025-06-01", target_group_grade="B")
    client.post(reverse("interventions:declaration_new", args=[intervention.pk]), data)
    body = client.get(reverse("interventions:detail", args=[intervention.pk])).content.decode()
    assert "Seneste vidensdeklaration (1. juni 2025)" in body
    assert (
        '<tbody><tr><th scope="row">1. juni 2025</th><td>B</td><td>B</td><td>B</td><td>C</td><td>D</td></tr>'
        '<tr><th scope="row">1. maj 2025</th><td>A</td><td>B</td><td>B</td><td>C</td><td>D</td></tr></tbody>'
    ) in body


def test_the_agency_keeps_the_vocabulary_and_the_playbook(agency_staff):
    client = logged_in(agency_staff)
    assert client.get(reverse("interventions:configuration")).status_code == 200
    client.post(
        reverse("interventions:problem_area_create"),
        {"name": "Spiseforstyrrelser", "order": "5", "is_active": "on"},
    )
    assert ProblemArea.objects.filter(name="Spiseforstyrrelser").exists()
    client.post(
        reverse("interventions:template_create"),
        {
            "phase": "screening",
            "title": "Interessentanalyse",
            "is_required": "on",
            "order": "1",
            "is_active": "on",
        },
    )
    intervention = InterventionFactory()  # a phase entered from now on gets the new deliverable
    assert ChecklistItem.objects.filter(
        phase_record__intervention=intervention, title="Interessentanalyse"
    ).exists()


# --- the portfolio ----------------------------------------------------------------------------------------


def _portfolio(count, aarhus, agency):
    areas = list(ProblemArea.objects.all())
    states = ["screening", "maturation", "testing", "dissemination", "operation", "stopped"]
    for index in range(count):
        intervention = InterventionFactory(state=states[index % len(states)], owner=agency)
        intervention.problem_areas.set(areas[index % 3 : index % 3 + 2])
        if index % 2:
            partner(intervention, aarhus)
        if index % 3 == 0 and intervention.state in states[:4]:
            ready_review(intervention, status=ReviewStatus.SUBMITTED)
        PhaseRecord.objects.filter(intervention=intervention).update(
            committed_amount=100_000, planned_end=datetime.date(2020, 1, 1)
        )
    portfolio_totals.recount()  # the rows above are written outside the services


@pytest.mark.parametrize("url_name", ["interventions:board", "interventions:table", "interventions:index"])
def test_the_board_and_table_use_the_same_number_of_queries_for_10_and_50_interventions(
    url_name, agency_staff, aarhus, agency
):
    client = logged_in(agency_staff)
    counts = []
    for count in (10, 40):  # 10, then 50 in all
        _portfolio(count, aarhus, agency)
        client.get(reverse(url_name))  # warm the session
        cache.clear()  # measure the page as it is built, not the cached copy
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse(url_name), {"problemomraade": "", "fase": ""})
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_cached_board_is_rebuilt_after_any_write(agency_staff, steering_member, agency):
    intervention = InterventionFactory(name="Flyttes snart")
    review = ready_review(intervention, status=ReviewStatus.SUBMITTED)
    client = logged_in(steering_member)

    def column_of_the_card():
        body = client.get(reverse("interventions:board")).content.decode()
        columns = re.split(r'id="column-', body)
        return next(c.split('"', 1)[0] for c in columns[1:] if "Flyttes snart" in c)

    assert column_of_the_card() == "screening"
    assert column_of_the_card() == "screening"  # from the cache
    services.decide_gate_review(
        actor=steering_member, review=review, decision="approve", reason="OK", expected_version=review.version
    )
    assert column_of_the_card() == "maturation"


@pytest.mark.parametrize(
    ("url_name", "body"),
    [
        ("interventions:board", "interventions/_board_body.html"),
        ("interventions:table", "interventions/_table_body.html"),
    ],
)
def test_the_shared_cached_body_is_rendered_without_the_persons_context(
    url_name, body, steering_member, agency
):
    """Everyone with the same cache key gets the same body: it is rendered without the request, so no
    context processor (the person, their permissions, the page's nonce) reaches it."""
    InterventionFactory(name="Synlig", owner=agency)
    cache.clear()
    response = logged_in(steering_member).get(reverse(url_name))
    assert "Synlig" in response.content.decode()
    contexts = [
        context
        for template, context in zip(response.templates, response.context, strict=True)
        if template.name == body
    ]
    assert contexts
    assert all("user" not in context and "csp_nonce" not in context for context in contexts)


def test_the_board_shows_phases_money_and_waiting_reviews(agency_staff, aarhus, agency):
    _portfolio(12, aarhus, agency)
    body = logged_in(agency_staff).get(reverse("interventions:board")).content.decode()
    assert "Fase 2: Afprøvning" in body and "Venter på styregruppen" in body
    assert "200.000\u00a0kr." in body  # two interventions in each phase x 100,000
    assert "Porteføljen over tid" in body and "Søjlediagram" in body


def test_a_board_card_shows_its_days_in_the_phase_and_the_table_the_number(agency_staff):
    entered = timezone.now() - datetime.timedelta(days=1, hours=1)
    InterventionFactory(name="Én dag", state="testing", state_entered_at=entered)
    client = logged_in(agency_staff)
    board = client.get(reverse("interventions:board")).content.decode()
    assert '<span class="indsats-card-meta">1 dag i fasen</span>' in board
    table = client.get(reverse("interventions:table")).content.decode()
    assert '<td class="text-align-right">1</td>' in table and "dag i fasen" not in table


def test_table_filters_by_phase_programme_problem_area_and_municipality(agency_staff, aarhus, agency):
    a = InterventionFactory(name="Alfa", state="testing", programme="P1")
    b = InterventionFactory(name="Beta", state="screening", programme="P2")
    a.problem_areas.set([ProblemArea.objects.get(name="Handicap")])
    partner(b, aarhus)
    client = logged_in(agency_staff)

    def names(**params):
        body = client.get(reverse("interventions:table"), params).content.decode()
        return [n for n in ("Alfa", "Beta") if f">{n}</a>" in body]

    assert names() == ["Alfa", "Beta"]
    assert names(fase="testing") == ["Alfa"]
    assert names(program="P2") == ["Beta"]
    assert names(problemomraade=ProblemArea.objects.get(name="Handicap").pk) == ["Alfa"]
    assert names(kommune=aarhus.pk) == ["Beta"]
    assert names(q="alf") == ["Alfa"]


def test_the_excel_export_is_a_real_workbook_with_the_filters_applied(agency_staff, aarhus, agency):
    a = InterventionFactory(name="Alfa", state="testing", owner=agency)
    InterventionFactory(name="Beta", state="screening")
    partner(a, aarhus)
    PhaseRecord.objects.filter(intervention=a).update(committed_amount=1_250_000)
    response = logged_in(agency_staff).get(reverse("interventions:export"), {"fase": "testing"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header, data = rows[0], rows[1:]
    assert header[0] == "Navn" and len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["Navn"] == "Alfa"
    assert row["Fase"] == "Fase 2: Afprøvning"
    assert row["Partnerkommuner"] == "Aarhus Kommune" and row["Antal partnerkommuner"] == 1
    assert row["Bevilget i fasen (kr.)"] == 1_250_000
    assert isinstance(row["I fasen siden"], datetime.datetime)


def test_the_steering_group_sees_its_waiting_reviews_on_the_front_page(steering_member):
    intervention = InterventionFactory(name="Ventende indsats")
    ready_review(intervention, status=ReviewStatus.SUBMITTED)
    body = logged_in(steering_member).get(reverse("dashboard:home")).content.decode()
    assert "Gate reviews, der venter på dig" in body and "Ventende indsats" in body
    body = logged_in(steering_member).get(reverse("interventions:reviews_waiting")).content.decode()
    assert "Ventende indsats" in body


def test_the_menu_shows_indsatser(aarhus_caseworker):
    body = logged_in(aarhus_caseworker).get(reverse("dashboard:home")).content.decode()
    assert reverse("interventions:index") in body


@pytest.mark.parametrize("per_column", [0, 1, 15])
def test_the_boards_counts_per_state_agree_with_the_interventions_whatever_cards_it_shows(
    per_column, agency_staff, agency
):
    """The cards and the counts come from one query (window aggregates beside the cards' row numbers):
    the counts must not depend on how many cards a column shows (0 for the API). The reference counts
    the interventions one by one in Python."""
    from indsats.interventions.selectors import PortfolioFilters, portfolio_board
    from indsats.interventions.workflow import PHASES

    states = ["screening", "screening", "testing", "testing", "testing", "operation", "stopped"]
    for index, state in enumerate(states):
        intervention = InterventionFactory(state=state, owner=agency)
        if state == "testing" and index != 4:
            ready_review(intervention, status=ReviewStatus.SUBMITTED if index == 2 else ReviewStatus.DRAFT)
        PhaseRecord.objects.filter(intervention=intervention).update(
            planned_end=datetime.date(2020, 1, 1) if index % 2 == 0 else datetime.date(2999, 1, 1)
        )
    portfolio_totals.recount()  # written outside the services
    board = portfolio_board(user=agency_staff, filters=PortfolioFilters(), per_column=per_column)

    today = datetime.date.today()
    expected: dict[str, dict[str, int]] = {}
    for intervention in Intervention.objects.all():
        row = expected.setdefault(intervention.state, {"n": 0, "waiting": 0, "due": 0})
        waiting = intervention.gate_reviews.filter(status=ReviewStatus.SUBMITTED).exists()
        current = intervention.phase_records.filter(phase=intervention.state).first()
        row["n"] += 1
        row["waiting"] += waiting
        row["due"] += bool(current and current.planned_end and current.planned_end < today and not waiting)
    columns = {column.state: column for column in [*board.columns, *board.end_states]}
    assert {state: column.count for state, column in columns.items() if column.count} == {
        state: row["n"] for state, row in expected.items()
    }
    assert board.total == len(states)
    assert board.waiting_reviews == sum(expected.get(p, {}).get("waiting", 0) for p in PHASES) == 1
    assert board.reviews_due == sum(expected.get(p, {}).get("due", 0) for p in PHASES) == 2
    assert [len(columns[p].cards) for p in PHASES] == [
        min(per_column, expected.get(p, {}).get("n", 0)) for p in PHASES
    ]
    testing = columns["testing"].cards
    assert [c.waiting_review for c in testing] == [True, False, False][: len(testing)]


def test_the_detail_pages_links_are_the_addresses_reverse_writes():
    """display.intervention_links, resolved once per process and URLconf, for every link of the page."""
    for pk in (1, 42, 10**12):
        pages = ["edit", "join", "phase", "start_review", "return_to_phase", "stop"]
        pages += ["declaration_new", "practice_new"]
        expected = {key: reverse(f"interventions:{key}", args=[pk]) for key in pages}
        expected["setup"] = reverse("outcomes:intervention_setup", args=[pk])
        for key, kind in [
            ("add_partner", "partner"),
            ("add_material", "materiale"),
            ("add_reference", "reference"),
            ("add_contact", "kontakt"),
        ]:
            expected[key] = reverse("interventions:add_related", args=[pk, kind])
        assert display.intervention_links(pk) == expected
    set_script_prefix("/under/")
    try:
        assert display.intervention_links(7)["stop"] == "/under/indsatser/7/stop/"
    finally:
        set_script_prefix("/")


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_practice_rows_are_the_template_loops_rows(language, agency_staff):
    """display.practice_rows_html against the loop the detail template had, escaping the name."""
    intervention = InterventionFactory()
    municipality = MunicipalityFactory(name="Kommune <&> 'x'")
    for day, score in ((1, 0), (2, 2)):
        services.record_practice_assessment(
            actor=agency_staff,
            intervention=intervention,
            municipality=municipality,
            scores={e: (score + i) % 3 for i, e in enumerate(PracticeElement.values)},
            assessed_on=datetime.date(2025, 5, day),
        )
    loop = Template(
        "{% load formatting %}{% for row in practice_rows %}\n"
        '    <tr><th scope="row">{{ row.assessment.municipality.name }}</th>'
        "<td>{{ row.assessment.assessed_on|short_date }}</td>\n"
        '    {% for score in row.assessment.scores.all %}<td class="text-align-right">{{ score.score }}</td>'
        "{% endfor %}\n"
        '    <td class="text-align-right">{{ row.present }}/11</td>'
        '<td class="text-align-right">{{ row.total }}/22</td></tr>\n'
        "  {% endfor %}"
    )
    rows = selectors.practice_rows(
        selectors.practice_assessments(user=agency_staff, intervention=intervention)
    )
    lines = selectors.intervention_practice_lines(user=agency_staff, intervention=intervention)
    with translation.override(language):
        expected = loop.render(Context({"practice_rows": rows}))
        assert display.practice_rows_html(lines) == expected
    assert "Kommune &lt;&amp;&gt; &#x27;x&#x27;" in expected and expected.count("<tr>") == 2


def test_the_practice_columns_are_the_template_loops_in_each_language():
    """display.practice_columns_html (kept per language) against the loop the detail template had."""
    loop = Template(
        '{% for element in elements %}<th scope="col" class="text-align-right"><abbr title="{{ element.label }}">'
        '{{ element.label|slice:":4" }}.</abbr></th>{% endfor %}'
    )
    drawn = {}
    for language in ("da", "en", "da"):
        with translation.override(language):
            expected = loop.render(Context({"elements": list(PracticeElement)}))
            assert display.practice_columns_html() == expected
            drawn.setdefault(language, expected)
    assert drawn["da"] != drawn["en"] and 'title="Individuel tilrettelæggelse">Indi.</abbr>' in drawn["da"]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize(
    "state", [InterventionState.TESTING, InterventionState.STOPPED, InterventionState.SCREENING]
)
def test_the_phase_track_is_the_template_loops(language, state):
    """display.phase_items_html against the loop the detail template had: current, visited with and
    without days, and phases not reached."""
    intervention = InterventionFactory(state=state)
    PhaseRecord.objects.filter(intervention=intervention).delete()
    records = {
        InterventionState.SCREENING: PhaseRecord(
            intervention=intervention,
            phase=InterventionState.SCREENING,
            actual_start=datetime.date(2024, 1, 5),
            actual_end=datetime.date(2024, 5, 1),
        ),
        InterventionState.MATURATION: PhaseRecord(
            intervention=intervention,
            phase=InterventionState.MATURATION,
            actual_start=datetime.date(2024, 5, 2),
        ),
        InterventionState.TESTING: PhaseRecord(intervention=intervention, phase=InterventionState.TESTING),
    }
    loop = Template(
        "{% load formatting %}{% for phase, label, record in phases %}\n"
        '  <li class="{% if phase == intervention.state %}is-current{% elif record %}is-visited{% endif %}"'
        '{% if phase == intervention.state %} aria-current="step"{% endif %}>\n'
        '    <span class="indsats-phase-name">{{ label }}</span>\n'
        '    {% if record and record.actual_start %}<span class="indsats-phase-dates">'
        "{{ record.actual_start|short_date }}{% if record.actual_end %} – {{ record.actual_end|short_date }}"
        "{% endif %}</span>{% endif %}\n"
        "  </li>\n"
        "  {% endfor %}"
    )
    with translation.override(language):
        phases = [(p, p.label, records.get(p)) for p in PHASES]
        expected = loop.render(Context({"phases": phases, "intervention": intervention}))
        assert display.phase_items_html(intervention.state, records) == expected
    assert expected.count("is-visited") == (3 if state == InterventionState.STOPPED else 2)


# the facts and core elements as detail.html wrote them before display.about_html
ABOUT_TEMPLATE = """{% load i18n formatting %}<div class="row">
  <div class="col-12 col-lg-7">
    <h2>{% translate "Om indsatsen" %}</h2>
    <dl class="indsats-facts">
      <dt>{% translate "Fase" %}</dt><dd>{{ intervention.get_state_display }} ({% blocktranslate with date=intervention.state_entered_at|short_date %}siden {{ date }}{% endblocktranslate %})</dd>
      <dt>{% translate "Målgruppe" %}</dt><dd>{% blocktranslate with a=intervention.age_from b=intervention.age_to %}{{ a }}-{{ b }} år{% endblocktranslate %}{% if intervention.target_group %}. {{ intervention.target_group }}{% endif %}</dd>
      <dt>{% translate "Problemområder" %}</dt><dd>{% for area in intervention.problem_areas.all %}{{ area.name }}{% if not forloop.last %}, {% endif %}{% empty %}–{% endfor %}</dd>
      <dt>{% translate "Oprindelse" %}</dt><dd>{{ intervention.get_origin_display }}</dd>
      <dt>{% translate "Ejer" %}</dt><dd>{{ intervention.owner.name }}</dd>
      <dt>{% translate "Program" %}</dt><dd>{{ intervention.programme|default:"–" }}</dd>
      <dt>{% translate "Åben for nye kommuner" %}</dt><dd>{% if intervention.is_open_to_join %}{% translate "Ja" %}{% else %}{% translate "Nej" %}{% endif %}</dd>
    </dl>
    {% if intervention.description %}<h3>{% translate "Beskrivelse" %}</h3><p>{{ intervention.description|linebreaksbr }}</p>{% endif %}
  </div>
  <div class="col-12 col-lg-5">
    <h2>{% translate "Kerneelementer" %}</h2>
    {% if intervention.core_element_list %}<ul>{% for element in intervention.core_element_list %}<li>{{ element }}</li>{% endfor %}</ul>{% else %}<p>{% translate "Ikke beskrevet endnu." %}</p>{% endif %}
  </div>
</div>"""


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_facts_about_an_intervention_are_what_the_template_wrote(language, agency_staff):
    """display.about_html against the template's two columns: an intervention with every optional fact
    (text to escape, several lines, several problem areas) and one with none, each read as the page reads
    it (selectors.intervention_detail)."""
    full = InterventionFactory(
        owner__name="Ejer <&> 'x'",
        state=InterventionState.STOPPED,
        age_from=6,
        age_to=17,
        target_group='Børn & "unge" <i>',
        programme="Program <b>",
        is_open_to_join=True,
        description="Første linje & <script>\nAnden linje",
        core_elements="- Element <1>\n- Element & 2",
    )
    full.problem_areas.set(
        [
            ProblemArea.objects.create(name=name, order=i)
            for i, name in enumerate(["Fravær & trivsel", "<Angst>"])
        ]
    )
    bare = InterventionFactory(programme="", target_group="", description="", core_elements="", age_to=0)
    template = Template(ABOUT_TEMPLATE)
    for made in (full, bare):
        intervention = selectors.intervention_detail(user=agency_staff, pk=made.pk)
        with translation.override(language):
            expected = template.render(Context({"intervention": intervention}))
            assert display.about_html(intervention) == expected
    assert "Element &lt;1&gt;" in display.about_html(full) and "<br>Anden linje" in display.about_html(full)


@pytest.mark.parametrize("limit", [selectors.TIMELINE_SHOWN + 1, None, 2])
def test_the_timelines_lines_are_the_events_the_orm_reads(limit, agency_staff):
    """selectors.timeline (plain rows, compiled once per shape) against the ORM: the same events, newest
    first, with the same values (the moments as aware datetimes) for the agency, reasons included."""
    intervention = InterventionFactory()
    now = timezone.now()
    InterventionEvent.objects.bulk_create(
        InterventionEvent(
            intervention=intervention,
            at=now - datetime.timedelta(hours=i % 3),  # equal moments: ordered by id, newest first
            kind=[EventKind.REVIEW_STARTED, EventKind.DECIDED, EventKind.RETURNED][i % 3],
            from_state=InterventionState.SCREENING if i % 2 else "",
            to_state=InterventionState.MATURATION if i % 2 else "",
            text=f"Grund {i} <&>",
            actor_name=f"Person {i}",
        )
        for i in range(25)
    )
    events = list(InterventionEvent.objects.filter(intervention=intervention).order_by("-at", "-id"))
    expected = [(e.pk, e.at, e.kind, e.from_state, e.to_state, e.text, e.actor_name) for e in events[:limit]]
    lines = selectors.timeline(user=agency_staff, intervention=intervention, limit=limit)
    assert [tuple(line) for line in lines] == expected
    assert all(line.at.tzinfo is not None for line in lines)


def test_the_reviews_lines_are_the_reviews_and_newest_decisions_the_orm_reads(
    agency_staff, aarhus_caseworker
):
    """selectors.reviews_of (plain rows, compiled once) against the ORM: the reviews newest first, each
    with the values of its newest decision (ties by id) or none; nothing for those outside the portfolio."""
    intervention = InterventionFactory(state=InterventionState.TESTING)
    moment = timezone.now().replace(microsecond=123456)
    undecided = GateReview.objects.create(
        intervention=intervention, phase=InterventionState.TESTING, status=ReviewStatus.DRAFT
    )
    decided = GateReview.objects.create(
        intervention=intervention,
        phase=InterventionState.SCREENING,
        status=ReviewStatus.DECIDED,
        submitted_at=moment,
    )
    for days, decision, name in [
        (2, "rejected", "Ældst"),
        (0, "approved", "Nyest <&>"),
        (0, "returned", "Sidst"),
    ]:
        GateDecision.objects.create(
            review=decided,
            decision=decision,
            decided_by_name=name,
            decided_at=moment - datetime.timedelta(days=days),
        )
    expected = []
    for review in GateReview.objects.filter(intervention=intervention).prefetch_related("decisions"):
        first = review.decisions.all()[:1]
        newest = (
            (first[0].pk, first[0].decision, first[0].decided_by_name, first[0].decided_at)
            if first
            else (None,) * 4
        )
        expected.append((review.pk, review.phase, review.status, review.submitted_at, *newest))
    lines = selectors.reviews_of(user=agency_staff, intervention=intervention)
    assert [tuple(line) for line in lines] == expected
    assert {line.pk for line in lines} == {decided.pk, undecided.pk}
    assert lines[[line.pk for line in lines].index(decided.pk)].decided_by_name == "Sidst"
    assert [line.is_open for line in lines] == [
        review.is_open for review in GateReview.objects.filter(intervention=intervention)
    ]
    assert selectors.reviews_of(user=aarhus_caseworker, intervention=intervention) == []


def test_the_declarations_lines_are_the_declarations_and_scores_the_orm_reads():
    """selectors.declarations (plain rows, compiled once, the scores read in the same query) against the
    ORM: the declarations newest first (ties by id), each with its scores in their order."""
    intervention = InterventionFactory()
    for number, day in enumerate((3, 5, 5)):
        declaration = KnowledgeDeclaration.objects.create(
            intervention=intervention, declared_on=datetime.date(2025, 1, day)
        )
        for index, dimension in enumerate(reversed(Dimension.values)):
            DeclarationScore.objects.create(
                declaration=declaration,
                dimension=dimension,
                grade="ABCD"[(number + index) % 4],
                reason=f"<{number}.{index}>",
            )
    expected = [
        (d.declared_on, [(s.dimension, s.grade, s.reason) for s in d.scores.all()])
        for d in KnowledgeDeclaration.objects.filter(intervention=intervention).order_by(
            "-declared_on", "-id"
        )
    ]
    lines = selectors.declarations(intervention=intervention)
    assert [(line.declared_on, [tuple(score) for score in line.scores]) for line in lines] == expected
    assert len(lines) == 3 and lines[0].scores[0].dimension == Dimension.values[-1]


# the lists of partners, materials, references and contacts as detail.html wrote them before
# display.related_lists_html
RELATED_TEMPLATE = """{% load i18n l10n %}<div class="row">
  <div class="col-12 col-lg-6">
    <h2 id="partnere">{% translate "Partnerkommuner" %}</h2>
    {% if intervention.partnerships.all %}
    <ul>{{ partner_items }}</ul>
    {% else %}<p>{% translate "Ingen kommuner endnu." %}</p>{% endif %}
    {% if may.manage %}<p><a href="{{ links.add_partner }}">{% translate "Tilføj partnerkommune" %}</a></p>{% endif %}
  </div>
  <div class="col-12 col-lg-6">
    <h2 id="materialer">{% translate "Manual og materialer" %}</h2>
    {% if intervention.materials.all %}
    <ul>{% for material in intervention.materials.all %}<li><a href="{% url 'interventions:material' intervention.pk material.pk %}">{{ material.title }}</a> ({{ material.get_kind_display }})</li>{% endfor %}</ul>
    {% else %}<p>{% translate "Ingen filer endnu." %}</p>{% endif %}
    {% if may.manage %}<p><a href="{{ links.add_material }}">{% translate "Tilføj manual eller materiale" %}</a></p>{% endif %}
  </div>
  <div class="col-12 col-lg-6">
    <h2 id="referencer">{% translate "Viden, indsatsen bygger på" %}</h2>
    {% if intervention.references.all %}
    <ul>{% for reference in intervention.references.all %}<li>{% if reference.url %}<a href="{{ reference.url }}">{{ reference.citation }}</a>{% else %}{{ reference.citation }}{% endif %}{% if reference.year %} ({{ reference.year|unlocalize }}){% endif %}</li>{% endfor %}</ul>
    {% else %}<p>{% translate "Ingen referencer endnu." %}</p>{% endif %}
    {% if may.manage %}<p><a href="{{ links.add_reference }}">{% translate "Tilføj reference" %}</a></p>{% endif %}
  </div>
  <div class="col-12 col-lg-6">
    <h2 id="kontakter">{% translate "Kontaktpersoner" %}</h2>
    {% if intervention.contacts.all %}
    <ul>{% for contact in intervention.contacts.all %}<li>{{ contact.name }}{% if contact.role %}, {{ contact.role }}{% endif %}{% if contact.organisation %}, {{ contact.organisation }}{% endif %}{% if contact.email %} – <a href="mailto:{{ contact.email }}">{{ contact.email }}</a>{% endif %}{% if contact.phone %} – {{ contact.phone }}{% endif %}</li>{% endfor %}</ul>
    {% else %}<p>{% translate "Ingen kontaktpersoner endnu." %}</p>{% endif %}
    {% if may.manage %}<p><a href="{{ links.add_contact }}">{% translate "Tilføj kontaktperson" %}</a></p>{% endif %}
  </div>
</div>"""


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_related_lists_are_what_the_template_wrote(language, agency_staff):
    """display.related_lists_html against the template's row of four lists, for a manager and for a
    reader: an intervention with every kind of item (text to escape, a reference with and without an
    address and a year, a contact with and without each detail) and one with none. A reference's year is
    a calendar year, written without a thousands separator (the template wrote "2.020" in Danish)."""
    full = InterventionFactory()
    partner(full, MunicipalityFactory(name="Kommune <&>"))
    for index, kind in enumerate(MaterialKind.values[:2]):
        Material.objects.create(
            intervention=full, title=f"Manual <{index}> & co", kind=kind, file=f"m/{index}.pdf"
        )
    EvidenceReference.objects.create(
        intervention=full, citation="Forfatter & <b>", url="https://x.dk/?a=1&b=2", year=2020
    )
    EvidenceReference.objects.create(intervention=full, citation="Uden adresse")
    Contact.objects.create(
        intervention=full,
        name="Anne <A>",
        role="Leder & ven",
        organisation="Org & <x>",
        email="a@x.dk",
        phone="12 34",
    )
    Contact.objects.create(intervention=full, name="Bo")
    bare = InterventionFactory()
    template = Template(RELATED_TEMPLATE)
    for made in (full, bare):
        intervention = selectors.intervention_detail(user=agency_staff, pk=made.pk)
        links = display.intervention_links(intervention.pk)
        for manage in (True, False):
            with translation.override(language):
                partner_items = display.partner_items_html(intervention, may_manage=manage)
                expected = template.render(
                    Context(
                        {
                            "intervention": intervention,
                            "partner_items": partner_items,
                            "links": links,
                            "may": {"manage": manage},
                        }
                    )
                )
                written = display.related_lists_html(
                    intervention, partner_items=partner_items, links=links if manage else None
                )
            assert written == expected
        if made is full:
            assert "Manual &lt;0&gt; &amp; co" in written and "a=1&amp;b=2" in written
            assert "Forfatter &amp; &lt;b&gt;</a> (2020)</li>" in written  # a year, not "2.020"


def test_the_phase_lines_are_the_records_the_orm_reads(aarhus):
    """selectors.phase_records (plain rows, compiled once, checklists and organisations read in the same
    query) against the ORM: every record's dates and amount; the current phase's checklist in its order
    with its flags and days, and its organisations' names in their order; nothing of the other phases'."""
    intervention = InterventionFactory(state=InterventionState.TESTING)
    earlier = PhaseRecord.objects.create(
        intervention=intervention,
        phase=InterventionState.SCREENING,
        actual_start=datetime.date(2024, 1, 5),
        actual_end=datetime.date(2024, 5, 1),
        committed_amount=Decimal("1250.50"),
    )
    ChecklistItem.objects.create(phase_record=earlier, title="Tidligere")
    earlier.organisations.set([aarhus])
    current = PhaseRecord.objects.get(intervention=intervention, phase=InterventionState.TESTING)
    ChecklistItem.objects.filter(phase_record=current).delete()
    ChecklistItem.objects.create(
        phase_record=current, title="B <&>", order=2, is_done=True, done_on=datetime.date(2025, 3, 1)
    )
    ChecklistItem.objects.create(phase_record=current, title="A", order=1, is_required=False)
    current.organisations.set(
        [aarhus, MunicipalityFactory(name="Ærø Kommune"), MunicipalityFactory(name="Allerød")]
    )
    expected = []
    for record in PhaseRecord.objects.filter(intervention=intervention).prefetch_related(
        "checklist", "organisations"
    ):
        is_current = record.phase == intervention.state
        checklist = [(i.title, i.is_required, i.is_done, i.done_on) for i in record.checklist.all()]
        names = [o.name for o in record.organisations.all()]
        expected.append(
            (
                record.phase,
                record.actual_start,
                record.actual_end,
                record.planned_start,
                record.planned_end,
                record.committed_amount,
                checklist if is_current else [],
                names if is_current else [],
            )
        )
    lines = selectors.phase_records(intervention)
    assert [(*line[:6], [tuple(i) for i in line.checklist], line.organisations) for line in lines] == expected
    assert [len(line.checklist) for line in lines] == [0, 2]


def test_the_partnerships_are_what_select_related_gives(aarhus):
    """selectors.partnerships_of (plain rows made into instances, compiled once) against the ORM's
    select_related read: the same partnerships in their order, every field of each and of its
    municipality, and the municipality read without a further query."""
    intervention = InterventionFactory()
    municipalities = [MunicipalityFactory(name="Ærø"), aarhus, MunicipalityFactory(name="Allerød")]
    for index, municipality in enumerate(municipalities):
        Partnership.objects.create(
            intervention=intervention,
            municipality=municipality,
            role=PartnerRole.values[index % len(PartnerRole.values)],
            joined_on=datetime.date(2024, 1, 1 + index),
            ended_on=datetime.date(2025, 1, 1) if index == 1 else None,
        )
    partner(InterventionFactory(), aarhus)  # another intervention's

    def values(instance):
        return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}

    expected = [
        (values(p), values(p.municipality))
        for p in Partnership.objects.select_related("municipality").filter(intervention=intervention)
    ]
    read = selectors.partnerships_of(intervention.pk)
    with CaptureQueriesContext(connection) as queries:
        assert [(values(p), values(p.municipality)) for p in read] == expected
    assert len(queries) == 0 and len(read) == 3
