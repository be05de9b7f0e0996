"""What a board card, a table row or a row of an intervention's page shows, formatted once in Python.

The portfolio pages show many rows; resolving a dozen template variables, filters and `{% url %}` tags
per row costs more than the queries behind them. These plain rows keep the templates to simple lookups.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.template.defaultfilters import linebreaksbr
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_noop, ngettext
from django.utils.translation import gettext as _

from indsats.interventions.models import (
    Contact,
    DeclarationScore,
    EvidenceReference,
    GateDecision,
    GateReview,
    Intervention,
    InterventionEvent,
    Material,
    Partnership,
    PracticeElement,
)
from indsats.interventions.selectors import (
    ChecklistLine,
    DeclarationLine,
    EventLine,
    PhaseLine,
    PracticeLine,
    ReviewLine,
)
from indsats.interventions.workflow import PHASES, InterventionState
from indsats.ui.choices import labels_of
from indsats.ui.converters import url_with_id
from indsats.ui.formatting import Formatter, as_number, date, date_range, kroner


class Row(NamedTuple):
    """A board card's or a table row's values, written (a tuple: dozens are built per page)."""

    pk: int
    url: str
    name: str
    owner: str
    state: str
    state_label: str
    days: str
    days_in_state: int
    programme: str
    areas: str
    partners: int
    committed: str
    review: str  # "waiting", "due", "draft" or ""

    @property
    def days_text(self) -> str:
        """A board card's "12 dage i fasen" (the table shows the number alone)."""
        return _days_in_phase(get_language(), self.days_in_state) % {"days": self.days}


@functools.lru_cache(maxsize=4096)
def _days_in_phase(_language: str | None, days: int) -> str:
    """The message "%(days)s dage i fasen" in the plural form for `days`, translated once per process and
    language (a card each; the form depends on the number alone)."""
    return ngettext("%(days)s dag i fasen", "%(days)s dage i fasen", days)


def rows_for(interventions: Any, *, with_areas: bool = False) -> list[Row]:
    """Rows for decorated board cards or table rows (see selectors.Card, TableRow and _decorate). The
    language's formats and the phases' labels are asked for once, not per row."""
    base = _address("interventions:index")
    labels = labels_of(Intervention, "state")
    write = Formatter()
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
                i.pk,
                f"{base}{i.pk}/",
                i.name,
                i.owner_name,
                i.state,
                labels.get(i.state, i.state),
                write.number(i.days_in_state),
                i.days_in_state,
                i.programme or "–",
                ", ".join(i.area_names) or "–" if with_areas else "",
                i.partner_count,
                write.kroner(i.committed_in_phase),
                review,
            )
        )
    return rows


def escape(value: object) -> str:
    """HTML-escaped text, as Django's escape but without its lazy-string wrapper (called hundreds of times
    per page here; the values are plain text, never already-safe HTML). Most have nothing to escape: one
    search finds that, where html.escape would run its five replacements."""
    text = str(value)
    return html.escape(text) if _ESCAPED.search(text) else text


_ESCAPED = re.compile("[&<>\"']")  # what html.escape replaces


def table_rows_html(rows: list[Row]) -> SafeString:
    """The portfolio table's <tr> elements (the template's loop costs more than the queries behind it)."""
    badges = {
        "waiting": f'<span class="badge badge-info">{escape(_("Venter på styregruppen"))}</span>',
        "due": f'<span class="badge badge-warning">{escape(_("Forfalden"))}</span>',
        "draft": escape(_("Kladde")),
        "": "–",
    }
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            "\n    <tr>"
            f'\n      <td><a href="{escape(row.url)}">{escape(row.name)}</a></td>'
            f'\n      <td class="indsats-nowrap">{escape(row.state_label)}</td>'
            f'\n      <td class="text-align-right">{escape(row.days)}</td>'
            f"\n      <td>{escape(row.owner)}</td>"
            f"\n      <td>{escape(row.programme)}</td>"
            f"\n      <td>{escape(row.areas)}</td>"
            f'\n      <td class="text-align-right">{row.partners:d}</td>'
            f'\n      <td class="text-align-right indsats-nowrap">{escape(row.committed)}</td>'
            f"\n      <td>{badges[row.review]}</td>"
            "\n    </tr>"
            for row in rows
        )
    )


def board_cards_html(rows: list[Row]) -> SafeString:
    """A board column's <li> cards (the template's loop costs more than the queries behind it); the
    badges and the days' message translated once per process and language."""
    language = get_language()
    badges = _card_badges(language)
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            '\n      <li class="indsats-card">'
            f'\n        <a href="{escape(row.url)}" class="indsats-card-title">{escape(row.name)}</a>'
            f'\n        <span class="indsats-card-meta">{escape(row.owner)}</span>'
            '\n        <span class="indsats-card-meta">'
            f"{escape(_days_in_phase(language, row.days_in_state) % {'days': row.days})}</span>"
            f"\n        {badges[row.review]}"
            "\n      </li>"
            for row in rows
        )
    )


