"""The investment model (business case): costs against gains over time, by payer, with uncertainty.

The anchors are the Danish socio-economic investment model (SØM) and the Washington State Institute for
Public Policy's benefit-cost model; the conventions below are written so that every figure can be checked
by hand (docs/business-case.md has worked examples).

Flows, for an intake of ``n_k`` participants entering in year ``e_k`` (``participants`` alone is one
intake in year 0), in years ``t = 0 .. horizon_years-1``:

* a cost ``per_participant_per_year`` ``c`` listed for year ``y`` (relative to entry) costs ``n_k * c``
  in year ``e_k + y``; a cost ``amount`` ``a`` costs ``a`` in each listed (absolute) year; base-alternative
  costs are subtracted;
* an outcome changes the occurrences in year ``t`` by ``n_k * delta * p(t - e_k)`` where ``delta`` is the
  effect estimate (absolute) or ``baseline * estimate`` (relative) and, with ``s = t - e_k - start_year``,
  ``p = 0`` for ``s < 0``, ``1`` for ``0 <= s < full_years`` and ``decay ** (s - full_years + 1)`` after;
* the gain in year ``t`` is minus the change times the unit price, split over payers by their shares;
* everything is discounted with ``discounting.DiscountSchedule.factors`` (year 0 undiscounted).

Results: present values of costs and gains, NPV = PV(gains) - PV(costs), ROI = NPV / PV(costs), the
break-even year (the first year from which the cumulative discounted net stays >= 0 to the end of the
horizon), by payer and by year, per participant, a welfare-economic view with the net tax factor, a
one-at-a-time sensitivity table (tornado) and a Monte Carlo over the uncertain inputs.

Speed: the Monte Carlo never loops over draws. The discounted gain of outcome ``j`` is a polynomial in
its decay, ``sum_t df_t P_j(t) = sum_m c[m, j] * decay_j ** m``, whose coefficients ``c`` (exponent x
outcome, with the discount factors and intakes folded in) are computed once; the draws are then arrays
(draws x outcomes) and the polynomial is evaluated by Horner's rule over the exponents (at most the
horizon), vectorised over all draws and outcomes at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import special

from indsats.engine import ENGINE_VERSION
from indsats.engine.investment.case_document import (
    COST_CATEGORIES,
    BusinessCase,
    CaseError,
    Cost,
    UncertainValue,
    inputs_hash,
)
from indsats.engine.investment.discounting import DiscountSchedule

__all__ = ["CaseResult", "NpvDistribution", "PayerTotals", "SensitivityRow", "YearFlow", "compute_case"]

FloatArray = npt.NDArray[np.float64]

MAX_DRAWS = 1_000_000
# draws are simulated in blocks of this size to bound memory; part of the reproducibility contract
DRAWS_PER_BLOCK = 50_000
# the discount-rate row of the tornado moves every rate by one percentage point down and up
DISCOUNT_RATE_SENSITIVITY = 0.01
# a 95 % interval for inputs with a stated distribution
SENSITIVITY_QUANTILES = (0.025, 0.975)


# --- result objects -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearFlow:
    """Undiscounted costs, gains and net of one year, with its discount factor and the running total of
    the discounted net from year 0 up to and including this year."""

    year: int
    costs: float
    gains: float
    net: float
    discount_factor: float
    discounted_net: float
    cumulative_discounted_net: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "costs": self.costs,
            "gains": self.gains,
            "net": self.net,
            "discount_factor": self.discount_factor,
            "discounted_net": self.discounted_net,
            "cumulative_discounted_net": self.cumulative_discounted_net,
        }


@dataclass(frozen=True)
class PayerTotals:
    """Present values for one payer (or for the whole case): costs, gains and their difference."""

    pv_costs: float
    pv_gains: float
    npv: float

    def to_dict(self) -> dict[str, float]:
        return {"pv_costs": self.pv_costs, "pv_gains": self.pv_gains, "npv": self.npv}


@dataclass(frozen=True)
class NpvDistribution:
    """The Monte Carlo distribution of an NPV: mean, 5th/50th/95th percentile, P(NPV > 0)."""

    mean: float
    p5: float
    p50: float
    p95: float
    p_positive: float

    @classmethod
    def of(cls, draws: FloatArray) -> NpvDistribution:
        """Summarise NPV draws (percentiles by numpy's default linear interpolation)."""
        p5, p50, p95 = np.percentile(draws, [5.0, 50.0, 95.0])
        return cls(
            mean=float(np.mean(draws)),
            p5=float(p5),
            p50=float(p50),
            p95=float(p95),
            p_positive=float(np.mean(draws > 0)),
        )

    def to_dict(self) -> dict[str, float]:
        return {
            "npv_mean": self.mean,
            "npv_p5": self.p5,
            "npv_p50": self.p50,
            "npv_p95": self.p95,
            "p_positive": self.p_positive,
        }


@dataclass(frozen=True)
class SensitivityRow:
    """One row of the tornado: the NPV with one input at its low and at its high value, all others at
    their estimates. ``basis`` says where low and high come from."""

    input: str
    label: str
    basis: str
    low: float
    high: float
    npv_low: float
    npv_high: float

    @property
    def swing(self) -> float:
        return abs(self.npv_high - self.npv_low)

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "label": self.label,
            "basis": self.basis,
            "low": self.low,
            "high": self.high,
            "npv_low": self.npv_low,
            "npv_high": self.npv_high,
            "swing": self.swing,
        }


