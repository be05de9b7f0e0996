"""No server error on malformed input (issue 11, point 5): NUL bytes in query and form fields, huge
offsets and ids, non-numeric ids in URLs each get a 400 or a 404, never a 500. Run on SQLite and on
PostgreSQL (DATABASE_URL), where most of these used to fail."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from indsats.interventions.models import Intervention
from tests.conftest import logged_in
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def client(agency_staff) -> Client:
    c = logged_in(agency_staff)
    c.raise_request_exception = False
    return c


@pytest.mark.parametrize(
    "url",
    [
        "/indsatser/?q=%00",
        "/indsatser/tabel/?q=a%00b",
        "/indsatser/eksport.xlsx?q=%00",
        "/api/interventions/?q=%00",
        "/historik/?q=%00",
        "/?%00=1",
    ],
)
def test_a_nul_byte_in_a_query_is_a_400_with_a_danish_message(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_byte_in_a_form_field_is_a_400(client: Client, agency) -> None:
    response = client.post("/indsatser/ny/", {"name": "Alfa\x00", "short_description": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        f"/api/interventions/?offset={HUGE}",
        f"/api/interventions/?limit={HUGE}",
        f"/api/interventions/?problem_area={HUGE}",
        f"/api/interventions/?municipality={HUGE}",
        f"/api/interventions/{HUGE}",
        f"/indsatser/{HUGE}/",
        f"/indsatser/?problemomraade={HUGE}",
    ],
)
def test_huge_numbers_are_never_a_server_error(client: Client, url: str) -> None:
    InterventionFactory(name="Alfa")
    assert client.get(url).status_code in {200, 400, 404, 422}


def test_a_non_numeric_or_huge_id_in_the_history_url_is_a_404(client: Client) -> None:
    intervention = InterventionFactory(name="Alfa")
    content_type = ContentType.objects.get_for_model(Intervention)
    assert client.get(f"/historik/{content_type.pk}/{intervention.pk}/").status_code == 200
    for object_id in ("abc", HUGE, "1.5", "-"):
        assert client.get(f"/historik/{content_type.pk}/{object_id}/").status_code == 404, object_id
    assert client.get(f"/historik/{HUGE}/1/").status_code == 404
