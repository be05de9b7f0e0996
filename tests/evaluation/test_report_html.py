"""The report's parts written in Python (report_html) against the template fragments of
evaluation/_report_body.html and evaluation/_report_facts.html they replaced (issue #16), in Danish and
English, with text to escape, for designs the bench does not have (comparison groups, hidden rows)."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import engines
from django.utils import translation

from indsats.evaluation import report, report_html
from indsats.evaluation.report import EstimateRow
from indsats.ui.formatting import Formatter, p_value

SUBGROUPS_TEMPLATE = '{% for table in subgroups %}\n<div class="table--responsive-scroll" tabindex="0" role="region" aria-labelledby="subgroups-caption-{{ forloop.counter }} table-scroll-hint">\n<table class="table">\n  <caption id="subgroups-caption-{{ forloop.counter }}">{% blocktranslate with title=table.title test=table.test %}{{ title }}: test af ens effekt {{ test }}{% endblocktranslate %}</caption>\n  <thead><tr><th scope="col">{{ table.title }}</th><th scope="col" class="text-align-right">{% translate "Antal børn" %}</th>{% if table.has_comparison_group %}<th scope="col" class="text-align-right">{% translate "Heraf i indsatsen" %}</th>{% endif %}<th scope="col" class="text-align-right">{% if table.has_comparison_group %}{% translate "Forskel" %}{% else %}{% translate "Gennemsnitlig ændring" %}{% endif %}</th><th scope="col">{% translate "95 % konfidensinterval" %}</th><th scope="col" class="text-align-right">{% translate "p-værdi" %}</th></tr></thead>\n  <tbody>{% for row in table.rows %}<tr><th scope="row">{{ row.level }}</th><td class="text-align-right">{{ row.n }}</td>{% if table.has_comparison_group %}<td class="text-align-right">{{ row.n_treated }}</td>{% endif %}<td class="text-align-right">{{ row.estimate }}</td><td>{{ row.interval }}</td><td class="text-align-right">{{ row.p_value }}</td></tr>{% endfor %}</tbody>\n</table>\n</div>\n{% if table.small %}<p>{% translate "Nogle undergrupper har færre end 10 børn; deres estimater er meget usikre." %}</p>{% endif %}\n{% if table.own_only %}<p>{% translate "Tabellen viser kun jeres egen kommunes række; de samlede resultater for alle kommuner står øverst i rapporten." %}</p>{% endif %}\n{% if table.hidden_rows %}<p>{% blocktranslate count rows=table.hidden_rows %}{{ rows }} undergruppe er skjult (–), fordi den har for få børn, eller fordi dens tal ellers kunne regnes ud fra de andre.{% plural %}{{ rows }} undergrupper er skjult (–), fordi de har for få børn, eller fordi deres tal ellers kunne regnes ud fra de andre.{% endblocktranslate %}</p>{% endif %}\n{% endfor %}'

FACTS_TEMPLATE = '{% load i18n %}{% if facts %}\n<div class="indsats-keep">\n<table class="table">\n  <caption>{{ caption }}</caption>\n  <thead><tr><th scope="col">{% translate "Oplysning" %}</th><th scope="col">{% translate "Værdi" %}</th><th scope="col">{% translate "Kilde" %}</th></tr></thead>\n  <tbody>{% for fact in facts %}<tr><th scope="row">{{ fact.label }}</th><td>{{ fact.value }}</td><td>{% if fact.url %}<a href="{{ fact.url }}">{{ fact.source }}</a>{% else %}{{ fact.source }}{% endif %}</td></tr>{% endfor %}</tbody>\n</table>\n</div>\n{% else %}\n<p>{{ empty }}</p>\n{% endif %}\n'

ESTIMATES_TEMPLATE = '{% for row in estimates %}<tr><td>{{ row.label }}</td><td class="text-align-right">{{ row.value }}</td><td>{{ row.interval }}</td></tr>{% endfor %}'

ROUNDS_TEMPLATE = '{% for label in chart_labels %}<th scope="col" class="text-align-right">{{ label }}</th>{% endfor %}</tr></thead>\n  <tbody>{% for name, values in chart_table %}<tr><th scope="row">{{ name }}</th>{% for value in values %}<td class="text-align-right">{{ value }}</td>{% endfor %}</tr>{% endfor %}'

TRACE_TEMPLATE = '<dl class="indsats-facts">\n  <dt>{% translate "Analyse-id" %}</dt><dd>{{ analysis.pk|unlocalize }}</dd>\n  <dt>{% translate "Metode i motoren" %}</dt><dd>{{ analysis.method }}</dd>\n  <dt>{% translate "Inddata (sha256)" %}</dt><dd><code>{{ analysis.inputs_hash }}</code></dd>\n  <dt>{% translate "Motorversion" %}</dt><dd>{{ analysis.engine_version }}</dd>\n  <dt>{% translate "Startværdi (seed)" %}</dt><dd>{{ analysis.seed|unlocalize }}</dd>\n</dl>'

BALANCE_TEMPLATE = '{% if balance %}\n<h2>{{ body_text.balance_mellem_grupperne }}</h2>\n<p>{% if balance.matched %}{% blocktranslate with limit=balance.limit %}Grafen viser, hvor forskellige børnene i de to grupper var før og efter matchning, målt som standardiseret forskel i gennemsnit. En forskel under {{ limit }} (de stiplede linjer) regnes for god balance.{% endblocktranslate %}{% else %}{% blocktranslate with limit=balance.limit %}Grafen viser, hvor forskellige børnene i de to grupper var, målt som standardiseret forskel i gennemsnit. Analysen justerer for disse forhold med regression. En forskel under {{ limit }} (de stiplede linjer) regnes for god balance.{% endblocktranslate %}{% endif %}</p>\n<figure class="indsats-chart">{{ balance.chart|safe }}</figure>\n<div class="table--responsive-scroll" tabindex="0" role="region" aria-labelledby="balance-caption table-scroll-hint">\n<table class="table">\n  <caption id="balance-caption">{{ body_text.standardiserede_forskelle_og_variansforhold }}</caption>\n  <thead><tr><th scope="col">{{ body_text.baggrundsforhold }}</th><th scope="col" class="text-align-right">{% if balance.matched %}{{ body_text.forskel_foer }}{% else %}{{ body_text.standardiseret_forskel }}{% endif %}</th>{% if balance.matched %}<th scope="col" class="text-align-right">{{ body_text.forskel_efter }}</th>{% endif %}<th scope="col" class="text-align-right">{% if balance.matched %}{{ body_text.variansforhold_foer }}{% else %}{{ body_text.variansforhold }}{% endif %}</th>{% if balance.matched %}<th scope="col" class="text-align-right">{{ body_text.variansforhold_efter }}</th>{% endif %}</tr></thead>\n  <tbody>{% for row in balance.rows %}<tr><th scope="row">{{ row.label }}</th><td class="text-align-right">{{ row.smd_before }}</td>{% if balance.matched %}<td class="text-align-right">{{ row.smd_after }}{% if row.poor %} ({{ body_text.ubalance }}){% endif %}</td>{% endif %}<td class="text-align-right">{{ row.ratio_before }}</td>{% if balance.matched %}<td class="text-align-right">{{ row.ratio_after }}</td>{% endif %}</tr>{% endfor %}</tbody>\n</table>\n</div>\n{% endif %}'

EXPOSURE_TEMPLATE = '{% if exposure is None %}\n<p>{{ body_text.analysen_er_beregnet_foer_2 }}</p>\n{% elif not exposure.sections %}\n<p>{{ body_text.der_er_ikke_registreret }}</p>\n{% else %}\n<p>{{ body_text.sammenhaengen_mellem_hvor_meget }}</p>\n{% for section in exposure.sections %}\n<div class="indsats-keep">\n<h3>{{ section.title }}</h3>\n{% if section.problem %}\n<p>{% blocktranslate with n=section.recorded %}Registreret for {{ n }} børn, men der er for lidt variation eller for få børn til at beregne en sammenhæng.{% endblocktranslate %}</p>\n</div>\n{% else %}\n<p>{% blocktranslate with n=section.n total=exposure.n_children slope=section.slope interval=section.slope_interval unit=section.per_unit p=section.p_value %}Registreret for {{ n }} af {{ total }} børn. Ændringen er {{ slope }} point {{ unit }} (95 % konfidensinterval {{ interval }}; p = {{ p }}).{% endblocktranslate %}</p>\n<figure class="indsats-chart">{{ section.chart|safe }}</figure>\n</div>\n<div class="indsats-keep">\n<table class="table">\n  <caption>{% blocktranslate with title=section.title|lower %}Gennemsnitlig ændring pr. interval, {{ title }} (tallene bag grafen){% endblocktranslate %}</caption>\n  <thead><tr><th scope="col">{{ body_text.interval }}</th><th scope="col" class="text-align-right">{{ body_text.antal_boern }}</th><th scope="col" class="text-align-right">{{ body_text.gennemsnitlig_aendring }}</th><th scope="col">{{ body_text.konfidensinterval_95 }}</th></tr></thead>\n  <tbody>{% for band in section.bands %}<tr><th scope="row">{{ band.label }}</th><td class="text-align-right">{{ band.n }}</td><td class="text-align-right">{{ band.mean }}</td><td>{{ band.interval }}</td></tr>{% endfor %}</tbody>\n</table>\n</div>\n{% endif %}\n{% endfor %}\n{% endif %}'

NASTY = "<b>Tom & 'Jerry'</b> \"100 %\""


def _render(source: str, context: dict, *, load: str = "{% load i18n l10n formatting %}") -> str:
    return engines["django"].from_string(load + source).render(context)


def _row(level: str, n: object, *, hidden: bool = False) -> dict:
    if hidden:
        return {
            "level": level,
            "n": "–",
            "n_treated": "–",
            "n_control": "–",
            "estimate": "–",
            "interval": "–",
            "p_value": "–",
        }
    return {
        "level": level,
        "n": n,
        "n_treated": 1234,
        "n_control": 7,
        "estimate": "-1,25",
        "interval": "-2,00 til -0,50",
        "p_value": "0,031",
    }


TABLES = [
    {
        "variable": "age_band",
        "title": "Aldersgruppe",
        "has_comparison_group": False,
        "hidden_rows": 0,
        "own_only": False,
        "small": True,
        "test": "F(2; 40) = 1,20, p = 0,31",
        "rows": [_row("5-8 år", 12), _row(NASTY, 2345)],
    },
    {
        "variable": "municipality",
        "title": NASTY,
        "has_comparison_group": True,
        "hidden_rows": 1,
        "own_only": True,
        "small": False,
        "test": NASTY,
        "rows": [_row("Aarhus", 1500), _row("Lejre", None, hidden=True)],
    },
    {
        "variable": "sex",
        "title": "Køn",
        "has_comparison_group": True,
        "hidden_rows": 3,
        "own_only": False,
        "small": True,
        "test": "F(1; 9) = 0,5, p = 0,5",
        "rows": [],
    },
]

FACTS = [
    {"label": "Uddannelse", "value": NASTY, "source": "Pulje <1>", "url": "/puljer/1/?a=1&b=2"},
    {"label": NASTY, "value": "12.000 kr.", "source": "Indsatsen"},
    {"label": "Uden kilde", "value": 3, "source": "", "url": ""},
]

CAPTION = "Oplysninger om implementering fra puljer og tilskud"
EMPTY = "Der er ikke registreret oplysninger om implementering (uddannelse og støtte) for indsatsen."


@pytest.mark.parametrize("language", ["da", "en"])
def test_subgroup_tables_are_written_as_the_template_wrote_them(language):
    with translation.override(language):
        expected = _render(SUBGROUPS_TEMPLATE, {"subgroups": TABLES})
        assert str(report_html.subgroup_tables_html(TABLES)) == expected
        assert "&lt;b&gt;Tom &amp; &#x27;Jerry&#x27;&lt;/b&gt;" in expected
        assert report_html.subgroup_tables_html([]) == ""
        if language == "en":
            assert "95% confidence interval" in expected


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("facts", [FACTS, []])
def test_facts_are_written_as_the_included_template_wrote_them(language, facts):
    wrapped = f'{{% with caption=_("{CAPTION}") empty=_("{EMPTY}") %}}{FACTS_TEMPLATE.removeprefix("{% load i18n %}")}{{% endwith %}}'
    with translation.override(language):
        expected = _render(wrapped, {"facts": facts})
        assert str(report_html.facts_html(facts, CAPTION, EMPTY)) == expected


@pytest.mark.parametrize("language", ["da", "en"])
def test_estimate_rows_and_round_table_are_written_as_the_template_wrote_them(language):
    estimates = [EstimateRow(NASTY, "-1,25", "-2,00 til -0,50"), EstimateRow("g", 1234, "–")]
    labels = ["Før", NASTY, 2024]
    table = [(NASTY, ["12,5", None, 1234]), ("Alle", ["–", "1,0", "2,0"])]
    with translation.override(language):
        assert str(report_html.estimate_rows_html(estimates)) == _render(
            ESTIMATES_TEMPLATE, {"estimates": estimates}
        )
        assert str(report_html.round_table_html(labels, table)) == _render(
            ROUNDS_TEMPLATE, {"chart_labels": labels, "chart_table": table}
        )


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("seed", [20240917, None])
def test_traceability_is_written_as_the_template_wrote_it(language, seed):
    analysis = SimpleNamespace(
        pk=123456, method=NASTY, inputs_hash="ab" * 32, engine_version="1.2 <beta>", seed=seed
    )
    with translation.override(language):
        expected = _render(TRACE_TEMPLATE, {"analysis": analysis})
        assert str(report_html.traceability_html(analysis)) == expected
        assert "123456" in expected


REPORT_HTML = Path(__file__).resolve().parents[2] / "src/indsats/evaluation/report_html.py"
BODY = Path(__file__).resolve().parents[2] / "src/indsats/evaluation/templates/evaluation/_report_body.html"


@pytest.mark.parametrize("language", ["da", "en"])
def test_body_labels_are_what_the_translate_tags_wrote(language):
    with translation.override(language):
        labels = report_html.body_labels()
        for key, message in report_html.BODY_LABELS.items():
            assert labels[key] == _render(f'{{% translate "{message}" %}}', {}, load="{% load i18n %}"), key
        assert ("95% confidence interval" in labels.values()) == (language == "en")
    used = set(re.findall(r"\{\{ body_text\.(\w+) \}\}", BODY.read_text()))
    used |= set(re.findall(r"text\[[\"'](\w+)[\"']\]", REPORT_HTML.read_text())) & set(
        report_html.BODY_LABELS
    )
    assert used == set(report_html.BODY_LABELS)


@pytest.mark.parametrize("language", ["da", "en"])
def test_subgroup_p_values_are_written_as_p_value_wrote_them(language):
    values = [None, float("nan"), float("inf"), 0.0, 0.0004, 0.001, 0.0314159, 0.5, 1.0]
    with translation.override(language):
        fmt = Formatter()
        assert [report.formatted_p_value(fmt, v) for v in values] == [p_value(v) for v in values]


def _balance(*, matched: bool) -> dict:
    return {
        "matched": matched,
        "limit": "0,1",
        "chart": '<svg role="img"><title>Love & plot</title></svg>',
        "rows": [
            {
                "label": NASTY,
                "smd_before": "0,25",
                "smd_after": "0,15",
                "ratio_before": "1,10",
                "ratio_after": "0,90",
                "poor": True,
            },
            {
                "label": "Alder",
                "smd_before": "–",
                "smd_after": "0,01",
                "ratio_before": 2,
                "ratio_after": "–",
                "poor": False,
            },
        ],
    }


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("balance", [_balance(matched=True), _balance(matched=False), None])
def test_balance_section_is_written_as_the_template_wrote_it(language, balance):
    with translation.override(language):
        expected = _render(BALANCE_TEMPLATE, {"balance": balance, "body_text": report_html.body_labels()})
        assert str(report_html.balance_html(balance)) == expected
        if balance:
            assert "Love & plot" in expected and "&lt;b&gt;Tom" in expected


def _exposure_section(name: str, *, problem: bool = False) -> dict:
    if problem:
        return {"name": name, "title": f"{name} <{NASTY}>", "recorded": 1234, "problem": True}
    return {
        "name": name,
        "title": f"Dosis: {NASTY}",
        "recorded": 3456,  # without "problem", as report.exposure_sections writes a section with a slope
        "n": 3000,
        "slope": "0,12",
        "slope_interval": "0,01 til 0,20",
        "p_value": "< 0,001",
        "per_unit": "pr. session",
        "chart": "<svg><text>a & b</text></svg>",
        "bands": [
            {"label": "1 til under 5", "n": 1200, "mean": "0,50", "interval": "0,1 til 0,9"},
            {"label": NASTY, "n": 7, "mean": "–", "interval": "–"},
        ],
    }


EXPOSURES = [
    None,
    {"n_children": 4000, "sections": []},
    {
        "n_children": 4000,
        "sections": [_exposure_section("dose"), _exposure_section("fidelity", problem=True)],
    },
    {"n_children": 12, "sections": [_exposure_section("fidelity", problem=True), _exposure_section("dose")]},
]


@pytest.mark.parametrize("language", ["da", "en"])
@pytest.mark.parametrize("exposure", EXPOSURES)
def test_exposure_section_is_written_as_the_template_wrote_it(language, exposure):
    with translation.override(language):
        expected = _render(EXPOSURE_TEMPLATE, {"exposure": exposure, "body_text": report_html.body_labels()})
        assert str(report_html.exposure_html(exposure)) == expected
