"""The request of a page behind log-in: its user is a signed-in `User`, never an anonymous visitor.

Django types `request.user` as `User | AnonymousUser`. A view decorated with `@login_required` (or an API
endpoint behind `django_auth`) only ever sees a signed-in person, so it annotates its request with
`AuthenticatedHttpRequest` and passes `request.user` on as a `User` (the way django-stubs recommends).
"""

from __future__ import annotations

from django.http import HttpRequest

from indsats.accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
