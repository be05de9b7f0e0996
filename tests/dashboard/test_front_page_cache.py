"""The front page keeps its panels between requests and builds them afresh after every write; a live
fact (what a background task or the clock changes without a write) is read on every request."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from indsats.accounts.models import OrganisationKind, Role
from indsats.economy.models import BusinessCaseResult, ResultStatus
from indsats.grants.models import Pool
from indsats.outcomes.services.participants import register_participant
from tests.conftest import logged_in
from tests.economy.factories import BusinessCaseFactory
from tests.factories import OrganisationFactory, person_with_role
from tests.grants.factories import PoolFactory
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db

# Valid CPR numbers of made-up children; never stored, only their pseudonyms.
CPR_A, CPR_B = "010115-4001", "020215-4002"


def facts(client, title: str) -> tuple[dict[str, str], int]:
    """The facts of one panel of the front page, and the queries the page took."""
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("dashboard:home")).content.decode()
    panel = page.split(f">{title}</h2>", 1)[1].split("</section>", 1)[0]
    return dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", panel)), len(queries)


def test_a_kept_panel_is_built_afresh_after_a_write(aarhus, aarhus_caseworker):
    intervention = InterventionFactory()
    register_participant(actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=CPR_A)
    client = logged_in(aarhus_caseworker)
    first, built = facts(client, "Resultatdokumentation")
    again, kept = facts(client, "Resultatdokumentation")
    assert first["Børn registreret"] == again["Børn registreret"] == "1"
    assert kept < built  # the kept panels cost no queries

    register_participant(actor=aarhus_caseworker, municipality=aarhus, intervention=intervention, cpr=CPR_B)
    after, _queries = facts(client, "Resultatdokumentation")
    assert after["Børn registreret"] == "2"


def test_a_kept_panel_shows_a_background_tasks_progress_at_once(db):
    economist = person_with_role(Role.ECONOMIST, OrganisationFactory(kind=OrganisationKind.EVALUATOR))
    case = BusinessCaseFactory()
    result = BusinessCaseResult.objects.create(
        case=case,
        status=ResultStatus.RUNNING,
        document={},
        inputs_hash="0" * 64,
        engine_version="1",
        draws=0,
        seed=1,
    )
    client = logged_in(economist)
    running, _queries = facts(client, "Økonomi")
    assert running["Beregninger i gang"] == "1"
    # the task finishes as tasks do: an update of the row, no audit entry
    BusinessCaseResult.objects.filter(pk=result.pk).update(status=ResultStatus.DONE)
    done, _queries = facts(client, "Økonomi")
    assert done["Beregninger i gang"] == "0"
    assert done["Business cases"] == "1"


def test_a_pool_that_opens_shows_at_once_on_a_kept_panel(aarhus_caseworker):
    """A pool opens at its own minute, with no write: the kept panel reads the open pools every time."""
    pool = PoolFactory(opens_at=timezone.now() + datetime.timedelta(minutes=5))
    client = logged_in(aarhus_caseworker)
    before, built = facts(client, "Puljer")
    assert before["Åbne puljer"] == "0"
    Pool.objects.filter(pk=pool.pk).update(
        opens_at=timezone.now() - datetime.timedelta(minutes=1)
    )  # time passes
    after, kept = facts(client, "Puljer")
    assert after["Åbne puljer"] == "1"
    assert after["Jeres kladder"] == before["Jeres kladder"] == "0"
    assert kept < built
