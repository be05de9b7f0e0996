import pytest

from indsats.accounts.models import Role
from tests.factories import person_with_role


@pytest.fixture
def economist(db):
    return person_with_role(Role.ECONOMIST, username="okonom-test")
