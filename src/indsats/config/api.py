"""The HTTP API (django-ninja, OpenAPI 3 at /api/docs). Each app with an `api.py` contributes a `router`."""

from __future__ import annotations

import importlib

from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.security import django_auth

from indsats.catalogue.api import public_router

api = NinjaAPI(
    title="Indsats API",
    version="1",
    description="Interventions, their phases, outcomes, evaluations and economics.",
    auth=django_auth,
    urls_namespace="api",
)

API_APPS = ["accounts", "audit", "interventions", "grants", "outcomes", "evaluation", "economy", "catalogue"]

for app in API_APPS:
    try:
        module = importlib.import_module(f"indsats.{app}.api")
    except ModuleNotFoundError as error:
        if error.name != f"indsats.{app}.api":
            raise
        continue
    api.add_router(f"/{app}/", module.router)


# The catalogue's open data: read-only, without log-in.
api.add_router("/public/", public_router)


@api.get("/health", auth=None, tags=["system"])
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness check for load balancers."""
    return {"status": "ok"}