@functools.lru_cache(maxsize=16)
def _card_badges(_language: str | None) -> dict[str, str]:
    return {
        "waiting": f'<span class="badge badge-info">{escape(_("Venter på styregruppen"))}</span>',
        "due": f'<span class="badge badge-warning">{escape(_("Gate review forfalden"))}</span>',
        "draft": f'<span class="badge">{escape(_("Gate review i kladde"))}</span>',
        "": "",
    }


def board_columns_html(columns: Iterable[tuple[Any, str]], query_string: str) -> SafeString:
    """The board's columns (selectors.BoardColumn, each with its cards' HTML from board_cards_html): what
    the template's loop wrote, its counts localised and its messages translated as the template's tags
    did (four columns of a dozen tags each cost more than the page's largest query)."""
    table = escape(_address("interventions:table"))
    more = f"&amp;{escape(query_string)}" if query_string else ""
    empty = escape(_("Ingen indsatser i fasen."))
    parts = []
    for column, cards in columns:
        state = escape(column.state)
        count = ngettext("%(counter)s indsats", "%(counter)s indsatser", column.count) % {
            "counter": escape(localize(column.count))
        }
        hidden = ""
        if column.hidden > 0:
            see = ngettext(
                "Se %(counter)s mere i tabellen", "Se %(counter)s flere i tabellen", column.hidden
            ) % {"counter": escape(localize(column.hidden))}
            hidden = f'<p><a href="{table}?fase={state}{more}">{see}</a></p>'
        if cards:
            listed = f"{cards}\n      "
        else:
            listed = f'\n      <li class="indsats-card-empty">{empty}</li>\n      '
        parts.append(
            f'\n  <section class="indsats-board-column indsats-border-{state}"'
            f' aria-labelledby="column-{state}">'
            f'\n    <h2 class="h3" id="column-{state}">{escape(column.label)}</h2>'
            f'\n    <p class="indsats-column-facts">{count} \u00b7 {escape(kroner(column.committed))}</p>'
            f'\n    <ul class="nobullet-list indsats-cards">'
            f"\n      {listed}"
            f"\n    </ul>"
            f"\n    {hidden}"
            "\n  </section>\n  "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


def pipeline_rows_html(rows: list[tuple[str, list[int]]]) -> SafeString:
    """The pipeline table's <tr> elements: a quarter's label and its count per state, each count
    localised as the template would (the template's nested loop costs more than building the chart): a
    count, never negative, written by one Formatter (the same digits and separators as Django's localize,
    tested; a negative number would take Django's hyphen, so it goes to localize)."""
    write = Formatter()

    def cell(value: int) -> str:
        written = write.number(value) if isinstance(value, int) and value >= 0 else localize(value)
        return f'<td class="text-align-right">{escape(written)}</td>'

    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<tr><th scope="row">{escape(label)}</th>' + "".join(cell(value) for value in values) + "</tr>"
            for label, values in rows
        )
    )


def select_options(choices: list[tuple[Any, str]], selected: Any) -> SafeString:
    """<option> elements for a filter, the selected one marked."""
    mark = " selected"
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<option value="{escape(value)}"{mark if value == selected else ""}>{escape(label)}</option>'
            for value, label in choices
        )
    )


def timeline_items_html(events: Iterable[EventLine]) -> SafeString:
    """The detail page's timeline <li> elements, in the events' order (the template's loop resolved a
    dozen variables and filters per event)."""
    kinds, states = labels_of(InterventionEvent, "kind"), labels_of(InterventionEvent, "to_state")
    fmt = Formatter()  # the language and time zone asked for once, not per event
    items = []
    for event in events:
        change = ""
        if event.to_state:
            moved = event.from_state and event.from_state != event.to_state
            change = ": " + (f"{escape(states.get(event.from_state, event.from_state))} → " if moved else "")
            change += escape(states.get(event.to_state, event.to_state))
        text = (
            event.text and f'<p class="indsats-timeline-text">{linebreaksbr(event.text, autoescape=True)}</p>'
        )
        at = timezone.localtime(event.at)
        items.append(
            "\n  <li>"
            f'\n    <time datetime="{escape(at.isoformat())}">{escape(fmt.date_time(at))}</time>'
            f"\n    <strong>{escape(kinds.get(event.kind, event.kind))}</strong>{change}"
            f'\n    <span class="indsats-card-meta">{escape(event.actor_name)}</span>'
            f"\n    {text}"
            "\n  </li>\n  "
        )
    return mark_safe("".join(items))  # noqa: S308 - every value is escaped here


