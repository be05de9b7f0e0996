"""Domain errors of the grants app. Each carries a Danish message for the person who caused it.

They are ValidationErrors, so a view puts them on its form (naming the field where there is one).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class GrantsError(ValidationError):
    """Base class: something the rules of pools and grants do not allow."""


class BudgetExceeded(GrantsError):
    """An award, a pool or an initiative would spend more than the budget above it."""


class DeadlinePassed(GrantsError):
    """The pool's deadline (Europe/Copenhagen) has passed, or a grant's end date has."""


class PoolNotOpen(GrantsError):
    """The pool is not published or has not opened yet."""


class NotEligible(GrantsError):
    """The applicant is not among the pool's eligible applicants."""


class WrongState(GrantsError):
    """The record is not in a state that allows the action (e.g. editing a submitted application)."""


class GrantLapsed(GrantsError):
    """The project did not start within 6 months, so the grant has lapsed."""


class InvalidAttachment(GrantsError):
    """An uploaded file is too large or of a type we do not accept."""
