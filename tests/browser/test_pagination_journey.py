"""Paging through a long list in the browser: the audit trail with 260 entries of one kind, filtered by
kind, followed page by page with dkfds' pagination (the filter kept on every page), axe-core clean."""

from __future__ import annotations

import re

import pytest
from django.contrib.contenttypes.models import ContentType

from indsats.accounts.models import Organisation, Role
from indsats.audit.models import AuditEntry
from tests.factories import person_with_role

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a long browser password 4711"


def _entries(count: int) -> None:
    organisation = ContentType.objects.get_for_model(Organisation)
    AuditEntry.objects.bulk_create(
        AuditEntry(
            action="create",
            content_type=organisation,
            object_id=str(10_000 + i),
            object_repr=f"Rk-{i:03d}",
            changes={"navn": f"Rk-{i:03d}"},
        )
        for i in range(260)
    )


def _shown(page) -> list[str]:
    return re.findall(r"Rk-\d{3}", page.page.inner_text("table tbody"))


def test_the_agency_pages_through_the_whole_audit_trail_keeping_the_filter(page, agency):
    staff = person_with_role(Role.AGENCY_STAFF, agency, username="pages-staff")
    staff.set_password(PASSWORD)
    staff.save()
    _entries(260)
    page.login("pages-staff", PASSWORD)
    page.goto("/historik/")
    page.page.select_option("#filter-type", label="Organisation")
    with page.page.expect_navigation():
        page.page.click("form.indsats-filters button[type=submit]")
    type_filter = re.search(r"type=\d+", page.page.url)
    assert type_filter
    nav = page.page.locator("nav.pagination")
    assert nav.get_attribute("aria-label") == "Sider: Historik"
    assert nav.locator("[aria-current=page]").inner_text() == "1"
    first = _shown(page)
    assert len(set(first)) == 50 and first[0] == "Rk-259"  # newest first
    page.check("pagination-trail-first")

    with page.page.expect_navigation():
        nav.locator("a[rel=next]").click()
    assert type_filter.group(0) in page.page.url and "side=2" in page.page.url
    second = _shown(page)
    assert len(set(second)) == 50 and not set(second) & set(first)

    with page.page.expect_navigation():
        page.page.locator("nav.pagination a[aria-label='Sidste side, side 6']").click()
    assert type_filter.group(0) in page.page.url
    assert page.page.locator("nav.pagination [aria-current=page]").inner_text() == "6"
    assert len(set(_shown(page))) == 10
    assert page.page.locator("nav.pagination a[rel=next]").count() == 0
    page.check("pagination-trail-last")

    with page.page.expect_navigation():
        page.page.locator("nav.pagination a[rel=prev]").click()
    assert page.page.locator("nav.pagination [aria-current=page]").inner_text() == "5"
