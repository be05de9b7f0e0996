"""The result page's rows written in Python are what the template's loops wrote, in both languages."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from indsats.economy.models import BusinessCaseResult, ResultStatus
from indsats.economy.presentation import (
    case_facts_html,
    comparison_options_html,
    earlier_results_html,
    payer_rows_html,
    provenance_html,
    result_sections_html,
    sensitivity_rows_html,
    year_rows_html,
)

YEAR_LOOP = Template(
    "{% load formatting %}"
    '{% for year in years %}<tr><th scope="row">{{ year.year }}</th>{% for value in year.by_payer %}'
    '<td class="align-text-right">{{ value|kr:0 }}</td>{% endfor %}<td class="align-text-right">'
    "{{ year.cumulative_discounted_net|kr:0 }}</td></tr>{% endfor %}"
)
PAYER_LOOP = Template(
    "{% load i18n formatting %}"
    "{% for row in view.payers %}\n"
    '    <tr><th scope="row">{{ row.payer|capfirst }}</th><td class="align-text-right">{{ row.pv_costs|kr:0 }}'
    '</td><td class="align-text-right">{{ row.pv_gains|kr:0 }}</td><td class="align-text-right">'
    '{{ row.npv|kr:0 }}</td><td class="align-text-right">{{ row.roi|number:2 }}</td><td>'
    '{% if row.break_even_year is None %}{% translate "ikke inden for horisonten" %}{% else %}'
    "{% blocktranslate with year=row.break_even_year %}år {{ year }}{% endblocktranslate %}{% endif %}</td>"
    '{% if view.has_monte_carlo %}<td class="align-text-right">{{ row.p_positive|percent }}</td>{% endif %}'
    "</tr>\n  {% endfor %}"
)
SENSITIVITY_LOOP = Template(
    "{% load formatting %}"
    '{% for row in rows %}<tr><th scope="row">{{ row.label }}</th><td>{{ row.basis }}</td>'
    '<td class="align-text-right">{{ row.npv_low|kr:0 }}</td><td class="align-text-right">'
    '{{ row.npv_high|kr:0 }}</td><td class="align-text-right">{{ row.swing|kr:0 }}</td></tr>{% endfor %}'
)
EARLIER_LOOP = Template(
    "{% load i18n formatting %}"
    "{% for other in results %}<li><a href=\"{% url 'economy:result_detail' other.pk %}\">"
    "{{ other.requested_at|date_time }}</a> – {{ other.get_status_display }}{% if other.npv is not None %}, "
    '{% translate "NNV" %} {{ other.npv|kr:0 }}{% endif %}</li>{% endfor %}'
)
OPTION_LOOP = Template(
    "{% load l10n formatting %}"
    '{% for pk, intervention, name, computed_at in others %}<option value="{{ pk|unlocalize }}">'
    "{{ intervention }} – {{ name }} ({{ computed_at|date_time }})</option>{% endfor %}"
)


def _amount(rng: random.Random) -> float | int | None:
    kind = rng.random()
    if kind < 0.05:
        return None
    if kind < 0.25:
        return rng.randint(-(10**9), 10**9)
    return rng.uniform(-1, 1) * 10 ** rng.randint(0, 12)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_year_rows_are_the_template_loops_rows(language):
    rng = random.Random(16)
    years = [
        {
            "year": year,
            "by_payer": [_amount(rng) for _payer in range(3)],
            "cumulative_discounted_net": _amount(rng),
        }
        for year in range(0, 1200, 7)  # four-digit years too: the template wrote them with a separator
    ]
    with translation.override(language):
        assert year_rows_html(years) == YEAR_LOOP.render(Context({"years": years}))


@pytest.mark.parametrize("has_monte_carlo", [True, False])
@pytest.mark.parametrize("language", ["da", "en"])
def test_the_payer_rows_are_the_template_loops_rows(language, has_monte_carlo):
    rng = random.Random(16)
    payers = [
        {
            "payer": f"{'kommune' if position % 3 else 'Region'} <{position}> & “co”",
            "pv_costs": _amount(rng),
            "pv_gains": _amount(rng),
            "npv": _amount(rng),
            "roi": _amount(rng),
            "break_even_year": None if position % 4 == 0 else position * 13,  # 1.001 with a separator
            "p_positive": None if position % 7 == 0 else rng.random(),
        }
        for position in range(200)
    ]
    view = {"payers": payers, "has_monte_carlo": has_monte_carlo}
    with translation.override(language):
        assert payer_rows_html(payers, has_monte_carlo=has_monte_carlo) == PAYER_LOOP.render(
            Context({"view": view})
        )


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_sensitivity_rows_are_the_template_loops_rows(language):
    rng = random.Random(16)
    rows = [
        {
            "label": f"Anbringelser <{position}> & “co”: effekt",
            "basis": "95 %-interval <normal> & fordeling" if position % 2 else "estimat ±20 %",
            "npv_low": _amount(rng),
            "npv_high": _amount(rng),
            "swing": _amount(rng),
        }
        for position in range(200)
    ]
    with translation.override(language):
        assert sensitivity_rows_html(rows) == SENSITIVITY_LOOP.render(Context({"rows": rows}))


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_comparison_options_are_the_template_loops_options(language):
    start = dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC)
    others = [
        (
            pk * 997,
            f"Indsats <{pk}> & “co”",
            f"Case '{pk}'",
            start + dt.timedelta(hours=pk * 37) if pk % 9 else None,
        )
        for pk in range(1, 400)
    ]
    with translation.override(language), timezone.override("Europe/Copenhagen"):
        assert comparison_options_html(others) == OPTION_LOOP.render(Context({"others": others}))


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_earlier_results_are_the_template_loops_items(language):
    rng = random.Random(16)
    start = dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC)
    statuses = list(ResultStatus)
    results = []
    for pk in range(1, 120):
        other = BusinessCaseResult(
            pk=pk * 991, status=statuses[pk % len(statuses)], requested_at=start + dt.timedelta(hours=pk * 37)
        )
        other.npv = None if pk % 5 == 0 else (rng.randint(-(10**9), 10**9) if pk % 3 else _amount(rng))
        results.append(other)
    with translation.override(language), timezone.override("Europe/Copenhagen"):
        written = earlier_results_html(results)
        assert written == EARLIER_LOOP.render(Context({"results": results}))
        assert written.count("<li>") == len(results)


def _figure(rng: random.Random) -> object:
    """A stored figure as the templates' filters may meet it: a number, missing, or text."""
    kind = rng.random()
    if kind < 0.1:
        return rng.choice(["", "12.5", "ikke et tal", "-3"])
    return _amount(rng)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_result_sections_are_what_the_templates_wrote(language):
    """result_sections_html writes what economy/_figures.html, _payers.html and _charts.html wrote on the
    result page, one after another with a line between (with and without Monte Carlo and a histogram,
    missing figures and welfare, payer names that need escaping)."""
    rng = random.Random(16)
    compared = 0
    for case in range(60):
        has_monte_carlo = case % 2 == 0
        data: dict[str, object] = {
            key: _figure(rng)
            for key in ("npv", "pv_costs", "pv_gains", "roi", "p_positive", "npv_p5", "npv_p95", "npv_mean")
        }
        data["draws"] = rng.choice([0, 999, 10_000, 250_000, None])
        if case % 3:
            data["welfare"] = {"npv": _figure(rng)} if case % 5 else None
        if case % 7 == 0:
            del data["npv"]
        charts = {"cumulative": mark_safe('<svg id="c"/>'), "tornado": mark_safe('<svg id="t"/>')}
        if case % 4 < 2:
            charts["histogram"] = mark_safe('<svg id="h"/>')
        view = {
            "data": data,
            "payer_names": rng.sample(
                ["kommune", "stat", "region & <andre>", "Borger", 'a"b'], rng.randint(0, 5)
            ),
            "payer_rows": mark_safe("<tr><td>payer</td></tr>"),
            "year_rows": mark_safe("<tr><td>year</td></tr>"),
            "sensitivity_rows": mark_safe("<tr><td>input</td></tr>"),
            "charts": charts,
            "has_monte_carlo": has_monte_carlo,
            "break_even_text": rng.choice(["år 3", "ikke inden for tidshorisonten", "<år>"]),
        }
        result = BusinessCaseResult(pk=rng.randint(1, 10**6))
        with translation.override(language):
            expected = "\n".join(
                render_to_string(f"economy/{name}.html", {"view": view, "result": result})
                for name in ("_figures", "_payers", "_charts")
            )
            assert result_sections_html(view, result) == expected, case
        compared += 1
    assert compared == 60


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_provenance_is_what_the_template_wrote(language):
    """provenance_html writes what economy/_provenance.html wrote: with and without a person (a name that
    needs escaping) and a time, large draws and seeds, a version and hash to escape."""
    from indsats.accounts.models import User

    rng = random.Random(16)
    for case in range(24):
        person = None
        if case % 3:
            person = User(
                username=f"u{case}", first_name=rng.choice(["Anne", "<Bo>", "Ærø & Co"]), last_name="Ø"
            )
        result = BusinessCaseResult(
            pk=case + 1,
            draws=rng.choice([0, 1, 999, 1000, 10_000, 1_234_567]),
            seed=rng.choice([0, 42, 12_345, 2**31 - 1]),
            engine_version=rng.choice(["1.4.0", "2<&>"]),
            inputs_hash=rng.choice(["ab" * 32, '"x"']),
            computed_at=None
            if case % 4 == 0
            else timezone.make_aware(dt.datetime(2024, 1 + case % 12, 1 + case, 9 + case % 12, case)),
            computed_by=person,
        )
        with translation.override(language):
            assert provenance_html(result) == render_to_string("economy/_provenance.html", {"result": result})