def review_rows_html(reviews: Iterable[ReviewLine]) -> SafeString:
    """The detail page's gate review <tr> elements, each with its newest decision."""
    review_url = _url_for("interventions:review_detail")
    phases, statuses = labels_of(GateReview, "phase"), labels_of(GateReview, "status")
    outcomes = labels_of(GateDecision, "decision")
    fmt = Formatter()
    rows = []
    for review in reviews:
        outcome = (
            f"{escape(outcomes.get(review.decision, review.decision))} "
            f"({escape(review.decided_by_name)}, {escape(fmt.date(review.decided_at or None))})"
            if review.decision_id is not None
            else "–"
        )
        url = review_url(review.pk)
        rows.append(
            "\n    <tr>"
            f'\n      <td><a href="{escape(url)}">{escape(phases.get(review.phase, review.phase))}</a></td>'
            f"\n      <td>{escape(statuses.get(review.status, review.status))}</td>"
            f"\n      <td>{escape(fmt.date(review.submitted_at or None))}</td>"
            f"\n      <td>{outcome}</td>"
            "\n    </tr>"
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value is escaped here


def declaration_rows_html(declaration: DeclarationLine) -> SafeString:
    """A knowledge declaration's <tr> elements: each dimension's grade and reason."""
    dimensions = labels_of(DeclarationScore, "dimension")
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<tr><th scope="row">{escape(dimensions.get(score.dimension, score.dimension))}</th>'
            f"<td>{escape(score.grade)}</td><td>{escape(score.reason)}</td></tr>"
            for score in declaration.scores
        )
    )


def declaration_history_html(declarations: Iterable[DeclarationLine]) -> SafeString:
    """The declarations' <tr> elements over time: the day and each dimension's grade."""
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<tr><th scope="row">{escape(date(declaration.declared_on or None))}</th>'
            + "".join(f"<td>{escape(score.grade)}</td>" for score in declaration.scores)
            + "</tr>"
            for declaration in declarations
        )
    )


def _partner_item(partnership: Partnership, edit_url: str | None, roles: Mapping[Any, str]) -> str:
    name = escape(partnership.municipality.name)
    period = _("fra %(date)s") % {"date": escape(date(partnership.joined_on or None))}
    if partnership.ended_on:
        period += " " + _("til %(date)s") % {"date": escape(date(partnership.ended_on))}
    if partnership.funding_ended_on:
        period += "; " + _("finansiering ophørt %(date)s") % {
            "date": escape(date(partnership.funding_ended_on))
        }
    edit = (
        f' <a href="{escape(edit_url)}">{escape(_("Ret datoer"))}<span class="sr-only"> ({name})</span></a>'
        if edit_url
        else ""
    )
    role = roles.get(partnership.role, partnership.role)
    return f"<li>{name}: {escape(role)} ({period}){edit}</li>"


def partner_items_html(intervention: Intervention, *, may_manage: bool) -> SafeString:
    """The detail page's partner <li> elements (partnerships prefetched with their municipalities), each
    with a link to edit its dates for those who manage the intervention."""
    edit_url = url_with_id("interventions:partner_edit", before=(intervention.pk,)) if may_manage else None
    roles = labels_of(Partnership, "role")
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            _partner_item(partnership, edit_url(partnership.pk) if edit_url else None, roles)
            for partnership in intervention.partnerships.all()
        )
    )


def phase_items_html(state: str, records: Mapping[str, PhaseLine]) -> SafeString:
    """The phase track's <li> for each phase: the current one marked, a visited one (it has a record)
    with the days it ran (the template's loop read a dozen variables and filters per phase)."""
    fmt = Formatter()
    items = []
    for phase in PHASES:
        record = records.get(phase)
        current = phase == state
        mark = "is-current" if current else ("is-visited" if record else "")
        dates = ""
        if record and record.actual_start:
            end = f" – {escape(fmt.date(record.actual_end))}" if record.actual_end else ""
            dates = f'<span class="indsats-phase-dates">{escape(fmt.date(record.actual_start))}{end}</span>'
        step = ' aria-current="step"' if current else ""
        items.append(
            f'\n  <li class="{mark}"{step}>'
            f'\n    <span class="indsats-phase-name">{escape(phase.label)}</span>'
            f"\n    {dates}\n  </li>\n  "
        )
    return mark_safe("".join(items))  # noqa: S308 - every value is escaped here


def _checklist_item(item: ChecklistLine, required: str, done: str, not_done: str) -> str:
    required_note = f' <span class="weight-normal">({required})</span>' if item.is_required else ""
    done_on = f' <span class="indsats-card-meta">{escape(date(item.done_on))}</span>' if item.done_on else ""
    return (
        f'\n  <li class="{"is-done" if item.is_done else ""}"><span class="indsats-check" aria-hidden="true">'
        f"{'✓' if item.is_done else '○'}</span> {escape(item.title)}{required_note}"
        f'<span class="sr-only">: {done if item.is_done else not_done}</span>{done_on}</li>\n  '
    )


