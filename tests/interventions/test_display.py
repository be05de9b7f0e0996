"""What interventions/display.py formats in Python equals what the templates' loops it replaced wrote."""

from __future__ import annotations

import datetime
import html
import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indsats.interventions import charts, display, selectors
from indsats.interventions.selectors import BoardColumn, Card, TableRow
from indsats.interventions.workflow import InterventionState
from indsats.ui.formatting import kroner, number
from tests.interventions.factories import InterventionFactory

# the board's columns as _board_body.html wrote them before display.board_columns_html
COLUMNS_LOOP = """{% load i18n formatting %}{% for column, cards in columns %}
  <section class="indsats-board-column indsats-border-{{ column.state }}" aria-labelledby="column-{{ column.state }}">
    <h2 class="h3" id="column-{{ column.state }}">{{ column.label }}</h2>
    <p class="indsats-column-facts">{% blocktranslate count counter=column.count %}{{ counter }} indsats{% plural %}{{ counter }} indsatser{% endblocktranslate %} · {{ column.committed|kr }}</p>
    <ul class="nobullet-list indsats-cards">
      {% if cards %}{{ cards }}
      {% else %}
      <li class="indsats-card-empty">{% translate "Ingen indsatser i fasen." %}</li>
      {% endif %}
    </ul>
    {% if column.hidden > 0 %}<p><a href="{% url 'interventions:table' %}?fase={{ column.state }}{% if query_string %}&amp;{{ query_string }}{% endif %}">{% blocktranslate count counter=column.hidden %}Se {{ counter }} mere i tabellen{% plural %}Se {{ counter }} flere i tabellen{% endblocktranslate %}</a></p>{% endif %}
  </section>
  {% endfor %}"""


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("query_string", ["", "q=a%26b&kommune=3"])
def test_the_boards_columns_are_what_the_templates_loop_wrote(language, query_string):
    cards = mark_safe('\n      <li class="indsats-card">Kort &amp; co</li>')
    columns = [
        (BoardColumn("screening", "Fase 0: Screening", 0, Decimal(0), []), mark_safe("")),
        (BoardColumn("maturation", "Fase 1: Modning", 1, Decimal("1250000.50"), [object()]), cards),
        (BoardColumn("testing", "Fase 2: <Afprøvning>", 2, Decimal(0), [object()]), cards),
        (BoardColumn("dissemination", "Fase 3: Udbredelse", 1008, Decimal(7), [object()] * 15), cards),
        (BoardColumn("testing", "Fase 2", 16, Decimal(1), [object()] * 15), cards),
    ]
    with translation.override(language):
        expected = (
            engines["django"]
            .from_string(COLUMNS_LOOP)
            .render({"columns": columns, "query_string": query_string})
        )
        written = display.board_columns_html(columns, query_string)
    assert written == expected
    assert "1.008" in written or "1,008" in written


# --- the cards' and rows' values, written as before rows_for asked once for the language and the labels ---

CARD_DAYS = [0, 1, 2, 21, 1234]


def _cards() -> list[TableRow]:
    entered = datetime.date(2026, 1, 5)
    cards = []
    for index, (state, days) in enumerate(zip(list(InterventionState) * 2, CARD_DAYS * 3, strict=False)):
        cards.append(
            TableRow(
                pk=index + 1,
                name=f"Indsats <{index}> & co",
                state=state,
                entered_on=entered,
                owner_name=f'Ejer {index} "A"',
                waiting_review=index % 4 == 1,
                draft_review=index % 3 == 2,
                planned_end=None,
                programme="" if index % 2 else "BUIP 2020: Fravær",
                partner_count=index,
                committed_in_phase=[None, Decimal("1250000.50"), Decimal(7), Decimal("1234567")][index % 4],
                days_in_state=days,
                review_due=index % 5 == 3,
                area_names=[] if index % 3 else ["Skolefravær", "Trivsel & rus"],
            )
        )
    return cards


