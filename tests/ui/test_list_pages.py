"""Every list page that grows with the data shows one page at a time: exactly the page size, a next link
that keeps the filters, the same number of queries for 2 pages' and 10 pages' worth of rows, and no row
the person could not see before (checked on every page).

Each case builds its rows named "Rk-NNN" (the marker the page shows for the row) and, where the list is
scoped to the person, rows of another municipality named "Fremmed-NNN" that must never appear. The page
size is set to 5 here so that 10 pages are 50 rows; test_pagination.py checks the real size of 50.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from indsats.accounts.models import Organisation, OrganisationKind, Role, User
from indsats.audit.models import AuditEntry
from indsats.economy.models import PriceCatalogue
from indsats.evaluation.models import Study
from indsats.governance.models import Meeting
from indsats.grants.models import Application, ApplicationStatus, Grant, PoolStatus
from indsats.interventions.models import (
    GateReview,
    Intervention,
    OperationReport,
    PartnerRole,
    Partnership,
    PracticeAssessment,
)
from indsats.interventions.workflow import InterventionState
from indsats.operations.models import ScheduledRun
from indsats.outcomes.models import Enrolment, Instrument, InstrumentExplanation, Participant
from indsats.ui import pagination
from tests.conftest import logged_in
from tests.economy.factories import BusinessCaseFactory
from tests.factories import UserFactory, person_with_role
from tests.grants.factories import PoolFactory
from tests.interventions.factories import InterventionFactory
from tests.outcomes.factories import RoundFactory

SIZE = 5
MARKER = re.compile(r"Rk-(\d{3})")


@dataclass
class World:
    agency: Organisation
    aarhus: Organisation
    odense: Organisation
    staff: User
    admin: User
    caseworker: User
    other_caseworker: User
    shared: dict[str, Any]

    def once(self, name: str, make: Callable[[], Any]) -> Any:
        """One object shared by every row of a case (an intervention, a pool)."""
        if name not in self.shared:
            self.shared[name] = make()
        return self.shared[name]


@pytest.fixture
def world(agency, aarhus, odense, agency_staff, agency_admin, aarhus_caseworker, odense_caseworker) -> World:
    return World(agency, aarhus, odense, agency_staff, agency_admin, aarhus_caseworker, odense_caseworker, {})


def _mark(i: int) -> str:
    return f"Rk-{i:03d}"


def _intervention(name: str, **fields: Any) -> Intervention:
    return InterventionFactory(name=name, **fields)


# --- the cases: build(world, index, own) creates one row, named _mark(index) when own ---------------------


def _organisation(w: World, i: int, own: bool) -> None:
    Organisation.objects.create(name=_mark(i), kind=OrganisationKind.SERVICE_PROVIDER)


def _person(w: World, i: int, own: bool) -> None:
    UserFactory(first_name=_mark(i), username=f"rk{i:03d}")


def _price_catalogue(w: World, i: int, own: bool) -> None:
    PriceCatalogue.objects.create(version=i + 1, title=_mark(i))


def _business_case(w: World, i: int, own: bool) -> None:
    intervention = w.once("intervention", lambda: _intervention("Familiebehandling"))
    BusinessCaseFactory(intervention=intervention, name=_mark(i))


def _closed_pool(w: World, i: int, own: bool) -> None:
    past = timezone.now() - datetime.timedelta(days=30 + i)
    PoolFactory(title=_mark(i), opens_at=past - datetime.timedelta(days=30), deadline=past)


def _open_pool(w: World, i: int, own: bool) -> None:
    PoolFactory(title=_mark(i), status=PoolStatus.PUBLISHED)


def _application(w: World, i: int, own: bool) -> Application:
    pool = w.once("pool", PoolFactory)
    return Application.objects.create(
        pool=pool,
        applicant=w.aarhus if own else w.odense,
        title=_mark(i) if own else f"Fremmed-{i:03d}",
        purpose="Formål",
        amount_requested=Decimal("100000"),
        created_by=w.caseworker if own else w.other_caseworker,
        status=ApplicationStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )


def _grant(w: World, i: int, own: bool) -> None:
    application = _application(w, i, own)
    Grant.objects.create(
        application=application,
        amount=Decimal("100000"),
        awarded_at=timezone.now(),
        awarded_by=w.staff,
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
        start_deadline=datetime.date(2026, 6, 30),
    )


def _instrument(w: World, i: int, own: bool) -> None:
    Instrument.objects.create(key=f"a-rk-{i:03d}", version=1, name=_mark(i), definition={})


def _explanation(w: World, i: int, own: bool) -> None:
    intervention = w.once("intervention", lambda: _intervention("Familiebehandling"))
    instrument = Instrument.objects.create(
        key=f"x-{i:03d}-{own}", version=1, name=f"Redskab {i}", definition={}
    )
    InstrumentExplanation.objects.create(
        municipality=w.aarhus if own else w.odense,
        intervention=intervention,
        instrument=instrument,
        reason=_mark(i) if own else f"Fremmed-{i:03d}",
    )


def _participant(w: World, i: int, own: bool) -> None:
    Participant.objects.create(
        municipality=w.aarhus if own else w.odense,
        pseudonym=f"{'a' if own else 'o'}{i:063d}",
        birth_year=2015,
        sex="f",
        local_reference=_mark(i) if own else f"Fremmed-{i:03d}",
    )


def _setup_intervention(w: World, i: int, own: bool) -> None:
    _intervention(_mark(i))


def _study(w: World, i: int, own: bool) -> None:
    intervention = w.once("intervention", lambda: _intervention("Familiebehandling"))
    baseline = w.once("baseline", lambda: RoundFactory(intervention=intervention))
    follow_up = w.once(
        "follow_up", lambda: RoundFactory(intervention=intervention, kind="follow_up", order=1)
    )
    instrument = w.once(
        "instrument", lambda: Instrument.objects.create(key="rk-sdq", version=1, name="SDQ", definition={})
    )
    Study.objects.create(
        intervention=intervention,
        name=_mark(i),
        design="pre_post",
        instrument=instrument,
        score_key="total",
        baseline_round=baseline,
        follow_up_round=follow_up,
    )


def _audit_entry(w: World, i: int, own: bool) -> None:
    AuditEntry.objects.create(
        action="create",
        content_type=ContentType.objects.get_for_model(Organisation),
        object_id=str(10_000 + i),
        object_repr=_mark(i),
        changes={"navn": _mark(i)},
    )


def _object_history_entry(w: World, i: int, own: bool) -> None:
    AuditEntry.objects.create(
        action="update",
        content_type=ContentType.objects.get_for_model(Organisation),
        object_id=str(w.aarhus.pk),
        object_repr=str(w.aarhus),
        changes={"navn": ["Aarhus", _mark(i)]},
    )


def _meeting(w: World, i: int, own: bool) -> None:
    Meeting.objects.create(
        held_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=i), quorum=3, location=_mark(i)
    )


def _operation_report(w: World, i: int, own: bool) -> None:
    intervention = _intervention(_mark(i) if own else f"Fremmed-{i:03d}")
    partnership = Partnership.objects.create(
        intervention=intervention,
        municipality=w.aarhus if own else w.odense,
        role=PartnerRole.OPERATION,
        joined_on=datetime.date(2024, 1, 1),
    )
    OperationReport.objects.create(
        partnership=partnership, months_after_funding=12, due_on=datetime.date(2026, 1, 1)
    )


def _waiting_review(w: World, i: int, own: bool) -> None:
    intervention = _intervention(_mark(i))
    GateReview.objects.create(
        intervention=intervention,
        phase=InterventionState.SCREENING,
        status="submitted",
        submitted_at=timezone.now() + datetime.timedelta(minutes=i),
    )


def _practice_assessment(w: World, i: int, own: bool) -> None:
    intervention = _intervention(_mark(i), state=InterventionState.SCREENING)
    PracticeAssessment.objects.create(
        intervention=intervention, municipality=w.aarhus, assessed_on=datetime.date(2026, 1, 1)
    )


def _exposure_child(w: World, i: int, own: bool) -> None:
    intervention = w.once("intervention", lambda: _intervention("Familiebehandling"))
    participant = Participant.objects.create(
        municipality=w.aarhus if own else w.odense,
        pseudonym=(_mark(i) if own else f"Fremmed-{i:03d}").ljust(64, "0"),
        birth_year=2015,
        sex="f",
    )
    Enrolment.objects.create(participant=participant, intervention=intervention)


def _editorial_row(w: World, i: int, own: bool) -> None:
    _intervention(_mark(i))


def _scheduled_run(w: World, i: int, own: bool) -> None:
    ScheduledRun.objects.create(job=_mark(i), day=datetime.date(2020, 1, 1) + datetime.timedelta(days=i))


@dataclass(frozen=True)
class Case:
    name: str
    url: str  # with a filter (or a stand-in parameter) that the page links must keep
    viewer: str  # "staff", "admin", "caseworker" or "anonymous"
    context: str  # the Pagination in the template context
    build: Callable[[World, int, bool], None]
    scoped: bool = False  # rows of another municipality are built too, and must never show
    more_follow: bool = False  # rows that are not the case's follow its own (the built-in instruments)
    list_starts: str = ""  # where the list starts in the page, when the rows are named before it too


CASES = [
    Case("organisations", "/konto/organisationer/?q=Rk-", "staff", "organisations", _organisation),
    Case("people", "/konto/personer/?q=Rk", "staff", "people", _person),
    Case("price catalogues", "/oekonomi/priskatalog/?filter=1", "staff", "catalogues", _price_catalogue),
    Case("business cases", "/oekonomi/?filter=1", "staff", "cases", _business_case),
    Case("pools, other", "/puljer/?filter=1", "anonymous", "other_pools", _closed_pool),
    Case("pools, open", "/puljer/?filter=1", "caseworker", "open_pools", _open_pool),
    Case("applications", "/puljer/ansoegninger/?filter=1", "caseworker", "applications", _application, True),
    Case("grants", "/puljer/tilskud/?filter=1", "caseworker", "grants", _grant, True),
    Case(
        "instruments",
        "/resultater/maaleredskaber/?filter=1",
        "staff",
        "instruments",
        _instrument,
        more_follow=True,
    ),
    Case(
        "explanations", "/resultater/begrundelser/?filter=1", "caseworker", "explanations", _explanation, True
    ),
    Case("participants", "/resultater/deltagere/?filter=1", "caseworker", "participants", _participant, True),
    Case("outcomes set-up", "/resultater/?filter=1", "staff", "setup_interventions", _setup_intervention),
    Case("studies", "/evaluering/?filter=1", "staff", "studies", _study),
    Case("audit trail", "/historik/?type={organisation_type}", "staff", "entries", _audit_entry),
    Case(
        "a record's history",
        "/historik/{organisation_type}/{aarhus}/?filter=1",
        "staff",
        "entries",
        _object_history_entry,
    ),
    Case("meetings", "/styregruppe/?filter=1", "staff", "meetings", _meeting),
    Case(
        "operation follow-ups",
        "/styregruppe/drift/?filter=1",
        "caseworker",
        "reports",
        _operation_report,
        True,
    ),
    Case("waiting gate reviews", "/indsatser/gate-reviews/?filter=1", "staff", "reviews", _waiting_review),
    Case(
        "practice comparison",
        "/indsatser/lovende-praksis/?fase=screening",
        "staff",
        "rows",
        _practice_assessment,
    ),
    Case(
        "dose and fidelity, children",
        "/evaluering/indsats/{intervention}/dosis/?filter=1",
        "caseworker",
        "children",
        _exposure_child,
        True,
        list_starts='<caption id="exposure-children-caption">Jeres børn med',  # the form above offers every child in a select
    ),
    Case("catalogue editorial", "/katalog/redaktion/?filter=1", "staff", "interventions", _editorial_row),
    Case("scheduled runs", "/drift/?filter=1", "admin", "runs", _scheduled_run),
]


def _client(w: World, viewer: str) -> Client:
    if viewer == "anonymous":
        return Client()
    return logged_in({"staff": w.staff, "admin": w.admin, "caseworker": w.caseworker}[viewer])


def _url(case: Case, w: World) -> str:
    organisation_type = ContentType.objects.get_for_model(Organisation).pk
    intervention = w.shared.get("intervention")
    return case.url.format(
        organisation_type=organisation_type,
        aarhus=w.aarhus.pk,
        intervention=intervention.pk if intervention else 0,
    )


def _build(case: Case, w: World, start: int, count: int) -> None:
    for i in range(start, start + count):
        case.build(w, i, True)
        if case.scoped:
            case.build(w, i, False)


def _shown(html: str) -> set[str]:
    return set(MARKER.findall(html))


def _next_link(html: str, parameter: str) -> str:
    links = re.findall(r'<a href="([^"]+)" class="button button-arrow button-next" rel="next"', html)
    matching = [link.replace("&amp;", "&") for link in links if f"{parameter}=" in link]
    assert matching, "no next link"
    return matching[0]


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pagination, "PAGE_SIZE", SIZE)


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_list_page_shows_one_page_and_links_to_the_next_keeping_the_filters(case: Case, world: World):
    _build(case, world, 0, 2 * SIZE + 2)  # three pages: 5, 5 and 2
    client, url = _client(world, case.viewer), _url(case, world)
    parameter = "aabne-side" if case.context == "open_pools" else "side"
    seen: set[str] = set()
    response = client.get(url)
    for expected in (SIZE, SIZE, 2):
        assert response.status_code == 200, (case.name, response.status_code)
        page = response.context[case.context]
        assert len(page.items) == expected or (case.more_follow and len(page.items) == SIZE)
        html = response.content.decode()
        shown = _shown(html[html.index(case.list_starts) :])
        assert len(shown) == expected, (case.name, sorted(shown))
        assert not shown & seen, "a row shown on two pages"
        assert "Fremmed-" not in html, "a row of another municipality"
        seen |= shown
        if expected == 2:
            assert case.more_follow or 'class="button button-arrow button-next hidden"' in html
            break
        assert 'aria-current="page"' in html
        link = _next_link(html, parameter)
        filter_part = url.split("?", 1)[1]
        assert filter_part in link, (filter_part, link)
        response = client.get(url.split("?", 1)[0] + link)
    assert len(seen) == 2 * SIZE + 2


@pytest.mark.usefixtures("small_pages")
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_list_page_takes_as_many_queries_for_10_pages_of_rows_as_for_2(case: Case, world: World):
    _build(case, world, 0, 2 * SIZE)
    client, url = _client(world, case.viewer), _url(case, world)
    client.get(url)  # caches warmed (content types, the session)
    with CaptureQueriesContext(connection) as two_pages:
        assert client.get(url).status_code == 200
    _build(case, world, 2 * SIZE, 8 * SIZE)
    with CaptureQueriesContext(connection) as ten_pages:
        response = client.get(url)
    assert response.context[case.context].num_pages >= 10
    print(f"{case.name}: {len(two_pages)} queries for 2 pages of rows, {len(ten_pages)} for 10")
    assert len(ten_pages) == len(two_pages), [q["sql"] for q in ten_pages.captured_queries]


def test_the_real_page_size_is_50_rows(world: World):
    _build(CASES[0], world, 0, 60)
    response = logged_in(world.staff).get("/konto/organisationer/?q=Rk-")
    assert len(_shown(response.content.decode())) == 50
    second = logged_in(world.staff).get("/konto/organisationer/?q=Rk-&side=2")
    assert len(_shown(second.content.decode())) == 10


def test_a_page_past_the_last_shows_the_last_page(world: World):
    _build(CASES[0], world, 0, 60)
    client = logged_in(world.staff)
    assert client.get("/konto/organisationer/?q=Rk-&side=9").context["organisations"].number == 2
    assert client.get("/konto/organisationer/?q=Rk-&side=x").context["organisations"].number == 1


def test_a_caseworker_still_may_not_read_the_directory_or_the_trail(world: World):
    client = logged_in(world.caseworker)
    for url in ("/konto/organisationer/?side=2", "/historik/?side=2", "/drift/?side=2"):
        assert client.get(url).status_code == 403, url


def test_a_steering_member_sees_the_waiting_reviews_page_by_page(world: World):
    member = person_with_role(Role.STEERING_GROUP, username="steering-pages")
    for i in range(3):
        _waiting_review(world, i, True)
    response = logged_in(member).get("/indsatser/gate-reviews/?side=1")
    assert response.status_code == 200
    assert len(_shown(response.content.decode())) == 3