def checklist_items_html(items: Iterable[ChecklistLine]) -> SafeString:
    """The current phase's checklist <li> elements: done or not, required or not, and when done."""
    required, done, not_done = escape(_("obligatorisk")), escape(_("færdig")), escape(_("ikke færdig"))
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(_checklist_item(item, required, done, not_done) for item in items)
    )


def practice_columns_html() -> SafeString:
    """The practice table's <th> for each element, its name shortened to four letters: the same on every
    page in one language, so built once per process and language."""
    return _practice_columns(get_language())


@functools.lru_cache(maxsize=8)
def _practice_columns(_language: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'<th scope="col" class="text-align-right"><abbr title="{escape(element.label)}">'
            f"{escape(str(element.label)[:4])}.</abbr></th>"
            for element in PracticeElement
        )
    )


def practice_rows_html(lines: Iterable[PracticeLine]) -> SafeString:
    """The detail page's practice assessment <tr> elements: the municipality, the day, each element's
    score, the elements present and the points (the template's nested loop cost a dozen cells a row)."""
    fmt = Formatter()
    return mark_safe(  # noqa: S308 - every value is escaped here
        "".join(
            f'\n    <tr><th scope="row">{escape(line.municipality)}</th>'
            f"<td>{escape(fmt.date(line.assessed_on))}</td>\n    "
            + "".join(f'<td class="text-align-right">{score:d}</td>' for score in line.scores)
            + f'\n    <td class="text-align-right">{line.present:d}/11</td>'
            f'<td class="text-align-right">{line.total:d}/22</td></tr>\n  '
            for line in lines
        )
    )


@functools.lru_cache(maxsize=8)
def _about_labels(_language: str) -> dict[str, str]:
    """The facts' headings in one language, as the template's `{% translate %}` wrote them: our own
    catalogue's text, not escaped (as the template does not escape a translated literal)."""
    return {
        "about": _("Om indsatsen"),
        "phase": _("Fase"),
        "target": _("Målgruppe"),
        "areas": _("Problemområder"),
        "origin": _("Oprindelse"),
        "owner": _("Ejer"),
        "programme": _("Program"),
        "open": _("Åben for nye kommuner"),
        "yes": _("Ja"),
        "no": _("Nej"),
        "description": _("Beskrivelse"),
        "core": _("Kerneelementer"),
        "no_core": _("Ikke beskrevet endnu."),
    }


def about_html(intervention: Intervention) -> SafeString:
    """The detail page's facts about the intervention and its core elements (problem areas and owner read
    with it): what the template's two columns wrote with fifteen tags, the numbers localised and every
    value escaped as there."""
    t = _about_labels(get_language())
    since = _("siden %(date)s") % {"date": escape(date(intervention.state_entered_at or None))}
    ages = _("%(a)s-%(b)s år") % {
        "a": escape(localize(intervention.age_from)),
        "b": escape(localize(intervention.age_to)),
    }
    if intervention.target_group:
        ages += f". {escape(intervention.target_group)}"
    areas = ", ".join(escape(area.name) for area in intervention.problem_areas.all()) or "–"
    description = (
        f"<h3>{t['description']}</h3><p>{linebreaksbr(intervention.description, autoescape=True)}</p>"
        if intervention.description
        else ""
    )
    elements = intervention.core_element_list
    core = (
        "<ul>" + "".join(f"<li>{escape(element)}</li>" for element in elements) + "</ul>"
        if elements
        else f"<p>{t['no_core']}</p>"
    )
    state = labels_of(Intervention, "state").get(intervention.state, intervention.state)
    origin = labels_of(Intervention, "origin").get(intervention.origin, intervention.origin)
    return mark_safe(  # noqa: S308 - every value is escaped here, the headings are the catalogue's
        '<div class="row">'
        '\n  <div class="col-12 col-lg-7">'
        f"\n    <h2>{t['about']}</h2>"
        '\n    <dl class="indsats-facts">'
        f"\n      <dt>{t['phase']}</dt><dd>{escape(state)} ({since})</dd>"
        f"\n      <dt>{t['target']}</dt><dd>{ages}</dd>"
        f"\n      <dt>{t['areas']}</dt><dd>{areas}</dd>"
        f"\n      <dt>{t['origin']}</dt><dd>{escape(origin)}</dd>"
        f"\n      <dt>{t['owner']}</dt><dd>{escape(intervention.owner.name)}</dd>"
        f"\n      <dt>{t['programme']}</dt><dd>{escape(intervention.programme or '–')}</dd>"
        f"\n      <dt>{t['open']}</dt><dd>{t['yes'] if intervention.is_open_to_join else t['no']}</dd>"
        "\n    </dl>"
        f"\n    {description}"
        "\n  </div>"
        '\n  <div class="col-12 col-lg-5">'
        f"\n    <h2>{t['core']}</h2>"
        f"\n    {core}"
        "\n  </div>"
        "\n</div>"
    )


