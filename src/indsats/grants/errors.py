"""Domain errors of the grants app. Each carries a Danish message for the person who caused it.

They are `indsats.errors.DomainError`s: raise them with a translated message, and `field=` where the
message belongs on a form field (`BudgetExceeded(message, field="amount")`); `run_service` in a view
puts it there.
"""

from __future__ import annotations

from indsats.errors import DomainError


class GrantsError(DomainError):
    """Base class: something the rules of pools and grants do not allow."""


class BudgetExceeded(GrantsError):
    """An award, a pool or an initiative would spend more than the budget above it."""


class DeadlinePassed(GrantsError):
    """The pool's deadline (Europe/Copenhagen) has passed, or a grant's end date has."""


class NotEligible(GrantsError):
    """The applicant is not among the pool's eligible applicants."""


class WrongState(GrantsError):
    """The record is not in a state that allows the action (e.g. editing a submitted application): the
    grants workflow table (`grants/workflow.py`) has no row for the move."""


class PoolNotOpen(WrongState):
    """The pool is not published or has not opened yet."""


class GrantLapsed(GrantsError):
    """The project did not start within 6 months, so the grant has lapsed."""


class InvalidAttachment(GrantsError):
    """An uploaded file is too large or of a type we do not accept."""


class FourEyesRequired(GrantsError):
    """Money is approved by someone other than the person who prepared it (or approved it first)."""


class NotSettled(GrantsError):
    """The grant cannot be closed while instalments or repayments are unsettled."""
