import random

import pytest

from indsats.accounts.models import Organisation, Role
from indsats.interventions.demo import build_portfolio, generated_specs
from indsats.interventions.models import ProblemArea
from tests.factories import MunicipalityFactory, person_with_role


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


@pytest.fixture
def municipalities(aarhus, odense) -> list[Organisation]:
    return [aarhus, odense, *MunicipalityFactory.create_batch(6)]


@pytest.fixture
def grow_portfolio(agency, municipalities, agency_staff, steering_member):
    """Add `count` interventions with their whole history (phases, checklists, gate reviews, events,
    partners, practice assessments, declarations), as the demo and the benchmark build them."""
    areas = list(ProblemArea.objects.values_list("name", flat=True))
    added = 0

    def grow(count: int) -> None:
        nonlocal added
        build_portfolio(
            specs=generated_specs(count, random.Random(added), areas, start=added),
            rng=random.Random(added + 1),
            agency_actor=agency_staff,
            steering_actor=steering_member,
            municipalities=municipalities,
            owners=[agency, *municipalities[:2]],
        )
        added += count

    return grow
