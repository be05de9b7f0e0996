"""What interventions/display.py formats in Python equals what the templates' loops it replaced wrote."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

from indsats.interventions import display
from indsats.interventions.selectors import BoardColumn

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