def _rows_as_before(interventions, *, with_areas=False):
    """rows_for as it was: the labels, the number and the amount asked for on every row."""
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
        days = number(i.days_in_state)
        rows.append(
            {
                "pk": i.pk,
                "url": f"{base}{i.pk}/",
                "name": i.name,
                "owner": i.owner_name,
                "state": i.state,
                "state_label": labels[i.state],
                "days": days,
                "days_in_state": i.days_in_state,
                "programme": i.programme or "–",
                "areas": ", ".join(i.area_names) or "–" if with_areas else "",
                "partners": i.partner_count,
                "committed": kroner(i.committed_in_phase),
                "review": review,
                "days_text": ngettext("%(days)s dag i fasen", "%(days)s dage i fasen", i.days_in_state)
                % {"days": days},
            }
        )
    return rows


def _cards_as_before(rows):
    """board_cards_html as it was, over _rows_as_before's rows."""
    badges = {
        "waiting": f'<span class="badge badge-info">{display.escape(_("Venter på styregruppen"))}</span>',
        "due": f'<span class="badge badge-warning">{display.escape(_("Gate review forfalden"))}</span>',
        "draft": f'<span class="badge">{display.escape(_("Gate review i kladde"))}</span>',
        "": "",
    }
    return "".join(
        '\n      <li class="indsats-card">'
        f'\n        <a href="{display.escape(row["url"])}" class="indsats-card-title">{display.escape(row["name"])}</a>'
        f'\n        <span class="indsats-card-meta">{display.escape(row["owner"])}</span>'
        f'\n        <span class="indsats-card-meta">{display.escape(row["days_text"])}</span>'
        f"\n        {badges[row['review']]}"
        "\n      </li>"
        for row in rows
    )


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("with_areas", [False, True])
def test_the_rows_are_what_rows_for_wrote_asking_on_every_row(language, with_areas):
    with translation.override(language):
        expected = _rows_as_before(_cards(), with_areas=with_areas)
        rows = display.rows_for(_cards(), with_areas=with_areas)
        written = [{**row._asdict(), "days_text": row.days_text} for row in rows]
    assert written == expected
    assert {row["review"] for row in written} == {"waiting", "due", "draft", ""}


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_cards_are_what_board_cards_html_wrote_asking_on_every_card(language):
    with translation.override(language):
        expected = _cards_as_before(_rows_as_before(_cards()))
        written = display.board_cards_html(display.rows_for(_cards()))
    assert written == expected
    assert ("1 dag i fasen" if language == "da" else "1 day in the phase") in written


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_pipelines_rows_are_what_the_templates_loop_wrote(language):
    rows = [("K1 2024", [0, 1, 12, 999, 1000]), ("I dag", [1008, 123456, 0, -3, 7])]
    loop = (
        '{% for label, values in rows %}<tr><th scope="row">{{ label }}</th>{% for value in values %}'
        '<td class="text-align-right">{{ value }}</td>{% endfor %}</tr>{% endfor %}'
    )
    with translation.override(language):
        expected = engines["django"].from_string(loop).render({"rows": rows})
        written = display.pipeline_rows_html(rows)
    assert written == expected
    assert "123.456" in written or "123,456" in written


