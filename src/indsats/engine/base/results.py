"""Results as plain values and as text: the JSON-ready form (``plain_value``) and the pieces of the
readable ``summary()`` that every result object shares."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from indsats.engine.base.warnings import AnalysisWarning


def plain_value(value: Any) -> Any:
    """Turn a result value into plain JSON-ready Python: floats (NaN/inf as None), lists, dicts."""
    if isinstance(value, AnalysisWarning):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: plain_value(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("export", True)
        }
    if isinstance(value, dict):
        return {str(key): plain_value(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(item) for item in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return number if math.isfinite(number) else None
    return value


class PlainResult:
    """``to_dict()`` for a frozen result dataclass: its fields as plain JSON values (``plain_value``)."""

    def to_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = plain_value(self)
        return result


def format_number(value: float | None, digits: int = 3) -> str:
    """A number for a summary line, "n/a" when it is missing or not finite."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:.{digits}f}"


def estimate_text(
    estimate: float,
    se: float,
    low: float,
    high: float,
    p_value: float,
    confidence: float,
    *,
    digits: int = 3,
    se_method: str | None = None,
) -> str:
    """'1.234 (SE 0.500, method; 95% CI 0.254 to 2.214; p = 0.0140)' for summaries."""
    method = f", {se_method}" if se_method else ""
    return (
        f"{format_number(estimate, digits)} (SE {format_number(se, digits)}{method}; {confidence:.0%} CI "
        f"{format_number(low, digits)} to {format_number(high, digits)}; p = {format_number(p_value, 4)})"
    )


def warning_lines(warnings: Sequence[AnalysisWarning]) -> list[str]:
    """The warnings of a result as the last lines of its summary."""
    return [f"Warning [{w.code}]: {w.message}" for w in warnings]
