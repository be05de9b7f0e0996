"""The panels written in Python (dashboard.panel_html) are the bytes home.html's template wrote for them."""

from __future__ import annotations

import datetime

import pytest
from django.template import Context, Template
from django.utils import translation
from django.utils.translation import gettext_lazy

from indsats.dashboard.panel_html import panels_html
from indsats.ui.panels import Panel

# home.html's loop over the panels before they were written in Python
TEMPLATE = """{% for panel in front.panels %}
  <div class="col-12 col-md-6 col-lg-4 mb-6">
    <section class="card" aria-labelledby="panel-{{ forloop.counter }}">
      <div class="card-content">
        <h2 class="card-heading h3" id="panel-{{ forloop.counter }}">{{ panel.title }}</h2>
        {% if panel.text %}<p>{{ panel.text }}</p>{% endif %}
        {% if panel.facts %}
        <dl class="indsats-facts">
          {% for label, value in panel.facts %}<dt>{{ label }}</dt><dd>{{ value }}</dd>{% endfor %}
        </dl>
        {% endif %}
        {% if panel.links %}
        <ul class="nobullet-list">
          {% for label, url in panel.links %}<li><a href="{{ url }}">{{ label }}</a></li>{% endfor %}
        </ul>
        {% endif %}
      </div>
    </section>
  </div>
{% endfor %}"""


def panels() -> list[Panel]:
    return [
        Panel(
            title=gettext_lazy("Administration"),
            text=gettext_lazy("Hvem ændrede hvad og hvornår."),
            facts=[
                (gettext_lazy("Kommuner"), 98),
                (gettext_lazy("Målinger"), 1_000_000),
                ("Andel", 12.5),
                ("Næste møde", datetime.date(2026, 12, 24)),
                ("Seneste", 'Anna <b>"Ø"</b> & co: Ændret Aarhus'),
                ("1.", "Gate review: Trygge <rammer> (afprøvning)"),
                ("Ingen", None),
                ("Tom", ""),
            ],
            links=[(gettext_lazy("Se hele historikken"), "/historik/?a=1&b=2"), ("Studie <1>", "/x/'y'/")],
        ),
        Panel(title="Kun en titel"),
        Panel(title="Uden tekst", facts=[("Tal", 0)]),
        Panel(title="Kun links", text="", links=[("Puljer", "/puljer/")]),
        Panel(title="Tekst & intet andet", text="<em>ikke fremhævet</em>"),
    ]


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_panels_are_written_as_the_template_wrote_them(language):
    with translation.override(language):
        expected = Template(TEMPLATE).render(Context({"front": {"panels": panels()}}))
        assert str(panels_html(panels())) == expected
        assert panels_html([]) == Template(TEMPLATE).render(Context({"front": {"panels": []}})) == ""


def test_the_values_are_escaped():
    written = panels_html(panels())
    assert "<b>" not in written and "&lt;b&gt;&quot;Ø&quot;&lt;/b&gt; &amp; co" in written
    assert 'href="/historik/?a=1&amp;b=2"' in written
