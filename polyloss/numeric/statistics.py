"""Summary statistics of repeated measurements: a mean and its confidence interval.

Used by the experiments' reports and by the figures that draw them (it sits below both).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["mean_interval"]


def mean_interval(values, level: float = 0.95) -> tuple:
    r"""``(mean, low, high)`` over the first axis: the sample mean :math:`\bar x` and its confidence
    interval at ``level``, :math:`\bar x \pm t_{n-1,\,(1+\mathrm{level})/2}\; s/\sqrt n` (Student t with
    :math:`n - 1` degrees of freedom, :math:`s` the sample standard deviation with ddof 1); NaN bounds for
    a single value."""
    from scipy import stats

    values = np.asarray(values, dtype=np.float64)
    mean = values.mean(0)
    n = values.shape[0]
    if n < 2:
        nan = np.full_like(mean, np.nan)
        return mean, nan, nan
    half = stats.t.ppf(0.5 + level / 2, n - 1) * values.std(0, ddof=1) / math.sqrt(n)
    return mean, mean - half, mean + half
