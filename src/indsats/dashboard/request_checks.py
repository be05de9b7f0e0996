"""A NUL byte in a query or form field is refused with a 400 before any view sees it.

PostgreSQL cannot store or compare a text with a NUL character (a server error deep in a query), and no
person types one: it comes from a probe or a broken client. Uploaded files are not checked here (an .xlsx
is binary); their readers refuse NUL bytes in a CSV with a Danish message (outcomes/tabular.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils.translation import gettext as _


def _has_nul(data: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or _has_nul(request.GET)
            or (request.method == "POST" and _has_nul(request.POST))
        ):
            return HttpResponseBadRequest(
                _(
                    "Forespørgslen indeholder et NUL-tegn (\\0), som ikke kan bruges. Ret adressen eller "
                    "feltet."
                ),
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