def test_decorate_gives_days_in_state_and_is_review_due():
    """A card's days from the local day it entered its state (converted by the database) equal
    days_in_state's from the moment itself."""
    today = timezone.localdate()
    midnight = timezone.make_aware(datetime.datetime.combine(today, datetime.time()))
    cards, expected = [], []
    for state in InterventionState:
        for entered in (
            midnight - datetime.timedelta(minutes=1),  # yesterday in Copenhagen, today in UTC
            midnight,
            midnight - datetime.timedelta(days=400, hours=3),
            midnight + datetime.timedelta(days=2),  # in the future: 0 days
        ):
            for planned_end in (None, today - datetime.timedelta(days=1), today):
                for waiting in (False, True):
                    facts = {"state": state, "waiting_review": waiting, "planned_end": planned_end}
                    moment = SimpleNamespace(state_entered_at=entered.astimezone(datetime.UTC), **facts)
                    expected.append(
                        (selectors.days_in_state(moment, today), selectors.is_review_due(moment, today))
                    )
                    local_day = timezone.localtime(entered).date()
                    cards.append(
                        Card(
                            pk=1, name="x", entered_on=local_day, owner_name="y", draft_review=False, **facts
                        )
                    )
    decorated = selectors._decorate(cards)
    assert [(c.days_in_state, c.review_due) for c in decorated] == expected
    assert {days for days, _due in expected} >= {0, 1, 401} and {due for _days, due in expected} == {
        True,
        False,
    }


@pytest.mark.parametrize(
    "value", ["", "plain text", "a & b", "<b>", 'say "hi"', "it's", "æøå – 1.234,5 kr.", 1008, None, "&amp;"]
)
def test_escape_is_htmls_escape(value):
    assert display.escape(value) == html.escape(str(value))


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_quarters_labels_are_the_messages_translated_each_time(language):
    today = datetime.date(2026, 12, 7)
    days = [today, datetime.date(2026, 9, 30), datetime.date(2024, 3, 31), datetime.date(2025, 12, 31)]
    with translation.override(language):
        expected = [_("I dag")] + [
            _("K%(quarter)s %(year)s") % {"quarter": (day.month - 1) // 3 + 1, "year": day.year}
            for day in days[1:]
        ]
        assert [charts.quarter_label(day, today) for day in days] == expected
        assert charts.quarter_label(today) == ("K4 2026" if language == "da" else "Q4 2026")
    assert expected[1] == ("K3 2026" if language == "da" else "Q3 2026")


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["da", "en"])
def test_the_boards_phase_labels_are_the_states_labels_in_the_active_language(language, steering_member):
    with translation.override(language):
        board = selectors.portfolio_board(user=steering_member, filters=selectors.PortfolioFilters())
        expected = [(state.value, str(state.label)) for state in InterventionState]
        assert [(c.state, c.label) for c in [*board.columns, *board.end_states]] == expected
        assert selectors.filter_options().states == expected
        svg = charts.pipeline_svg(board.pipeline, today=timezone.localdate())
        assert all(label in svg for _state, label in expected[:-1])


DETAIL_TEMPLATE = Path(display.__file__).parent / "templates/interventions/detail.html"


@pytest.mark.parametrize("language", ["da", "en"])
def test_detail_labels_are_what_the_translate_tags_wrote(language):
    """The detail page's `{{ text.KEY }}` (and detail_sections_html's `t[KEY]`) are its former
    `{% translate %}` tags, and every key is used."""
    with translation.override(language):
        labels = display.detail_labels()
        for key, message in display.DETAIL_LABELS.items():
            expected = (
                engines["django"].from_string(f'{{% load i18n %}}{{% translate "{message}" %}}').render({})
            )
            assert labels[key] == expected, key
        assert (labels["afgoerelse"] == "Afgørelse") == (language == "da")
    used = set(re.findall(r"\{\{ text\.(\w+) \}\}", DETAIL_TEMPLATE.read_text()))
    used |= set(re.findall(r"t\[[\"'](\w+)[\"']\]", Path(display.__file__).read_text())) & set(
        display.DETAIL_LABELS
    )
    assert used == set(display.DETAIL_LABELS)
    assert "{% translate" not in DETAIL_TEMPLATE.read_text()