@functools.lru_cache(maxsize=8)
def _related_labels(_language: str) -> dict[str, str]:
    """The related lists' headings and messages in one language, as the template's `{% translate %}`
    wrote them: our own catalogue's text, not escaped (as the template does not escape a translated
    literal)."""
    return {
        "partners": _("Partnerkommuner"),
        "no_partners": _("Ingen kommuner endnu."),
        "add_partner": _("Tilføj partnerkommune"),
        "materials": _("Manual og materialer"),
        "no_materials": _("Ingen filer endnu."),
        "add_material": _("Tilføj manual eller materiale"),
        "references": _("Viden, indsatsen bygger på"),
        "no_references": _("Ingen referencer endnu."),
        "add_reference": _("Tilføj reference"),
        "contacts": _("Kontaktpersoner"),
        "no_contacts": _("Ingen kontaktpersoner endnu."),
        "add_contact": _("Tilføj kontaktperson"),
    }


def _related_list(anchor: str, heading: str, items: str, empty: str, add: str | None, add_text: str) -> str:
    listed = f"\n    <ul>{items}</ul>\n    " if items else f"<p>{empty}</p>"
    link = f'<p><a href="{escape(add)}">{add_text}</a></p>' if add is not None else ""
    return (
        '\n  <div class="col-12 col-lg-6">'
        f'\n    <h2 id="{anchor}">{heading}</h2>'
        f"\n    {listed}"
        f"\n    {link}"
        "\n  </div>"
    )


def _reference_item(reference: EvidenceReference) -> str:
    citation = escape(reference.citation)
    text = f'<a href="{escape(reference.url)}">{citation}</a>' if reference.url else citation
    year = f" ({int(reference.year)})" if reference.year else ""  # a calendar year: no separator
    return f"<li>{text}{year}</li>"


def _contact_item(contact: Contact) -> str:
    text = escape(contact.name)
    if contact.role:
        text += f", {escape(contact.role)}"
    if contact.organisation:
        text += f", {escape(contact.organisation)}"
    if contact.email:
        email = escape(contact.email)
        text += f' – <a href="mailto:{email}">{email}</a>'
    if contact.phone:
        text += f" – {escape(contact.phone)}"
    return f"<li>{text}</li>"


def related_lists_html(
    intervention: Intervention, *, partner_items: str, links: Mapping[str, str] | None
) -> SafeString:
    """The detail page's four lists of what belongs to the intervention (partners, materials,
    references, contacts; read with it), each with its link to add one for those who manage it (`links`:
    intervention_links, None for the others): what the template's row of four columns wrote."""
    t = _related_labels(get_language())
    material_url = url_with_id("interventions:material", before=(intervention.pk,))
    kinds = labels_of(Material, "kind")
    materials = "".join(
        f'<li><a href="{escape(material_url(material.pk))}">{escape(material.title)}</a>'
        f" ({escape(kinds.get(material.kind, material.kind))})</li>"
        for material in intervention.materials.all()
    )
    partners = partner_items if intervention.partnerships.all() else ""
    add = links or {}
    return mark_safe(  # noqa: S308 - every value is escaped here, the headings are the catalogue's
        '<div class="row">'
        + _related_list(
            "partnere", t["partners"], partners, t["no_partners"], add.get("add_partner"), t["add_partner"]
        )
        + _related_list(
            "materialer",
            t["materials"],
            materials,
            t["no_materials"],
            add.get("add_material"),
            t["add_material"],
        )
        + _related_list(
            "referencer",
            t["references"],
            "".join(_reference_item(reference) for reference in intervention.references.all()),
            t["no_references"],
            add.get("add_reference"),
            t["add_reference"],
        )
        + _related_list(
            "kontakter",
            t["contacts"],
            "".join(_contact_item(contact) for contact in intervention.contacts.all()),
            t["no_contacts"],
            add.get("add_contact"),
            t["add_contact"],
        )
        + "\n</div>"
    )


# the detail page's addresses of one intervention's pages: name and fixed arguments after the id
_LINKS = {
    "edit": ("interventions:edit",),
    "join": ("interventions:join",),
    "phase": ("interventions:phase",),
    "start_review": ("interventions:start_review",),
    "setup": ("outcomes:intervention_setup",),
    "return_to_phase": ("interventions:return_to_phase",),
    "stop": ("interventions:stop",),
    "declaration_new": ("interventions:declaration_new",),
    "practice_new": ("interventions:practice_new",),
    "add_partner": ("interventions:add_related", "partner"),
    "add_material": ("interventions:add_related", "materiale"),
    "add_reference": ("interventions:add_related", "reference"),
    "add_contact": ("interventions:add_related", "kontakt"),
}


def _address(name: str) -> str:
    """reverse(name) for an address without arguments, resolved once per process and URLconf."""
    return _resolved(name, get_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=64)
def _resolved(name: str, _urlconf: object, _prefix: str) -> str:
    return reverse(name)


@functools.lru_cache(maxsize=64)
def _url_maker(name: tuple[str, ...], _urlconf: object, _prefix: str) -> Callable[[int], str]:
    return url_with_id(*name)


