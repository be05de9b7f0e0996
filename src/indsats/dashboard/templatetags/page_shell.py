"""The page shell's tags for base.html: fragments rendered once per process (dashboard/shell.py)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from indsats.dashboard import shell

register = template.Library()


@register.simple_tag
def page_assets() -> SafeString:
    return shell.assets_html()


@register.simple_tag(takes_context=True)
def page_header(context: template.Context) -> SafeString:
    request: Any = getattr(context, "request", None)
    return shell.header_html(context.get("user"), request, context.get("csrf_token"))


@register.simple_tag(takes_context=True)
def page_messages(context: template.Context) -> SafeString:
    return shell.messages_html(context.get("messages"))


@register.simple_tag
def page_footer() -> SafeString:
    return shell.footer_html()
