from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from indsats.accounts.models import Role
from indsats.audit.models import AuditEntry
from indsats.economy import services
from indsats.economy.models import PriceCatalogue, PriceIndex, UnitPrice
from tests.conftest import logged_in
from tests.economy.factories import PriceCatalogueFactory, UnitPriceFactory
from tests.factories import person_with_role

pytestmark = pytest.mark.django_db

PRICE = {
    "name": "Anbringelse i plejefamilie",
    "unit": "pr. år",
    "amount": Decimal("420000"),
    "price_year": 2023,
    "share_kommune": Decimal("1"),
    "share_region": Decimal("0"),
    "share_stat": Decimal("0"),
    "source": "Illustrativ testpris",
    "valid_from": "2024-01-01",
}


def test_a_new_edition_copies_the_last_edition_and_is_a_draft(agency_staff):
    first = PriceCatalogueFactory(version=1, is_published=True)
    UnitPriceFactory(catalogue=first, name="Specialskole", amount=Decimal("260000"))
    second = services.create_catalogue_edition(actor=agency_staff)
    assert second.version == 2 and not second.is_published
    copied = second.prices.get()
    assert copied.name == "Specialskole" and copied.amount == Decimal("260000")
    assert first.prices.count() == 1  # the old edition keeps its own row
    assert AuditEntry.objects.filter(object_id=str(second.pk), action="create").exists()


def test_only_one_draft_at_a_time(agency_staff):
    services.create_catalogue_edition(actor=agency_staff)
    with pytest.raises(ValidationError, match="kladde"):
        services.create_catalogue_edition(actor=agency_staff)


def test_a_published_edition_is_frozen(agency_staff):
    catalogue = services.create_catalogue_edition(actor=agency_staff)
    price = services.create_unit_price(actor=agency_staff, catalogue=catalogue, **PRICE)
    services.publish_catalogue(actor=agency_staff, catalogue=catalogue)
    with pytest.raises(ValidationError, match="offentliggjort"):
        services.update_unit_price(actor=agency_staff, price=price, amount=Decimal(1))
    with pytest.raises(ValidationError, match="offentliggjort"):
        services.create_unit_price(actor=agency_staff, catalogue=catalogue, **{**PRICE, "name": "Ny"})
    with pytest.raises(ValidationError, match="offentliggjort"):
        services.delete_unit_price(actor=agency_staff, price=price)
    assert UnitPrice.objects.get(pk=price.pk).amount == Decimal("420000")


def test_payer_shares_must_sum_to_one_and_the_error_names_the_field(agency_staff):
    catalogue = services.create_catalogue_edition(actor=agency_staff)
    with pytest.raises(ValidationError) as raised:
        services.create_unit_price(
            actor=agency_staff, catalogue=catalogue, **{**PRICE, "share_kommune": Decimal("0.5")}
        )
    assert "share_kommune" in raised.value.error_dict
    assert "summerer til 0,5" in str(raised.value)


@pytest.mark.parametrize("role", [Role.ECONOMIST, Role.EVALUATOR, Role.STEERING_GROUP, Role.CASEWORKER])
def test_only_the_agency_edits_the_catalogue(role):
    person = person_with_role(role)
    with pytest.raises(PermissionDenied):
        services.create_catalogue_edition(actor=person)
    with pytest.raises(PermissionDenied):
        services.set_price_index(actor=person, year=2023, index=Decimal(100), source="x")


def test_price_index_is_created_then_updated_with_audit(agency_staff):
    services.set_price_index(actor=agency_staff, year=2023, index=Decimal(100), source="a")
    services.set_price_index(actor=agency_staff, year=2023, index=Decimal("101.5"), source="b")
    assert PriceIndex.objects.get(year=2023).index == Decimal("101.5")
    entry = AuditEntry.objects.get(action="update")
    assert [Decimal(v) for v in entry.changes["index"]] == [Decimal(100), Decimal("101.5")]


def test_agency_adds_a_price_through_the_page_and_sees_it(agency_staff):
    client = logged_in(agency_staff)
    catalogue = services.create_catalogue_edition(actor=agency_staff)
    response = client.post(
        reverse("economy:unit_price_create", args=[catalogue.pk]), {**PRICE, "amount": "420000"}
    )
    assert response.status_code == 302
    body = client.get(reverse("economy:catalogue_detail", args=[catalogue.pk])).content.decode()
    assert "Anbringelse i plejefamilie" in body
    assert "420.000\u00a0kr." in body


def test_a_wrong_split_on_the_page_names_the_field(agency_staff):
    client = logged_in(agency_staff)
    catalogue = services.create_catalogue_edition(actor=agency_staff)
    response = client.post(
        reverse("economy:unit_price_create", args=[catalogue.pk]), {**PRICE, "share_stat": "0.4"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Andel kommune" in body and "summerer til 1,4" in body


def test_everyone_logged_in_reads_the_catalogue_but_only_the_agency_edits(aarhus_caseworker, agency_staff):
    catalogue = PriceCatalogueFactory(is_published=False)
    client = logged_in(aarhus_caseworker)
    assert client.get(reverse("economy:catalogue_detail", args=[catalogue.pk])).status_code == 200
    assert client.get(reverse("economy:catalogue_list")).status_code == 200
    assert client.get(reverse("economy:price_index")).status_code == 200
    assert client.get(reverse("economy:unit_price_create", args=[catalogue.pk])).status_code == 403
    assert client.post(reverse("economy:catalogue_create")).status_code == 403
    assert client.post(reverse("economy:catalogue_publish", args=[catalogue.pk])).status_code == 403
    assert (
        client.post(reverse("economy:price_index"), {"year": 2023, "index": 1, "source": "x"}).status_code
        == 403
    )
    assert PriceCatalogue.objects.get(pk=catalogue.pk).is_published is False


def test_a_price_of_another_edition_is_not_found_under_this_one(agency_staff):
    draft = PriceCatalogueFactory()
    other = UnitPriceFactory()
    response = logged_in(agency_staff).get(reverse("economy:unit_price_edit", args=[draft.pk, other.pk]))
    assert response.status_code == 404


def test_demo_catalogue_labels_its_prices_as_illustrative(agency_staff):
    from indsats.accounts.demo import DemoContext
    from indsats.economy import demo

    context = DemoContext(scale=1, seed=1, log=lambda _m: None)
    demo.load(context)
    catalogue = context.objects["price_catalogue"]
    assert catalogue.is_published
    assert all("illustrative demo price" in price.source for price in catalogue.prices.all())


def test_demo_builds_and_computes_business_cases_for_the_demo_interventions(economist):
    from indsats.accounts.demo import DemoContext
    from indsats.economy import demo
    from indsats.economy.models import BusinessCaseResult
    from tests.economy.factories import InterventionFactory

    context = DemoContext(scale=1, seed=1, log=lambda _m: None)
    context.objects["interventions"] = [InterventionFactory(), InterventionFactory()]
    context.objects["users"] = {"okonom": economist}
    demo.load(context)
    results = BusinessCaseResult.objects.all()
    assert results.count() == 2
    assert all(result.status == "done" and result.draws == 5000 for result in results)
