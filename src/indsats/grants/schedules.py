"""The dates a grant's money and reports follow: the start deadline, quarterly instalments and the
reporting duties, from the project's planned start and end. Pure functions of dates and amounts."""

from __future__ import annotations

import calendar
import datetime
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
