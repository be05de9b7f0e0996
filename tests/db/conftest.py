"""The query helpers are tested on the portfolio the interventions' tests grow (real rows of every kind)."""

from tests.interventions.conftest import grow_portfolio, municipalities

__all__ = ["grow_portfolio", "municipalities"]
