"""Fixtures of the grants tests: people in the roles that use pools, a pool, and mail sent at once."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from indsats.accounts.models import Role, User
from indsats.grants import notifications
from indsats.grants.models import Application, Pool
from indsats.grants.services import create_application
from tests.factories import person_with_role
from tests.grants.factories import PoolFactory


@pytest.fixture(autouse=True)
def mail_without_waiting_for_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run inside one transaction that never commits: send mail at once instead of on commit."""
    monkeypatch.setattr(notifications, "_on_commit", lambda callback: callback())


@pytest.fixture(autouse=True)
def media_in_tmp(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def aarhus_manager(aarhus) -> User:
    return person_with_role(Role.MUNICIPALITY_MANAGER, aarhus, username="leder-aarhus")


@pytest.fixture
def second_staff(agency) -> User:
    return person_with_role(Role.AGENCY_STAFF, agency, username="staff-two")


@pytest.fixture
def second_admin(agency) -> User:
    """A second administrator: the other pair of eyes when an amount needs two approvers."""
    return person_with_role(Role.AGENCY_ADMIN, agency, username="admin-two")


@pytest.fixture
def pool(db) -> Pool:
    return PoolFactory()


def pdf(name: str = "budget.pdf", size: int = 200) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + b"x" * size, content_type="application/pdf")


def complete_application(
    actor: User, pool: Pool, amount: str = "1000000", now: Any = None, **fields: Any
) -> Application:
    """A draft with every field filled and the required attachments uploaded."""
    from indsats.grants.services import add_attachment

    values: dict[str, Any] = {
        "title": "Tidlig opsporing i dagtilbud",
        "purpose": "At dokumentere vores praksis for tidlig opsporing.",
        "target_group": "Børn 0-6 år",
        "activities": "Kortlægning, beskrivelse, måling",
        "timeline": "2026-2028",
        "organisation_text": "Projektleder i Familieafdelingen",
    }
    values.update(fields)
    membership = actor.memberships.first()
    assert membership is not None
    application = create_application(
        actor=actor,
        pool=pool,
        applicant=membership.organisation,
        amount_requested=Decimal(amount),
        now=now,
        **values,
    )
    for name in pool.attachment_list:
        add_attachment(actor=actor, application=application, name=name, upload=pdf())
    return application


@pytest.fixture
def make_application() -> Callable[..., Application]:
    return complete_application
