"""The literature in the web: effect sizes on evidence references, pooled on one scale."""

from __future__ import annotations

import math
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from indsats.engine.statistics.meta_analysis import meta_analyse
from indsats.evaluation.literature import pooled_literature, reference_effect
from indsats.interventions.evidence import live_facts
from indsats.interventions.models import EvidenceReference
from tests.conftest import logged_in


def _hedges_g_by_hand(m1, s1, n1, m2, s2, n2):
    """Borenstein et al. (2009), eqs. 4.18-4.24, written out."""
    sp = math.sqrt(((n1 - 1) * s1**2 + (n2 - 1) * s2**2) / (n1 + n2 - 2))
    d = (m1 - m2) / sp
    vd = (n1 + n2) / (n1 * n2) + d**2 / (2 * (n1 + n2))
    j = 1 - 3 / (4 * (n1 + n2 - 2) - 1)
    return j * d, j**2 * vd


@pytest.fixture
def references(intervention):
    return [
        EvidenceReference.objects.create(
            intervention=intervention,
            citation="Hansen et al.",
            year=2019,
            effect_input="yi_vi",
            yi=0.31,
            vi=0.02,
        ),
        # SDQ total difficulties: lower is better, so the treated group's lower mean is an improvement
        EvidenceReference.objects.create(
            intervention=intervention,
            citation="Jensen & Berg",
            year=2021,
            effect_input="means",
            lower_is_better=True,
            mean_treated=12.0,
            sd_treated=5.0,
            n_treated=60,
            mean_control=14.0,
            sd_control=6.0,
            n_control=58,
        ),
        # placements out of home: fewer is better
        EvidenceReference.objects.create(
            intervention=intervention,
            citation="Nordic trial",
            year=2022,
            effect_input="counts",
            lower_is_better=True,
            events_treated=8,
            n_treated=100,
            events_control=17,
            n_control=100,
        ),
        EvidenceReference.objects.create(intervention=intervention, citation="A report without numbers"),
    ]


def test_each_reference_is_on_the_hedges_g_scale_with_improvement_positive(references):
    g, v = _hedges_g_by_hand(12.0, 5.0, 60, 14.0, 6.0, 58)
    means = reference_effect(references[1])
    assert (means.g, means.variance) == pytest.approx((-g, v), rel=1e-12)
    assert means.g > 0
    log_or = math.log((8 * 83) / (92 * 17))
    counts = reference_effect(references[2])
    assert counts.g == pytest.approx(-log_or * math.sqrt(3) / math.pi, rel=1e-12)
    assert counts.variance == pytest.approx((1 / 8 + 1 / 92 + 1 / 17 + 1 / 83) * 3 / math.pi**2, rel=1e-12)
    assert reference_effect(references[3]) is None


def test_the_literature_is_pooled_by_reml_and_feeds_the_effect_criterion(references, intervention):
    pool = pooled_literature(intervention)
    assert pool is not None and pool.result.k == 3
    expected = meta_analyse([e.g for e in pool.effects], [e.variance for e in pool.effects], method="reml")
    assert pool.result.estimate == pytest.approx(expected.estimate, rel=1e-12)
    assert pooled_literature(intervention, knapp_hartung=True).result.knapp_hartung
    facts = live_facts(intervention)["effect"]
    assert any("Litteraturens samlede effekt" in str(f.label) for f in facts)


def test_a_reference_missing_a_value_of_its_kind_is_refused(intervention):
    reference = EvidenceReference(
        intervention=intervention, citation="X", effect_input="means", mean_treated=1.0
    )
    with pytest.raises(ValidationError) as raised:
        reference.full_clean()
    assert "sd_treated" in raised.value.message_dict


def test_literature_page_shows_the_pooled_effect_and_the_forest_plot(agency_staff, references, intervention):
    response = logged_in(agency_staff).get(
        reverse("evaluation:intervention_literature", args=[intervention.pk])
    )
    html = response.content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert response.status_code == 200
    assert "<svg" in html and "Jensen &amp; Berg" in html
    assert "Forudsigelsesinterval" in text and "I² =" in text