# the detail page's sections from the gate reviews to the practice assessments, as detail.html wrote them
# before display.detail_sections_html
SECTIONS_TEMPLATE = '{% if may.see_reviews %}\n<h2 id="gate-reviews">{% translate "Gate reviews" %}</h2>\n{% if reviews %}\n<div class="table--responsive-scroll">\n<table class="table table--zebra">\n  <caption class="sr-only">{% translate "Gate reviews" %}</caption>\n  <thead><tr><th scope="col">{% translate "Fase" %}</th><th scope="col">{% translate "Status" %}</th><th scope="col">{% translate "Sendt" %}</th><th scope="col">{% translate "Afgørelse" %}</th></tr></thead>\n  <tbody>{{ review_rows }}\n  </tbody>\n</table>\n</div>\n{% else %}<p>{% translate "Ingen gate reviews endnu." %}</p>{% endif %}\n{% endif %}\n\n<h2 id="tidslinje">{% translate "Tidslinje" %}</h2>\n<ol class="indsats-timeline">\n  {% if timeline_items %}{{ timeline_items }}{% else %}<li>{% translate "Ingen hændelser endnu." %}</li>\n  {% endif %}\n</ol>\n{% if timeline_cut %}<p><a href="?tidslinje=alle#tidslinje">{% translate "Vis hele tidslinjen" %}</a></p>{% endif %}\n\n<h2 id="vidensdeklaration">{% translate "Vidensdeklaration" %}</h2>\n{% if may.manage %}<p><a class="button button-secondary" href="{{ links.declaration_new }}">{% translate "Ny vidensdeklaration" %}</a></p>{% endif %}\n{% if declarations %}\n<div class="row">\n  <div class="col-12 col-lg-5"><figure class="indsats-chart">{{ spider_svg }}</figure></div>\n  <div class="col-12 col-lg-7">\n    <div class="table--responsive-scroll">\n    <table class="table table--zebra">\n      <caption>{% blocktranslate with date=declarations.0.declared_on|short_date %}Seneste vidensdeklaration ({{ date }}){% endblocktranslate %}</caption>\n      <thead><tr><th scope="col">{% translate "Dimension" %}</th><th scope="col">{% translate "Karakter" %}</th><th scope="col">{% translate "Begrundelse" %}</th></tr></thead>\n      <tbody>{{ declaration_rows }}</tbody>\n    </table>\n    </div>\n    {% if declarations|length > 1 %}\n    <div class="table--responsive-scroll">\n    <table class="table table--compact">\n      <caption>{% translate "Over tid" %}</caption>\n      <thead><tr><th scope="col">{% translate "Dato" %}</th>{% for label in dimension_labels %}<th scope="col">{{ label }}</th>{% endfor %}</tr></thead>\n      <tbody>{{ declaration_history }}</tbody>\n    </table>\n    </div>\n    {% endif %}\n  </div>\n</div>\n{% else %}<p>{% translate "Indsatsen har ingen vidensdeklaration endnu." %}</p>{% endif %}\n\n<h2 id="lovende-praksis">{% translate "Lovende praksis" %}</h2>\n{% if may.assess_practice %}<p><a class="button button-secondary" href="{{ links.practice_new }}">{% translate "Vurdér praksis" %}</a></p>{% endif %}\n{% if practice_rows %}\n<div class="table--responsive-scroll">\n<table class="table table--zebra table--compact">\n  <caption class="sr-only">{% translate "Vurderinger af lovende praksis" %}</caption>\n  <thead><tr><th scope="col">{% translate "Kommune" %}</th><th scope="col">{% translate "Dato" %}</th>{{ practice_columns }}<th scope="col" class="text-align-right">{% translate "Til stede" %}</th><th scope="col" class="text-align-right">{% translate "Point" %}</th></tr></thead>\n  <tbody>{{ practice_rows }}</tbody>\n</table>\n</div>\n{% if practice_cut %}<p><a href="?vurderinger=alle#lovende-praksis">{% translate "Vis alle vurderinger" %}</a></p>{% endif %}\n<p class="form-hint">{% translate "0 = ikke til stede, 1 = delvist til stede, 2 = til stede. Jo flere elementer en praksis har, jo mere lovende er den (SFI 2016)." %}</p>\n{% else %}<p>{% translate "Ingen vurderinger af praksis, som du kan se." %}</p>{% endif %}'


