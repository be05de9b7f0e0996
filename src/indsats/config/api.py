"""The HTTP API (django-ninja, OpenAPI 3 at /api/docs). Each app with an `api.py` contributes a `router`."""

from __future__ import annotations

import importlib
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.security import django_auth

from indsats.catalogue.api import public_router

# Answers any operation may give, documented on every one (schemathesis checks that each status code a
# response carries is in the schema): a NUL byte in a field (dashboard/request_checks.py), no log-in, and
# parameters that do not fit the schema (an id that is not a number, or past 64 bits).
COMMON_RESPONSES = {
    "400": "Forespørgslen kan ikke bruges (fx et NUL-tegn i et felt).",
    "401": "Ikke logget ind.",
    "422": "Parametrene passer ikke til skemaet (fx et id, der ikke er et helt tal).",
}
# The pattern of every text parameter: anything but a NUL byte.
NO_NUL = "^[^\\u0000]*$"


class IndsatsAPI(NinjaAPI):
    """django-ninja's API with the answers every operation may give added to each operation's schema."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        for path_item in schema["paths"].values():
            for operation in path_item.values():
                # a text parameter never holds a NUL byte (answered 400 by request_checks): say so
                for parameter in operation.get("parameters", []):
                    field = parameter.get("schema", {})
                    if field.get("type") == "string" and "pattern" not in field and "format" not in field:
                        field["pattern"] = NO_NUL
                responses = operation.setdefault("responses", {})
                # ninja keys the codes an operation declares as ints: compare as text, or the JSON would
                # hold the same key twice (which Swagger UI's parser refuses)
                declared = {str(code) for code in responses}
                for code, description in COMMON_RESPONSES.items():
                    if (code == "401" and not operation.get("security")) or code in declared:
                        continue
                    responses[code] = {"description": description}
        return schema


api = IndsatsAPI(
    title="Indsats API",
    version="1",
    description="Interventions, their phases, outcomes, evaluations and economics.",
    auth=django_auth,
    urls_namespace="api",
)

API_APPS = [
    "accounts",
    "audit",
    "interventions",
    "grants",
    "outcomes",
    "evaluation",
    "economy",
    "catalogue",
    "governance",
]

for app in API_APPS:
    try:
        module = importlib.import_module(f"indsats.{app}.api")
    except ModuleNotFoundError as error:
        if error.name != f"indsats.{app}.api":
            raise
        continue
    api.add_router(f"/{app}/", module.router)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    """Any operation whose service refuses the person answers 403 in JSON, as documented (never the HTML
    error page, and without saying why: the reason could tell about a record one may not see)."""
    return api.create_response(request, {"detail": "Forbidden"}, status=403)


# The catalogue's open data: read-only, without log-in.
api.add_router("/public/", public_router)


@api.get("/health", auth=None, tags=["system"])
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness check for load balancers."""
    return {"status": "ok"}
