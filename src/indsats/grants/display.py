"""The grant page's budget, instalments, repayments and reporting duties as HTML rows, written in Python.

The loops of grants/grant_detail.html cost the page more than its queries (issue #16): a dozen template
variables, filters, `{% url %}` and `{% blocktranslate %}` tags per row. These builders write the same
bytes: each value escaped as the template escaped it (a `{% translate %}` and a `{{ value }}` escaped, a
`{% blocktranslate %}`'s message not, its variables escaped), labels and messages asked for once per
process and language, addresses resolved once per process. A report's or a return's form is still
written by includes/form.html, with the request's CSRF token, as the template's `{% include %}` wrote it.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
from collections.abc import Callable, Collection, Iterable
from typing import Any

from django.forms import BaseForm
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from indsats.grants.models import (
    Application,
    Grant,
    Instalment,
    RepaymentClaim,
    ReportedSpending,
    ReportingDuty,
)
from indsats.grants.selectors import BudgetComparison, GrantMoney
from indsats.ui.choices import labels_of
from indsats.ui.converters import url_with_id
from indsats.ui.formatting import MISSING, Formatter, date_range

FORM_TEMPLATE = "includes/form.html"


def escape(value: object) -> str:
    """`{{ value }}` of a plain-text value with autoescaping on."""
    return html.escape(str(value))


def csrf_input(token: str) -> str:
    """What `{% csrf_token %}` writes."""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


def instalment_rows_html(
    instalments: Iterable[tuple[Instalment, Collection[str]]], *, csrf_token: str
) -> SafeString:
    """The instalments table's rows (each instalment with the actions the person may take on it), or its
    "no instalments" row."""
    text = _messages(get_language())
    prepare_url = _url("grants:instalment_prepare", get_urlconf(), get_script_prefix())
    approve_url = _url("grants:instalment_approve", get_urlconf(), get_script_prefix())
    csrf = csrf_input(csrf_token)
    write = Formatter()
    parts = []
    for instalment, may in instalments:
        due = escape(write.date(instalment.due_on or None))
        if instalment.paid_on:
            status = f"{text['paid']} {escape(write.date(instalment.paid_on))}"
        elif instalment.approved_by_id:
            status = text["second_approver"]
        elif instalment.prepared_by_id:
            status = text["prepared"]
        else:
            status = text["not_paid"]
        prepare = approve = ""
        if "prepare" in may:
            prepare = (
                f'<form method="post" action="{escape(prepare_url(instalment.pk))}">{csrf}'
                f'<button type="submit" class="button button-secondary">{text["prepare"] % {"date": due}}'
                "</button></form>"
            )
        if "approve" in may:
            approve = (
                f'<form method="post" action="{escape(approve_url(instalment.pk))}">{csrf}'
                f'<button type="submit" class="button button-secondary">{text["approve"] % {"date": due}}'
                "</button></form>"
            )
        parts.append(
            "<tr>\n"
            f'    <td>{due}</td><td class="text-align-right">{escape(write.kroner(instalment.amount))}</td>\n'
            f"    <td>{status}\n"
            f"      {prepare}\n"
            f"      {approve}\n"
            "    </td>\n"
            "  </tr>"
        )
    if not parts:
        parts.append(f'<tr><td colspan="3">{text["no_instalments"]}</td></tr>')
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


def facts_html(grant: Grant, application: Application, money: GrantMoney) -> SafeString:
    """The grant's facts: the <dt>/<dd> pairs of its <dl>, each on its own line as the template wrote them
    (a fact the grant lacks leaves its line empty)."""
    text = _messages(get_language())
    write = Formatter()
    started = f" ({text['started']} {escape(write.date(grant.started_on))})" if grant.started_on else ""
    period = escape(date_range(grant.project_start or None, grant.project_end or None))
    lines = [
        f"<dt>{text['grantee']}</dt><dd>{escape(application.applicant)}</dd>",
        f"<dt>{text['grant']}</dt><dd>{escape(write.kroner(grant.amount))}</dd>",
        f"<dt>{text['period']}</dt><dd>{period}</dd>",
        f"<dt>{text['deadline']}</dt><dd>{escape(write.date(grant.start_deadline or None))}{started}</dd>",
        f"<dt>{text['finished']}</dt><dd>{escape(write.date(grant.finished_on))}</dd>"
        if grant.finished_on
        else "",
        f"<dt>{text['paid']}</dt><dd>{escape(write.kroner(money.paid))}</dd>",
        f"<dt>{text['unpaid']}</dt><dd>{escape(write.kroner(money.unpaid))}</dd>",
        f"<dt>{text['final_spent']}</dt><dd>{escape(write.kroner(grant.final_spent))}</dd>"
        if grant.final_spent is not None
        else "",
    ]
    repaid = ""
    if money.repaid or money.to_repay:
        owing = f" ({text['owing']} {escape(write.kroner(money.to_repay))})" if money.to_repay else ""
        repaid = f"<dt>{text['repaid']}</dt><dd>{escape(write.kroner(money.repaid))}{owing}</dd>"
    lines.append(repaid)
    lines.append(
        f"<dt>{text['withdrawn']}</dt><dd>{escape(grant.withdrawal_reason)}</dd>"
        if grant.withdrawal_reason
        else ""
    )
    return mark_safe("".join(f"\n  {line}" for line in lines) + "\n")  # noqa: S308 - every value is escaped


def budget_rows_html(budget: Iterable[BudgetComparison]) -> SafeString:
    """The budget table's rows: each line's budget, co-funding (with its source), spending and what is
    left, a dash for what is missing."""
    write = Formatter()
    parts = []
    for line in budget:
        co_funding = (
            f"{escape(write.kroner(line.co_funding))} ({escape(line.co_funding_source)})"
            if line.co_funding
            else MISSING
        )
        spent = escape(write.kroner(line.spent)) if line.spent is not None else MISSING
        left = escape(write.kroner(line.left)) if line.left is not None else MISSING
        parts.append(
            "<tr>\n"
            f'    <th scope="row">{escape(line.label)}</th>'
            f'<td class="text-align-right">{escape(write.kroner(line.budget))}</td>\n'
            f"    <td>{co_funding}</td>\n"
            f'    <td class="text-align-right">{spent}</td>\n'
            f'    <td class="text-align-right">{left}</td>\n'
            "  </tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


def repayment_rows_html(
    repayments: Iterable[tuple[RepaymentClaim, Collection[str]]], *, csrf_token: str
) -> SafeString:
    """The repayment table's rows (each claim with the actions the person may take on it)."""
    text = _messages(get_language())
    statuses = labels_of(RepaymentClaim, "status")
    prefix = (get_urlconf(), get_script_prefix())
    approve_url = _url("grants:repayment_approve", *prefix)
    paid_url = _url("grants:repayment_register_paid", *prefix)
    csrf = csrf_input(csrf_token)
    write = Formatter()
    parts = []
    for claim, may in repayments:
        status = escape(statuses.get(claim.status, claim.status))
        if claim.paid_on:
            status = f"{status} {escape(write.date(claim.paid_on))}"
        approve = register_paid = ""
        if "approve" in may:
            approve = (
                f'<form method="post" action="{escape(approve_url(claim.pk))}">{csrf}'
                '<button type="submit" class="button button-secondary">'
                f"{text['approve_claim']}</button></form>"
            )
        if "register_paid" in may:
            register_paid = (
                f'<form method="post" action="{escape(paid_url(claim.pk))}">{csrf}'
                '<button type="submit" class="button button-secondary">'
                f"{text['register_paid']}</button></form>"
            )
        parts.append(
            "<tr>\n"
            f'    <td class="text-align-right">{escape(write.kroner(claim.amount))}</td>\n'
            f"    <td>{status}\n"
            f"      {approve}\n"
            f"      {register_paid}\n"
            "    </td>\n"
            "  </tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


DutyRow = tuple[ReportingDuty, BaseForm | None, bool, BaseForm | None]


def duty_rows_html(duties: Iterable[DutyRow], *, today: dt.date, csrf_token: str) -> SafeString:
    """The reporting table's rows: each duty with its report form (or None), whether the person may approve
    it, and its return form (or None), as the view's `duties` gives them."""
    text = _messages(get_language())
    kinds = labels_of(ReportingDuty, "kind")
    categories = labels_of(ReportedSpending, "category")
    prefix = (get_urlconf(), get_script_prefix())
    submit_url = _url("grants:report_submit", *prefix)
    approve_url = _url("grants:report_approve", *prefix)
    return_url = _url("grants:report_return", *prefix)
    csrf = csrf_input(csrf_token)
    write = Formatter()
    parts = []
    for duty, report_form, may_approve, return_form in duties:
        kind = escape(kinds.get(duty.kind, duty.kind))
        if duty.approved_at:
            status = f"{text['approved']} {escape(write.date(duty.approved_at))}"
        elif duty.submitted_at:
            status = f"{text['submitted']} {escape(write.date(duty.submitted_at))}"
        elif duty.due_on < today:
            status = f"<strong>{text['late']}</strong>"
        else:
            status = text["waiting"]
        returned = ""
        if duty.return_reason and not duty.submitted_at:
            returned = (
                f'<p class="mt-2"><strong>{text["returned"]} {escape(write.date(duty.returned_at or None))}:'
                f"</strong> {escape(duty.return_reason)}</p>"
            )
        spent = ""
        spending = duty.spending.all() if duty.submitted_at else ()
        if spending:
            lines = "".join(
                f"<li>{escape(categories.get(row.category, row.category))}: "
                f"{escape(write.kroner(row.amount))}</li>"
                for row in spending
            )
            spent = f'<ul class="mt-2">{lines}</ul>'
        report = ""
        if report_form:
            report = (
                '\n      <details class="mt-2"><summary>'
                f"{text['submit_kind'] % {'kind': kind}}</summary>\n      \n      "
                f"{_form_html(report_form, submit_url(duty.pk), text['submit'], csrf_token)}\n"
                "      </details>\n    "
            )
        approve = ""
        if may_approve:
            approve = (
                f'<form method="post" action="{escape(approve_url(duty.pk))}" class="mt-2">{csrf}'
                '<button type="submit" class="button button-secondary">'
                f"{text['approve_kind'] % {'kind': kind}}</button></form>"
            )
        sent_back = ""
        if return_form:
            sent_back = (
                '\n      <details class="mt-2"><summary>'
                f"{text['return_kind'] % {'kind': kind}}</summary>\n      \n      "
                f"{_form_html(return_form, return_url(duty.pk), text['return'], csrf_token)}\n"
                "      </details>\n    "
            )
        parts.append(
            "<tr>\n"
            f"    <td>{kind}</td><td>{escape(write.date(duty.due_on or None))}</td>\n"
            f"    <td>{status}\n"
            f"    {returned}\n"
            f"    {spent}\n"
            f"    {report}\n"
            f"    {approve}\n"
            f"    {sent_back}</td>\n"
            "  </tr>"
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped here


def _form_html(form: BaseForm, action: str, submit_label: str, csrf_token: str) -> str:
    """`{% include "includes/form.html" with form=... action=... submit_label=... %}` (the label as
    `{% translate ... as label %}` gave it: escaped, safe; the action as `{% url ... as action %}`: not)."""
    return get_template(FORM_TEMPLATE).render(
        {"form": form, "action": action, "submit_label": submit_label, "csrf_token": csrf_token}
    )


@functools.lru_cache(maxsize=64)
def _url(name: str, _urlconf: object, _prefix: str) -> Callable[[int], str]:
    """The address of a row's action by its id, resolved once per process and URLconf."""
    return url_with_id(name)


@functools.lru_cache(maxsize=16)
def _messages(_language: str | None) -> dict[str, Any]:
    """The rows' messages in the language: `{% translate %}`'s escaped, `{% blocktranslate %}`'s as
    translated (their variables are escaped when put in)."""
    return {
        "paid": escape(_("Udbetalt")),
        "grantee": escape(_("Tilskudsmodtager")),
        "grant": escape(_("Tilskud")),
        "period": escape(_("Projektperiode")),
        "deadline": escape(_("Skal være startet senest")),
        "started": escape(_("startet")),
        "finished": escape(_("Meldt gennemført")),
        "unpaid": escape(_("Endnu ikke udbetalt")),
        "final_spent": escape(_("Forbrug i det endelige regnskab")),
        "repaid": escape(_("Tilbagebetalt")),
        "owing": escape(_("udestående")),
        "withdrawn": escape(_("Trukket tilbage, fordi")),
        "second_approver": escape(_("Afventer anden godkender")),
        "prepared": escape(_("Forberedt, afventer godkendelse")),
        "not_paid": escape(_("Ikke udbetalt")),
        "prepare": _('Forbered udbetaling<span class="sr-only"> af raten %(date)s</span>'),
        "approve": _('Godkend udbetaling<span class="sr-only"> af raten %(date)s</span>'),
        "no_instalments": escape(_("Ingen rater.")),
        "approve_claim": escape(_("Godkend kravet")),
        "register_paid": escape(_("Registrér tilbagebetaling")),
        "approved": escape(_("Godkendt")),
        "submitted": escape(_("Indsendt")),
        "late": escape(_("For sent")),
        "waiting": escape(_("Afventer")),
        "returned": escape(_("Sendt retur")),
        "submit_kind": _("Indsend %(kind)s"),
        "submit": mark_safe(escape(_("Indsend"))),  # noqa: S308 - escaped
        "approve_kind": _('Godkend<span class="sr-only"> %(kind)s</span>'),
        "return_kind": _("Send %(kind)s retur"),
        "return": mark_safe(escape(_("Send retur"))),  # noqa: S308 - escaped
    }
