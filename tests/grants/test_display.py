"""grants.display writes the grant page's facts, budget, instalment, repayment and reporting rows exactly as the
template loops it replaced wrote them (kept here), in Danish and English, with text to escape and forms in
the rows."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import translation

from indsats.accounts.models import Organisation
from indsats.db.nested_rows import set_prefetched
from indsats.grants import display, forms, services
from indsats.grants.models import (
    Application,
    Grant,
    Instalment,
    RepaymentClaim,
    RepaymentStatus,
    ReportedSpending,
    ReportingDuty,
    ReportKind,
)
from indsats.grants.selectors import BudgetComparison, GrantMoney
from tests.conftest import logged_in
from tests.grants.conftest import complete_application

# The loops of grants/grant_detail.html before issue #16, as they were.
BUDGET_LOOP = """{% load i18n formatting %}{% for line in budget %}<tr>
    <th scope="row">{{ line.label }}</th><td class="text-align-right">{{ line.budget|kr }}</td>
    <td>{% if line.co_funding %}{{ line.co_funding|kr }} ({{ line.co_funding_source }}){% else %}–{% endif %}</td>
    <td class="text-align-right">{% if line.spent is not None %}{{ line.spent|kr }}{% else %}–{% endif %}</td>
    <td class="text-align-right">{% if line.left is not None %}{{ line.left|kr }}{% else %}–{% endif %}</td>
  </tr>{% endfor %}"""  # noqa: E501

FACTS = """{% load i18n formatting %}
  <dt>{% translate "Tilskudsmodtager" %}</dt><dd>{{ application.applicant }}</dd>
  <dt>{% translate "Tilskud" %}</dt><dd>{{ grant.amount|kr }}</dd>
  <dt>{% translate "Projektperiode" %}</dt><dd>{{ grant.project_start|date_range:grant.project_end }}</dd>
  <dt>{% translate "Skal være startet senest" %}</dt><dd>{{ grant.start_deadline|short_date }}{% if grant.started_on %} ({% translate "startet" %} {{ grant.started_on|short_date }}){% endif %}</dd>
  {% if grant.finished_on %}<dt>{% translate "Meldt gennemført" %}</dt><dd>{{ grant.finished_on|short_date }}</dd>{% endif %}
  <dt>{% translate "Udbetalt" %}</dt><dd>{{ money.paid|kr }}</dd>
  <dt>{% translate "Endnu ikke udbetalt" %}</dt><dd>{{ money.unpaid|kr }}</dd>
  {% if grant.final_spent is not None %}<dt>{% translate "Forbrug i det endelige regnskab" %}</dt><dd>{{ grant.final_spent|kr }}</dd>{% endif %}
  {% if money.repaid or money.to_repay %}<dt>{% translate "Tilbagebetalt" %}</dt><dd>{{ money.repaid|kr }}{% if money.to_repay %} ({% translate "udestående" %} {{ money.to_repay|kr }}){% endif %}</dd>{% endif %}
  {% if grant.withdrawal_reason %}<dt>{% translate "Trukket tilbage, fordi" %}</dt><dd>{{ grant.withdrawal_reason }}</dd>{% endif %}
