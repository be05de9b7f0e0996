"""The dates a grant's money and reports follow: the start deadline, quarterly instalments and the
reporting duties, from the project's planned start and end. Pure functions of dates and amounts."""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from indsats.grants.models import ReportKind

# A grant lapses when its project has not started within this many months of the award.
START_WITHIN_MONTHS = 6


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def start_deadline(awarded_on: datetime.date) -> datetime.date:
    """The last day the project may start before the grant lapses."""
    return add_months(awarded_on, START_WITHIN_MONTHS)


def quarterly_instalments(
    amount: Decimal, start: datetime.date, end: datetime.date
) -> list[tuple[datetime.date, Decimal]]:
    """Equal quarterly payments from the project's start until its end; the last takes the øre left over."""
    dates: list[datetime.date] = []
    due = start
    while due <= end or not dates:
        dates.append(due)
        due = add_months(start, 3 * len(dates))
    share = (amount / len(dates)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    amounts = [share] * (len(dates) - 1) + [amount - share * (len(dates) - 1)]
    return list(zip(dates, amounts, strict=True))


def reporting_schedule(start: datetime.date, end: datetime.date) -> list[tuple[str, datetime.date]]:
    """A status report every 6 months while the project runs; statement, accounts and results 3 months
    after the end."""
    duties: list[tuple[str, datetime.date]] = []
    months = 6
    while (due := add_months(start, months)) < end:
        duties.append((ReportKind.STATUS_REPORT, due))
        months += 6
    final = add_months(end, 3)
    duties += [
        (ReportKind.PROJECT_STATEMENT, final),
        (ReportKind.ACCOUNTS, final),
        (ReportKind.RESULTS, final),
    ]
    return duties


@dataclass(frozen=True)
class PlannedDuty:
    """A reporting duty in a plan: `pk` None for a duty the plan adds."""

    pk: int | None
    kind: str
    due_on: datetime.date


@dataclass(frozen=True)
class PlannedInstalment:
    """An unpaid instalment in a plan: `pk` None for one the plan adds."""

    pk: int | None
    due_on: datetime.date
    amount: Decimal


@dataclass(frozen=True)
class Replan:
    """The open duties and unpaid instalments before and after a grant's end moves, side by side.
    Submitted or approved reports and prepared or paid instalments stay as they are."""

    old_duties: list[PlannedDuty]
    new_duties: list[PlannedDuty]
    old_instalments: list[PlannedInstalment]
    new_instalments: list[PlannedInstalment]

    @property
    def duty_rows(self) -> list[tuple[str, datetime.date | None, datetime.date]]:
        """(the report's name, its deadline now or None for a new duty, its deadline after)."""
        old = {duty.pk: duty.due_on for duty in self.old_duties}
        labels = dict(ReportKind.choices)
        return [(str(labels[duty.kind]), old.get(duty.pk), duty.due_on) for duty in self.new_duties]

    @property
    def removed_instalment_pks(self) -> list[int]:
        kept = {item.pk for item in self.new_instalments}
        return [item.pk for item in self.old_instalments if item.pk is not None and item.pk not in kept]


def replan(
    *,
    project_start: datetime.date,
    new_end: datetime.date,
    open_duties: list[PlannedDuty],
    unpaid_instalments: list[PlannedInstalment],
    status_report_dates: set[datetime.date],
) -> Replan:
    """The plan when the project ends on `new_end` instead.

    Duties: final reports (statement, accounts, results) move to 3 months after the new end; a status
    report is added every 6 months from the start up to the new end where none exists yet
    (`status_report_dates` holds the dates of every status report, open or not).
    Instalments: the unpaid money is spread quarterly again from the first unpaid due date to the new
    end (the existing rows are reused in order, extra rows added, surplus rows removed).
    """
    new_duties: list[PlannedDuty] = []
    final_due = add_months(new_end, 3)
    for duty in open_duties:
        if duty.kind == ReportKind.STATUS_REPORT:
            new_duties.append(duty)
        else:
            new_duties.append(PlannedDuty(duty.pk, duty.kind, final_due))
    for kind, due in reporting_schedule(project_start, new_end):
        if kind == ReportKind.STATUS_REPORT and due not in status_report_dates:
            new_duties.append(PlannedDuty(None, kind, due))
    new_duties.sort(key=lambda duty: (duty.due_on, duty.kind))

    new_instalments: list[PlannedInstalment] = []
    if unpaid_instalments:
        unpaid = sum((item.amount for item in unpaid_instalments), Decimal("0.00"))
        first_due = min(item.due_on for item in unpaid_instalments)
        rows = [item.pk for item in sorted(unpaid_instalments, key=lambda item: item.due_on)]
        for index, (due, amount) in enumerate(
            quarterly_instalments(unpaid, first_due, max(new_end, first_due))
        ):
            new_instalments.append(PlannedInstalment(rows[index] if index < len(rows) else None, due, amount))
    return Replan(
        old_duties=sorted(open_duties, key=lambda duty: (duty.due_on, duty.kind)),
        new_duties=new_duties,
        old_instalments=sorted(unpaid_instalments, key=lambda item: item.due_on),
        new_instalments=new_instalments,
    )
