"""The result page shows a result from the parts of it kept with it (``shown``), never decoding the whole
stored result and input document: the same page as from the whole result, in both languages."""

from __future__ import annotations

import importlib
import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from indsats.economy import selectors, services
from indsats.economy.models import BusinessCaseResult
from indsats.economy.presentation import result_sections_html, result_view, shown_parts, shown_view
from tests.conftest import logged_in
from tests.economy.factories import CostLineFactory, worked_example_case
from tests.economy.test_result_page_queries import _without_csrf

pytestmark = pytest.mark.django_db


def _computed(economist, *, draws: int, outcomes: int) -> BusinessCaseResult:
    """A computed case with base alternatives, outcomes named to escape and more sensitivity rows than the
    page shows."""
    case = worked_example_case(draws=draws)
    CostLineFactory(case=case, name="Sædvanlig <indsats> & co", is_base_alternative=True, years="0, 1")
    for i in range(outcomes):
        case.outcomes.create(
            name=f"Effekt “{i}” <&>", baseline=Decimal("0.1"), effect_type="relative",
            effect_estimate=Decimal("-0.1"), effect_se=Decimal("0.05"), effect_source="x",
            unit_price_amount=Decimal(100 + i), unit_price_source="x",
        )  # fmt: skip
    result = services.request_computation(actor=economist, case=case)
    assert result.result is not None and len(result.result["sensitivity"]) > 10
    return result


def _reads_whole(sql: str) -> bool:
    """Whether the query selects a whole stored result or document (not a value read out of one)."""
    return bool(re.search(r'(SELECT |, )"economy_businesscaseresult"\."(result|document)"(,| FROM)', sql))


def test_the_result_and_case_pages_read_the_shown_parts_not_the_whole_result(economist):
    result = _computed(economist, draws=300, outcomes=12)
    client = logged_in(economist)
    for url in (
        reverse("economy:result_detail", args=[result.pk]),
        reverse("economy:case_detail", args=[result.case.pk]),
    ):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        assert "Nettonutidsværdi" in page and 'id="sensitivity-caption-' in page
        read = [q["sql"] for q in queries.captured_queries if "economy_businesscaseresult" in q["sql"]]
        assert any('"economy_businesscaseresult"."shown"' in sql for sql in read)
        assert not [sql for sql in read if _reads_whole(sql)]


@pytest.mark.parametrize("draws", [0, 300])
@pytest.mark.parametrize("language", ["da", "en"])
def test_the_shown_parts_give_what_the_whole_result_gave(economist, language, draws):
    result = _computed(economist, draws=draws, outcomes=12)
    whole = BusinessCaseResult.objects.get(pk=result.pk)
    read = selectors.result_page(user=economist, pk=result.pk)
    assert read.shown == json.loads(json.dumps(shown_parts(whole.result, whole.document)))
    with translation.override(language):
        assert result_sections_html(shown_view(read), read) == result_sections_html(result_view(whole), whole)


def test_a_result_stored_without_its_shown_parts_shows_the_same_page(economist):
    """A result a computation stored before the parts were kept is read whole, to the same page."""
    result = _computed(economist, draws=300, outcomes=3)
    client = logged_in(economist)
    url = reverse("economy:result_detail", args=[result.pk])
    for language in ("da", "en"):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        kept = client.get(url).content.decode()
        BusinessCaseResult.objects.filter(pk=result.pk).update(shown=None)
        assert _without_csrf(client.get(url).content.decode()) == _without_csrf(kept)
        result.refresh_from_db()
        BusinessCaseResult.objects.filter(pk=result.pk).update(
            shown=shown_parts(result.result, result.document)
        )


def test_a_computation_keeps_the_shown_parts_a_third_of_the_result(economist):
    result = BusinessCaseResult.objects.get(pk=_computed(economist, draws=300, outcomes=12).pk)
    assert result.shown == json.loads(json.dumps(shown_parts(result.result, result.document)))
    assert len(json.dumps(result.shown)) < len(json.dumps(result.result)) / 2


def test_the_migration_keeps_the_shown_parts_of_the_stored_results(economist):
    results = [_computed(economist, draws=draws, outcomes=2) for draws in (0, 300)]
    BusinessCaseResult.objects.update(shown=None)
    migration = importlib.import_module("indsats.economy.migrations.0004_result_shown")
    migration.keep_shown_parts(apps, None)
    for result in results:
        stored = BusinessCaseResult.objects.get(pk=result.pk)
        assert stored.shown == json.loads(json.dumps(shown_parts(stored.result, stored.document)))
