import pytest

from indsats.accounts.models import Role
from tests.factories import person_with_role


@pytest.fixture
def members(db):
    """Five members of the steering group (the default quorum is then 3)."""
    names = [("Anne", "Andersen"), ("Bent", "Berg"), ("Carla", "Clausen"), ("Dorte", "Dahl"), ("Erik", "Eng")]
    return [
        person_with_role(
            Role.STEERING_GROUP, username=f"sg-{first.lower()}", first_name=first, last_name=last
        )
        for first, last in names
    ]


@pytest.fixture(autouse=True)
def playbook(request):
    """The vocabulary and playbook that the data migration seeds (a transactional test flushes them)."""
    if request.node.get_closest_marker("django_db") is not None:
        from indsats.interventions.playbook import ensure_playbook

        ensure_playbook()
