"""Every id on the pages that show a result is unique and names what it labels: the by-payer table's
caption is named by the result (its page, the case's page and the PDF appendix) or by the column it stands
in (the comparison, where one result may stand in both columns), never "None"."""

from __future__ import annotations

import re
from collections import Counter

import pytest
from django.urls import reverse

from indsats.economy import exports, services
from tests.conftest import logged_in
from tests.economy.factories import worked_example_case

pytestmark = pytest.mark.django_db


def _ids(html: str) -> list[str]:
    return re.findall(r'\sid="([^"]*)"', html)


def _assert_ids_unique_and_named(html: str) -> None:
    ids = _ids(html)
    repeated = [name for name, count in Counter(ids).items() if count > 1]
    assert not repeated, repeated
    assert not [name for name in ids if "None" in name]


def _payers_labels(html: str) -> list[str]:
    """The ids that the by-payer tables' regions name as their labels."""
    return [
        name
        for labels in re.findall(r'aria-labelledby="([^"]*)"', html)
        for name in labels.split()
        if name.startswith("payers-caption")
    ]


def test_the_result_and_case_pages_name_the_payers_caption_by_the_result(economist):
    result = services.request_computation(actor=economist, case=worked_example_case(draws=300))
    client = logged_in(economist)
    for url in (
        reverse("economy:result_detail", args=[result.pk]),
        reverse("economy:case_detail", args=[result.case.pk]),
    ):
        html = client.get(url).content.decode()
        _assert_ids_unique_and_named(html)
        assert f'<caption id="payers-caption-{result.pk}">' in html
        assert _payers_labels(html) == [f"payers-caption-{result.pk}"]


def test_the_comparison_names_each_payers_caption_by_its_column(economist):
    first = services.request_computation(actor=economist, case=worked_example_case(name="Model A"))
    second = services.request_computation(actor=economist, case=worked_example_case(name="Model B"))
    client = logged_in(economist)
    for a, b in ((first, second), (first, first)):  # one result may stand in both columns
        html = client.get(reverse("economy:compare"), {"a": a.pk, "b": b.pk}).content.decode()
        _assert_ids_unique_and_named(html)
        assert _payers_labels(html) == ["payers-caption-1", "payers-caption-2"]
        for column in (1, 2):
            assert f'<caption id="payers-caption-{column}">' in html


def test_the_pdf_appendix_names_the_payers_caption_by_the_result(economist):
    result = services.request_computation(actor=economist, case=worked_example_case(draws=300))
    html = exports.appendix_html(result)
    _assert_ids_unique_and_named(html)
    assert f'<caption id="payers-caption-{result.pk}">' in html
    assert _payers_labels(html) == [f"payers-caption-{result.pk}"]