def _declaration(day: datetime.date) -> selectors.DeclarationLine:
    return selectors.DeclarationLine(declared_on=day, scores=[])


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("may_all", [True, False])
@pytest.mark.parametrize("filled", [True, False])
@pytest.mark.parametrize("cut", [True, False])
def test_detail_sections_are_written_as_the_template_wrote_them(language, may_all, filled, cut):
    may = SimpleNamespace(see_reviews=may_all, manage=may_all, assess_practice=not may_all)
    links = {"declaration_new": "/indsatser/7/ny?a=1&b=<2>", "practice_new": "/praksis/'ny'"}
    declarations = [_declaration(datetime.date(2025, 3, 4)), _declaration(datetime.date(2024, 1, 2))]
    values = {
        "reviews": [object()] if filled else [],
        "review_rows": mark_safe("\n    <tr><td>r & r</td></tr>") if filled else mark_safe(""),
        "timeline_items": mark_safe("\n  <li>t</li>\n  ") if filled else mark_safe(""),
        "timeline_cut": cut,
        "declarations": declarations[: 2 if cut else 1] if filled else [],
        "spider_svg": mark_safe("<svg>&amp;</svg>") if filled else None,
        "declaration_rows": mark_safe("<tr><td>d</td></tr>") if filled else "",
        "declaration_history": mark_safe("<tr><td>h</td></tr>") if filled and cut else "",
        "dimension_labels": ["Målgruppe", "<Metode & 'x'>"],
        "practice_rows": mark_safe("\n    <tr><th>p</th></tr>\n  ") if filled else mark_safe(""),
        "practice_columns": display.practice_columns_html(),
        "practice_cut": cut,
    }
    with translation.override(language):
        expected = (
            engines["django"]
            .from_string("{% load i18n formatting %}" + SECTIONS_TEMPLATE)
            .render({"may": may, "links": links, **values})
        )
        assert str(display.detail_sections_html(may=may, links=links, **values)) == expected


# the detail page's facts, theory of change and current phase, as detail.html wrote them before
# display.overview_html
OVERVIEW_TEMPLATE = '{{ about }}\n\n<h2 id="forandringsteori">{% translate "Forandringsteori" %}</h2>\n<figure class="indsats-chart indsats-toc">{{ toc_svg }}</figure>\n\n{% if current_record %}\n<h2 id="fase">{% blocktranslate with phase=current_phase_label %}Tjekliste for {{ phase }}{% endblocktranslate %}</h2>\n<ul class="nobullet-list indsats-checklist">\n  {% if checklist_items %}{{ checklist_items }}{% else %}<li>{% translate "Fasen har ingen leverancer på tjeklisten." %}</li>\n  {% endif %}\n</ul>\n<dl class="indsats-facts">\n  <dt>{% translate "Planlagt" %}</dt><dd>{{ current_record.planned_start|date_range:current_record.planned_end }}</dd>\n  <dt>{% translate "Bevilget til fasen" %}</dt><dd>{{ current_record.committed_amount|kr }}</dd>\n  <dt>{% translate "Organisationer i fasen" %}</dt><dd>{% for organisation in current_record.organisations %}{{ organisation }}{% if not forloop.last %}, {% endif %}{% empty %}–{% endfor %}</dd>\n</dl>\n{% endif %}'