def _url_for(*name: str) -> Callable[[int], str]:
    """url_with_id(*name), resolved once per process and URLconf (a test may change it)."""
    return _url_maker(name, get_urlconf(), get_script_prefix())


@functools.lru_cache(maxsize=8)
def _link_makers(_urlconf: object, _prefix: str) -> dict[str, Callable[[int], str]]:
    """The addresses resolved once per process and URLconf (a test may change it)."""
    return {key: url_with_id(*name) for key, name in _LINKS.items()}


def intervention_links(pk: int) -> dict[str, str]:
    """The detail page's links to the intervention's own pages, as `{% url %}` writes them (a dozen tags
    resolved the URLconf on every request)."""
    return {key: make(pk) for key, make in _link_makers(get_urlconf(), get_script_prefix()).items()}


# The `{% translate %}` tags interventions/detail.html had: forty-seven tags, each a lookup in the catalogue
# per request, cost the page about a tenth of its template's time. The template reads them as
# `{{ text.KEY }}`, the builders of its parts below as `t[KEY]`.
DETAIL_LABELS = {
    "indsatser": gettext_noop("Indsatser"),
    "rediger": gettext_noop("Redigér"),
    "bed_om_at_deltage": gettext_noop("Bed om at deltage"),
    "historik": gettext_noop("Historik"),
    "fase": gettext_noop("Fase"),
    "faserne": gettext_noop("Faserne"),
    "stoppet": gettext_noop("Stoppet"),
    "i_almindelig_drift": gettext_noop("I almindelig drift"),
    "indsatsen_er_stoppet": gettext_noop("Indsatsen er stoppet"),
    "opdater_fase_og_tjekliste": gettext_noop("Opdatér fase og tjekliste"),
    "fortsaet_gate_review": gettext_noop("Fortsæt gate review"),
    "se_gate_review_hos": gettext_noop("Se gate review hos styregruppen"),
    "start_gate_review": gettext_noop("Start gate review"),
    "opsaetning_af_resultatdokumentation": gettext_noop("Opsætning af resultatdokumentation"),
    "vend_tilbage_til_en": gettext_noop("Vend tilbage til en tidligere fase"),
    "stop_indsatsen": gettext_noop("Stop indsatsen"),
    "se_gate_review_og": gettext_noop("Se gate review og afgør"),
    "forandringsteori": gettext_noop("Forandringsteori"),
    "fasen_har_ingen_leverancer": gettext_noop("Fasen har ingen leverancer på tjeklisten."),
    "planlagt": gettext_noop("Planlagt"),
    "bevilget_til_fasen": gettext_noop("Bevilget til fasen"),
    "organisationer_i_fasen": gettext_noop("Organisationer i fasen"),
    "gate_reviews": gettext_noop("Gate reviews"),
    "status": gettext_noop("Status"),
    "sendt": gettext_noop("Sendt"),
    "afgoerelse": gettext_noop("Afgørelse"),
    "ingen_gate_reviews_endnu": gettext_noop("Ingen gate reviews endnu."),
    "tidslinje": gettext_noop("Tidslinje"),
    "ingen_haendelser_endnu": gettext_noop("Ingen hændelser endnu."),
    "vis_hele_tidslinjen": gettext_noop("Vis hele tidslinjen"),
    "vidensdeklaration": gettext_noop("Vidensdeklaration"),
    "ny_vidensdeklaration": gettext_noop("Ny vidensdeklaration"),
    "dimension": gettext_noop("Dimension"),
    "karakter": gettext_noop("Karakter"),
    "begrundelse": gettext_noop("Begrundelse"),
    "over_tid": gettext_noop("Over tid"),
    "dato": gettext_noop("Dato"),
    "indsatsen_har_ingen_vidensdeklaration": gettext_noop("Indsatsen har ingen vidensdeklaration endnu."),
    "lovende_praksis": gettext_noop("Lovende praksis"),
    "vurder_praksis": gettext_noop("Vurdér praksis"),
    "vurderinger_af_lovende_praksis": gettext_noop("Vurderinger af lovende praksis"),
    "kommune": gettext_noop("Kommune"),
    "til_stede": gettext_noop("Til stede"),
    "point": gettext_noop("Point"),
    "vis_alle_vurderinger": gettext_noop("Vis alle vurderinger"),
    "0_ikke_til_stede": gettext_noop(
        "0 = ikke til stede, 1 = delvist til stede, 2 = til stede. Jo flere elementer en praksis har, jo "
        "mere lovende er den (SFI 2016)."
    ),
    "ingen_vurderinger_af_praksis": gettext_noop("Ingen vurderinger af praksis, som du kan se."),
}


def detail_labels() -> dict[str, SafeString]:
    """The detail page's labels in the active language, as its `{% translate %}` tags wrote them: our own
    catalogue's text, not escaped (a translated literal is safe)."""
    return _detail_labels(get_language())


