"""Audit history pages: one record's history, and the whole trail for the agency."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.history import selectors
from indsats.history.redaction import redact
from indsats.ui.converters import as_id
from indsats.ui.pagination import paginate


@login_required
def object_history(request: AuthenticatedHttpRequest, content_type_id: int, object_id: int) -> HttpResponse:
    content_type = get_object_or_404(ContentType, pk=content_type_id)
    model = content_type.model_class()
    if model is None or not model.__module__.startswith("indsats."):
        raise Http404
    instance = model._default_manager.filter(pk=object_id).first()
    if instance is None:
        found = selectors.deleted_object_entries(
            user=request.user, content_type=content_type, object_id=str(object_id)
        )
        entries = paginate(request, found, prepare=lambda rows: redact(request.user, rows))
        title = entries.items[0].object_repr if entries.items else ""
    else:
        found = selectors.object_entries(user=request.user, instance=instance)
        entries = paginate(request, found, prepare=lambda rows: redact(request.user, rows))
        title = str(instance)
    return render(
        request,
        "history/object_history.html",
        {"entries": entries, "title": title, "model_name": model._meta.verbose_name, "instance": instance},
    )


@login_required
def trail(request: AuthenticatedHttpRequest) -> HttpResponse:
    content_type_id = as_id(request.GET.get("type", ""))
    entries = paginate(
        request,
        selectors.trail_entries(user=request.user, content_type_id=content_type_id),
        prepare=lambda rows: redact(request.user, rows),
    )
    return render(
        request,
        "history/trail.html",
        {
            "entries": entries,
            "content_types": selectors.domain_content_types(),
            "selected_type": content_type_id,
        },
    )