@dataclass(frozen=True)
class OutcomeTotals:
    """What one outcome contributes: the total change in occurrences over the horizon (undiscounted) and
    the present value of its gains, in all and by payer."""

    name: str
    change_in_occurrences: float
    pv_gains: float
    pv_gains_by_payer: Mapping[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "change_in_occurrences": self.change_in_occurrences,
            "pv_gains": self.pv_gains,
            "pv_gains_by_payer": dict(self.pv_gains_by_payer),
        }


@dataclass(frozen=True)
class CostTotals:
    """What one cost line adds to the costs (negative for a base-alternative line)."""

    input: str
    name: str
    payer: str
    category: str | None
    is_base_alternative: bool
    total: float
    pv_costs: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "name": self.name,
            "payer": self.payer,
            "category": self.category,
            "base_alternative": self.is_base_alternative,
            "total": self.total,
            "pv_costs": self.pv_costs,
        }


@dataclass(frozen=True)
class WelfareView:
    """The welfare-economic view: flows of the public payers (``public_payers``) times the net tax factor,
    other payers' flows as they are (docs/business-case.md, "The welfare-economic view")."""

    net_tax_factor: float
    public_payers: tuple[str, ...]
    totals: PayerTotals
    uncertainty: NpvDistribution | None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "net_tax_factor": self.net_tax_factor,
            "public_payers": list(self.public_payers),
            **self.totals.to_dict(),
            "roi": _ratio(self.totals.npv, self.totals.pv_costs),
        }
        if self.uncertainty is not None:
            data.update(self.uncertainty.to_dict())
        return data