def _phase_line(*, checklist: bool, organisations: list[str], amount: Decimal) -> selectors.PhaseLine:
    return selectors.PhaseLine(
        phase="testing",
        actual_start=None,
        actual_end=None,
        planned_start=datetime.date(2025, 1, 31) if checklist else None,
        planned_end=datetime.date(2026, 6, 1) if checklist else None,
        committed_amount=amount,
        checklist=[],
        organisations=organisations,
    )


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize(
    "record",
    [
        None,
        _phase_line(checklist=True, organisations=["Aarhus", "<Lejre & 'Co'>"], amount=Decimal("1234567.50")),
        _phase_line(checklist=False, organisations=[], amount=Decimal("0")),
    ],
)
def test_overview_is_written_as_the_template_wrote_it(language, record):
    values = {
        "about": mark_safe("<section>om & om</section>"),
        "toc_svg": mark_safe("<svg><text>a &amp; b</text></svg>"),
        "current_record": record,
        "current_phase_label": "Afprøvning <&>",
        "checklist_items": mark_safe("\n  <li>x</li>\n  ")
        if record and record.planned_start
        else mark_safe(""),
    }
    with translation.override(language):
        expected = (
            engines["django"].from_string("{% load i18n formatting %}" + OVERVIEW_TEMPLATE).render(values)
        )
        assert str(display.overview_html(**values)) == expected


# the detail page's heading, phase track and stop notice, as detail.html wrote them before
# display.heading_html
HEADING_TEMPLATE = '<p><a href="{% url \'interventions:index\' %}" class="back-link">{% translate "Indsatser" %}</a></p>\n<div class="indsats-page-heading">\n  <h1>{{ intervention.name }}</h1>\n  <div class="button-group">\n    {% if may.manage %}<a class="button button-secondary" href="{{ links.edit }}">{% translate "Redigér" %}</a>{% endif %}\n    {% if may.request_to_join %}<a class="button button-primary" href="{{ links.join }}">{% translate "Bed om at deltage" %}</a>{% endif %}\n    <a class="button button-tertiary" href="{% history_url intervention %}">{% translate "Historik" %}</a>\n  </div>\n</div>\n<p class="font-lead">{{ intervention.short_description }}</p>\n\n<h2 class="sr-only">{% translate "Fase" %}</h2>\n<ol class="indsats-phase-track" aria-label="{% translate \'Faserne\' %}">\n  {{ phase_items }}\n  <li class="{% if intervention.state == \'operation\' %}is-current{% endif %}{% if intervention.state == \'stopped\' %} is-stopped is-current{% endif %}"{% if not is_in_phase %} aria-current="step"{% endif %}>\n    <span class="indsats-phase-name">{% if intervention.state == "stopped" %}{% translate "Stoppet" %}{% else %}{% translate "I almindelig drift" %}{% endif %}</span>\n  </li>\n</ol>\n{% if intervention.state == "stopped" and intervention.stop_reason %}\n<div class="alert alert-warning mb-6"><div class="alert-body"><p class="alert-heading">{% translate "Indsatsen er stoppet" %}</p><p class="alert-text">{{ intervention.stop_reason|linebreaksbr }}</p></div></div>\n{% endif %}'


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize(
    ("state", "reason", "may_all"),
    [
        (InterventionState.TESTING, "", True),
        (InterventionState.OPERATION, "", False),
        (InterventionState.STOPPED, "Ingen effekt <&>\nog dyr", True),
        (InterventionState.STOPPED, "", False),
    ],
)
def test_heading_is_written_as_the_template_wrote_it(language, state, reason, may_all, db):
    intervention = InterventionFactory(
        name="Tom & 'Jerry' <b>", short_description='Kort <om> & "den"', state=state, stop_reason=reason
    )
    may = SimpleNamespace(manage=may_all, request_to_join=not may_all)
    links = {"edit": "/indsatser/1/ret?a=1&b=2", "join": "/deltag/'1'"}
    values = {
        "intervention": intervention,
        "may": may,
        "links": links,
        "phase_items": mark_safe("\n  <li>fase</li>\n  "),
        "is_in_phase": state == InterventionState.TESTING,
    }
    with translation.override(language):
        expected = (
            engines["django"].from_string("{% load i18n history_tags %}" + HEADING_TEMPLATE).render(values)
        )
        assert str(display.heading_html(**values)) == expected
        assert ("alert-warning" in expected) == bool(reason)
