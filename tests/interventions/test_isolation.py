"""A municipality sees the interventions it takes part in and those open to join, and never another
municipality's practice assessments: every page and API endpoint is tried."""

from __future__ import annotations

import datetime
import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from indsats.interventions import access, selectors, services
from indsats.interventions.models import (
    EventKind,
    GateReview,
    Intervention,
    InterventionEvent,
    Material,
    PracticeAssessment,
    PracticeElement,
    ReviewStatus,
)
from tests.conftest import logged_in
from tests.interventions.factories import InterventionFactory, partner, ready_review

pytestmark = pytest.mark.django_db

ALL_ONES = dict.fromkeys(PracticeElement.values, 1)


@pytest.fixture
def world(aarhus, odense, agency_staff):
    ours = InterventionFactory(name="Aarhus' indsats")
    partner(ours, aarhus)
    theirs = InterventionFactory(name="Odenses indsats")
    partner(theirs, odense)
    open_one = InterventionFactory(name="Åben indsats", is_open_to_join=True)
    for municipality, score in ((aarhus, 2), (odense, 0)):
        services.record_practice_assessment(
            actor=agency_staff,
            intervention=open_one,
            municipality=municipality,
            scores=dict.fromkeys(PracticeElement.values, score),
            assessed_on=datetime.date(2025, 1, 1),
            note=f"Note fra {municipality.name}",
        )
    services.record_practice_assessment(
        actor=agency_staff,
        intervention=theirs,
        municipality=odense,
        scores=ALL_ONES,
        assessed_on=datetime.date(2025, 2, 1),
    )
    review = ready_review(theirs, status=ReviewStatus.SUBMITTED)
    material = Material.objects.create(
        intervention=theirs, title="Fortrolig manual", kind="manual", file="x.pdf"
    )
    return {"ours": ours, "theirs": theirs, "open": open_one, "review": review, "material": material}


def test_the_municipality_index_lists_its_own_and_the_open_interventions(aarhus_manager, world):
    body = logged_in(aarhus_manager).get(reverse("interventions:index")).content.decode()
    assert "Aarhus&#x27; indsats" in body and "Åben indsats" in body
    assert "Odenses indsats" not in body


