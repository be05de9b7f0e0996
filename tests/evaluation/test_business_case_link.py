"""An effect study's estimate feeds the intervention's business case: prefilled, traceable, and only for
people who may see the study."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from django.urls import reverse

from indsats.accounts.models import OrganisationKind, Role
from indsats.economy.models import EffectType
from indsats.evaluation import services
from tests.conftest import logged_in
from tests.economy.factories import BusinessCaseFactory
from tests.evaluation.conftest import TREATED
from tests.evaluation.factories import make_study
from tests.factories import OrganisationFactory, person_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysis(assigned_evaluator, intervention, rounds, sdq):
    study = make_study(intervention=intervention, rounds=rounds, instrument=sdq)
    return services.run_analysis(actor=assigned_evaluator, study=study)


@pytest.fixture
def economist(assigned_evaluator):
    organisation = assigned_evaluator.memberships.first().organisation
    return person_with_role(Role.ECONOMIST, organisation, username="oeko-assigned")


def test_the_edit_page_prefills_a_row_with_the_studys_effect_and_its_provenance(economist, analysis):
    case = BusinessCaseFactory(intervention=analysis.study.intervention)
    client = logged_in(economist)
    page = client.get(reverse("economy:case_edit", args=[case.pk])).content.decode()
    assert "Brug effekten i en ny effektlinje" in page

    page = client.get(reverse("economy:case_edit", args=[case.pk]) + f"?fra_analyse={analysis.pk}")
    row = page.context["outcomes"].forms[0]
    # The change in total difficulties worked by hand from the fixture's pairs (after - before).
    expected = np.mean([after - before for before, after in TREATED])
    assert row.initial["effect_type"] == EffectType.ABSOLUTE
    assert float(row.initial["effect_estimate"]) == pytest.approx(expected, abs=1e-4)
    changes = np.array([after - before for before, after in TREATED], dtype=float)
    assert float(row.initial["effect_se"]) == pytest.approx(
        changes.std(ddof=1) / np.sqrt(len(changes)), abs=1e-4
    )
    assert f"analyse nr. {analysis.pk}" in row.initial["effect_source"]
    assert analysis.inputs_hash[:12] in row.initial["effect_source"]
    # Nothing is saved until the person saves the case.
    assert case.outcomes.count() == 0
    assert isinstance(row.initial["effect_estimate"], Decimal)


def test_an_economist_who_may_not_see_the_study_gets_no_prefill(analysis):
    outsider = person_with_role(
        Role.ECONOMIST, OrganisationFactory(kind=OrganisationKind.EVALUATOR), username="oeko-outsider"
    )
    case = BusinessCaseFactory(intervention=analysis.study.intervention)
    response = logged_in(outsider).get(
        reverse("economy:case_edit", args=[case.pk]) + f"?fra_analyse={analysis.pk}"
    )
    assert response.status_code == 200
    assert "Brug effekten" not in response.content.decode()
    assert not any(
        "analyse nr." in form.initial.get("effect_source", "") for form in response.context["outcomes"].forms
    )


def test_the_edit_page_prefills_a_row_with_the_literatures_pooled_effect(economist, intervention):
    from indsats.engine.statistics.meta_analysis import meta_analyse  # the reference for this test
    from indsats.interventions.models import EvidenceReference

    for citation, g, v in (("A", 0.3, 0.02), ("B", 0.1, 0.03), ("C", 0.5, 0.05)):
        EvidenceReference.objects.create(
            intervention=intervention, citation=citation, effect_input="yi_vi", yi=g, vi=v
        )
    expected = meta_analyse([0.3, 0.1, 0.5], [0.02, 0.03, 0.05], method="reml")
    case = BusinessCaseFactory(intervention=intervention)
    client = logged_in(economist)
    page = client.get(reverse("economy:case_edit", args=[case.pk])).content.decode()
    assert "Brug litteraturens effekt i en ny effektlinje" in page
    response = client.get(reverse("economy:case_edit", args=[case.pk]) + "?fra_litteratur=1")
    row = response.context["outcomes"].forms[0]
    assert float(row.initial["effect_estimate"]) == pytest.approx(expected.estimate, abs=1e-4)
    assert float(row.initial["effect_se"]) == pytest.approx(expected.se, abs=1e-4)
    assert "Metaanalyse (REML) af 3 referencer: A; B; C" in row.initial["effect_source"]
    assert case.outcomes.count() == 0