@dataclass(frozen=True, eq=False)
class CaseResult:
    """The computed business case. ``to_dict()`` is the JSON of ``indsats business-case --json``;
    ``npv_draws`` (and ``payer_npv_draws``, draws x payers in the order of ``payers``) keep the Monte
    Carlo draws for a histogram."""

    participants: float
    horizon_years: int
    price_year: int
    discount: DiscountSchedule
    totals: PayerTotals
    break_even_year: int | None
    payers: tuple[str, ...]
    by_payer: Mapping[str, PayerTotals]
    by_payer_break_even_year: Mapping[str, int | None]
    by_year: tuple[YearFlow, ...]
    by_payer_by_year: Mapping[str, tuple[YearFlow, ...]]
    by_outcome: tuple[OutcomeTotals, ...]
    by_cost: tuple[CostTotals, ...]
    welfare: WelfareView
    sensitivity: tuple[SensitivityRow, ...]
    draws: int
    seed: int
    uncertainty: NpvDistribution | None
    by_payer_uncertainty: Mapping[str, NpvDistribution] | None
    npv_draws: FloatArray
    payer_npv_draws: FloatArray
    inputs_hash: str
    engine_version: str = ENGINE_VERSION
    warnings: tuple[str, ...] = field(default=())

    @property
    def npv(self) -> float:
        return self.totals.npv

    @property
    def pv_costs(self) -> float:
        return self.totals.pv_costs

    @property
    def pv_gains(self) -> float:
        return self.totals.pv_gains

    @property
    def roi(self) -> float | None:
        """NPV per krone of (net) costs; ``None`` when the present value of the costs is 0."""
        return _ratio(self.totals.npv, self.totals.pv_costs)

    @property
    def by_category(self) -> dict[str, float]:
        """Present value of the costs by the agency's categories (``uncategorised`` for the rest)."""
        totals = {category: 0.0 for category in COST_CATEGORIES}
        for cost in self.by_cost:
            key = cost.category or "uncategorised"
            totals[key] = totals.get(key, 0.0) + cost.pv_costs
        return totals

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; the keys of the case-file contract first (docs/business-case.md)."""
        data: dict[str, Any] = {
            "npv": self.npv,
            "pv_costs": self.pv_costs,
            "pv_gains": self.pv_gains,
            "roi": self.roi,
            "break_even_year": self.break_even_year,
            "by_payer": {payer: totals.to_dict() for payer, totals in self.by_payer.items()},
            "by_year": [year.to_dict() for year in self.by_year],
        }
        if self.uncertainty is not None:
            data.update(self.uncertainty.to_dict())
        data["per_participant"] = self._per_participant()
        data["by_payer_by_year"] = {
            payer: [year.to_dict() for year in years] for payer, years in self.by_payer_by_year.items()
        }
        data["by_payer_indicators"] = {
            payer: {
                "roi": _ratio(totals.npv, totals.pv_costs),
                "break_even_year": self.by_payer_break_even_year[payer],
                **(
                    self.by_payer_uncertainty[payer].to_dict()
                    if self.by_payer_uncertainty is not None
                    else {}
                ),
            }
            for payer, totals in self.by_payer.items()
        }
        data["by_outcome"] = [outcome.to_dict() for outcome in self.by_outcome]
        data["by_cost"] = [cost.to_dict() for cost in self.by_cost]
        data["by_category"] = self.by_category
        data["welfare"] = self.welfare.to_dict()
        data["sensitivity"] = [row.to_dict() for row in self.sensitivity]
        data["participants"] = self.participants
        data["horizon_years"] = self.horizon_years
        data["price_year"] = self.price_year
        data["discount"] = self.discount.to_dict()
        data["draws"] = self.draws
        data["seed"] = self.seed
        data["engine_version"] = self.engine_version
        data["inputs_hash"] = self.inputs_hash
        data["warnings"] = list(self.warnings)
        return data

    def _per_participant(self) -> dict[str, Any]:
        n = self.participants
        data: dict[str, Any] = {
            "pv_costs": self.pv_costs / n,
            "pv_gains": self.pv_gains / n,
            "npv": self.npv / n,
            "by_payer": {
                payer: {"pv_costs": t.pv_costs / n, "pv_gains": t.pv_gains / n, "npv": t.npv / n}
                for payer, t in self.by_payer.items()
            },
        }
        if self.uncertainty is not None:
            u = self.uncertainty
            data.update(
                {"npv_mean": u.mean / n, "npv_p5": u.p5 / n, "npv_p50": u.p50 / n, "npv_p95": u.p95 / n}
            )
        return data

    def summary(self) -> str:
        """A readable account of the result, for the console and logs."""
        roi = "n/a" if self.roi is None else f"{self.roi:.2f}"
        break_even = (
            "none within the horizon" if self.break_even_year is None else f"year {self.break_even_year}"
        )
        lines = [
            f"Business case: {self.participants:g} participants, {self.horizon_years} years, "
            f"{self.price_year} prices, discount {self.discount.name}",
            f"  PV costs   {self.pv_costs:>16,.0f} kr",
            f"  PV gains   {self.pv_gains:>16,.0f} kr",
            f"  NPV        {self.npv:>16,.0f} kr   ({self.npv / self.participants:,.0f} kr per participant)",
            f"  Return per krone: {roi}   Break-even: {break_even}",
        ]
        if self.uncertainty is not None:
            u = self.uncertainty
            lines.append(
                f"  Monte Carlo ({self.draws} draws, seed {self.seed}): mean {u.mean:,.0f}, "
                f"90 % interval [{u.p5:,.0f}; {u.p95:,.0f}], P(NPV > 0) = {u.p_positive:.1%}"
            )
        lines.append("  By payer:")
        for payer, totals in self.by_payer.items():
            line = (
                f"    {payer:<12} costs {totals.pv_costs:>14,.0f}  gains {totals.pv_gains:>14,.0f}  "
                f"NPV {totals.npv:>14,.0f}"
            )
            if self.by_payer_uncertainty is not None:
                line += f"  P(NPV > 0) = {self.by_payer_uncertainty[payer].p_positive:.1%}"
            lines.append(line)
        w = self.welfare
        lines.append(
            f"  Welfare-economic NPV (net tax factor {w.net_tax_factor:g} on {', '.join(w.public_payers)}): "
            f"{w.totals.npv:,.0f} kr"
        )
        if self.sensitivity:
            lines.append("  Largest sensitivities (NPV at low / high):")
            for row in self.sensitivity[:5]:
                lines.append(f"    {row.label:<44} {row.npv_low:>14,.0f} / {row.npv_high:>14,.0f}")
        lines.extend(f"  Warning: {warning}" for warning in self.warnings)
        return "\n".join(lines)


# --- the computation ------------------------------------------------------------------------------------


def compute_case(
    case: BusinessCase,
    *,
    draws: int = 0,
    seed: int = 0,
    progress: Callable[[int], None] | None = None,
) -> CaseResult:
    """Compute a business case: present values, NPV, ROI, break-even, by payer and year, the welfare view,
    the sensitivity table and (with ``draws`` > 0) a seeded Monte Carlo.

    Formulas: the module docstring and docs/business-case.md. Discounting per Finansministeriet (January
    2021 schedule by default); the net tax factor per Finansministeriet's 2023 guidance. The Monte Carlo
    draws every varied input (effects, baselines, unit prices, decays) with
    ``numpy.random.default_rng(seed)`` in blocks of ``DRAWS_PER_BLOCK`` draws; the same case, draws, seed
    and engine version give the same draws. ``progress`` (if given) is called with the number of draws
    finished after each block.
    """
    if isinstance(draws, bool) or not isinstance(draws, int) or not 0 <= draws <= MAX_DRAWS:
        raise CaseError("draws", "draws_out_of_range", maximum=MAX_DRAWS, draws=draws)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise CaseError("seed", "seed_out_of_range", seed=seed)

    model = _Model(case)
    warnings = list(model.warnings)
    flows = model.deterministic_flows()

    df = model.discount_factors
    cost_pv_by_payer = flows.costs_by_payer @ df
    gain_pv_by_payer = flows.gains_by_payer @ df
    by_payer = {
        payer: PayerTotals(
            pv_costs=float(cost_pv_by_payer[p]),
            pv_gains=float(gain_pv_by_payer[p]),
            npv=float(gain_pv_by_payer[p] - cost_pv_by_payer[p]),
        )
        for p, payer in enumerate(model.payers)
    }
    totals = PayerTotals(
        pv_costs=float(cost_pv_by_payer.sum()),
        pv_gains=float(gain_pv_by_payer.sum()),
        npv=float(gain_pv_by_payer.sum() - cost_pv_by_payer.sum()),
    )
    if totals.pv_costs < 0:
        warnings.append(
            "the base alternative costs more than the intervention (PV of net costs below 0): the return per "
            "krone is not meaningful"
        )

    costs_by_year = flows.costs_by_payer.sum(axis=0)
    gains_by_year = flows.gains_by_payer.sum(axis=0)
    by_year = _year_flows(costs_by_year, gains_by_year, df)
    by_payer_by_year = {
        payer: _year_flows(flows.costs_by_payer[p], flows.gains_by_payer[p], df)
        for p, payer in enumerate(model.payers)
    }

    welfare_factors = np.array(
        [case.net_tax_factor if payer in case.public_payers else 1.0 for payer in model.payers]
    )
    welfare_totals = PayerTotals(
        pv_costs=float(cost_pv_by_payer @ welfare_factors),
        pv_gains=float(gain_pv_by_payer @ welfare_factors),
        npv=float((gain_pv_by_payer - cost_pv_by_payer) @ welfare_factors),
    )

    payer_npv_draws = np.empty((0, len(model.payers)))
    uncertainty = None
    by_payer_uncertainty = None
    welfare_uncertainty = None
    if draws > 0:
        payer_npv_draws, draw_warnings = model.simulate(draws, seed, cost_pv_by_payer, progress)
        warnings.extend(draw_warnings)
        uncertainty = NpvDistribution.of(payer_npv_draws.sum(axis=1))
        by_payer_uncertainty = {
            payer: NpvDistribution.of(payer_npv_draws[:, p]) for p, payer in enumerate(model.payers)
        }
        welfare_uncertainty = NpvDistribution.of(payer_npv_draws @ welfare_factors)

    return CaseResult(
        participants=case.participants,
        horizon_years=case.horizon_years,
        price_year=case.price_year,
        discount=case.discount,
        totals=totals,
        break_even_year=_break_even_year(np.array([y.cumulative_discounted_net for y in by_year])),
        payers=model.payers,
        by_payer=by_payer,
        by_payer_break_even_year={
            payer: _break_even_year(np.array([y.cumulative_discounted_net for y in years]))
            for payer, years in by_payer_by_year.items()
        },
        by_year=by_year,
        by_payer_by_year=by_payer_by_year,
        by_outcome=tuple(
            OutcomeTotals(
                name=outcome.name,
                change_in_occurrences=float(flows.occurrence_change[j].sum()),
                pv_gains=float(flows.outcome_gains[j] @ df),
                pv_gains_by_payer={
                    payer: float(flows.outcome_gains[j] @ df * model.shares[j, p])
                    for p, payer in enumerate(model.payers)
                    if model.shares[j, p] > 0
                },
            )
            for j, outcome in enumerate(case.outcomes)
        ),
        by_cost=tuple(
            CostTotals(
                input=cost.origin,
                name=cost.name,
                payer=cost.payer,
                category=cost.category,
                is_base_alternative=cost.is_base_alternative,
                total=float(flows.cost_lines[i].sum()),
                pv_costs=float(flows.cost_lines[i] @ df),
            )
            for i, cost in enumerate(case.costs)
        ),
        welfare=WelfareView(
            net_tax_factor=case.net_tax_factor,
            public_payers=case.public_payers,
            totals=welfare_totals,
            uncertainty=welfare_uncertainty,
        ),
        sensitivity=model.sensitivity(totals.npv, costs_by_year, gains_by_year),
        draws=draws,
        seed=seed,
        uncertainty=uncertainty,
        by_payer_uncertainty=by_payer_uncertainty,
        npv_draws=payer_npv_draws.sum(axis=1),
        payer_npv_draws=payer_npv_draws,
        inputs_hash=inputs_hash(case),
        warnings=tuple(warnings),
    )


@dataclass(frozen=True)
class _Flows:
    """Undiscounted flows by year (last axis): per cost line, per outcome, per payer."""

    cost_lines: FloatArray  # (costs, years), signed: base-alternative lines negative
    occurrence_change: FloatArray  # (outcomes, years)
    outcome_gains: FloatArray  # (outcomes, years)
    costs_by_payer: FloatArray  # (payers, years)
    gains_by_payer: FloatArray  # (payers, years)


class _Model:
    """The case as arrays: intakes (K), outcomes (O), cost lines (I), payers (P), years (T)."""

    def __init__(self, case: BusinessCase) -> None:
        self.case = case
        self.warnings: list[str] = []
        self.n_years = case.horizon_years
        self.discount_factors = case.discount.factors(self.n_years)
        self.payers = case.payers
        payer_index = {payer: p for p, payer in enumerate(self.payers)}

        self.entry_years = np.array([intake.year for intake in case.intakes], dtype=np.int64)
        self.intake_sizes = np.array([intake.participants for intake in case.intakes], dtype=np.float64)

        outcomes = case.outcomes
        self.effects = [outcome.effect for outcome in outcomes]
        self.baselines = [outcome.baseline for outcome in outcomes]
        self.prices = [outcome.unit_price for outcome in outcomes]
        self.decays = [outcome.decay for outcome in outcomes]
        self.is_relative = np.array([o.effect_type == "relative" for o in outcomes], dtype=bool)
        self.full_years = np.array([o.full_years for o in outcomes], dtype=np.int64)
        self.start_years = np.array([o.start_year for o in outcomes], dtype=np.int64)
        self.shares = np.zeros((len(outcomes), len(self.payers)))
        for j, outcome in enumerate(outcomes):
            for payer, share in outcome.payers:
                self.shares[j, payer_index[payer]] += share

        self.cost_payer = np.zeros((len(case.costs), len(self.payers)))
        for i, cost in enumerate(case.costs):
            self.cost_payer[i, payer_index[cost.payer]] = 1.0
        self.cost_timing = self._cost_timing(case.costs)
        self.cost_values = np.array([cost.sign * cost.value for cost in case.costs], dtype=np.float64)
        self.decay_polynomial = self._decay_polynomial()

    # -- timing ------------------------------------------------------------------------------------------

    def _elapsed(self) -> npt.NDArray[np.int64]:
        """Years since the effect started, ``s = t - e_k - start_year_j`` (years x intakes x outcomes)."""
        years = np.arange(self.n_years)
        return years[:, None, None] - self.entry_years[None, :, None] - self.start_years[None, None, :]

    def _cost_timing(self, costs: Sequence[Cost]) -> FloatArray:
        """Units paid per year for each cost line (costs x years): 1 in each listed year for an amount;
        the participants whose entry year plus a listed year is that year for a per-participant cost."""
        timing = np.zeros((len(costs), self.n_years))
        for i, cost in enumerate(costs):
            listed = np.array(cost.years, dtype=np.int64)
            if not cost.is_per_participant:
                timing[i, listed] = 1.0
                continue
            paid_years = self.entry_years[:, None] + listed[None, :]  # (intakes, listed years)
            sizes = np.broadcast_to(self.intake_sizes[:, None], paid_years.shape)
            inside = paid_years < self.n_years
            np.add.at(timing[i], paid_years[inside], sizes[inside])
            if not inside.all():
                lost = float(sizes[~inside].sum())
                self.warnings.append(
                    f"{cost.origin} ('{cost.name}'): {lost:g} participant-years fall after the horizon "
                    "(late intakes) and are left out"
                )
        return timing

    def _persistence(self, decay: FloatArray) -> FloatArray:
        """Participants at effect per year and outcome, ``sum_k n_k p(t - e_k)`` (years x outcomes), for one
        decay per outcome; exact powers (the deterministic path)."""
        elapsed = self._elapsed()
        full = self.full_years[None, None, :]
        exponent = np.maximum(elapsed - full + 1, 0)
        share = np.where(elapsed < 0, 0.0, np.where(elapsed < full, 1.0, decay[None, None, :] ** exponent))
        weighted: FloatArray = (share * self.intake_sizes[None, :, None]).sum(axis=1)
        return weighted

    def _decay_polynomial(self) -> FloatArray:
        """Coefficients ``c[m, j]`` with ``sum_t df_t sum_k n_k p_j(t - e_k) = sum_m c[m, j] decay_j**m``
        (exponents x outcomes): the discount factors and intakes folded into the persistence rule."""
        elapsed = self._elapsed()
        n_outcomes = elapsed.shape[2]
        full = self.full_years[None, None, :]
        active = elapsed >= 0
        exponent = np.where(elapsed < full, 0, elapsed - full + 1)
        weight = self.discount_factors[:, None, None] * self.intake_sizes[None, :, None]
        weight = np.broadcast_to(weight, elapsed.shape)
        outcome_index = np.broadcast_to(np.arange(n_outcomes)[None, None, :], elapsed.shape)
        highest = int(exponent[active].max()) if active.any() else 0
        coefficients = np.zeros((highest + 1, n_outcomes))
        np.add.at(coefficients, (exponent[active], outcome_index[active]), weight[active])
        return coefficients

    def discounted_persistence(self, decay: FloatArray) -> FloatArray:
        """``sum_m c[m, j] decay[..., j]**m`` by Horner's rule; ``decay`` shaped (rows, outcomes)."""
        coefficients = self.decay_polynomial
        total = np.broadcast_to(coefficients[-1], decay.shape).copy()
        for exponent in range(coefficients.shape[0] - 2, -1, -1):
            total *= decay
            total += coefficients[exponent]
        return total

    # -- flows -------------------------------------------------------------------------------------------

    def deterministic_flows(self) -> _Flows:
        """All flows by year at the inputs' estimates."""
        cost_lines = self.cost_values[:, None] * self.cost_timing
        decay = np.array([value.estimate for value in self.decays])
        at_effect = self._persistence(decay)  # (years, outcomes)
        delta = self._delta(
            np.array([value.estimate for value in self.effects]),
            np.array([value.estimate for value in self.baselines]),
        )
        occurrence_change = (delta[None, :] * at_effect).T
        outcome_gains = -occurrence_change * np.array([value.estimate for value in self.prices])[:, None]
        return _Flows(
            cost_lines=cost_lines,
            occurrence_change=occurrence_change,
            outcome_gains=outcome_gains,
            costs_by_payer=self.cost_payer.T @ cost_lines,
            gains_by_payer=self.shares.T @ outcome_gains,
        )

    def _delta(self, effect: FloatArray, baseline: FloatArray) -> FloatArray:
        """The change in the yearly rate per participant: the estimate, or baseline x estimate."""
        result: FloatArray = np.where(self.is_relative, baseline * effect, effect)
        return result

    def gains_by_payer_pv(
        self, effect: FloatArray, baseline: FloatArray, price: FloatArray, decay: FloatArray
    ) -> FloatArray:
        """Present value of the gains by payer (rows x payers) for rows of inputs (rows x outcomes)."""
        outcome_pv = -self._delta(effect, baseline) * price * self.discounted_persistence(decay)
        result: FloatArray = outcome_pv @ self.shares
        return result

    # -- Monte Carlo -------------------------------------------------------------------------------------

    def simulate(
        self,
        draws: int,
        seed: int,
        cost_pv_by_payer: FloatArray,
        progress: Callable[[int], None] | None,
    ) -> tuple[FloatArray, list[str]]:
        """NPV by payer for each draw (draws x payers), vectorised over draws and outcomes."""
        rng = np.random.default_rng(seed)
        payer_npv = np.empty((draws, len(self.payers)))
        clipped = 0
        negative_baselines = 0
        below_full_reduction = np.zeros(self.is_relative.size, dtype=np.int64)
        for start in range(0, draws, DRAWS_PER_BLOCK):
            size = min(DRAWS_PER_BLOCK, draws - start)
            effect = _draw(self.effects, size, rng)
            # a relative effect below -1 would remove more than every occurrence: truncated at -1
            below = self.is_relative[None, :] & (effect < -1.0)
            below_full_reduction += below.sum(axis=0)
            effect[below] = -1.0
            baseline = _draw(self.baselines, size, rng)
            price = _draw(self.prices, size, rng)
            decay = _draw(self.decays, size, rng)
            clipped += int(np.count_nonzero((decay < 0) | (decay > 1)))
            np.clip(decay, 0.0, 1.0, out=decay)
            negative_baselines += int(np.count_nonzero(baseline[:, self.is_relative] < 0))
            payer_npv[start : start + size] = self.gains_by_payer_pv(effect, baseline, price, decay)
            if progress is not None:
                progress(size)
        payer_npv -= cost_pv_by_payer[None, :]
        warnings = []
        if clipped:
            warnings.append(
                f"{clipped} drawn decays fell outside [0, 1] and were set to the nearest bound; a beta "
                "distribution keeps a decay inside"
            )
        for j in np.flatnonzero(below_full_reduction):
            share = 100.0 * float(below_full_reduction[j]) / draws
            warnings.append(
                f"outcome '{self.case.outcomes[j].name}': {share:.1f} % of the drawn relative effects were "
                "below -1 (a reduction of more than 100 %) and were set to -1; a narrower uncertainty or a "
                "triangular distribution with low >= -1 keeps the effect possible"
            )
        if negative_baselines:
            warnings.append(
                f"{negative_baselines} drawn baselines were negative; a beta or lognormal distribution keeps "
                "a rate at or above 0"
            )
        return payer_npv, warnings

    # -- sensitivity -------------------------------------------------------------------------------------

    def sensitivity(
        self, npv: float, costs_by_year: FloatArray, gains_by_year: FloatArray
    ) -> tuple[SensitivityRow, ...]:
        """One-at-a-time sensitivity of the NPV to every input: each outcome's effect, baseline (relative
        effects), unit price and decay, each cost line, and the discount rate. Low/high are the 2.5th and
        97.5th percentiles of a stated distribution, else the estimate -+ ``sensitivity_range``, and
        every rate -+ 1 percentage point for the discount rate. Sorted by swing, largest first."""
        case = self.case
        rows: list[SensitivityRow] = []
        share = case.sensitivity_range
        basis_range = f"estimate -+{share:.0%}"

        # outcome inputs: every scenario row changes one input; evaluated together, vectorised
        names = ("effect", "baseline", "unit_price", "decay")
        inputs = (self.effects, self.baselines, self.prices, self.decays)
        scenarios: list[tuple[int, int, float, float, str]] = []  # (input kind, outcome, low, high, basis)
        for j in range(len(case.outcomes)):
            for kind, values in enumerate(inputs):
                if names[kind] == "baseline" and not self.is_relative[j]:
                    continue  # an absolute effect does not use the baseline
                low, high, basis = _sensitivity_range(values[j], share, basis_range)
                if names[kind] == "decay":
                    low, high = min(max(low, 0.0), 1.0), min(max(high, 0.0), 1.0)
                scenarios.append((kind, j, low, high, basis))
        if scenarios:
            estimates = np.array([[value.estimate for value in values] for values in inputs])  # (4, O)
            rows_in = np.repeat(estimates[:, None, :], 2 * len(scenarios), axis=1)  # (4, 2S, O)
            for s, (kind, j, low, high, _) in enumerate(scenarios):
                rows_in[kind, 2 * s, j] = low
                rows_in[kind, 2 * s + 1, j] = high
            cost_pv = float(self.cost_values @ self.cost_timing @ self.discount_factors)
            npvs = self.gains_by_payer_pv(*rows_in).sum(axis=1) - cost_pv
            for s, (kind, j, low, high, basis) in enumerate(scenarios):
                outcome = case.outcomes[j]
                rows.append(
                    SensitivityRow(
                        input=f"outcomes[{j}].{_input_path(names[kind])}",
                        label=f"{outcome.name}: {names[kind].replace('_', ' ')}",
                        basis=basis,
                        low=low,
                        high=high,
                        npv_low=float(npvs[2 * s]),
                        npv_high=float(npvs[2 * s + 1]),
                    )
                )

        # cost lines: the NPV is linear in each value, NPV(v) = NPV - sign * (v - v0) * PV(timing)
        timing_pv = self.cost_timing @ self.discount_factors
        for i, cost in enumerate(case.costs):
            low, high = cost.value * (1 - share), cost.value * (1 + share)
            rows.append(
                SensitivityRow(
                    input=cost.origin,
                    label=f"{'base alternative' if cost.is_base_alternative else 'cost'}: {cost.name}",
                    basis=basis_range,
                    low=low,
                    high=high,
                    npv_low=npv - cost.sign * (low - cost.value) * float(timing_pv[i]),
                    npv_high=npv - cost.sign * (high - cost.value) * float(timing_pv[i]),
                )
            )

        # the discount rate: the undiscounted net by year does not depend on it
        net_by_year = gains_by_year - costs_by_year
        first_rate = case.discount.steps[0][1]
        lower = case.discount.shifted(-DISCOUNT_RATE_SENSITIVITY)
        higher = case.discount.shifted(DISCOUNT_RATE_SENSITIVITY)
        if all(rate > -1 for _, rate in lower.steps):
            rows.append(
                SensitivityRow(
                    input="discount",
                    label="discount rate (every rate)",
                    basis="every rate -+1 percentage point (low/high: the first rate)",
                    low=first_rate - DISCOUNT_RATE_SENSITIVITY,
                    high=first_rate + DISCOUNT_RATE_SENSITIVITY,
                    npv_low=float(net_by_year @ lower.factors(self.n_years)),
                    npv_high=float(net_by_year @ higher.factors(self.n_years)),
                )
            )
        rows.sort(key=lambda row: row.swing, reverse=True)
        return tuple(rows)


