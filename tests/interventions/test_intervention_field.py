"""The intervention picker: a drop-down for a few, a search by name or number for many (issue 16: a national
programme has over a thousand interventions; no form lists them all)."""

import pytest
from django import forms
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.economy.models import BusinessCase
from indsats.interventions import fields
from indsats.interventions.models import Intervention
from tests.conftest import logged_in
from tests.factories import person_with_role
from tests.interventions.factories import InterventionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def economist(db):
    return person_with_role(Role.ECONOMIST, username="okonom-test")


@pytest.fixture
def many(monkeypatch):
    """More interventions than a drop-down lists (the limit lowered to 3 for the test)."""
    monkeypatch.setattr(fields, "PICK_LIST_MAX", 3)
    names = ["Familiebehandling", "Familiebehandling Plus", "Skolestart", "Mentorordning", "Ungeliv"]
    return {name: InterventionFactory(name=name) for name in names}


def test_a_few_interventions_are_a_drop_down():
    InterventionFactory(name="Skolestart")
    field = fields.intervention_field(Intervention.objects.order_by("name"))
    assert isinstance(field, forms.ModelChoiceField)


def test_many_interventions_are_searched_by_name_or_number(many):
    field = fields.intervention_field(Intervention.objects.order_by("name"))
    assert isinstance(field, fields.InterventionByNameField)
    assert field.clean("mentor") == many["Mentorordning"]  # a unique part of the name
    assert field.clean("  familiebehandling ") == many["Familiebehandling"]  # the whole name wins
    assert field.clean(str(many["Ungeliv"].pk)) == many["Ungeliv"]
    assert field.clean(f"nr. {many['Skolestart'].pk}") == many["Skolestart"]
    assert field.prepare_value(many["Skolestart"].pk) == "Skolestart"  # an initial id is shown by name


def test_a_search_that_matches_several_names_them_and_one_that_matches_none_says_so(many):
    field = fields.intervention_field(Intervention.objects.order_by("name"))
    with pytest.raises(forms.ValidationError) as ambiguous:
        field.clean("familie")
    message = ambiguous.value.messages[0]
    assert f"Familiebehandling (nr. {many['Familiebehandling'].pk})" in message
    assert f"Familiebehandling Plus (nr. {many['Familiebehandling Plus'].pk})" in message
    with pytest.raises(forms.ValidationError) as unknown:
        field.clean("Ridning")
    assert "»Ridning«" in unknown.value.messages[0]
    with pytest.raises(forms.ValidationError):
        field.clean("")  # required
    optional = fields.intervention_field(Intervention.objects.order_by("name"), required=False)
    assert optional.clean("") is None


def test_only_the_forms_own_choices_can_be_picked_by_name_or_number(many):
    """A person limited to some interventions cannot reach another by typing its number or name."""
    field = fields.intervention_field(Intervention.objects.exclude(name="Ungeliv").order_by("name"))
    for text in (str(many["Ungeliv"].pk), "Ungeliv"):
        with pytest.raises(forms.ValidationError):
            field.clean(text)


def test_a_new_business_case_names_its_intervention_when_there_are_many(many, economist):
    client = logged_in(economist)
    page = client.get(reverse("economy:case_create")).content.decode()
    assert '<select name="intervention"' not in page and 'name="intervention"' in page
    assert "Mentorordning" not in page  # no list of every intervention
    response = client.post(
        reverse("economy:case_create"),
        {"intervention": "mentor", "name": "Mentor 2025", "participants": "50", "price_year": "2024",
         "horizon_years": "10"},
    )  # fmt: skip
    assert response.status_code == 302
    assert BusinessCase.objects.get(name="Mentor 2025").intervention == many["Mentorordning"]
    again = client.post(
        reverse("economy:case_create"),
        {"intervention": "familie", "name": "Familie 2025", "participants": "50", "price_year": "2024",
         "horizon_years": "10"},
    )  # fmt: skip
    assert again.status_code == 200 and "Flere indsatser passer på »familie«" in again.content.decode()
    assert not BusinessCase.objects.filter(name="Familie 2025").exists()


def test_a_cpr_number_typed_as_a_search_is_not_written_back_in_the_error(many):
    field = fields.intervention_field(Intervention.objects.order_by("name"))
    with pytest.raises(forms.ValidationError) as unknown:
        field.clean("010115-4000")
    assert "010115" not in unknown.value.messages[0] and "4000" not in unknown.value.messages[0]
