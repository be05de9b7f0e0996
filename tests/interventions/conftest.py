import pytest

from indsats.accounts.models import Role
from tests.factories import person_with_role


@pytest.fixture
def steering_member_2(db):
    return person_with_role(
        Role.STEERING_GROUP, username="steering-two", first_name="Bent", last_name="Beslutter"
    )


@pytest.fixture
def aarhus_manager(aarhus):
    return person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="leder-aarhus")


@pytest.fixture
def odense_manager(odense):
    return person_with_role(Role.MUNICIPALITY_MANAGER, odense, username="leder-odense")


@pytest.fixture(autouse=True)
def playbook(request):
    """The vocabulary and playbook that the data migration seeds (a transactional test flushes them)."""
    if request.node.get_closest_marker("django_db") is not None:
        from indsats.interventions.playbook import ensure_playbook

        ensure_playbook()