def _input_path(name: str) -> str:
    return "persistence.decay" if name == "decay" else name


def _sensitivity_range(value: UncertainValue, share: float, basis_range: str) -> tuple[float, float, str]:
    """Low and high for one input: a 95 % interval of its distribution, else the estimate -+ share."""
    if value.is_varied:
        low, high = (float(_quantile(value, q)) for q in SENSITIVITY_QUANTILES)
        return low, high, f"95 % interval ({value.distribution})"
    a, b = value.estimate * (1 - share), value.estimate * (1 + share)
    return min(a, b), max(a, b), basis_range


# --- distributions --------------------------------------------------------------------------------------


def _lognormal_parameters(value: UncertainValue) -> tuple[float, float]:
    """(mu, sigma) of the lognormal with mean ``estimate`` and standard deviation ``se``:
    ``sigma^2 = ln(1 + se^2 / estimate^2)``, ``mu = ln(estimate) - sigma^2 / 2``."""
    sigma2 = math.log1p((value.se / value.estimate) ** 2)
    return math.log(value.estimate) - sigma2 / 2.0, math.sqrt(sigma2)


def _beta_parameters(value: UncertainValue) -> tuple[float, float]:
    """(a, b) of the beta with mean ``m = estimate`` and variance ``se^2`` (method of moments):
    ``k = m (1 - m) / se^2 - 1``, ``a = m k``, ``b = (1 - m) k``."""
    m = value.estimate
    k = m * (1.0 - m) / value.se**2 - 1.0
    return m * k, (1.0 - m) * k


