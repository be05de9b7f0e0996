"""The catalogue's open data: one row per listed intervention, the same in the CSV, the JSON download and
the public API. Only published snapshots are read; no personal data, no record-level municipal data."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.http import HttpRequest

from indsats.catalogue.models import Publication, PublishedVersion

CSV_COLUMNS = [
    "slug",
    "name",
    "summary",
    "url",
    "version",
    "updated_at",
    "phase",
    "age_from",
    "age_to",
    "problem_areas",
    "evidence_grade",
    "effect_estimate",
    "effect_ci_low",
    "effect_ci_high",
    "effect_studies",
    "cost_band",
    "cost_per_participant",
    "npv",
    "p_npv_positive",
    "break_even_year",
    "price_year",
    "municipalities",
]


def current_snapshots(publications: QuerySet[Publication] | list[Publication]) -> dict[int, dict[str, Any]]:
    """The current version's snapshot of each publication, in one query."""
    ids = [p.pk for p in publications]
    versions = PublishedVersion.objects.filter(
        publication_id__in=ids, number=F("publication__current_version")
    ).values_list("publication_id", "snapshot")
    return dict(versions)


def publication_row(
    publication: Publication, request: HttpRequest | None = None, snapshot: dict[str, Any] | None = None
) -> dict[str, Any]:
    if snapshot is None:
        snapshot = publication.versions.get(number=publication.current_version).snapshot
    effect = snapshot["effect"]
    pooled = effect.get("pooled") or {}
    economy = snapshot["economy"] or {}
    url = publication.get_absolute_url()
    return {
        "slug": publication.slug,
        "name": snapshot["name"],
        "summary": snapshot["summary"],
        "url": request.build_absolute_uri(url) if request is not None else url,
        "version": publication.current_version,
        "updated_at": publication.updated_at.isoformat(),
        "phase": snapshot["phase"],
        "age_from": snapshot["target_group"]["age_from"],
        "age_to": snapshot["target_group"]["age_to"],
        "problem_areas": "; ".join(snapshot["target_group"]["problem_areas"]),
        "evidence_grade": snapshot["evidence"]["grade"],
        "effect_estimate": pooled.get("estimate"),
        "effect_ci_low": pooled.get("ci_low"),
        "effect_ci_high": pooled.get("ci_high"),
        "effect_studies": len(effect.get("studies", [])),
        "cost_band": snapshot["cost_band"],
        "cost_per_participant": economy.get("cost_per_participant"),
        "npv": economy.get("npv"),
        "p_npv_positive": economy.get("p_positive"),
        "break_even_year": economy.get("break_even_year"),
        "price_year": economy.get("price_year"),
        "municipalities": "; ".join(m["name"] for m in snapshot["municipalities"]),
    }


def rows(
    publications: QuerySet[Publication] | list[Publication], request: HttpRequest | None = None
) -> list[dict[str, Any]]:
    listed = list(publications)
    snapshots = current_snapshots(listed)
    return [publication_row(p, request, snapshots[p.pk]) for p in listed if p.pk in snapshots]
