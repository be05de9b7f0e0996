"""The history pages: a record's history for whoever may see the record, the whole trail for the agency."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from indsats.accounts import services
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


def _history_url(instance):
    content_type = ContentType.objects.get_for_model(type(instance))
    return reverse("history:object_history", args=[content_type.pk, instance.pk])


def test_the_history_page_shows_who_changed_what_from_what_to_what(agency_admin, aarhus):
    services.update_organisation(actor=agency_admin, organisation=aarhus, email="a@aarhus.dk")
    body = logged_in(agency_admin).get(_history_url(aarhus)).content.decode()
    assert "Historik for Aarhus Kommune" in body
    assert agency_admin.get_full_name() in body
    assert "<del>–</del>" in body and "<ins>a@aarhus.dk</ins>" in body


def test_history_of_a_deleted_record_stays_readable_for_the_agency(agency_admin, aarhus, evaluator):
    membership = services.grant_role(
        actor=agency_admin, person=evaluator, organisation=aarhus, role="municipality_manager"
    )
    url = _history_url(membership)
    services.revoke_role(actor=agency_admin, membership=membership)
    body = logged_in(agency_admin).get(url).content.decode()
    assert "Slettet" in body and "Oprettet" in body


def test_a_caseworker_cannot_read_the_history_of_an_organisation(aarhus_caseworker, aarhus, odense):
    client = logged_in(aarhus_caseworker)
    assert client.get(_history_url(odense)).status_code == 403
    assert client.get(reverse("history:trail")).status_code == 403


def test_the_trail_lists_changes_and_filters_by_type(agency_admin, aarhus, evaluator):
    services.update_organisation(actor=agency_admin, organisation=aarhus, email="a@aarhus.dk")
    services.grant_role(
        actor=agency_admin, person=evaluator, organisation=aarhus, role="municipality_manager"
    )
    client = logged_in(agency_admin)
    organisation_type = ContentType.objects.get(app_label="accounts", model="organisation")
    body = client.get(reverse("history:trail"), {"type": organisation_type.pk}).content.decode()
    assert "a@aarhus.dk" in body
    assert "Leder i kommune" not in body


def test_the_front_page_counts_todays_changes_not_the_whole_trail(agency_admin, aarhus, odense):
    """The history panel's count is bounded by one day's writes (issue 16: a count of the whole trail grows
    with every change the system ever recorded)."""
    import datetime

    from django.db import connection

    from indsats.audit.models import AuditEntry
    from indsats.history.panels import history_panel

    services.update_organisation(actor=agency_admin, organisation=aarhus, email="a@aarhus.dk")
    services.update_organisation(actor=agency_admin, organisation=odense, email="o@odense.dk")
    services.update_organisation(actor=agency_admin, organisation=aarhus, email="b@aarhus.dk")
    oldest = AuditEntry.objects.order_by("id").first()
    with (
        connection.cursor() as cursor
    ):  # an entry written yesterday (entries cannot be changed through Django)
        cursor.execute(
            "UPDATE audit_auditentry SET at = %s WHERE id = %s",
            [oldest.at - datetime.timedelta(days=1), oldest.pk],
        )
    facts = dict(history_panel(agency_admin).facts)
    assert facts["Ændringer i dag"] == 2


def test_the_panels_newest_entry_is_the_orms_with_its_action_in_the_readers_language(
    agency_admin, aarhus, odense
):
    """The panel's one query, compiled once per process, gives the newest entry (as the ORM orders the trail)
    and the count since midnight; its action is named as get_action_display names it, in Danish and
    English."""
    import datetime

    from django.db import connection
    from django.utils import translation

    from indsats.audit.models import AuditEntry
    from indsats.history.panels import _start_of_today, history_panel, newest_entry

    services.update_organisation(actor=agency_admin, organisation=aarhus, email="a@aarhus.dk")
    services.update_organisation(actor=agency_admin, organisation=odense, email="o@odense.dk")
    newest = AuditEntry.objects.order_by("-at").first()
    with connection.cursor() as cursor:  # the newest by time, not by id
        cursor.execute(
            "UPDATE audit_auditentry SET at = %s WHERE id = %s",
            [newest.at - datetime.timedelta(hours=30), newest.pk],
        )
    newest = AuditEntry.objects.order_by("-at").first()
    since = _start_of_today()
    assert newest_entry(since) == (
        newest.actor_name,
        newest.action,
        newest.object_repr,
        AuditEntry.objects.filter(at__gte=since).count(),
    )
    for language in ("da", "en"):
        with translation.override(language):
            facts = {str(label): value for label, value in history_panel(agency_admin).facts}
            assert facts[str(translation.gettext("Seneste"))] == (
                f"{newest.actor_name}: {newest.get_action_display()} {newest.object_repr}"
            )
