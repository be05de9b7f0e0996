"""The front page's panels as HTML, written in Python: the markup dashboard/home.html wrote for them.

Resolving each panel's title, text, facts and links as template variables cost a front page more than most
of the queries behind its panels (issue #16); joining escaped strings gives the same bytes for a fraction.
A value is shown as the template showed it (`{{ value }}`: localized in the active language, then escaped).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # not in django-stubs

from indsats.ui.panels import Panel


def shown(value: Any) -> str:
    """`{{ value }}` in an autoescaping template: local time, localized, as text, escaped."""
    value = localize(template_localtime(value))
    return conditional_escape(value if isinstance(value, str) else str(value))


def panels_html(panels: Iterable[Panel]) -> SafeString:
    """Each panel as a card in its column, numbered from 1 for its heading's id."""
    parts = []
    for number, panel in enumerate(panels, start=1):
        parts.append(
            '\n  <div class="col-12 col-md-6 col-lg-4 mb-6">\n'
            f'    <section class="card" aria-labelledby="panel-{number}">\n'
            '      <div class="card-content">\n'
            f'        <h2 class="card-heading h3" id="panel-{number}">{shown(panel.title)}</h2>\n'
            "        "
        )
        if panel.text:
            parts.append(f"<p>{shown(panel.text)}</p>")
        parts.append("\n        ")
        if panel.facts:
            facts = "".join(f"<dt>{shown(label)}</dt><dd>{shown(value)}</dd>" for label, value in panel.facts)
            parts.append(f'\n        <dl class="indsats-facts">\n          {facts}\n        </dl>\n        ')
        parts.append("\n        ")
        if panel.links:
            links = "".join(
                f'<li><a href="{shown(url)}">{shown(label)}</a></li>' for label, url in panel.links
            )
            parts.append(f'\n        <ul class="nobullet-list">\n          {links}\n        </ul>\n        ')
        parts.append("\n      </div>\n    </section>\n  </div>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value escaped by shown()
