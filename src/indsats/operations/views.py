"""The operations page for the agency's administrators: the daily jobs and the task queue."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from indsats.accounts.http import AuthenticatedHttpRequest
from indsats.operations import access, selectors
from indsats.ui.pagination import paginate


@login_required
def overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    access.require_operations(request.user)
    return render(
        request,
        "operations/overview.html",
        {
            "jobs": selectors.job_overview(),
            "runs": paginate(request, selectors.runs()),
            "queue": selectors.queue_state(),
        },
    )
