"""The allocation helper: which candidate initiatives to fund within a budget, with the trade-offs.

The steering group (*faglig styregruppe*) recommends how the programme's money is spent (*udmøntning*);
this module shows it the best combinations of candidates and what including or excluding each one
costs. It recommends; people decide. docs/allocation.md explains the model in plain words.

The model is a 0-1 knapsack with side constraints (Martello & Toth 1990, *Knapsack Problems*, ch. 1
and 2), solved exactly as a mixed-integer linear programme with scipy.optimize.milp (HiGHS; Huangfu &
Hall 2018, Math. Prog. Comp. 10, 119-142). For candidates ``i = 1..n`` with cost ``c_i``, value
``v_i`` and selection ``y_i`` in {0, 1}:

    maximise    sum_i v_i s_i
    subject to  sum_i c_i s_i <= budget
                s_i = y_i                                  (a candidate funded whole or not at all)
                m_i y_i <= s_i <= M_i y_i                  (a candidate that allows partial funding,
                                                             with minimum/maximum share m_i, M_i)
                L_g <= sum_{i in g} y_i <= U_g             (count limits of each group g)
                sum_{i in g} c_i s_i <= C_g                (cost cap of each group g)
                y_i = 1 (must include), y_i = 0 (must exclude)

A partially funded candidate is assumed to give value in proportion to its share (a semi-continuous
variable). The next-best *distinct* combinations are found exactly by adding, after each solution
``b`` (the 0/1 vector of chosen candidates), the no-good cut
``sum_{i: b_i = 1} (1 - y_i) + sum_{i: b_i = 0} y_i >= 1`` that excludes exactly that selection
(Balas & Jeroslow 1972, "Canonical cuts on the unit hypercube", SIAM J. Appl. Math. 23(1), 61-69).

Trade-offs: for each candidate, the best value with it forced in and forced out. Most are read off the
top-k list without solving again: the best of the found combinations that include (exclude) a candidate
is the best of all feasible combinations that do, because any better one would have been found before
it. Only the missing sides are solved, one MILP each.

Numbers: costs are scaled by the budget and values by the largest absolute value before solving, the
MIP gap is set to zero, and totals are recomputed in the caller's units from the rounded selection.
What remains is the solver's tolerance (about 1e-6 of the largest value; a combination may exceed the
budget by at most about 1e-7 of it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp

from indsats.engine import ENGINE_VERSION
from indsats.engine.base.errors import EngineError
from indsats.engine.base.warnings import AnalysisWarning

__all__ = [
    "AllocationConstraints",
    "AllocationInfeasible",
    "AllocationInputError",
    "AllocationResult",
    "AllocationSolverError",
    "Candidate",
    "Combination",
    "FundedCandidate",
    "GroupConstraint",
    "TradeOff",
    "recommend_allocation",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MAX_TOP_K = 100
"""More combinations than this are not a recommendation any more, only work for the solver."""
MIP_OPTIONS: dict[str, Any] = {"mip_rel_gap": 0.0, "presolve": True}
"""Exact optimisation: HiGHS stops only when the gap between bound and solution is closed."""


# --- errors ------------------------------------------------------------------------------------------


class AllocationInputError(EngineError):
    """Input that the allocation helper cannot use. ``field`` is the path of the offending field
    (``budget``, ``candidates[2].cost``, ``constraints.groups[0].keys``); ``message`` says what is wrong
    and how to fix it. A problem with one candidate or group names it first: ``params`` then hold its
    ``candidate`` key or ``group`` name."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        "not_a_number": "expected a number, got {value!r}",
        "not_finite": "expected a finite number, got {value!r}",
        "below_minimum": "must be at least {minimum:g}, got {number:g}",
        "unknown_candidate_field": "unknown field; the fields are {fields}",
        "candidate_field_required": "is required",
        "not_a_candidate": "expected a Candidate or a mapping, got {kind}",
        "empty_candidate_key": "give a non-empty text key, got {key!r}",
        "name_not_text": "the name must be text, got {name!r}",
        "min_share_out_of_range": "must be above 0 and at most 1 (1 = funded whole), got {min_share:g}",
        "max_share_out_of_range": "must be between min_share ({min_share:g}) and 1, got {max_share:g}",
        "keys_not_a_list": "expected a list of candidate keys, got {keys!r}",
        "unknown_candidate_key": "unknown candidate key {key!r}; use one of the candidates' keys",
        "not_a_group": "expected a GroupConstraint, got {kind}",
        "group_without_keys": "list at least one candidate key",
        "bad_min_selected": "must be a whole number >= 0",
        "min_selected_above_group_size": (
            "asks for at least {min_selected} but the group has only {count} candidates"
        ),
        "bad_max_selected": "must be a whole number >= min_selected ({min_selected})",
        "bad_top_k": "must be a whole number from 1 to {maximum}, got {top_k!r}",
        "no_candidates": "give a non-empty list of candidates",
        "duplicate_candidate_key": (
            "duplicate key {key!r} (also candidates[{other}]); give each candidate its own key"
        ),
        "not_constraints": "expected AllocationConstraints, got {kind}",
        "included_and_excluded": "candidate {key!r} is also in must_include; keep it in one of them",
        "groups_not_a_list": "expected a list of GroupConstraint",
        "must_include_over_budget": (
            "the must-include candidates cost {cost:,.0f} kr (at their minimum shares), more than the "
            "budget of {budget:,.0f} kr; raise the budget or include fewer"
        ),
        "group_infeasible": (
            "group {group_name!r} cannot be satisfied within the budget of {budget:,.0f} kr together with "
            "the must-include/must-exclude lists; loosen it or raise the budget"
        ),
        "groups_infeasible_together": (
            "the groups {names} can each be satisfied but not all together within the budget of "
            "{budget:,.0f} kr; loosen one of them or raise the budget"
        ),
    }

    def __init__(self, field: str, code: str, /, **params: Any) -> None:
        super().__init__(field, code, **params)
        if "candidate" in params:
            self.message = f"candidate {params['candidate']!r}: {self.message}"
        elif "group" in params:
            self.message = f"group {params['group']!r}: {self.message}"
        self.args = (f"{field}: {self.message}",)


