"""Publishing is an agency decision: permission first, an immutable snapshot, versions, withdrawal, audit."""

from __future__ import annotations

import math

import pytest
from django.core.exceptions import PermissionDenied

from indsats.audit.models import AuditEntry
from indsats.catalogue.errors import AlreadyWithdrawn, ReasonRequired
from indsats.catalogue.models import Publication, PublishedVersion
from indsats.catalogue.services import publish_intervention, withdraw_publication

pytestmark = pytest.mark.django_db


def test_a_caseworker_may_not_publish(intervention, aarhus_caseworker):
    with pytest.raises(PermissionDenied):
        publish_intervention(actor=aarhus_caseworker, intervention_id=intervention.pk, change_note="x")
    assert not Publication.objects.exists()


def test_publishing_needs_a_change_note(intervention, agency_staff):
    with pytest.raises(ReasonRequired):
        publish_intervention(actor=agency_staff, intervention_id=intervention.pk, change_note="  ")


def test_publishing_takes_a_snapshot_and_writes_the_audit_trail(intervention, agency_staff):
    version = publish_intervention(actor=agency_staff, intervention_id=intervention.pk, change_note="Første")
    assert version.number == 1
    assert version.publication.slug == "skolefravaer-sammen"
    assert version.snapshot["name"] == "Skolefravær sammen"
    assert version.snapshot["implementation"]["sessions"] == 12
    assert version.snapshot["realistic_operation"] is None
    actions = set(AuditEntry.objects.values_list("object_repr", flat=True))
    assert {"Skolefravær sammen", "Skolefravær sammen v1"} <= actions


def test_a_later_change_to_the_register_does_not_change_a_published_version(intervention, agency_staff):
    publish_intervention(actor=agency_staff, intervention_id=intervention.pk, change_note="Første")
    intervention.description = "KLADDE: ikke offentliggjort"
    intervention.save()
    assert "KLADDE" not in str(PublishedVersion.objects.get().snapshot)


def test_a_second_publication_is_version_two_and_the_first_stays(intervention, agency_staff):
    publish_intervention(actor=agency_staff, intervention_id=intervention.pk, change_note="Første")
    intervention.short_description = "Nyt resumé"
    intervention.save()
    second = publish_intervention(
        actor=agency_staff, intervention_id=intervention.pk, change_note="Nyt resumé"
    )
    assert second.number == 2
    publication = Publication.objects.get()
    assert publication.current_version == 2 and publication.summary == "Nyt resumé"
    assert publication.versions.get(number=1).snapshot["summary"] != "Nyt resumé"


def test_withdrawing_needs_a_reason_and_happens_once(intervention, agency_staff):
    version = publish_intervention(actor=agency_staff, intervention_id=intervention.pk, change_note="Første")
    with pytest.raises(ReasonRequired):
        withdraw_publication(actor=agency_staff, publication_id=version.publication_id, reason="")
    withdraw_publication(actor=agency_staff, publication_id=version.publication_id, reason="Stoppet")
    with pytest.raises(AlreadyWithdrawn):
        withdraw_publication(actor=agency_staff, publication_id=version.publication_id, reason="Igen")
    assert Publication.objects.get().withdrawal_reason == "Stoppet"


def test_the_effect_leaves_out_a_study_under_five_children_and_pools_the_rest(studied, agency_staff):
    version = publish_intervention(actor=agency_staff, intervention_id=studied.pk, change_note="Første")
    effect = version.snapshot["effect"]
    assert [row["study"] for row in effect["studies"]] == ["Studie A", "Studie B"]
    assert effect["suppressed_studies"] == 1
    assert "Lille studie" not in str(version.snapshot)
    # Independent reference: equal variances v = (0.392 / 1.96)^2 = 0.04 and (0.5 - 0.3)^2 / 2 = 0.02 < v,
    # so tau^2 = 0 and the pooled estimate is the plain mean 0.4 with SE sqrt(0.04 / 2).
    pooled = effect["pooled"]
    assert pooled["estimate"] == pytest.approx(0.4, abs=1e-6)
    half = 1.959964 * math.sqrt(0.02)
    assert pooled["ci_low"] == pytest.approx(0.4 - half, abs=1e-4)
    assert pooled["ci_high"] == pytest.approx(0.4 + half, abs=1e-4)
    assert version.snapshot["evidence"]["grade"] == "B"


def test_confirmed_subscribers_hear_of_a_publication_with_their_own_unsubscribe_link(
    intervention, agency_staff, mailoutbox, django_capture_on_commit_callbacks
):
    from indsats.grants.services import confirm_subscription, subscribe

    with django_capture_on_commit_callbacks(execute=True):
        confirm_subscription(token=subscribe(email="laeser@example.org").token)
        subscribe(email="ubekraeftet@example.org")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        publish_intervention(
            actor=agency_staff, intervention_id=intervention.pk, change_note="Første version"
        )
    assert [m.to for m in mailoutbox] == [["laeser@example.org"]]
    assert "/katalog/skolefravaer-sammen/" in mailoutbox[0].body
    assert "/puljer/nyhedsbrev/afmeld/" in mailoutbox[0].body
