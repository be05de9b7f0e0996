"""The front page (it fits the person's roles) and the Danish error pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.dashboard.selectors import front_page_for


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "dashboard/home.html", {"front": front_page_for(request.user)})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