def _triangular_inverse(
    u: FloatArray | float, low: FloatArray | float, mode: FloatArray | float, high: FloatArray | float
) -> FloatArray:
    """Inverse CDF of the triangular distribution on [low, high] with its mode: below the mode's
    probability ``(mode - low) / (high - low)`` it is ``low + sqrt(u (high - low)(mode - low))``, above it
    ``high - sqrt((1 - u)(high - low)(high - mode))``."""
    cut = (np.asarray(mode) - low) / (np.asarray(high) - low)
    result: FloatArray = np.where(
        u < cut,
        low + np.sqrt(u * (np.asarray(high) - low) * (np.asarray(mode) - low)),
        high - np.sqrt((1.0 - np.asarray(u)) * (np.asarray(high) - low) * (np.asarray(high) - mode)),
    )
    return result


def _quantile(value: UncertainValue, q: float) -> float:
    """The ``q`` quantile of a varied input's distribution."""
    if value.distribution == "normal":
        return value.estimate + value.se * float(special.ndtri(q))
    if value.distribution == "lognormal":
        mu, sigma = _lognormal_parameters(value)
        return math.exp(mu + sigma * float(special.ndtri(q)))
    if value.distribution == "beta":
        a, b = _beta_parameters(value)
        return float(special.betaincinv(a, b, q))
    assert value.low is not None and value.high is not None
    return float(_triangular_inverse(q, value.low, value.estimate, value.high))


