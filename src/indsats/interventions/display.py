"""What a board card or a table row shows, formatted once in Python.

The portfolio pages show many rows; resolving a dozen template variables, filters and `{% url %}` tags
per row costs more than the queries behind them. These plain rows keep the templates to simple lookups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import ngettext

from indsats.interventions.workflow import InterventionState
from indsats.ui.formatting import kroner, number


@dataclass(frozen=True)
class Row:
    pk: int
    url: str
    name: str
    owner: str
    state: str
    state_label: str
    days: str
    days_text: str  # "12 dage i fasen"
    programme: str
    areas: str
    partners: int
    committed: str
    review: str  # "waiting", "due", "draft" or ""


def rows_for(interventions: Any, *, with_areas: bool = False) -> list[Row]:
    """Rows for decorated interventions or board cards (see selectors.with_portfolio_facts, Card and
    _decorate)."""
    base = reverse("interventions:index")
    labels = {state.value: str(state.label) for state in InterventionState}
    rows = []
    for i in interventions:
        if i.waiting_review:
            review = "waiting"
        elif i.review_due:
            review = "due"
        elif i.draft_review:
            review = "draft"
        else:
            review = ""
        rows.append(
            Row(
                pk=i.pk,
                url=f"{base}{i.pk}/",
                name=i.name,
                owner=i.owner_name,
                state=i.state,
                state_label=labels[i.state],
                days=number(i.days_in_state),
                days_text=ngettext("%(days)s dag i fasen", "%(days)s dage i fasen", i.days_in_state)
                % {"days": number(i.days_in_state)},
                programme=i.programme or "–",
                areas=", ".join(a.name for a in i.problem_areas.all()) or "–" if with_areas else "",
                partners=i.partner_count,
                committed=kroner(i.committed_in_phase),
                review=review,
            )
        )
    return rows


def select_options(choices: list[tuple[Any, str]], selected: Any) -> SafeString:
    """<option> elements for a filter, the selected one marked."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if value == selected else "", label) for value, label in choices),  # noqa: S308
    )
