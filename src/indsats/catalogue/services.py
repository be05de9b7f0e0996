"""Publishing is a decision: the agency publishes a version of an intervention description, or withdraws
it with a public reason. Each is one transaction with a permission check first and an audit entry."""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterable
from pathlib import PurePath

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from indsats.accounts.models import User
from indsats.accounts.permissions import PUBLISH_CATALOGUE, require_permission
from indsats.audit.services import actor_name, record_create, record_update, snapshot
from indsats.catalogue.errors import AlreadyWithdrawn, ReasonRequired, UnknownDocument
from indsats.catalogue.models import Publication, PublishedDocument, PublishedVersion
from indsats.catalogue.selectors import forget_catalogue_version, is_postgresql, search_vector
from indsats.catalogue.snapshots import build_snapshot
from indsats.grants.services.newsletter import send_to_subscribers
from indsats.interventions.models import Intervention, Material

DANISH_LETTERS = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "Æ": "Ae", "Ø": "Oe", "Å": "Aa"})


def _free_slug(name: str) -> str:
    base = slugify(name.translate(DANISH_LETTERS))[:100] or "indsats"
    slug, number = base, 2
    while Publication.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _copy_documents(version: PublishedVersion, materials: Iterable[Material]) -> list[PublishedDocument]:
    copies = []
    for material in materials:
        with material.file.open("rb") as handle:
            content = handle.read()
        suffix = PurePath(material.file.name or "").suffix.lower()
        filename = f"{slugify(material.title.translate(DANISH_LETTERS))[:80] or 'dokument'}{suffix}"
        copies.append(
            PublishedDocument.objects.create(
                version=version,
                title=material.title,
                kind=material.kind,
                filename=filename,
                content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
                content=content,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    return copies


@transaction.atomic
def publish_intervention(
    *,
    actor: User,
    intervention_id: int,
    change_note: str,
    material_ids: Iterable[int] = (),
    notify_subscribers: bool = True,
) -> PublishedVersion:
    """Publish a new version of the intervention's description (the first, or the next one); a withdrawn
    description is published again by this. The snapshot is taken now and never changes. The newsletter's
    confirmed subscribers are told (not for bulk loads such as the demo: notify_subscribers=False)."""
    require_permission(actor, PUBLISH_CATALOGUE)
    intervention = get_object_or_404(Intervention.objects.select_for_update(), pk=intervention_id)
    if not change_note.strip():
        raise ReasonRequired("change_note")
    wanted = set(material_ids)
    materials = list(
        Material.objects.filter(intervention=intervention, pk__in=wanted).order_by("kind", "title")
    )
    if len(materials) != len(wanted):
        raise UnknownDocument()
    now = timezone.now()
    publication = Publication.objects.select_for_update().filter(intervention=intervention).first()
    before = snapshot(publication) if publication is not None else None
    if publication is None:
        publication = Publication(
            intervention=intervention,
            slug=_free_slug(intervention.name),
            first_published_at=now,
            current_version=0,
        )
    number = publication.current_version + 1
    # the version's documents are listed in the snapshot; their ids are known only after the copy
    content = build_snapshot(intervention, documents=[])
    publication.name = content["name"]
    publication.summary = content["summary"]
    publication.search_text = "\n".join(
        [content["name"], content["summary"], content["description"], content["target_group"]["text"]]
        + content["core_elements"]
    )
    publication.age_from = content["target_group"]["age_from"]
    publication.age_to = content["target_group"]["age_to"]
    publication.phase = content["phase"]
    publication.evidence_grade = content["evidence"]["grade"]
    publication.cost_band = content["cost_band"]
    publication.outcome_domains = content["effect"]["instruments"]
    publication.current_version = number
    publication.updated_at = now
    publication.withdrawn_at = None
    publication.withdrawal_reason = ""
    publication.save()
    if is_postgresql():
        Publication.objects.filter(pk=publication.pk).update(search_vector=search_vector())
    publication.problem_areas.set(intervention.problem_areas.all())
    publication.municipalities.set([p.municipality_id for p in intervention.partnerships.all()])
    version = PublishedVersion.objects.create(
        publication=publication,
        number=number,
        snapshot=content,
        change_note=change_note.strip(),
        published_at=now,
        published_by=actor,
        published_by_name=actor_name(actor)[:200],
    )
    documents = _copy_documents(version, materials)
    version.snapshot = {
        **content,
        "documents": [
            {
                "id": d.pk,
                "title": d.title,
                "kind": d.kind,
                "filename": d.filename,
                "size": d.size,
                "sha256": d.sha256,
            }
            for d in documents
        ],
    }
    version.save(update_fields=["snapshot"])
    if before is None:
        record_create(actor=actor, instance=publication, message="offentliggjort i kataloget")
    else:
        record_update(
            actor=actor, instance=publication, before=before, message=f"version {number} offentliggjort"
        )
    record_create(actor=actor, instance=version, message=change_note.strip()[:400])
    transaction.on_commit(forget_catalogue_version)
    if notify_subscribers:
        send_to_subscribers(
            subject=_("Nyt i indsatskataloget: %(name)s") % {"name": publication.name},
            template="catalogue/email/published.txt",
            context={"version": version},
        )
    return version


@transaction.atomic
def withdraw_publication(*, actor: User, publication_id: int, reason: str) -> Publication:
    """Withdraw a description: its page says so publicly, with the reason; it leaves search, feed and API
    lists. Its versions stay readable at their own addresses."""
    require_permission(actor, PUBLISH_CATALOGUE)
    publication = get_object_or_404(Publication.objects.select_for_update(), pk=publication_id)
    if publication.is_withdrawn:
        raise AlreadyWithdrawn()
    if not reason.strip():
        raise ReasonRequired("reason")
    before = snapshot(publication)
    publication.withdrawn_at = timezone.now()
    publication.withdrawal_reason = reason.strip()
    publication.updated_at = publication.withdrawn_at
    publication.save(update_fields=["withdrawn_at", "withdrawal_reason", "updated_at"])
    record_update(actor=actor, instance=publication, before=before, message="trukket tilbage")
    transaction.on_commit(forget_catalogue_version)
    return publication
