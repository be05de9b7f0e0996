"""The linear model that the two-group comparison, ANCOVA, difference-in-differences and the process
analyses share: least squares with classical, robust (HC1) or cluster-robust (CR1) standard errors."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from indsats.engine.base.arrays import FloatArray, IntArray
from indsats.engine.base.errors import StatisticsInputError


@dataclass(frozen=True)
class LinearFit:
    """Ordinary least squares coefficients with their covariance matrix."""

    coefficients: FloatArray
    covariance: FloatArray
    residuals: FloatArray
    n: int
    df_residual: int
    df_inference: int
    """Degrees of freedom for t-based intervals: n - k, or clusters - 1 with cluster-robust SEs."""
    n_clusters: int | None
    se_method: str

    @property
    def standard_errors(self) -> FloatArray:
        return np.sqrt(np.diag(self.covariance))

    def coefficient_interval(self, index: int, confidence: float) -> tuple[float, float, float, float, float]:
        """Estimate, SE, lower and upper t-based limits and the two-sided p-value of one coefficient."""
        estimate = float(self.coefficients[index])
        se = float(self.standard_errors[index])
        critical = float(stats.t.ppf(0.5 + confidence / 2, self.df_inference))
        p_value = float(2 * stats.t.sf(abs(estimate / se), self.df_inference)) if se > 0 else math.nan
        return estimate, se, estimate - critical * se, estimate + critical * se, p_value


def fit_linear_model(
    y: FloatArray,
    design: FloatArray,
    *,
    clusters: IntArray | None = None,
    robust: bool = False,
    column_names: Sequence[str] | None = None,
) -> LinearFit:
    """Fit y = X b + e by least squares, with classical, HC1 or cluster-robust (CR1) covariance.

    Classical: s^2 (X'X)^-1 with s^2 = RSS / (n - k). HC1 (White 1980; MacKinnon & White 1985):
    (X'X)^-1 (sum x_i x_i' e_i^2) (X'X)^-1 n / (n - k). CR1 (Liang & Zeger 1986; Cameron & Miller
    2015, eq. 11 with the small-sample factor G/(G-1) (n-1)/(n-k), as Stata and statsmodels use):
    (X'X)^-1 (sum_g X_g' e_g e_g' X_g) (X'X)^-1, with t on G - 1 degrees of freedom.
    ``clusters`` holds integer codes 0..G-1 per row.
    """
    n, k = design.shape
    if n <= k:
        raise StatisticsInputError("data", "too_few_rows", n=n, k=k)
    # scale columns to unit length so that rank and inverse do not suffer from mixed units
    # (earnings in kroner next to 0/1 indicators); coefficients are scaled back below
    scale = np.linalg.norm(design, axis=0)
    scale[scale == 0] = 1.0
    scaled = design / scale
    if np.linalg.matrix_rank(scaled) < k:
        names = ", ".join(column_names) if column_names else f"{k} columns"
        raise StatisticsInputError("covariates", "collinear_columns", names=names)
    gram_inverse = np.linalg.inv(scaled.T @ scaled) / np.outer(scale, scale)
    coefficients = gram_inverse @ (design.T @ y)
    residuals = y - design @ coefficients
    if clusters is not None:
        n_clusters = int(clusters.max()) + 1
        if n_clusters < 2:
            raise StatisticsInputError("clusters", "too_few_clusters")
        scores = np.zeros((n_clusters, k))
        np.add.at(scores, clusters, design * residuals[:, None])
        meat = scores.T @ scores
        correction = n_clusters / (n_clusters - 1) * (n - 1) / (n - k)
        covariance = correction * gram_inverse @ meat @ gram_inverse
        return LinearFit(
            coefficients, covariance, residuals, n, n - k, n_clusters - 1, n_clusters, "cluster-robust (CR1)"
        )
    if robust:
        meat = (design * residuals[:, None] ** 2).T @ design
        covariance = n / (n - k) * gram_inverse @ meat @ gram_inverse
        return LinearFit(coefficients, covariance, residuals, n, n - k, n - k, None, "robust (HC1)")
    sigma2 = float(residuals @ residuals) / (n - k)
    return LinearFit(coefficients, sigma2 * gram_inverse, residuals, n, n - k, n - k, None, "classical")
