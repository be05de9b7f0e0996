"""Whole public pages cached for anonymous visitors, invalidated by publishing.

A public page is the same for every anonymous visitor in a language except for the CSRF token of the
language form. So the page is rendered once with a placeholder token and stored under a key made of the
language, the full path and the catalogue's version (which changes on every publish and withdrawal);
each visitor then gets it with their own token put in. Logged-in people (agency staff see editing links,
a menu) always get a freshly rendered page."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import get_language

from indsats.catalogue import selectors

TOKEN_PLACEHOLDER = "catalogueCsrfTokenPlaceholder"  # noqa: S105 - a marker, not a secret
CACHE_SECONDS = 60 * 60


def cache_key(*parts: object) -> str:
    return "catalogue:" + hashlib.sha256(repr(parts).encode()).hexdigest()


def render_public(
    request: HttpRequest, template: str, context: Callable[[], dict[str, Any]], *, status: int = 200
) -> HttpResponse:
    """Render `template` with `context()`, from the cache for anonymous visitors."""
    if request.user.is_authenticated:
        return render(request, template, context(), status=status)
    key = cache_key("page", get_language(), request.get_full_path(), selectors.catalogue_version())
    content = cache.get(key)
    if content is None:
        content = render_to_string(template, {**context(), "csrf_token": TOKEN_PLACEHOLDER}, request=request)
        cache.set(key, content, CACHE_SECONDS)
    return HttpResponse(content.replace(TOKEN_PLACEHOLDER, get_token(request)), status=status)