class AllocationInfeasible(AllocationInputError):
    """No combination of candidates satisfies the budget and the constraints together."""


class AllocationSolverError(RuntimeError):
    """The MILP solver stopped without an answer (not an input error; report it)."""


# --- input -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """An initiative the steering group could fund.

    ``cost`` is in kroner; ``value`` is the objective (expected benefit, NPV from the investment model
    or a weighted score; any real number, the same unit for all candidates). A candidate is funded whole
    or not at all unless it allows partial funding: then, if funded, its share lies between
    ``min_share`` and ``max_share`` (0 < min_share <= max_share <= 1) and its cost and value scale
    with the share.
    """

    key: str
    name: str
    cost: float
    value: float
    min_share: float = 1.0
    max_share: float = 1.0

    @property
    def allows_partial_funding(self) -> bool:
        return not (self.min_share == 1.0 and self.max_share == 1.0)


@dataclass(frozen=True)
class GroupConstraint:
    """Limits on a group of candidates (e.g. a target group): at least ``min_selected`` and at most
    ``max_selected`` of its ``keys`` funded, and at most ``max_cost`` kroner spent on them."""

    name: str
    keys: tuple[str, ...]
    min_selected: int = 0
    max_selected: int | None = None
    max_cost: float | None = None


@dataclass(frozen=True)
class AllocationConstraints:
    """Group limits, and candidates that must be funded (``must_include``) or must not (``must_exclude``)."""

    groups: tuple[GroupConstraint, ...] = ()
    must_include: tuple[str, ...] = ()
    must_exclude: tuple[str, ...] = ()


# --- results -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FundedCandidate:
    """One candidate in a combination, with the share it is funded at and its cost and value at that share."""

    key: str
    name: str
    share: float
    cost: float
    value: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "share": self.share,
            "cost": self.cost,
            "value": self.value,
        }


@dataclass(frozen=True)
class Combination:
    """A feasible combination: the funded candidates (in input order), its totals, what is left of the
    budget, and how much value it gives up against the best combination (``value_gap``)."""

    rank: int
    funded: tuple[FundedCandidate, ...]
    total_cost: float
    total_value: float
    budget_left: float
    value_gap: float

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(item.key for item in self.funded)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "keys": list(self.keys),
            "funded": [item.to_dict() for item in self.funded],
            "total_cost": self.total_cost,
            "total_value": self.total_value,
            "budget_left": self.budget_left,
            "value_gap": self.value_gap,
        }


@dataclass(frozen=True)
class TradeOff:
    """What one candidate means for the allocation.

    ``best_value_with`` / ``best_value_without``: the best total value achievable with the candidate
    forced in / forced out under all the constraints (None when impossible, e.g. it costs more than the
    budget or is a must-include). ``loss_if_included`` / ``loss_if_excluded``: how much less that is
    than the best combination (0 on the side the best combination already takes). ``value_per_krone``
    is value / cost (None for a candidate that costs nothing).
    """

    key: str
    name: str
    cost: float
    value: float
    value_per_krone: float | None
    in_best: bool
    share_in_best: float
    best_value_with: float | None
    best_value_without: float | None
    loss_if_included: float | None
    loss_if_excluded: float | None

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class AllocationResult:
    """The best combination and the next-best distinct ones (``combinations``, best first), the
    trade-offs of every candidate (input order), and caveats. ``solver_calls`` counts MILP solves."""

    budget: float
    n_candidates: int
    top_k: int
    combinations: tuple[Combination, ...]
    trade_offs: tuple[TradeOff, ...]
    solver_calls: int
    warnings: tuple[AnalysisWarning, ...] = field(default=())

    @property
    def best(self) -> Combination:
        return self.combinations[0]

    def summary(self) -> str:
        lines = [
            f"Allocation of a budget of {_amount(self.budget)} kr over {self.n_candidates} candidates "
            f"({len(self.combinations)} of the top {self.top_k} combinations; it recommends, people decide)"
        ]
        for combination in self.combinations:
            funded = ", ".join(
                item.key if item.share == 1.0 else f"{item.key} ({item.share:.0%})"
                for item in combination.funded
            )
            gap = "" if combination.rank == 1 else f", {_amount(combination.value_gap)} less than the best"
            lines.append(
                f"  {combination.rank}. value {_amount(combination.total_value)}, cost "
                f"{_amount(combination.total_cost)} kr, left {_amount(combination.budget_left)} kr{gap}: "
                f"{funded or '(nothing funded)'}"
            )
        lines.append(
            "  Trade-offs (* = in the best; best value with / without each candidate, loss against the best):"
        )
        for item in self.trade_offs:
            per_krone = "n/a" if item.value_per_krone is None else f"{item.value_per_krone:.4g}"
            lines.append(
                f"    {item.key}{' *' if item.in_best else ''}: cost {_amount(item.cost)} kr, value "
                f"{_amount(item.value)}, per krone {per_krone}; "
                f"with {_side(item.best_value_with, item.loss_if_included)}, "
                f"without {_side(item.best_value_without, item.loss_if_excluded)}"
            )
        lines.extend(f"Warning [{w.code}]: {w.message}" for w in self.warnings)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine_version": ENGINE_VERSION,
            "budget": self.budget,
            "n_candidates": self.n_candidates,
            "top_k": self.top_k,
            "solver_calls": self.solver_calls,
            "combinations": [item.to_dict() for item in self.combinations],
            "trade_offs": [item.to_dict() for item in self.trade_offs],
            "warnings": [w.to_dict() for w in self.warnings],
        }


def _amount(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def _side(value: float | None, loss: float | None) -> str:
    if value is None or loss is None:
        return "impossible"
    return f"{_amount(value)} (loss {_amount(loss)})"


# --- validation (once, at the edge) ------------------------------------------------------------------


def _number(value: Any, path: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, np.integer, np.floating)):
        raise AllocationInputError(path, "not_a_number", value=value)
    number = float(value)
    if not math.isfinite(number):
        raise AllocationInputError(path, "not_finite", value=value)
    if minimum is not None and number < minimum:
        raise AllocationInputError(path, "below_minimum", minimum=minimum, number=number)
    return number


def _candidate(item: Candidate | Mapping[str, Any], index: int) -> Candidate:
    path = f"candidates[{index}]"
    if isinstance(item, Mapping):
        names = {f.name for f in fields(Candidate)}
        unknown = sorted(set(item) - names)
        if unknown:
            raise AllocationInputError(
                f"{path}.{unknown[0]}", "unknown_candidate_field", fields=sorted(names)
            )
        missing = [name for name in ("key", "name", "cost", "value") if name not in item]
        if missing:
            raise AllocationInputError(f"{path}.{missing[0]}", "candidate_field_required")
        item = Candidate(**item)
    elif not isinstance(item, Candidate):
        raise AllocationInputError(path, "not_a_candidate", kind=type(item).__name__)
    if not isinstance(item.key, str) or not item.key.strip():
        raise AllocationInputError(f"{path}.key", "empty_candidate_key", key=item.key)
    label = f"{path}.{{}}"
    if not isinstance(item.name, str):
        raise AllocationInputError(label.format("name"), "name_not_text", candidate=item.key, name=item.name)
    try:
        cost = _number(item.cost, label.format("cost"), minimum=0.0)
        value = _number(item.value, label.format("value"))
        min_share = _number(item.min_share, label.format("min_share"))
        max_share = _number(item.max_share, label.format("max_share"))
    except AllocationInputError as error:
        raise AllocationInputError(error.field, error.code, candidate=item.key, **error.params) from None
    if not 0.0 < min_share <= 1.0:
        raise AllocationInputError(
            label.format("min_share"), "min_share_out_of_range", candidate=item.key, min_share=min_share
        )
    if not min_share <= max_share <= 1.0:
        raise AllocationInputError(
            label.format("max_share"),
            "max_share_out_of_range",
            candidate=item.key,
            min_share=min_share,
            max_share=max_share,
        )
    return Candidate(item.key, item.name or item.key, cost, value, min_share, max_share)


def _known_keys(keys: Any, path: str, index_of: Mapping[str, int]) -> tuple[str, ...]:
    if isinstance(keys, str) or not isinstance(keys, Sequence):
        raise AllocationInputError(path, "keys_not_a_list", keys=keys)
    for position, key in enumerate(keys):
        if key not in index_of:
            raise AllocationInputError(f"{path}[{position}]", "unknown_candidate_key", key=key)
    return tuple(dict.fromkeys(keys))


def _group(group: GroupConstraint, index: int, index_of: Mapping[str, int]) -> GroupConstraint:
    path = f"constraints.groups[{index}]"
    if not isinstance(group, GroupConstraint):
        raise AllocationInputError(path, "not_a_group", kind=type(group).__name__)
    keys = _known_keys(group.keys, f"{path}.keys", index_of)
    if not keys:
        raise AllocationInputError(f"{path}.keys", "group_without_keys", group=group.name)
    if (
        isinstance(group.min_selected, bool)
        or not isinstance(group.min_selected, int)
        or group.min_selected < 0
    ):
        raise AllocationInputError(f"{path}.min_selected", "bad_min_selected", group=group.name)
    if group.min_selected > len(keys):
        raise AllocationInputError(
            f"{path}.min_selected",
            "min_selected_above_group_size",
            group=group.name,
            min_selected=group.min_selected,
            count=len(keys),
        )
    if group.max_selected is not None and (
        isinstance(group.max_selected, bool)
        or not isinstance(group.max_selected, int)
        or group.max_selected < group.min_selected
    ):
        raise AllocationInputError(
            f"{path}.max_selected", "bad_max_selected", group=group.name, min_selected=group.min_selected
        )
    max_cost = None
    if group.max_cost is not None:
        try:
            max_cost = _number(group.max_cost, f"{path}.max_cost", minimum=0.0)
        except AllocationInputError as error:
            raise AllocationInputError(error.field, error.code, group=group.name, **error.params) from None
    return GroupConstraint(str(group.name), keys, group.min_selected, group.max_selected, max_cost)


def _validate(
    candidates: Sequence[Candidate | Mapping[str, Any]],
    budget: Any,
    constraints: AllocationConstraints | None,
    top_k: Any,
) -> tuple[tuple[Candidate, ...], float, AllocationConstraints, int]:
    budget_value = _number(budget, "budget", minimum=0.0)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or not 1 <= top_k <= MAX_TOP_K:
        raise AllocationInputError("top_k", "bad_top_k", maximum=MAX_TOP_K, top_k=top_k)
    if isinstance(candidates, (str, Mapping)) or not isinstance(candidates, Sequence) or not candidates:
        raise AllocationInputError("candidates", "no_candidates")
    checked = tuple(_candidate(item, index) for index, item in enumerate(candidates))
    index_of: dict[str, int] = {}
    for index, item in enumerate(checked):
        if item.key in index_of:
            raise AllocationInputError(
                f"candidates[{index}].key", "duplicate_candidate_key", key=item.key, other=index_of[item.key]
            )
        index_of[item.key] = index
    constraints = constraints if constraints is not None else AllocationConstraints()
    if not isinstance(constraints, AllocationConstraints):
        raise AllocationInputError("constraints", "not_constraints", kind=type(constraints).__name__)
    must_include = _known_keys(constraints.must_include, "constraints.must_include", index_of)
    must_exclude = _known_keys(constraints.must_exclude, "constraints.must_exclude", index_of)
    both = [key for key in must_include if key in must_exclude]
    if both:
        raise AllocationInputError("constraints.must_exclude", "included_and_excluded", key=both[0])
    groups = constraints.groups
    if isinstance(groups, (str, Mapping)) or not isinstance(groups, Sequence):
        raise AllocationInputError("constraints.groups", "groups_not_a_list")
    checked_groups = tuple(_group(group, index, index_of) for index, group in enumerate(groups))
    return checked, budget_value, AllocationConstraints(checked_groups, must_include, must_exclude), top_k


# --- the model ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Selection:
    chosen: BoolArray
    shares: FloatArray
    total_cost: float
    total_value: float


class _AllocationModel:
    """The MILP of the module docstring, in scaled units, for repeated solves with extra restrictions.

    Variables: ``y`` (n binaries, one per candidate), then ``s`` (one continuous share per candidate
    that allows partial funding). A whole-or-nothing candidate's share is ``y`` itself.
    """

    def __init__(
        self, candidates: Sequence[Candidate], budget: float, constraints: AllocationConstraints
    ) -> None:
        n = len(candidates)
        self.n = n
        self.budget = budget
        self.cost = np.array([c.cost for c in candidates], dtype=np.float64)
        self.value = np.array([c.value for c in candidates], dtype=np.float64)
        self.min_share = np.array([c.min_share for c in candidates], dtype=np.float64)
        self.max_share = np.array([c.max_share for c in candidates], dtype=np.float64)
        self.partial = np.array([c.allows_partial_funding for c in candidates], dtype=bool)
        self.partial_index = np.flatnonzero(self.partial)
        p = self.partial_index.size
        index_of = {c.key: i for i, c in enumerate(candidates)}
        self.fixed_in = np.zeros(n, dtype=bool)
        self.fixed_in[[index_of[k] for k in constraints.must_include]] = True
        self.fixed_out = np.zeros(n, dtype=bool)
        self.fixed_out[[index_of[k] for k in constraints.must_exclude]] = True
        self.groups = constraints.groups

        # scaled so that the budget is 1 and the largest |value| is 1 (a well-conditioned problem)
        self.cost_scale = budget if budget > 0 else max(float(self.cost.max()), 1.0)
        self.value_scale = max(float(np.abs(self.value).max()), 1e-300)

        # a coefficient row over x = [y, s] that applies per-candidate amounts at the funded share
        def at_share(amount: FloatArray) -> FloatArray:
            return np.concatenate([np.where(self.partial, 0.0, amount), amount[self.partial_index]])

        self.objective = -at_share(self.value / self.value_scale)
        scaled_cost = at_share(self.cost / self.cost_scale)
        membership = np.zeros((len(self.groups), n), dtype=np.float64)
        for g, group in enumerate(self.groups):
            membership[g, [index_of[k] for k in group.keys]] = 1.0
        self.membership = membership.astype(bool)

        # linking rows of the partial candidates: s_j - m_j y_i >= 0 and s_j - M_j y_i <= 0
        link = np.zeros((2 * p, n + p))
        rows = np.arange(p)
        link[rows, self.partial_index] = -self.min_share[self.partial_index]
        link[p + rows, self.partial_index] = -self.max_share[self.partial_index]
        link[rows, n + rows] = 1.0
        link[p + rows, n + rows] = 1.0
        base_rows = [scaled_cost[None, :], link]
        base_lower = [np.array([-np.inf]), np.zeros(p), np.full(p, -np.inf)]
        base_upper = [np.array([budget / self.cost_scale]), np.full(p, np.inf), np.zeros(p)]
        self.base = (np.vstack(base_rows), np.concatenate(base_lower), np.concatenate(base_upper))

        # one block of rows per group (count limits, then the cost cap if any), so groups can be toggled
        self.group_blocks: list[tuple[FloatArray, FloatArray, FloatArray]] = []
        for g, group in enumerate(self.groups):
            count_row = np.concatenate([membership[g], np.zeros(p)])
            block_rows = [count_row]
            lower = [float(group.min_selected)]
            upper = [float(group.max_selected) if group.max_selected is not None else np.inf]
            if group.max_cost is not None:
                block_rows.append(
                    scaled_cost * np.concatenate([membership[g], membership[g, self.partial_index]])
                )
                lower.append(-np.inf)
                upper.append(group.max_cost / self.cost_scale)
            self.group_blocks.append((np.vstack(block_rows), np.array(lower), np.array(upper)))

        self.integrality = np.concatenate([np.ones(n), np.zeros(p)])
        self.solver_calls = 0

    def solve(
        self,
        *,
        excluded_selections: BoolArray | None = None,
        force_in: int | None = None,
        force_out: int | None = None,
        active_groups: Sequence[int] | None = None,
        with_fixed: bool = True,
    ) -> _Selection | None:
        """The best selection under the model plus the given restrictions; None if there is none."""
        n, p = self.n, self.partial_index.size
        matrices, lowers, uppers = [self.base[0]], [self.base[1]], [self.base[2]]
        for g in range(len(self.groups)) if active_groups is None else active_groups:
            block = self.group_blocks[g]
            matrices.append(block[0])
            lowers.append(block[1])
            uppers.append(block[2])
        if excluded_selections is not None and len(excluded_selections):
            # no-good cuts: sum_{b_i=1} (1 - y_i) + sum_{b_i=0} y_i >= 1  <=>  (1 - 2b) . y >= 1 - |b|
            b = excluded_selections.astype(np.float64)
            matrices.append(np.hstack([1.0 - 2.0 * b, np.zeros((b.shape[0], p))]))
            lowers.append(1.0 - b.sum(axis=1))
            uppers.append(np.full(b.shape[0], np.inf))
        lower_bound = np.concatenate([np.zeros(n), np.zeros(p)])
        upper_bound = np.concatenate([np.ones(n), self.max_share[self.partial_index]])
        if with_fixed:
            lower_bound[:n][self.fixed_in] = 1.0
            upper_bound[:n][self.fixed_out] = 0.0
        if force_in is not None:
            lower_bound[force_in] = 1.0
        if force_out is not None:
            upper_bound[force_out] = 0.0
        if np.any(lower_bound > upper_bound):
            return None
        self.solver_calls += 1
        outcome = milp(
            c=self.objective,
            constraints=LinearConstraint(np.vstack(matrices), np.concatenate(lowers), np.concatenate(uppers)),
            bounds=Bounds(lower_bound, upper_bound),
            integrality=self.integrality,
            options=MIP_OPTIONS,
        )
        if outcome.status == 2:
            return None
        if not outcome.success or outcome.x is None:
            raise AllocationSolverError(f"the MILP solver stopped: {outcome.message}")
        chosen = outcome.x[:n] > 0.5
        shares = chosen.astype(np.float64)
        partial_chosen = chosen[self.partial_index]
        shares[self.partial_index] = np.clip(
            outcome.x[n:],
            self.min_share[self.partial_index] * partial_chosen,
            self.max_share[self.partial_index] * partial_chosen,
        )
        return _Selection(
            chosen=chosen,
            shares=shares,
            total_cost=float(self.cost @ shares),
            total_value=float(self.value @ shares),
        )

    def infeasibility(self) -> AllocationInfeasible:
        """Name the constraint that makes the problem infeasible (the first that is infeasible on its own)."""
        must_cost = float(self.cost[self.fixed_in] @ self.min_share[self.fixed_in])
        if must_cost > self.budget * (1 + 1e-12):
            return AllocationInfeasible(
                "constraints.must_include",
                "must_include_over_budget",
                cost=must_cost,
                budget=self.budget,
            )
        for g, group in enumerate(self.groups):
            if self.solve(active_groups=[g]) is None:
                return AllocationInfeasible(
                    f"constraints.groups[{g}]",
                    "group_infeasible",
                    group_name=group.name,
                    budget=self.budget,
                )
        names = ", ".join(repr(group.name) for group in self.groups)
        return AllocationInfeasible(
            "constraints.groups", "groups_infeasible_together", names=names, budget=self.budget
        )


# --- the public function -----------------------------------------------------------------------------


def recommend_allocation(
    candidates: Sequence[Candidate | Mapping[str, Any]],
    budget: float | Decimal,
    *,
    constraints: AllocationConstraints | None = None,
    top_k: int = 5,
) -> AllocationResult:
    """The best combinations of candidates within ``budget``, and the trade-offs of each candidate.

    Solves the 0-1 knapsack with side constraints of the module docstring exactly (Martello & Toth
    1990; scipy.optimize.milp / HiGHS with a zero MIP gap), then finds the next-best distinct
    combinations by no-good cuts (Balas & Jeroslow 1972), up to ``top_k`` in all (fewer, with a
    warning, if fewer are feasible). For each candidate it gives the best value with the candidate
    forced in and forced out, and its value per krone.

    Raises ``AllocationInputError`` for bad input (the ``field`` names the candidate or constraint)
    and ``AllocationInfeasible`` when no combination satisfies the constraints.
    """
    checked, budget_value, checked_constraints, top_k = _validate(candidates, budget, constraints, top_k)
    model = _AllocationModel(checked, budget_value, checked_constraints)

    found: list[_Selection] = []
    for _ in range(top_k):
        excluded = np.array([selection.chosen for selection in found]) if found else None
        selection = model.solve(excluded_selections=excluded)
        if selection is None:
            break
        found.append(selection)
    if not found:
        raise model.infeasibility()
    # the solver returns them best first; a stable sort on the exact totals only settles solver-tolerance ties
    found.sort(key=lambda selection: -selection.total_value)

    chosen = np.array([selection.chosen for selection in found])
    totals = np.array([selection.total_value for selection in found])
    best_with = np.where(chosen, totals[:, None], -np.inf).max(axis=0)
    best_without = np.where(~chosen, totals[:, None], -np.inf).max(axis=0)
    for i in np.flatnonzero(np.isneginf(best_with) & ~model.fixed_out):
        forced = model.solve(force_in=int(i))
        best_with[i] = np.nan if forced is None else forced.total_value
    for i in np.flatnonzero(np.isneginf(best_without) & ~model.fixed_in):
        forced = model.solve(force_out=int(i))
        best_without[i] = np.nan if forced is None else forced.total_value

    best = found[0]
    combinations = tuple(
        Combination(
            rank=rank,
            funded=tuple(
                FundedCandidate(
                    key=checked[i].key,
                    name=checked[i].name,
                    share=float(selection.shares[i]),
                    cost=float(model.cost[i] * selection.shares[i]),
                    value=float(model.value[i] * selection.shares[i]),
                )
                for i in np.flatnonzero(selection.chosen)
            ),
            total_cost=selection.total_cost,
            total_value=selection.total_value,
            budget_left=budget_value - selection.total_cost,
            value_gap=best.total_value - selection.total_value,
        )
        for rank, selection in enumerate(found, start=1)
    )
    trade_offs = tuple(
        TradeOff(
            key=candidate.key,
            name=candidate.name,
            cost=candidate.cost,
            value=candidate.value,
            value_per_krone=candidate.value / candidate.cost if candidate.cost > 0 else None,
            in_best=bool(best.chosen[i]),
            share_in_best=float(best.shares[i]),
            best_value_with=_finite(best_with[i]),
            best_value_without=_finite(best_without[i]),
            loss_if_included=_finite(best.total_value - best_with[i]),
            loss_if_excluded=_finite(best.total_value - best_without[i]),
        )
        for i, candidate in enumerate(checked)
    )
    return AllocationResult(
        budget=budget_value,
        n_candidates=len(checked),
        top_k=top_k,
        combinations=combinations,
        trade_offs=trade_offs,
        solver_calls=model.solver_calls,
        warnings=tuple(_warnings(checked, model, best, len(found), top_k)),
    )


def _finite(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _warnings(
    candidates: Sequence[Candidate], model: _AllocationModel, best: _Selection, found: int, top_k: int
) -> list[AnalysisWarning]:
    warnings = []
    minimum_cost = model.cost * model.min_share
    for i in np.flatnonzero(minimum_cost > model.budget):
        warnings.append(
            AnalysisWarning(
                "unaffordable",
                f"{candidates[int(i)].key!r} costs {_amount(float(minimum_cost[i]))} kr at its minimum "
                f"share, more than the whole budget of {_amount(model.budget)} kr; it can never be funded",
            )
        )
    if found < top_k:
        warnings.append(
            AnalysisWarning(
                "fewer_combinations",
                f"only {found} distinct combinations satisfy the budget and the constraints "
                f"({top_k} asked for)",
            )
        )
    for i in np.flatnonzero(best.chosen & (best.shares < 1.0)):
        warnings.append(
            AnalysisWarning(
                "partial_funding",
                f"the best combination funds {candidates[int(i)].key!r} at {best.shares[i]:.1%}; "
                "its value is assumed to scale with the share",
            )
        )
    return warnings
