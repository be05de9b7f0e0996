"""The public catalogue's pages (anonymous), its open data and feeds, and the agency's publishing pages.

Public views read only published snapshots through selectors. Parts that are the same for every visitor
are cached: a version's page body forever (a version never changes), search results under a key that
includes the catalogue's version, so a publish or a withdrawal is seen at once."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.accounts.permissions import PUBLISH_CATALOGUE, require_permission
from indsats.catalogue import presentation, selectors, services
from indsats.catalogue.forms import PublishForm, WithdrawForm
from indsats.catalogue.models import Publication
from indsats.catalogue.open_data import CSV_COLUMNS
from indsats.catalogue.open_data import rows as open_rows
from indsats.catalogue.page_cache import cache_key, render_public
from indsats.interventions.models import Intervention
from indsats.ui.pagination import navigation, paginate
from indsats.ui.service_calls import run_service

CACHE_SECONDS = 60 * 60


def index(request: HttpRequest) -> HttpResponse:
    query = selectors.CatalogueQuery.from_params(request.GET)
    if request.htmx:  # type: ignore[attr-defined]
        return HttpResponse(_results_body(query))
    return render_public(
        request, "catalogue/index.html", lambda: {"body": _results_body(query), "query": query}
    )


def _results_body(query: selectors.CatalogueQuery) -> str:
    """The search form with its facet counts and the results: the part htmx swaps."""
    key = cache_key(
        "results",
        get_language(),
        selectors.catalogue_version(),
        sorted(query.params(page=query.page).items()),
    )
    body = cache.get(key)
    if body is None:
        result = selectors.search(query)
        body = render_to_string(
            "catalogue/_results.html",
            {
                "query": query,
                "result": result,
                "sorts": [
                    ("relevance", _("Relevans")),
                    ("name", _("Navn")),
                    ("newest", _("Senest ændret")),
                    ("rating", _("Evidens")),
                ],
                "pagination": navigation(
                    result.page, lambda number: "?" + urlencode(query.params(page=number))
                ),
            },
        )
        cache.set(key, body, CACHE_SECONDS)
    return str(body)


def _version_body(request: HttpRequest, version: Any) -> str:
    key = cache_key("version", version.pk, get_language())
    body = cache.get(key)
    if body is None:
        body = render_to_string(
            "catalogue/_page_body.html",
            {**presentation.page_context(version.snapshot), "version": version},
            request=request,
        )
        cache.set(key, body, CACHE_SECONDS * 24)
    return str(body)


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    def context() -> dict[str, Any]:
        publication = selectors.publication_by_slug(slug)
        version = selectors.version_of(publication)
        return {
            "publication": publication,
            "version": version,
            "is_current": True,
            "versions": selectors.versions_of(publication),
            "body": "" if publication.is_withdrawn else _version_body(request, version),
            "canonical": request.build_absolute_uri(publication.get_absolute_url()),
        }

    return render_public(request, "catalogue/detail.html", context)


def version(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    def context() -> dict[str, Any]:
        publication = selectors.publication_by_slug(slug)
        shown = selectors.version_of(publication, number)
        return {
            "publication": publication,
            "version": shown,
            "is_current": shown.number == publication.current_version and not publication.is_withdrawn,
            "versions": selectors.versions_of(publication),
            "body": _version_body(request, shown),
            "canonical": request.build_absolute_uri(shown.get_absolute_url()),
        }

    return render_public(request, "catalogue/detail.html", context)


def document(request: HttpRequest, slug: str, number: int, document_id: int) -> HttpResponse:
    publication = selectors.publication_by_slug(slug)
    found = selectors.document_of(publication, number, document_id)
    response = HttpResponse(bytes(found.content), content_type=found.content_type)
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    response["ETag"] = f'"{found.sha256}"'
    response["Cache-Control"] = "public, max-age=86400, immutable"
    return response


def compare(request: HttpRequest) -> HttpResponse:
    def context() -> dict[str, Any]:
        slugs = [s for s in request.GET.getlist("i") if s][:4]
        rows = [
            {"publication": p, "version": v, **presentation.compare_row(v.snapshot)}
            for p, v in selectors.compared(slugs)
        ]
        return {"rows": rows, "too_few": len(rows) < 2}

    return render_public(request, "catalogue/compare.html", context)


def open_data_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="indsatskatalog.csv"'
    response.write("\ufeff")  # Excel reads UTF-8 with a byte-order mark
    writer = csv.writer(response, delimiter=";")
    writer.writerow(CSV_COLUMNS)
    for row in open_rows(selectors.listed().order_by("name"), request):
        writer.writerow([row[c] if row[c] is not None else "" for c in CSV_COLUMNS])
    return response


def open_data_json(request: HttpRequest) -> HttpResponse:
    found = open_rows(selectors.listed().order_by("name"), request)
    return JsonResponse({"interventions": found}, json_dumps_params={"ensure_ascii": False})


def sitemap(request: HttpRequest) -> HttpResponse:
    urls = [request.build_absolute_uri(reverse("catalogue:index"))] + [
        request.build_absolute_uri(p.get_absolute_url()) for p in selectors.listed().order_by("name")
    ]
    updated = {request.build_absolute_uri(p.get_absolute_url()): p.updated_at for p in selectors.listed()}
    return render(
        request,
        "catalogue/sitemap.xml",
        {"urls": [(u, updated.get(u)) for u in urls]},
        content_type="application/xml",
    )


def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(request, "catalogue/accessibility.html")


def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(request, "catalogue/privacy.html")


# --- the agency: publishing ------------------------------------------------------------------------------


@login_required
def editorial(request: AuthenticatedHttpRequest) -> HttpResponse:
    require_permission(request.user, PUBLISH_CATALOGUE)
    interventions = Intervention.objects.select_related("publication").order_by("name", "pk")
    return render(request, "catalogue/editorial.html", {"interventions": paginate(request, interventions)})


@login_required
def publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require_permission(request.user, PUBLISH_CATALOGUE)
    intervention = get_object_or_404(Intervention, pk=pk)
    form = PublishForm(request.POST or None, intervention=intervention)
    if request.method == "POST" and form.is_valid():
        published = run_service(
            lambda: services.publish_intervention(
                actor=request.user,
                intervention_id=intervention.pk,
                change_note=form.cleaned_data["change_note"],
                material_ids=[m.pk for m in form.cleaned_data["documents"]],
            ),
            form=form,
        )
        if published is not None:
            return redirect(published.publication.get_absolute_url())
    publication = Publication.objects.filter(intervention=intervention).first()
    return render(
        request,
        "catalogue/publish_form.html",
        {"form": form, "intervention": intervention, "publication": publication},
    )


@login_required
def withdraw(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    require_permission(request.user, PUBLISH_CATALOGUE)
    publication = selectors.publication_by_slug(slug)
    if publication.is_withdrawn:
        raise Http404
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        done = run_service(
            lambda: services.withdraw_publication(
                actor=request.user, publication_id=publication.pk, reason=form.cleaned_data["reason"]
            ),
            form=form,
        )
        if done is not None:
            return redirect(done.get_absolute_url())
    return render(request, "catalogue/withdraw_form.html", {"form": form, "publication": publication})
