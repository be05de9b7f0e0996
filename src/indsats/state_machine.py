"""State machines as tables: a workflow is a list of rows (from state, action, to state, permission).

`interventions/workflow.py` (the SUSI phase model) and `grants/workflow.py` (pools, applications, grants,
change requests) each declare their rows with `Transition`; a service finds its row with
`TransitionTable.find`, and "what may this person do with this object now" asks `allowed`. Adding a rule
means adding a row, not an `if`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Transition:
    from_state: str
    action: str
    to_state: str
    permission: str


class TransitionTable:
    """The rows of one workflow, with the two questions every service and view asks of them."""

    def __init__(self, rows: Iterable[Transition], *, not_allowed: Callable[..., Exception]) -> None:
        self.rows: tuple[Transition, ...] = tuple(rows)
        self._not_allowed = not_allowed

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def from_state(self, state: str) -> list[Transition]:
        return [row for row in self.rows if row.from_state == state]

    def find(self, state: str, action: str, to_state: str | None = None) -> Transition:
        """The row for this move; raises the workflow's own not-allowed error when there is none.

        `to_state` is needed only for actions with several possible targets.
        """
        for row in self.rows:
            if (
                row.from_state == state
                and row.action == action
                and (to_state is None or row.to_state == to_state)
            ):
                return row
        raise self._not_allowed(state=state, action=action, to_state=to_state)

    def allows(self, state: str, action: str) -> bool:
        return any(row.from_state == state and row.action == action for row in self.rows)

    def allowed(self, state: str, permissions: frozenset[str]) -> list[Transition]:
        """The moves from `state` that a person holding `permissions` may make."""
        return [row for row in self.rows if row.from_state == state and row.permission in permissions]