@functools.lru_cache(maxsize=16)
def _detail_labels(_language: str | None) -> dict[str, SafeString]:
    # as the tag: percent signs doubled in the message id, then restored
    return {
        key: mark_safe(_(message.replace("%", "%%")).replace("%%", "%"))  # noqa: S308 - own messages
        for key, message in DETAIL_LABELS.items()
    }


def detail_sections_html(
    *,
    may: Any,
    links: Mapping[str, str],
    reviews: Sequence[Any],
    review_rows: str,
    timeline_items: str,
    timeline_cut: bool,
    declarations: Sequence[DeclarationLine],
    spider_svg: str | None,
    declaration_rows: str,
    declaration_history: str,
    dimension_labels: Iterable[str],
    practice_rows: str,
    practice_columns: str,
    practice_cut: bool,
) -> SafeString:
    """The detail page's gate reviews, timeline, knowledge declarations and practice assessments: their
    headings, tables' heads and empty texts around the rows made above (the template's sixty variables
    and conditions here cost the page more than the rows' builders)."""
    t = detail_labels()
    parts = []
    if may.see_reviews:
        parts.append(f'\n<h2 id="gate-reviews">{t["gate_reviews"]}</h2>\n')
        if reviews:
            parts.append(
                '\n<div class="table--responsive-scroll">\n<table class="table table--zebra">\n'
                f'  <caption class="sr-only">{t["gate_reviews"]}</caption>\n'
                f'  <thead><tr><th scope="col">{t["fase"]}</th><th scope="col">{t["status"]}</th>'
                f'<th scope="col">{t["sendt"]}</th><th scope="col">{t["afgoerelse"]}</th></tr></thead>\n'
                f"  <tbody>{review_rows}\n  </tbody>\n</table>\n</div>\n"
            )
        else:
            parts.append(f"<p>{t['ingen_gate_reviews_endnu']}</p>")
        parts.append("\n")
    parts.append(f'\n\n<h2 id="tidslinje">{t["tidslinje"]}</h2>\n<ol class="indsats-timeline">\n  ')
    parts.append(timeline_items or f"<li>{t['ingen_haendelser_endnu']}</li>\n  ")
    parts.append("\n</ol>\n")
    if timeline_cut:
        parts.append(f'<p><a href="?tidslinje=alle#tidslinje">{t["vis_hele_tidslinjen"]}</a></p>')
    parts.append(f'\n\n<h2 id="vidensdeklaration">{t["vidensdeklaration"]}</h2>\n')
    if may.manage:
        parts.append(
            f'<p><a class="button button-secondary" href="{escape(links["declaration_new"])}">'
            f"{t['ny_vidensdeklaration']}</a></p>"
        )
    parts.append("\n")
    if declarations:
        day = escape(date(declarations[0].declared_on))
        latest = _("Seneste vidensdeklaration (%(date)s)") % {"date": day}
        parts.append(
            '\n<div class="row">\n'
            f'  <div class="col-12 col-lg-5"><figure class="indsats-chart">{spider_svg}</figure></div>\n'
            '  <div class="col-12 col-lg-7">\n    <div class="table--responsive-scroll">\n'
            '    <table class="table table--zebra">\n'
            f"      <caption>{latest}</caption>\n"
            f'      <thead><tr><th scope="col">{t["dimension"]}</th><th scope="col">{t["karakter"]}</th>'
            f'<th scope="col">{t["begrundelse"]}</th></tr></thead>\n'
            f"      <tbody>{declaration_rows}</tbody>\n    </table>\n    </div>\n    "
        )
        if len(declarations) > 1:
            heads = "".join(f'<th scope="col">{escape(label)}</th>' for label in dimension_labels)
            parts.append(
                '\n    <div class="table--responsive-scroll">\n    <table class="table table--compact">\n'
                f"      <caption>{t['over_tid']}</caption>\n"
                f'      <thead><tr><th scope="col">{t["dato"]}</th>{heads}</tr></thead>\n'
                f"      <tbody>{declaration_history}</tbody>\n    </table>\n    </div>\n    "
            )
        parts.append("\n  </div>\n</div>\n")
    else:
        parts.append(f"<p>{t['indsatsen_har_ingen_vidensdeklaration']}</p>")
    parts.append(f'\n\n<h2 id="lovende-praksis">{t["lovende_praksis"]}</h2>\n')
    if may.assess_practice:
        parts.append(
            f'<p><a class="button button-secondary" href="{escape(links["practice_new"])}">'
            f"{t['vurder_praksis']}</a></p>"
        )
    parts.append("\n")
    if practice_rows:
        parts.append(
            '\n<div class="table--responsive-scroll">\n<table class="table table--zebra table--compact">\n'
            f'  <caption class="sr-only">{t["vurderinger_af_lovende_praksis"]}</caption>\n'
            f'  <thead><tr><th scope="col">{t["kommune"]}</th><th scope="col">{t["dato"]}</th>'
            f'{practice_columns}<th scope="col" class="text-align-right">{t["til_stede"]}</th>'
            f'<th scope="col" class="text-align-right">{t["point"]}</th></tr></thead>\n'
            f"  <tbody>{practice_rows}</tbody>\n</table>\n</div>\n"
        )
        if practice_cut:
            parts.append(
                f'<p><a href="?vurderinger=alle#lovende-praksis">{t["vis_alle_vurderinger"]}</a></p>'
            )
        parts.append(f'\n<p class="form-hint">{t["0_ikke_til_stede"]}</p>\n')
    else:
        parts.append(f"<p>{t['ingen_vurderinger_af_praksis']}</p>")
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped or already safe HTML