FACTS = Template(
    "{% load l10n i18n formatting %}"
    + """<dl class="indsats-facts">
  <dt>{% translate "Indsats" %}</dt><dd>{{ case.intervention }}</dd>
  <dt>{% translate "Udarbejdet af" %}</dt><dd>{% if case.municipality %}{% blocktranslate with municipality=case.municipality.name %}{{ municipality }} (lokal){% endblocktranslate %}{% else %}{% translate "Styrelsen (national)" %}{% endif %}</dd>
  <dt>{% translate "Deltagere" %}</dt><dd>{{ case.participants|number }}</dd>
  <dt>{% translate "Prisår og horisont" %}</dt><dd>{% blocktranslate with year=case.price_year|unlocalize horizon=case.horizon_years %}{{ year }}-priser, {{ horizon }} år{% endblocktranslate %}</dd>
  <dt>{% translate "Diskontering" %}</dt><dd>{{ case.get_discount_display }}</dd>
  <dt>{% translate "Priskatalog" %}</dt><dd>{{ case.catalogue|default:_("intet valgt") }}</dd>
  <dt>{% translate "Omkostninger og effekter" %}</dt><dd>{% blocktranslate with costs=case.cost_count outcomes=case.outcome_count %}{{ costs }} omkostninger, {{ outcomes }} effekter{% endblocktranslate %}</dd>
</dl>"""
)


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_case_facts_are_what_the_template_wrote(language):
    """case_facts_html writes what the <dl> of economy/case_detail.html wrote: local and national cases,
    with and without a catalogue, names that need escaping, large counts and numbers of participants."""
    from indsats.accounts.models import Organisation
    from indsats.economy.models import BusinessCase, Discount, PriceCatalogue
    from indsats.interventions.models import Intervention

    rng = random.Random(16)
    for case_number in range(24):
        case = BusinessCase(
            name="c",
            intervention=Intervention(name=rng.choice(["Job & <trivsel>", "Ældre"])),
            municipality=Organisation(name=rng.choice(["Aarhus", "Høje-Taastrup & <x>"]))
            if case_number % 2
            else None,
            catalogue=PriceCatalogue(title="Priser <2024>", version=3) if case_number % 3 else None,
            participants=rng.choice([0, 1, 999, 1000, 123_456]),
            price_year=rng.choice([2019, 2024]),
            horizon_years=rng.choice([1, 10, 1000]),
            discount=rng.choice(list(Discount)),
        )
        case.cost_count = rng.choice([0, 3, 1200])  # type: ignore[attr-defined]
        case.outcome_count = rng.choice([0, 2, 45_000])  # type: ignore[attr-defined]
        with translation.override(language):
            assert case_facts_html(case) == FACTS.render(Context({"case": case})), case_number
