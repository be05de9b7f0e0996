"""The audit trail is append-only and records the request it was written in."""

import pytest
from django.urls import reverse

from indsats.accounts import services
from indsats.audit.models import AuditEntry, ImmutableAuditEntry
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def test_an_audit_entry_can_be_neither_changed_nor_deleted(agency_admin, aarhus):
    services.update_organisation(actor=agency_admin, organisation=aarhus, email="a@aarhus.dk")
    entry = AuditEntry.objects.get()
    entry.message = "rettet"
    with pytest.raises(ImmutableAuditEntry):
        entry.save()
    with pytest.raises(ImmutableAuditEntry):
        entry.delete()
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry.objects.all().update(message="rettet")
    with pytest.raises(ImmutableAuditEntry):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().message == ""


def test_the_request_address_is_recorded(agency_admin):
    logged_in(agency_admin).post(
        reverse("accounts:organisation_create"), {"name": "Fonden X", "kind": "foundation"}
    )
    assert AuditEntry.objects.get().ip_address == "127.0.0.1"