@pytest.mark.parametrize("who", ["aarhus_manager", "aarhus_caseworker"])
def test_another_municipalitys_intervention_is_not_found(who, request, world):
    client = logged_in(request.getfixturevalue(who))
    theirs = world["theirs"]
    assert client.get(reverse("interventions:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("interventions:detail", args=[world["ours"].pk])).status_code == 200
    assert client.get(reverse("interventions:detail", args=[world["open"].pk])).status_code == 200
    assert (
        client.get(reverse("interventions:material", args=[theirs.pk, world["material"].pk])).status_code
        == 404
    )


def test_the_detail_page_shows_only_the_own_municipalitys_practice_assessment(aarhus_manager, world):
    body = (
        logged_in(aarhus_manager)
        .get(reverse("interventions:detail", args=[world["open"].pk]))
        .content.decode()
    )
    assert "Aarhus Kommune" in body and "22/22" in body
    assert "Odense Kommune" not in body and "0/22" not in body


def test_the_practice_comparison_shows_only_the_own_municipality(aarhus_manager, world):
    body = (
        logged_in(aarhus_manager)
        .get(reverse("interventions:practice_comparison"), {"fase": ""})
        .content.decode()
    )
    assert "Aarhus Kommune" in body and "Odense Kommune" not in body


def test_the_agency_compares_every_municipalitys_assessments(agency_staff, world):
    body = logged_in(agency_staff).get(reverse("interventions:practice_comparison")).content.decode()
    assert "Aarhus Kommune" in body and "Odense Kommune" in body


PORTFOLIO_PAGES = ["board", "table", "export", "reviews_waiting"]
AGENCY_PAGES = [
    ("create", []),
    ("configuration", []),
    ("problem_area_create", []),
    ("template_create", []),
]
AGENCY_OBJECT_PAGES = ["edit", "phase", "return_to_phase", "stop", "declaration_new"]


@pytest.mark.parametrize("name", PORTFOLIO_PAGES)
def test_a_municipality_cannot_open_the_portfolio(name, aarhus_manager, world):
    assert logged_in(aarhus_manager).get(reverse(f"interventions:{name}")).status_code == 403


@pytest.mark.parametrize(("name", "args"), AGENCY_PAGES)
def test_a_municipality_cannot_open_the_agencys_pages(name, args, aarhus_manager, world):
    assert logged_in(aarhus_manager).get(reverse(f"interventions:{name}", args=args)).status_code == 403


@pytest.mark.parametrize("name", AGENCY_OBJECT_PAGES)
@pytest.mark.parametrize("which", ["ours", "theirs"])
def test_a_municipality_cannot_change_an_intervention(name, which, aarhus_manager, world):
    response = logged_in(aarhus_manager).get(reverse(f"interventions:{name}", args=[world[which].pk]))
    assert response.status_code in (403, 404)
    response = logged_in(aarhus_manager).post(reverse(f"interventions:{name}", args=[world[which].pk]), {})
    assert response.status_code in (403, 404)


def test_a_municipality_cannot_see_or_decide_gate_reviews(aarhus_manager, world):
    client = logged_in(aarhus_manager)
    review = world["review"]
    assert client.get(reverse("interventions:review_detail", args=[review.pk])).status_code == 403
    assert client.get(reverse("interventions:review_edit", args=[review.pk])).status_code == 403
    response = client.post(reverse("interventions:review_detail", args=[review.pk]), {"decision": "approve"})
    assert response.status_code == 403
    assert client.post(reverse("interventions:review_submit", args=[review.pk])).status_code == 403
    assert client.post(reverse("interventions:start_review", args=[world["ours"].pk])).status_code == 403


@pytest.mark.parametrize("who", ["aarhus_manager", "steering_member"])
def test_sending_a_gate_review_checks_the_permission_before_the_state(who, request, world):
    """Nobody without the right to send learns the state of the intervention (here: stopped)."""
    actor = request.getfixturevalue(who)
    theirs = world["theirs"]
    draft = world["review"]
    GateReview.objects.filter(pk=draft.pk).update(status=ReviewStatus.DRAFT)
    Intervention.objects.filter(pk=theirs.pk).update(state="stopped")
    response = logged_in(actor).post(reverse("interventions:review_submit", args=[draft.pk]), follow=True)
    assert response.status_code == 403
    assert "Stoppet" not in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.submit_gate_review(actor=actor, review=draft)
    with pytest.raises(PermissionDenied):
        services.start_gate_review(actor=actor, intervention=theirs)
    with pytest.raises(PermissionDenied):
        services.stop_intervention(actor=actor, intervention=theirs, reason="")


def test_a_municipality_cannot_act_on_an_intervention_it_may_not_see(aarhus_manager, odense, world):
    """Acting for another municipality is refused (403); for an intervention one may not see, it is not
    found (404), before anything about its state is said."""
    with pytest.raises(PermissionDenied):
        services.request_to_join(actor=aarhus_manager, intervention=world["open"], municipality=odense)
    aarhus = aarhus_manager.memberships.get().organisation
    with pytest.raises(Http404):
        services.request_to_join(actor=aarhus_manager, intervention=world["theirs"], municipality=aarhus)
    with pytest.raises(Http404):
        services.record_practice_assessment(
            actor=aarhus_manager,
            intervention=world["theirs"],
            municipality=aarhus,
            scores=ALL_ONES,
            assessed_on=datetime.date(2025, 1, 1),
        )


def test_a_municipality_assesses_only_for_itself(aarhus_manager, odense, aarhus, world):
    client = logged_in(aarhus_manager)
    assert client.get(reverse("interventions:practice_new", args=[world["theirs"].pk])).status_code == 404
    page = client.get(reverse("interventions:practice_new", args=[world["open"].pk])).content.decode()
    assert "Aarhus Kommune" in page and "Odense Kommune" not in page
    data = {
        "municipality": str(odense.pk),
        "assessed_on": "2025-06-01",
        **dict.fromkeys(PracticeElement.values, "1"),
    }
    response = client.post(reverse("interventions:practice_new", args=[world["open"].pk]), data)
    assert response.status_code == 200 and "Marker en gyldig valgmulighed" in response.content.decode()
    with pytest.raises(PermissionDenied):
        services.record_practice_assessment(
            actor=aarhus_manager,
            intervention=world["open"],
            municipality=odense,
            scores=ALL_ONES,
            assessed_on=datetime.date(2025, 1, 1),
        )
    data["municipality"] = str(aarhus.pk)
    assert (
        client.post(reverse("interventions:practice_new", args=[world["open"].pk]), data).status_code == 302
    )
    assert PracticeAssessment.objects.filter(municipality=aarhus, intervention=world["open"]).count() == 2


def test_a_caseworker_cannot_assess_practice(aarhus_caseworker, world):
    response = logged_in(aarhus_caseworker).get(
        reverse("interventions:practice_new", args=[world["open"].pk])
    )
    assert response.status_code == 403


def test_a_municipality_asks_to_join_an_open_intervention_only(aarhus_manager, aarhus, world):
    client = logged_in(aarhus_manager)
    assert client.get(reverse("interventions:join", args=[world["theirs"].pk])).status_code == 404
    response = client.post(
        reverse("interventions:join", args=[world["open"].pk]),
        {"municipality": str(aarhus.pk), "message": "Gerne"},
    )
    assert response.status_code == 302
    again = client.post(
        reverse("interventions:join", args=[world["open"].pk]), {"municipality": str(aarhus.pk)}
    )
    assert "Kommunen har allerede bedt om at deltage." in again.content.decode()
    closed = client.post(
        reverse("interventions:join", args=[world["ours"].pk]), {"municipality": str(aarhus.pk)}
    )
    assert "Indsatsen er ikke åben for nye kommuner." in closed.content.decode()


def test_audit_history_follows_the_same_rules(aarhus_manager, world):
    client = logged_in(aarhus_manager)

    def history(instance):
        content_type = ContentType.objects.get_for_model(type(instance))
        return client.get(reverse("history:object_history", args=[content_type.pk, instance.pk])).status_code

    assert history(world["ours"]) == 200
    assert history(world["theirs"]) == 403
    assert history(world["review"]) == 403
    own = PracticeAssessment.objects.get(municipality__name="Aarhus Kommune")
    other = PracticeAssessment.objects.filter(municipality__name="Odense Kommune").first()
    assert history(own) == 200
    assert history(other) == 403


# --- the API ----------------------------------------------------------------------------------------------


def test_api_lists_only_visible_interventions(aarhus_manager, agency_staff, world):
    names = {i["name"] for i in logged_in(aarhus_manager).get("/api/interventions/").json()}
    assert names == {"Aarhus' indsats", "Åben indsats"}
    names = {i["name"] for i in logged_in(agency_staff).get("/api/interventions/").json()}
    assert names == {"Aarhus' indsats", "Odenses indsats", "Åben indsats"}


def test_api_detail_hides_another_municipalitys_intervention(aarhus_manager, world):
    client = logged_in(aarhus_manager)
    assert client.get(f"/api/interventions/{world['theirs'].pk}").status_code == 404
    detail = client.get(f"/api/interventions/{world['ours'].pk}").json()
    assert detail["partners"][0]["municipality"] == "Aarhus Kommune"


def test_api_practice_assessments_are_the_own_municipalitys_only(aarhus_manager, agency_staff, world):
    url = f"/api/interventions/{world['open'].pk}/practice-assessments"
    mine = logged_in(aarhus_manager).get(url).json()
    assert [row["municipality"] for row in mine] == ["Aarhus Kommune"]
    assert mine[0]["total"] == 22 and mine[0]["elements_present"] == 11
    assert {row["municipality"] for row in logged_in(agency_staff).get(url).json()} == {
        "Aarhus Kommune",
        "Odense Kommune",
    }
    assert (
        logged_in(aarhus_manager)
        .get(f"/api/interventions/{world['theirs'].pk}/practice-assessments")
        .status_code
        == 404
    )


def test_api_portfolio_and_decisions_are_closed_to_a_municipality(aarhus_manager, world):
    client = logged_in(aarhus_manager)
    assert client.get("/api/interventions/portfolio").status_code == 403
    response = client.post(
        f"/api/interventions/gate-reviews/{world['review'].pk}/decision",
        {"decision": "approve", "reason": "x", "version": 1},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_api_needs_a_login(world):
    from django.test import Client

    assert Client().get("/api/interventions/").status_code == 401


def test_api_decision_by_the_steering_group_and_the_409_for_the_second(
    steering_member, steering_member_2, world
):
    review = world["review"]
    url = f"/api/interventions/gate-reviews/{review.pk}/decision"
    body = {"decision": "approve", "reason": "OK", "version": review.version}
    first = logged_in(steering_member).post(url, body, content_type="application/json")
    assert first.status_code == 200 and first.json()["intervention_state"] == "maturation"
    second = logged_in(steering_member_2).post(url, body, content_type="application/json")
    assert second.status_code == 409 and steering_member.get_full_name() in second.json()["detail"]


def test_api_portfolio_counts_for_the_steering_group(steering_member, world):
    data = logged_in(steering_member).get("/api/interventions/portfolio").json()
    assert data["total"] == 3 and data["waiting_reviews"] == 1
    assert {p["state"]: p["count"] for p in data["phases"]}["screening"] == 3


def test_an_own_open_intervention_is_listed_once_and_the_front_page_counts_agree(
    aarhus_manager, aarhus, world
):
    InterventionFactory(name="Aarhus' egen åbne indsats", owner=aarhus, is_open_to_join=True)
    client = logged_in(aarhus_manager)
    body = client.get(reverse("interventions:index")).content.decode()
    assert body.count("Aarhus&#x27; egen åbne indsats") == 1
    joinable = body.split("<h2>Indsatser, I kan tilslutte jer</h2>")[1]
    assert "Aarhus&#x27; egen åbne indsats" not in joinable and "Åben indsats" in joinable
    front = client.get(reverse("dashboard:home")).content.decode()
    panel = front.split("Jeres indsatser")[1][:1500]
    # 2 taken part in (partner of one, owner of one); 1 open to join (the one they neither own nor join)
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", panel))
    assert (facts["I deltager i"], facts["I kan tilslutte jer"]) == ("2", "1")


@pytest.mark.parametrize("who", ["aarhus_manager", "aarhus_caseworker", "evaluator", "agency_staff"])
def test_who_sees_an_intervention_read_with_its_partners_agrees_with_the_visible_interventions(
    who, request, world, aarhus
):
    """access.sees_intervention answers from the rows the detail page read (selectors.intervention_detail)
    what the query of visible_interventions answers: own, partner, open, none of these."""
    user = request.getfixturevalue(who)
    owned = InterventionFactory(name="Aarhus ejer", owner=aarhus)
    ended = InterventionFactory(name="Tidligere partner")
    partner(ended, aarhus)
    ended.partnerships.update(joined_on=datetime.date(2023, 1, 1), ended_on=datetime.date(2024, 1, 1))
    visible = set(access.visible_interventions(user).values_list("pk", flat=True))
    for intervention in [*world.values(), owned, ended]:
        if not isinstance(intervention, Intervention):
            continue
        read = Intervention.objects.prefetch_related("partnerships").get(pk=intervention.pk)
        assert access.sees_intervention(user, read) == (intervention.pk in visible), intervention.name
        assert selectors_sees(user, intervention.pk) == (intervention.pk in visible), intervention.name


def test_a_visitor_not_logged_in_sees_no_intervention_from_its_rows_either(db):
    """sees_intervention answers as can_view_intervention for someone not logged in: not even one open
    to join."""
    from django.contrib.auth.models import AnonymousUser

    open_one = InterventionFactory(name="Åben", is_open_to_join=True)
    read = Intervention.objects.prefetch_related("partnerships").get(pk=open_one.pk)
    assert access.sees_intervention(AnonymousUser(), read) is False
    assert access.can_view_intervention(AnonymousUser(), open_one) is False


def selectors_sees(user, pk: int) -> bool:
    try:
        selectors.intervention_detail(user=user, pk=pk)
    except Http404:
        return False
    return True


def test_a_municipalitys_timeline_leaves_out_the_review_steps_and_every_reason(aarhus_manager, world):
    """The whole timeline and its newest events alike (each read by its own compiled query)."""
    ours = world["ours"]
    now = timezone.now()
    InterventionEvent.objects.bulk_create(
        InterventionEvent(
            intervention=ours, at=now - datetime.timedelta(days=i), kind=kind, text=f"Grund {i}"
        )
        for i, kind in enumerate(
            [EventKind.REVIEW_STARTED, EventKind.REVIEW_SUBMITTED, EventKind.DECIDED] * 9
        )
    )
    expected = list(
        ours.events.exclude(kind__in=[EventKind.REVIEW_STARTED, EventKind.REVIEW_SUBMITTED])
        .order_by("-at", "-id")
        .values_list("pk", flat=True)
    )
    for limit in (selectors.TIMELINE_SHOWN + 1, None, 3):
        shown = selectors.timeline(user=aarhus_manager, intervention=ours, limit=limit)
        assert [event.id for event in shown] == expected[:limit]
        assert all(event.text == "" for event in shown)
    body = logged_in(aarhus_manager).get(
        reverse("interventions:detail", args=[ours.pk]), {"tidslinje": "alle"}
    )
    assert "Grund" not in body.content.decode()


@pytest.mark.parametrize("who", ["aarhus_manager", "agency_staff", "steering_member", "evaluator"])
def test_the_detail_pages_practice_lines_are_the_assessments_the_person_may_see(
    who, request, world, aarhus, odense
):
    """selectors.intervention_practice_lines (plain rows, compiled once per shape) against the ORM's
    practice_assessments and practice_rows: the same assessments, newest first, with the same scores."""
    user = request.getfixturevalue(who)
    intervention = world["open"]
    for day in range(1, 25):
        services.record_practice_assessment(
            actor=request.getfixturevalue("agency_staff"),
            intervention=intervention,
            municipality=(aarhus, odense)[day % 2],
            scores={e: (day + i) % 3 for i, e in enumerate(PracticeElement.values)},
            assessed_on=datetime.date(2025, 3, day // 2 + 1),  # two on a day: the newer id first
        )
    expected = [
        (
            row.assessment.municipality.name,
            row.assessment.assessed_on,
            [s.score for s in row.assessment.scores.all()],
        )
        for row in selectors.practice_rows(
            selectors.practice_assessments(user=user, intervention=intervention)
        )
    ]
    for limit in (selectors.PRACTICE_SHOWN + 1, None, 1):
        lines = selectors.intervention_practice_lines(user=user, intervention=intervention, limit=limit)
        assert [(line.municipality, line.assessed_on, line.scores) for line in lines] == expected[:limit]
        assert [(line.total, line.present) for line in lines] == [
            (sum(scores), scores.count(2)) for _name, _day, scores in expected[:limit]
        ]
    assert len(expected) == {"aarhus_manager": 13, "evaluator": 0}.get(who, 26)
