"""The page shell (base.html's asset links, header with the menu, messages and footer), cheap on every page.

The shell's markup depends on few things: the language, the URLconf, whether someone is logged in, the
menu their roles give and which menu entries are current. Only three values are the request's own: the
person's name and role, the CSRF token and the address a language change returns to. So each fragment
template (templates/includes/page_*.html) is rendered once per process and such key, with a marker in
place of each of the request's values, and split at the markers; a page then only joins strings. Rendering
the shell as template code on every page cost more than the minimal view's whole request (issue #16).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.base import BaseStorage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.template.loader import get_template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from indsats.accounts.models import User
from indsats.accounts.permissions import memberships_of
from indsats.accounts.two_factor import is_verified, requires_two_factor
from indsats.dashboard.navigation import menu_for, shell_links, url_key

# Marks a request's own value in a fragment rendered once: a character no template text or URL contains.
_MARK = "\x00"
# Enough for every language x menu x current entry the roles give; a bound all the same.
_MAX_FRAGMENTS = 2000


def _slot(name: str) -> str:
    return f"{_MARK}{name}{_MARK}"


@dataclass(frozen=True)
class Fragment:
    """A rendered fragment split at its markers: text at even positions, a value's name at odd ones."""

    parts: tuple[str, ...]

    def fill(self, values: Mapping[str, str]) -> SafeString:
        """The fragment with each marker replaced by its (already escaped) value."""
        parts = self.parts
        if len(parts) == 1:
            return mark_safe(parts[0])  # noqa: S308 - rendered by the template engine, escaped there
        return mark_safe(  # noqa: S308 - template output and values escaped by the caller
            "".join(values[part] if index % 2 else part for index, part in enumerate(parts))
        )


_FRAGMENTS: dict[tuple[Any, ...], Fragment] = {}


@receiver(setting_changed)
def _forget_fragments(**kwargs: Any) -> None:
    """A test that changes the settings (URLs, static files, languages) gets fragments made anew."""
    _FRAGMENTS.clear()


@dataclass(frozen=True)
class Whereabouts:
    """What every fragment of one page depends on: the language and the URLconf with its script prefix.
    Found once per page (the lookups go through thread- and task-local state: microseconds each)."""

    language: str
    urls: tuple[str, str]


def whereabouts() -> Whereabouts:
    return Whereabouts(get_language(), url_key())


def fragment(
    template_name: str, where: Whereabouts, key: tuple[Any, ...], context: Callable[[], dict[str, Any]]
) -> Fragment:
    """The fragment template rendered once per language, URLconf and key (context() gives its context,
    with _slot(name) where a request's own value goes)."""
    full_key = (template_name, where, key)
    found = _FRAGMENTS.get(full_key)
    if found is None:
        if len(_FRAGMENTS) >= _MAX_FRAGMENTS:
            _FRAGMENTS.clear()
        found = Fragment(tuple(get_template(template_name).render(context()).strip().split(_MARK)))
        _FRAGMENTS[full_key] = found
    return found


def assets_html(where: Whereabouts) -> SafeString:
    """The style sheets, scripts and icon of every page."""
    return fragment("includes/page_assets.html", where, (), dict).fill({})


def footer_html(where: Whereabouts) -> SafeString:
    def context() -> dict[str, Any]:
        return {"links": shell_links(where.urls)}

    return fragment("includes/page_footer.html", where, (), context).fill({})


def _menu(user: Any, request: HttpRequest | None, where: Whereabouts) -> list[dict[str, Any]]:
    # Error pages may be rendered before the authentication middleware has run: no user at all.
    if request is None or not isinstance(user, User):
        return []
    if requires_two_factor(user) and not is_verified(request):
        return []  # every page but the two-factor page is closed until the code is given: no menu to it
    return menu_for(user, request.path, where.urls)


def _user_line(user: User) -> str:
    """The person's name and first role, as the header shows them (escaped)."""
    line = escape(user.get_full_name() or user.username)
    memberships = memberships_of(user)
    if memberships:
        first = memberships[0]
        line += format_html(", {} – {}", first.get_role_display(), first.organisation)
    return line


def header_html(where: Whereabouts, user: Any, request: HttpRequest | None, csrf_token: Any) -> SafeString:
    """The skip link and the header: the person, the language switch and the menu."""
    authenticated = bool(user is not None and user.is_authenticated)
    menu = _menu(user, request, where)
    key = (authenticated, tuple((item["url"], item["current"]) for item in menu))
    other_languages = [code for code, _name in settings.LANGUAGES if code != where.language]

    def context() -> dict[str, Any]:
        return {
            "authenticated": authenticated,
            "menu": menu,
            "links": shell_links(where.urls),
            "other_languages": other_languages,
            "slots": {name: _slot(name) for name in ("user", "csrf_input", "next")},
        }

    token = str(csrf_token) if csrf_token else ""
    csrf_input = (
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
        if token and token != "NOTPROVIDED"  # noqa: S105 - Django's value for a context without a request
        else ""
    )
    return fragment("includes/page_header.html", where, key, context).fill(
        {
            "user": _user_line(user) if authenticated else "",
            "csrf_input": csrf_input,
            "next": escape(request.get_full_path()) if request is not None else "",
        }
    )


_ALERT_CLASSES = {"error": "alert-error", "warning": "alert-warning", "success": "alert-success"}


def messages_html(messages: BaseStorage | Iterable[Any] | None) -> SafeString:
    """The messages waiting for the person, as dkfds alerts (nothing at all without any)."""
    if not messages:
        return mark_safe("")
    return mark_safe(  # noqa: S308 - built with format_html
        "".join(
            format_html(
                '\n<div class="alert {} mb-5" role="{}">\n'
                '  <div class="alert-body"><p class="alert-text">{}</p></div>\n</div>\n',
                _ALERT_CLASSES.get(message.tags, "alert-info"),
                "alert" if message.tags in {"error", "warning"} else "status",
                str(message),  # a message marked safe stays unescaped, as in a template
            )
            for message in messages
        )
    )
