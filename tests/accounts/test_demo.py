import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from indsats.accounts.demo import DEMO_USERS
from indsats.accounts.models import Membership, Organisation, OrganisationKind, User
from indsats.dashboard.demo import load_demo

pytestmark = pytest.mark.django_db


def _snapshot():
    return sorted(Membership.objects.values_list("user__username", "organisation__name", "role"))


def test_demo_holds_all_98_municipalities_with_codes_and_regions():
    load_demo(scale=1, log=lambda _message: None)
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    assert municipalities.count() == 98
    assert municipalities.exclude(region="").count() == 98
    assert set(municipalities.values_list("region", flat=True)) == {"1081", "1082", "1083", "1084", "1085"}
    # Spot checks against the official municipality codes (Danmarks Statistik, NUTS/kommunekoder)
    assert municipalities.get(municipality_code="101").name == "Københavns Kommune"
    assert municipalities.get(municipality_code="751").name == "Aarhus Kommune"
    assert municipalities.get(municipality_code="851").region == "1081"
    assert municipalities.get(municipality_code="400").region == "1084"  # Bornholm belongs to Hovedstaden


def test_every_demo_login_exists_with_its_role():
    load_demo(scale=1, log=lambda _message: None)
    for username, _first, _last, role, organisation in DEMO_USERS:
        user = User.objects.get(username=username)
        assert user.memberships.filter(role=role, organisation__name=organisation).exists()


def _load_and_roll_back(*, scale: int, seed: int) -> list[tuple[str, str, str]]:
    """Load the demo inside a savepoint, take a snapshot, and undo the load."""
    with transaction.atomic():
        load_demo(scale=scale, seed=seed, log=lambda _message: None)
        snapshot = _snapshot()
        transaction.set_rollback(True)
    return snapshot


def test_demo_is_deterministic_for_a_seed_and_grows_with_scale():
    first = _load_and_roll_back(scale=1, seed=7)
    assert Organisation.objects.count() == 0
    assert _load_and_roll_back(scale=1, seed=7) == first
    assert len(_load_and_roll_back(scale=2, seed=7)) > len(first)


def test_the_demo_command_refuses_a_database_that_holds_data(agency):
    with pytest.raises(CommandError, match="empty database"):
        call_command("demo")
    call_command("demo", "--if-empty")  # succeeds and does nothing
    assert Organisation.objects.count() == 1