def _draw(values: Sequence[UncertainValue], size: int, rng: np.random.Generator) -> FloatArray:
    """``size`` draws of every input (draws x inputs); inputs that are not varied keep their estimate.
    Columns are drawn per distribution in a fixed order, all draws of a distribution in one call."""
    varied = [value.is_varied for value in values]
    result: FloatArray | None = None
    if not values or not all(varied):
        result = np.tile(np.array([value.estimate for value in values], dtype=np.float64), (size, 1))
    for distribution in ("normal", "lognormal", "beta", "triangular"):
        columns = [j for j, value in enumerate(values) if varied[j] and value.distribution == distribution]
        if not columns:
            continue
        block = _draw_distribution(distribution, [values[j] for j in columns], size, rng)
        if result is None and len(columns) == len(values):
            return block  # every input varied with this one distribution: no copy needed
        if result is None:
            result = np.empty((size, len(values)))
        result[:, columns] = block
    assert result is not None
    return result


def _draw_distribution(
    distribution: str, chosen: Sequence[UncertainValue], size: int, rng: np.random.Generator
) -> FloatArray:
    """``size`` draws (draws x inputs) of inputs that share one distribution, by their parameters."""
    shape = (size, len(chosen))
    if distribution == "normal":
        block = rng.standard_normal(shape)
        block *= np.array([v.se for v in chosen])
        block += np.array([v.estimate for v in chosen])
        return block
    if distribution == "lognormal":
        mu, sigma = np.array([_lognormal_parameters(v) for v in chosen]).T
        block = rng.standard_normal(shape)
        block *= sigma
        block += mu
        return np.exp(block, out=block)
    if distribution == "beta":
        a, b = np.array([_beta_parameters(v) for v in chosen]).T
        return rng.beta(a, b, size=shape)
    low = np.array([v.low for v in chosen], dtype=np.float64)
    mode = np.array([v.estimate for v in chosen])
    high = np.array([v.high for v in chosen], dtype=np.float64)
    return _triangular_inverse(rng.random(shape), low, mode, high)


# --- small pieces ---------------------------------------------------------------------------------------


def _year_flows(costs: FloatArray, gains: FloatArray, discount_factors: FloatArray) -> tuple[YearFlow, ...]:
    net = gains - costs
    discounted = net * discount_factors
    cumulative = np.cumsum(discounted)
    return tuple(
        YearFlow(
            year=t,
            costs=float(costs[t]),
            gains=float(gains[t]),
            net=float(net[t]),
            discount_factor=float(discount_factors[t]),
            discounted_net=float(discounted[t]),
            cumulative_discounted_net=float(cumulative[t]),
        )
        for t in range(len(net))
    )


def _break_even_year(cumulative: FloatArray) -> int | None:
    """The first year from which the cumulative discounted net stays >= 0 to the end of the horizon, or
    ``None``. A shortfall below a billionth of the largest cumulative amount counts as 0 (rounding)."""
    if cumulative.size == 0:
        return None
    tolerance = 1e-9 * max(1.0, float(np.max(np.abs(cumulative))))
    below = np.flatnonzero(cumulative < -tolerance)
    if below.size == 0:
        return 0
    year = int(below[-1]) + 1
    return year if year < cumulative.size else None


def _ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator
