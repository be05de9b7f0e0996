"""The page shell's tags for base.html: fragments rendered once per process (dashboard/shell.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from indsats.dashboard import shell

register = template.Library()


def _whereabouts(context: template.Context) -> shell.Whereabouts:
    """Found once per render of base.html: its four tags share it."""
    state = context.render_context
    where = state.get("page_shell_whereabouts")
    if where is None:
        where = state["page_shell_whereabouts"] = shell.whereabouts()
    return where


@register.simple_tag(takes_context=True)
def page_assets(context: template.Context) -> SafeString:
    return shell.assets_html(_whereabouts(context))


@register.simple_tag(takes_context=True)
def page_header(context: template.Context) -> SafeString:
    request: Any = getattr(context, "request", None)
    return shell.header_html(_whereabouts(context), context.get("user"), request, context.get("csrf_token"))


@register.simple_tag(takes_context=True)
def page_messages(context: template.Context) -> SafeString:
    return shell.messages_html(context.get("messages"))


@register.simple_tag(takes_context=True)
def page_footer(context: template.Context) -> SafeString:
    return shell.footer_html(_whereabouts(context))


@register.filter(is_safe=True)
def page_title(title: str) -> str:
    """The document's title: "Page – Indsats", or "Indsats" for a page without a title of its own. The
    page's title block is already rendered (escaped) when it arrives here."""
    text = str(title).strip()
    return f"{text} – Indsats" if text else "Indsats"