"""  # noqa: E501

REPAYMENTS_LOOP = """{% load i18n formatting %}{% for claim, may in repayments %}<tr>
    <td class="text-align-right">{{ claim.amount|kr }}</td>
    <td>{{ claim.get_status_display }}{% if claim.paid_on %} {{ claim.paid_on|short_date }}{% endif %}
      {% if "approve" in may %}<form method="post" action="{% url 'grants:repayment_approve' claim.pk %}">{% csrf_token %}<button type="submit" class="button button-secondary">{% translate "Godkend kravet" %}</button></form>{% endif %}
      {% if "register_paid" in may %}<form method="post" action="{% url 'grants:repayment_register_paid' claim.pk %}">{% csrf_token %}<button type="submit" class="button button-secondary">{% translate "Registrér tilbagebetaling" %}</button></form>{% endif %}
    </td>
  </tr>{% endfor %}"""  # noqa: E501

INSTALMENTS_LOOP = """{% load i18n formatting %}{% for instalment, may in instalments %}<tr>
    <td>{{ instalment.due_on|short_date }}</td><td class="text-align-right">{{ instalment.amount|kr }}</td>
    <td>{% if instalment.paid_on %}{% translate "Udbetalt" %} {{ instalment.paid_on|short_date }}{% elif instalment.approved_by_id %}{% translate "Afventer anden godkender" %}{% elif instalment.prepared_by_id %}{% translate "Forberedt, afventer godkendelse" %}{% else %}{% translate "Ikke udbetalt" %}{% endif %}
      {% if "prepare" in may %}<form method="post" action="{% url 'grants:instalment_prepare' instalment.pk %}">{% csrf_token %}<button type="submit" class="button button-secondary">{% blocktranslate with date=instalment.due_on|short_date %}Forbered udbetaling<span class="sr-only"> af raten {{ date }}</span>{% endblocktranslate %}</button></form>{% endif %}
      {% if "approve" in may %}<form method="post" action="{% url 'grants:instalment_approve' instalment.pk %}">{% csrf_token %}<button type="submit" class="button button-secondary">{% blocktranslate with date=instalment.due_on|short_date %}Godkend udbetaling<span class="sr-only"> af raten {{ date }}</span>{% endblocktranslate %}</button></form>{% endif %}
    </td>
  </tr>{% empty %}<tr><td colspan="3">{% translate "Ingen rater." %}</td></tr>{% endfor %}"""  # noqa: E501

DUTIES_LOOP = """{% load i18n formatting %}{% for duty, report_form, may_approve, return_form in duties %}<tr>
    <td>{{ duty.get_kind_display }}</td><td>{{ duty.due_on|short_date }}</td>
    <td>{% if duty.approved_at %}{% translate "Godkendt" %} {{ duty.approved_at|short_date }}{% elif duty.submitted_at %}{% translate "Indsendt" %} {{ duty.submitted_at|short_date }}{% elif duty.due_on < today %}<strong>{% translate "For sent" %}</strong>{% else %}{% translate "Afventer" %}{% endif %}
    {% if duty.return_reason and not duty.submitted_at %}<p class="mt-2"><strong>{% translate "Sendt retur" %} {{ duty.returned_at|short_date }}:</strong> {{ duty.return_reason }}</p>{% endif %}
    {% if duty.submitted_at and duty.spending.all %}<ul class="mt-2">{% for row in duty.spending.all %}<li>{{ row.get_category_display }}: {{ row.amount|kr }}</li>{% endfor %}</ul>{% endif %}
    {% if report_form %}
      <details class="mt-2"><summary>{% blocktranslate with kind=duty.get_kind_display %}Indsend {{ kind }}{% endblocktranslate %}</summary>
      {% translate "Indsend" as report_label %}{% url 'grants:report_submit' duty.pk as report_action %}
      {% include "includes/form.html" with form=report_form action=report_action submit_label=report_label %}
      </details>
    {% endif %}
    {% if may_approve %}<form method="post" action="{% url 'grants:report_approve' duty.pk %}" class="mt-2">{% csrf_token %}<button type="submit" class="button button-secondary">{% blocktranslate with kind=duty.get_kind_display %}Godkend<span class="sr-only"> {{ kind }}</span>{% endblocktranslate %}</button></form>{% endif %}
    {% if return_form %}
      <details class="mt-2"><summary>{% blocktranslate with kind=duty.get_kind_display %}Send {{ kind }} retur{% endblocktranslate %}</summary>
      {% translate "Send retur" as return_label %}{% url 'grants:report_return' duty.pk as return_action %}
      {% include "includes/form.html" with form=return_form action=return_action submit_label=return_label %}
      </details>
    {% endif %}</td>
  </tr>{% endfor %}"""  # noqa: E501

TOKEN = "tok<&>en"  # a token the builders must write escaped, as {% csrf_token %} does
TODAY = datetime.date(2026, 6, 15)
MOMENT = datetime.datetime(2026, 3, 31, 22, 30, tzinfo=datetime.UTC)  # 1 April in Copenhagen


def _loop(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render({"csrf_token": TOKEN, **context})


def _instalment(pk: int, *, paid: bool = False, approved: bool = False, prepared: bool = False) -> Instalment:
    instalment = Instalment(
        pk=pk, due_on=datetime.date(2026, pk, 1), amount=Decimal("125000.50") if pk % 2 else Decimal("99000")
    )
    instalment.paid_on = datetime.date(2026, pk, 3) if paid else None
    instalment.approved_by_id = 7 if approved else None
    instalment.prepared_by_id = 8 if prepared else None
    return instalment


def _instalments() -> list[tuple[Instalment, set[str]]]:
    return [
        (_instalment(1, paid=True, approved=True, prepared=True), set()),
        (_instalment(2, approved=True, prepared=True), {"approve"}),
        (_instalment(3, prepared=True), {"approve", "prepare"}),
        (_instalment(4), {"prepare"}),
    ]


def _duty(pk: int, kind: str, due: datetime.date, **fields: object) -> ReportingDuty:
    duty = ReportingDuty(pk=pk, kind=kind, due_on=due, **fields)
    set_prefetched(duty, "spending", [])
    return duty


def _duties() -> list[display.DutyRow]:
    submitted = _duty(2, ReportKind.ACCOUNTS, datetime.date(2026, 5, 1), submitted_at=MOMENT)
    set_prefetched(
        submitted,
        "spending",
        [
            ReportedSpending(duty=submitted, category="salaries", amount=Decimal("1234.50")),
            ReportedSpending(duty=submitted, category="<b>odd & old</b>", amount=Decimal("7")),
        ],
    )
    bound = forms.ReturnReportForm({"return-4-reason": ""}, prefix="return-4")
    bound.is_valid()  # a failed form shown again, its error with it
    return [
        (
            _duty(1, ReportKind.STATUS_REPORT, datetime.date(2026, 2, 1), approved_at=MOMENT),
            None,
            False,
            None,
        ),
        (submitted, None, True, forms.ReturnReportForm(prefix="return-2")),
        # late, returned with a reason to escape, and a kind that is no longer a choice
        (
            _duty(
                3,
                "<i>'old' kind</i>",
                datetime.date(2026, 6, 1),
                returned_at=MOMENT,
                return_reason='Mangler "bilag" & <script>alert(1)</script>',
            ),
            forms.ReportForm(prefix="report-3"),
            False,
            None,
        ),
        (_duty(4, ReportKind.RESULTS, TODAY, submitted_at=MOMENT), None, True, bound),
        (
            _duty(5, ReportKind.PROJECT_STATEMENT, datetime.date(2026, 9, 1)),
            forms.ReportForm(prefix="report-5"),
            False,
            None,
        ),
    ]


@pytest.mark.parametrize("language", ["da", "en"])
def test_instalment_rows_are_what_the_template_loop_wrote(language):
    with translation.override(language):
        for rows in (_instalments(), []):
            assert display.instalment_rows_html(rows, csrf_token=TOKEN) == _loop(
                INSTALMENTS_LOOP, instalments=rows
            )


@pytest.mark.parametrize("language", ["da", "en"])
def test_reporting_rows_with_their_forms_are_what_the_template_loop_wrote(language):
    with translation.override(language):
        rows = _duties()
        written = display.duty_rows_html(rows, today=TODAY, csrf_token=TOKEN)
        assert written == _loop(DUTIES_LOOP, duties=rows, today=TODAY)
    assert "&lt;script&gt;" in written and "<script>" not in written
    assert 'value="tok&lt;&amp;&gt;en"' in written  # the report forms' token and the buttons' alike
    assert written.count("csrfmiddlewaretoken") == 6  # 4 forms, 2 approve buttons


def _budget() -> list[BudgetComparison]:
    line = BudgetComparison
    return [
        line("salaries", "Løn", Decimal("500000"), Decimal("25000.75"), "Fonden <A&B>", Decimal("612000.25")),
        line("evaluation", "Evaluering & <test>", Decimal("0"), Decimal("0"), "", None),
        line("other", "Andet", Decimal("1000"), Decimal("0"), "ignored", Decimal("1000")),
    ]


@pytest.mark.parametrize("language", ["da", "en"])
def test_budget_rows_are_what_the_template_loop_wrote(language):
    with translation.override(language):
        budget = _budget()
        written = display.budget_rows_html(budget)
        assert written == _loop(BUDGET_LOOP, budget=budget)
    assert "Fonden &lt;A&amp;B&gt;" in written
    assert display.budget_rows_html([]) == ""  # the template's {% if %} shows "no budget lines"


def _claim(pk: int, status: str, paid_on: datetime.date | None = None) -> RepaymentClaim:
    return RepaymentClaim(
        pk=pk, amount=Decimal("100000.10") if pk % 2 else Decimal("5"), status=status, paid_on=paid_on
    )


@pytest.mark.parametrize("language", ["da", "en"])
def test_repayment_rows_are_what_the_template_loop_wrote(language):
    rows = [
        (_claim(1, RepaymentStatus.PAID, datetime.date(2026, 10, 3)), set()),
        (_claim(2, RepaymentStatus.PREPARED), {"approve"}),
        (_claim(3, "<no longer a status>"), {"register_paid", "approve"}),
    ]
    with translation.override(language):
        written = display.repayment_rows_html(rows, csrf_token=TOKEN)
        assert written == _loop(REPAYMENTS_LOOP, repayments=rows)
    assert "&lt;no longer a status&gt;" in written


def test_the_grant_page_rows_forms_carry_the_pages_one_csrf_token(pool, aarhus_caseworker, agency_staff):
    application = complete_application(aarhus_caseworker, pool, amount="400000")
    services.submit_application(actor=aarhus_caseworker, application=application)
    grant = services.award_application(
        actor=agency_staff,
        application=application,
        amount=Decimal("400000"),
        project_start=datetime.date(2026, 1, 1),
        project_end=datetime.date(2026, 12, 31),
    )
    services.start_grant(actor=aarhus_caseworker, grant=grant, started_on=datetime.date(2026, 1, 5))
    page = logged_in(agency_staff).get(f"/puljer/tilskud/{grant.pk}/").content.decode()
    assert "/forbered/" in page  # the instalments' buttons are there
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]*)"', page)
    assert len(tokens) > 4 and set(tokens) == set(re.findall(r'"X-CSRFToken": "([^"]*)"', page))


def _grant(**fields: object) -> Grant:
    application = Application(applicant=Organisation(name='Fonden "A<B" & co'))
    days = {
        "project_start": datetime.date(2026, 1, 1),
        "project_end": datetime.date(2027, 6, 30),
        "start_deadline": datetime.date(2026, 7, 1),
    }
    return Grant(application=application, amount=Decimal("400000.50"), **{**days, **fields})


def _money(repaid: str = "0", to_repay: str = "0") -> GrantMoney:
    return GrantMoney(
        Decimal("400000.50"), Decimal("100000"), Decimal("300000.50"), Decimal(repaid), Decimal(to_repay)
    )


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_grants_facts_are_what_the_template_wrote(language):
    cases = [
        (_grant(), _money()),
        (_grant(started_on=datetime.date(2026, 2, 3), final_spent=Decimal("0")), _money(repaid="5")),
        (
            _grant(finished_on=datetime.date(2027, 6, 1), final_spent=Decimal("380000.25")),
            _money(to_repay="20000"),
        ),
        (_grant(withdrawal_reason='Projektet <blev> aflyst & "stoppet"'), _money(repaid="1", to_repay="2.5")),
    ]
    with translation.override(language):
        for grant, money in cases:
            written = display.facts_html(grant, grant.application, money)
            assert written == _loop(FACTS, grant=grant, application=grant.application, money=money)
    assert "&lt;blev&gt;" in written and "Fonden &quot;A&lt;B&quot; &amp; co" in written
