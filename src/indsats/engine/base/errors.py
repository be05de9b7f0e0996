"""Engine errors: a stable ``code`` and its ``params`` for any language, and an English default.

The engine speaks English (the command line shows ``str(error)``); the web application turns the same
error into the reader's language by its ``code`` and ``params`` (``indsats.ui.engine_messages``), so an
English sentence never appears inside a Danish page. Each kind of error lists its messages in
``MESSAGES``: code -> English template with ``{param}`` fields. Never rename a code.

This module imports nothing heavy, so the command line can catch engine errors before it loads numpy
or scipy.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar


class EngineError(ValueError):
    """An input the engine cannot use.

    ``field`` names the argument, column or path of the offending input (``pre``,
    ``outcomes[2].payers``), ``code`` says what is wrong, ``params`` hold the values the message needs,
    ``message`` is the English text and ``str(error)`` is ``"field: message"``.
    """

    MESSAGES: ClassVar[Mapping[str, str]] = {}
    EXTRA_PARAMS: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Parameters an error gives besides those its English message uses (for other languages)."""

    def __init__(self, field: str, code: str, /, **params: Any) -> None:
        self.field = field
        self.code = code
        self.params = params
        self.message = self.MESSAGES[code].format(**params)
        super().__init__(f"{field}: {self.message}" if field else self.message)


def engine_error_kinds() -> Iterator[type[EngineError]]:
    """Every kind of engine error that has messages (for the test that each code is translated)."""
    pending: list[type[EngineError]] = [EngineError]
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        if "MESSAGES" in vars(kind) and kind.MESSAGES:
            yield kind


class StatisticsInputError(EngineError):
    """Input that a statistical estimator cannot use; ``field`` names the argument or column."""

    MESSAGES: ClassVar[Mapping[str, str]] = {
        # input checks (engine.base.arrays)
        "not_a_number": "value {value!r} at position {position} is not a number; give numbers only",
        "not_one_dimensional": "expected one value per child (1-D), got shape {shape}",
        "infinite_value": "value at position {position} is infinite; give finite numbers",
        "covariates_not_numbers": "covariates must all be numbers; code categories as 0/1",
        "wrong_row_count": "expected {expected} rows (one per child), got shape {shape}",
        "infinite_cell": "value in row {row}, column {column} is infinite",
        "not_zero_or_one": (
            "value {value:g} at position {position} is not 0 or 1; code the intervention group as 1 and "
            "the comparison group as 0"
        ),
        "wrong_value_count": "expected {expected} values (one per child), got shape {shape}",
        "length_differs": "has {length} values but {other} has {expected}; give one value per child in each",
        "confidence_out_of_range": "must be between 0.5 and 1, got {confidence}",
        # the linear model (engine.base.linear_model)
        "too_few_rows": "{n} complete rows are too few for a model with {k} parameters",
        "collinear_columns": (
            "the model's columns ({names}) are collinear: a covariate is constant or duplicates another; "
            "remove it"
        ),
        "too_few_clusters": "cluster-robust standard errors need at least 2 clusters",
        # pre-post and two groups
        "bootstrap_replicates": "give 0 (no bootstrap) or at least 100 replicates, got {replicates}",
        "sd_not_positive": "standard deviations must be positive",
        "too_few_pairs": "only {n} children have both a pre and a post score; at least 3 are needed",
        "reliability_out_of_range": "must be between 0 and 1 (e.g. Cronbach's alpha), got {reliability}",
        "sd_reference_not_positive": "must be positive, got {sd_reference}",
        "too_few_per_group": (
            "need at least 2 children in each group, got {n_treated} treated and {n_control} comparison"
        ),
        # causal estimators
        "balance_needs_complete_data": "balance needs complete data; leave out rows with missing values",
        "covariate_names_count": "has {names} names for {columns} covariate columns",
        "too_few_complete_per_group": (
            "need at least 2 children in each group with complete data, got {n_treated} treated and "
            "{n_control} comparison"
        ),
        "propensity_needs_complete_data": (
            "the propensity model needs complete data; leave out rows with missing values"
        ),
        "covariates_collinear": "the covariates ({names}) are collinear or one is constant; remove it",
        "ratio_below_one": "must be at least 1, got {ratio}",
        "caliper_not_positive": "must be positive (in SDs of the logit propensity), got {caliper}",
        "propensity_out_of_range": "propensity scores must lie strictly between 0 and 1",
        "nothing_within_caliper": (
            "no treated child has a comparison child within the caliper; widen it or check overlap"
        ),
        "no_covariates": "give at least one covariate to estimate propensity scores",
        "unknown_estimand": "must be 'ate' or 'att', got {estimand!r}",
        "empty_cell": "no observations for {cell}; all four cells are needed",
        "period_straddles_start": "each period must be wholly before or wholly after the start",
        # process
        "no_exposure_variation": "all children have the same exposure; a slope needs variation",
        "bands_below_one": "must be at least 1, got {bands}",
        "band_edges": "band edges must be at least two increasing numbers",
        "no_subgroup_data": "no subgroup has data for the analysis",
        # meta-analysis
        "events_out_of_range": "study {study}: events must lie between 0 and the group size",
        "invalid_study_value": "study {study} has an invalid value",
        "unknown_method": "must be one of {methods}, got {method!r}",
        "study_value_missing": "study {study} has no value",
        "variance_not_positive": "study {study} has variance {variance:g}; variances must be > 0",
        "too_few_studies": "a meta-analysis needs at least 2 studies, got {k}",
        "study_labels_count": "has {labels} labels for {k} studies",
        # randomisation
        "no_strata": "give at least one stratum with its number of positions",
        "one_stratum_only": "the {method} method takes one stratum, got {strata}; use 'stratified'",
        "stratum_size_invalid": (
            "stratum {stratum!r}: the number of positions must be a whole number >= 1, got {size}"
        ),
        "block_size_invalid": "must be an even number of at least 2, got {block_size}",
    }
