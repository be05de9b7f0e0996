"""The catalogue's open API: read-only, no log-in, under /api/public/ (mounted by config.api).

Only listed publications and their published versions are served, the same rows as the CSV and JSON
downloads. Responses carry ETag and Last-Modified (a conditional GET answers 304), are cacheable by
anyone, and allow cross-origin GET (CORS)."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.views.decorators.http import condition
from ninja import Query, Router, Schema
from ninja.decorators import decorate_view

from indsats.catalogue import selectors
from indsats.catalogue.models import Publication
from indsats.catalogue.open_data import rows
from indsats.catalogue.page_cache import CACHE_SECONDS, cache_key
from indsats.ui.api_schemas import ErrorOut
from indsats.ui.converters import DatabaseId

router = Router(tags=["catalogue"])
public_router = Router(tags=["public"], auth=None)

MAX_PAGE_SIZE = 100


def _catalogue_etag(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    return hashlib.sha256(f"{selectors.catalogue_version()}|{request.get_full_path()}".encode()).hexdigest()


def _catalogue_modified(request: HttpRequest, *args: Any, **kwargs: Any) -> datetime.datetime | None:
    """The newest publish or withdrawal, read from the (cached) catalogue version: no query."""
    stamp = float(selectors.catalogue_version().split("-", 1)[1])
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC) if stamp else None


def _one_modified(request: HttpRequest, slug: str, **kwargs: Any) -> datetime.datetime | None:
    return Publication.objects.filter(slug=slug).values_list("updated_at", flat=True).first()


def _one_etag(request: HttpRequest, slug: str, **kwargs: Any) -> str | None:
    found = Publication.objects.filter(slug=slug).values_list("current_version", "updated_at").first()
    if found is None:
        return None
    return hashlib.sha256(
        f"{slug}|{found[0]}|{found[1].timestamp()}|{request.get_full_path()}".encode()
    ).hexdigest()


def public_get(view: Callable[..., Any]) -> Callable[..., Any]:
    """Cacheable by anyone for five minutes, readable from any origin."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
        response["Cache-Control"] = "public, max-age=300"
        return response

    return wrapper


class InterventionFilters(Schema):
    q: str = ""
    age: str = ""
    area: int | None = None
    outcome: str = ""
    grade: str = ""
    phase: str = ""
    cost: str = ""
    municipality: int | None = None
    sort: str = ""
    page: int = 1
    page_size: int = 20


class InterventionRow(Schema):
    slug: str
    name: str
    summary: str
    url: str
    version: int
    updated_at: str
    phase: str
    age_from: int
    age_to: int
    problem_areas: str
    evidence_grade: str
    effect_estimate: float | None
    effect_ci_low: float | None
    effect_ci_high: float | None
    effect_studies: int
    cost_band: str
    cost_per_participant: float | None
    npv: float | None
    p_npv_positive: float | None
    break_even_year: int | None
    price_year: int | None
    municipalities: str


class InterventionPage(Schema):
    count: int
    page: int
    pages: int
    results: list[InterventionRow]


class VersionOut(Schema):
    number: int
    published_at: datetime.datetime
    change_note: str
    url: str


class PublishedOut(Schema):
    slug: str
    name: str
    url: str
    withdrawn: bool
    withdrawn_at: datetime.datetime | None
    withdrawal_reason: str
    current_version: int | None
    versions: list[VersionOut]
    published: dict[str, Any] | None


@public_router.get("/interventions", response=InterventionPage, url_name="public_interventions")
@decorate_view(public_get, condition(etag_func=_catalogue_etag, last_modified_func=_catalogue_modified))
def list_interventions(request: HttpRequest, filters: Query[InterventionFilters]) -> HttpResponse:
    """Published interventions, filtered and sorted like the catalogue page, a page at a time."""
    key = cache_key("api-list", request.build_absolute_uri(), selectors.catalogue_version())
    body = cache.get(key)
    if body is None:
        body = InterventionPage.model_validate(_interventions_page(request, filters)).model_dump_json()
        cache.set(key, body, CACHE_SECONDS)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


def _interventions_page(request: HttpRequest, filters: InterventionFilters) -> dict[str, Any]:
    params = QueryDict(mutable=True)
    for name, value in filters.dict().items():
        if value not in (None, "") and name != "page_size":
            params[name] = str(value)
    query = selectors.CatalogueQuery.from_params(params)
    size = max(1, min(filters.page_size, MAX_PAGE_SIZE))
    paginator = Paginator(selectors.ordered_results(query), size)
    page = paginator.get_page(query.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": rows(list(page.object_list), request),
    }


def _version_out(request: HttpRequest, version: Any) -> dict[str, Any]:
    return {
        "number": version.number,
        "published_at": version.published_at,
        "change_note": version.change_note,
        "url": request.build_absolute_uri(version.get_absolute_url()),
    }


@public_router.get(
    "/interventions/{slug}", response={200: PublishedOut, 404: ErrorOut}, url_name="public_intervention"
)
@decorate_view(public_get, condition(etag_func=_one_etag, last_modified_func=_one_modified))
def get_intervention(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The current published version (none if withdrawn) and the version history."""
    publication = selectors.publication_by_slug(slug)
    versions = selectors.versions_of(publication)
    current = None if publication.is_withdrawn else selectors.version_of(publication)
    return {
        "slug": publication.slug,
        "name": publication.name,
        "url": request.build_absolute_uri(publication.get_absolute_url()),
        "withdrawn": publication.is_withdrawn,
        "withdrawn_at": publication.withdrawn_at,
        "withdrawal_reason": publication.withdrawal_reason,
        "current_version": current.number if current else None,
        "versions": [_version_out(request, v) for v in versions],
        "published": current.snapshot if current else None,
    }


@public_router.get("/interventions/{slug}/versions/{number}", response={200: dict[str, Any], 404: ErrorOut})
@decorate_view(public_get)
def get_version(request: HttpRequest, slug: str, number: DatabaseId) -> dict[str, Any]:
    """One published version as it was published (earlier versions stay readable)."""
    publication = selectors.publication_by_slug(slug)
    version = selectors.version_of(publication, number)
    if version is None:  # pragma: no cover - version_of raises
        raise Http404
    return {**_version_out(request, version), "published": version.snapshot}
