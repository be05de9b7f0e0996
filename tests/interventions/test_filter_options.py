"""The portfolio filters' choices, read in one query, keep each list's own order."""

from __future__ import annotations

import pytest

from indsats.accounts.models import Organisation, OrganisationKind
from indsats.interventions import selectors
from indsats.interventions.models import Intervention, ProblemArea
from tests.factories import MunicipalityFactory
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db


def test_the_filter_choices_come_in_one_query_each_list_in_its_order(django_assert_num_queries):
    ProblemArea.objects.create(name="Først", order=0)
    ProblemArea.objects.create(name="Aldrig", order=0, is_active=False)
    MunicipalityFactory(name="Aabenraa Kommune test")
    MunicipalityFactory(name="Lukket Kommune", is_active=False)
    for programme in ["Ø-programmet", "A-programmet", "A-programmet", ""]:
        InterventionFactory(programme=programme)
    areas = list(ProblemArea.objects.filter(is_active=True).values_list("pk", "name"))
    programmes = list(
        Intervention.objects.exclude(programme="")
        .order_by("programme")
        .values_list("programme", flat=True)
        .distinct()
    )
    municipalities = list(
        Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, is_active=True)
        .order_by("name")
        .values_list("pk", "name")
    )
    with django_assert_num_queries(1):
        options = selectors.filter_options()
    assert options.problem_areas == areas and areas[0][1] == "Først" and "Aldrig" not in dict(areas).values()
    assert options.programmes == programmes and programmes.count("A-programmet") == 1
    assert options.municipalities == municipalities and "Lukket Kommune" not in dict(municipalities).values()