def overview_html(
    *,
    about: str,
    toc_svg: str,
    current_record: PhaseLine | None,
    current_phase_label: str,
    checklist_items: str,
) -> SafeString:
    """The detail page's facts, theory of change and the current phase's checklist and facts, around the
    parts made above (as the template wrote them with a dozen variables, filters and a loop)."""
    t = detail_labels()
    parts = [
        f'{about}\n\n<h2 id="forandringsteori">{t["forandringsteori"]}</h2>\n'
        f'<figure class="indsats-chart indsats-toc">{toc_svg}</figure>\n\n'
    ]
    if current_record is not None:
        record = current_record
        heading = _("Tjekliste for %(phase)s") % {"phase": escape(current_phase_label)}
        organisations = ", ".join(escape(name) for name in record.organisations) or "–"
        planned = date_range(record.planned_start or None, record.planned_end or None)
        committed = kroner(as_number(record.committed_amount))
        parts.append(
            f'\n<h2 id="fase">{heading}</h2>\n<ul class="nobullet-list indsats-checklist">\n  '
            + (checklist_items or f"<li>{t['fasen_har_ingen_leverancer']}</li>\n  ")
            + '\n</ul>\n<dl class="indsats-facts">\n'
            f"  <dt>{t['planlagt']}</dt><dd>{escape(planned)}</dd>\n"
            f"  <dt>{t['bevilget_til_fasen']}</dt><dd>{escape(committed)}</dd>\n"
            f"  <dt>{t['organisationer_i_fasen']}</dt><dd>{organisations}</dd>\n</dl>\n"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped or already safe HTML


def heading_html(
    *, intervention: Intervention, may: Any, links: Mapping[str, str], phase_items: str, is_in_phase: bool
) -> SafeString:
    """The detail page's heading with its buttons, the phase track and why a stopped intervention stopped
    (as the template wrote them with fifteen variables, conditions and two address tags)."""
    t = detail_labels()
    stopped = intervention.state == InterventionState.STOPPED
    history = reverse(
        "history:object_history", args=[ContentType.objects.get_for_model(Intervention).pk, intervention.pk]
    )
    edit = (
        f'<a class="button button-secondary" href="{escape(links["edit"])}">{t["rediger"]}</a>'
        if may.manage
        else ""
    )
    join = (
        f'<a class="button button-primary" href="{escape(links["join"])}">{t["bed_om_at_deltage"]}</a>'
        if may.request_to_join
        else ""
    )
    last = ("is-current" if intervention.state == InterventionState.OPERATION else "") + (
        " is-stopped is-current" if stopped else ""
    )
    current = "" if is_in_phase else ' aria-current="step"'
    last_name = t["stoppet"] if stopped else t["i_almindelig_drift"]
    alert = (
        '\n<div class="alert alert-warning mb-6"><div class="alert-body">'
        f'<p class="alert-heading">{t["indsatsen_er_stoppet"]}</p>'
        f'<p class="alert-text">{linebreaksbr(intervention.stop_reason, autoescape=True)}</p></div></div>\n'
        if stopped and intervention.stop_reason
        else ""
    )
    return mark_safe(  # noqa: S308 - every value is escaped or already safe HTML
        f'<p><a href="{escape(_address("interventions:index"))}" class="back-link">{t["indsatser"]}</a></p>\n'
        '<div class="indsats-page-heading">\n'
        f"  <h1>{escape(intervention.name)}</h1>\n"
        '  <div class="button-group">\n'
        f"    {edit}\n    {join}\n"
        f'    <a class="button button-tertiary" href="{escape(history)}">{t["historik"]}</a>\n'
        "  </div>\n</div>\n"
        f'<p class="font-lead">{escape(intervention.short_description)}</p>\n\n'
        f'<h2 class="sr-only">{t["fase"]}</h2>\n'
        f'<ol class="indsats-phase-track" aria-label="{t["faserne"]}">\n'
        f"  {phase_items}\n"
        f'  <li class="{last}"{current}>\n'
        f'    <span class="indsats-phase-name">{last_name}</span>\n'
        "  </li>\n</ol>\n"
        f"{alert}"
    )
