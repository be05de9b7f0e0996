"""The page shell (base.html): its fragments are made once per process, the request's own values are not."""

from __future__ import annotations

import re

import pytest
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

import indsats.config.urls
from indsats.accounts.models import Role
from indsats.dashboard.templatetags.page_shell import page_title
from tests.conftest import logged_in
from tests.factories import person_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.dashboard.test_page_shell")]

EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Tom{% endblock %}{% block content %}<h1>Tom</h1>{% endblock %}'
)


@login_required
def minimal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@login_required
def empty(request: HttpRequest) -> HttpResponse:
    return HttpResponse(EMPTY_PAGE.render({}, request))


def add_messages(request: HttpRequest) -> HttpResponse:
    messages.error(request, "Fejl i <feltet>")
    messages.success(request, mark_safe("<strong>Gemt</strong>"))  # noqa: S308 - a message marked safe
    return redirect("dashboard:home")


urlpatterns = [
    path("test/minimal/", minimal),
    path("test/empty/", empty),
    path("test/messages/", add_messages),
    *indsats.config.urls.urlpatterns,
]


def _current_entries(body: str) -> list[str]:
    return re.findall(
        r'<li class="active current"><a href="([^"]*)" class="nav-link" aria-current="page">', body
    )


def test_each_person_sees_their_own_name_in_the_same_header(aarhus):
    first = person_with_role(Role.CASEWORKER, aarhus, username="cw-1", first_name="<Ib>", last_name="Ibsen")
    second = person_with_role(Role.CASEWORKER, aarhus, username="cw-2", first_name="Åse", last_name="Ås")
    body_first = logged_in(first).get("/test/empty/").content.decode()
    body_second = logged_in(second).get("/test/empty/").content.decode()
    assert '<p class="user">&lt;Ib&gt; Ibsen, Sagsbehandler – Aarhus Kommune</p>' in body_first
    assert '<p class="user">Åse Ås, Sagsbehandler – Aarhus Kommune</p>' in body_second
    assert "Ibsen" not in body_second and "Åse" not in body_first


def test_the_current_menu_entry_follows_the_address(aarhus_caseworker):
    client = logged_in(aarhus_caseworker)
    home, interventions = reverse("dashboard:home"), reverse("interventions:index")
    # twice each: the second answer comes from the fragment made by the first
    for _ in range(2):
        assert _current_entries(client.get(home).content.decode()) == [home, home]  # menu and drawer
        body = client.get(interventions).content.decode()
        assert _current_entries(body) == [interventions, interventions]
        assert 'aria-current="page"><span>Forside' not in body


def test_the_header_forms_carry_the_requests_own_csrf_token(aarhus_caseworker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(aarhus_caseworker, backend="django.contrib.auth.backends.ModelBackend")
    tokens = []
    for _ in range(2):
        body = client.get("/test/empty/").content.decode()
        in_forms = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        for_htmx = re.findall(r'"X-CSRFToken": "([^"]+)"', body)
        assert len(in_forms) == 2 and len(set(in_forms + for_htmx)) == 1
        tokens.append(in_forms[0])
    assert tokens[0] != tokens[1]  # masked anew for every response
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens[1]}
    )
    assert response.status_code == 302


def test_the_language_switch_returns_to_the_address_asked_for(aarhus_caseworker):
    response = logged_in(aarhus_caseworker).get("/test/empty/", {"q": '"<b>&'})
    full_path = response.wsgi_request.get_full_path()
    assert f'<input name="next" type="hidden" value="{escape(full_path)}">' in response.content.decode()


def test_messages_are_shown_once(aarhus_caseworker):
    client = logged_in(aarhus_caseworker)
    body = client.get("/test/messages/", follow=True).content.decode()
    assert '<div class="alert alert-error mb-5" role="alert">' in body
    assert '<p class="alert-text">Fejl i &lt;feltet&gt;</p>' in body
    assert '<div class="alert alert-success mb-5" role="status">' in body
    assert '<p class="alert-text"><strong>Gemt</strong></p>' in body
    response = client.get(reverse("dashboard:home"))
    assert 'class="alert ' not in response.content.decode()
    assert "messages" not in response.cookies


def test_a_visitor_gets_the_shell_without_person_or_menu(db):
    body = Client().get(reverse("catalogue:index")).content.decode()
    assert 'class="portal-user"' not in body and 'class="mainmenu"' not in body
    assert f'<li><a href="{reverse("catalogue:privacy")}">Privatlivspolitik</a></li>' in body
    assert 'name="csrfmiddlewaretoken"' in body  # the language switch


def test_the_shell_asks_the_database_nothing_beyond_what_every_request_asks(
    steering_member, aarhus_caseworker
):
    for person in (steering_member, aarhus_caseworker):
        client = logged_in(person)
        client.get("/test/empty/")
        with CaptureQueriesContext(connection) as for_minimal:
            assert client.get("/test/minimal/").status_code == 200
        with CaptureQueriesContext(connection) as for_empty:
            assert client.get("/test/empty/").status_code == 200
        assert len(for_empty) == len(for_minimal)


def test_the_document_title_names_the_page_and_then_indsats(client, agency_staff):
    """Screen readers read the title first: "Page – Indsats" (it was "PageIndsats"); no title: "Indsats"."""
    page = logged_in(agency_staff).get("/indsatser/tabel/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.endswith(" – Indsats") and len(title) > len(" – Indsats")
    assert "&amp;amp;" not in title
    assert page_title("  ") == "Indsats" and page_title("Forside") == "Forside – Indsats"
