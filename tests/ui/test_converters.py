"""Ids in addresses: `url_with_id` writes the same address as `reverse` for every id."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from indsats.ui.converters import MAX_ID, url_with_id


@pytest.mark.parametrize(
    "name",
    ["evaluation:study_detail", "evaluation:study_create", "grants:grant_detail", "interventions:detail"],
)
def test_url_with_id_writes_the_address_reverse_writes(name):
    url = url_with_id(name)
    for pk in (1, 7, 42, 1000, 123_456_789, 10**17, MAX_ID // 10):
        assert url(pk) == reverse(name, args=[pk])


def test_url_with_id_puts_the_id_before_the_fixed_arguments():
    url = url_with_id("interventions:add_related", "partner")
    for pk in (1, 42, MAX_ID // 10):
        assert url(pk) == reverse("interventions:add_related", args=[pk, "partner"])


def test_url_with_id_puts_the_id_after_the_fixed_ids_before_it():
    url = url_with_id("interventions:partner_edit", before=(42,))
    for pk in (1, 7, MAX_ID // 10):
        assert url(pk) == reverse("interventions:partner_edit", args=[42, pk])


def test_url_with_id_refuses_an_address_without_an_id():
    with pytest.raises(NoReverseMatch):
        url_with_id("evaluation:index")
