"""The rules that give the report's verdicts, on made-up numbers (they are fixed before any result is seen)."""

from __future__ import annotations

import math

import pytest

from polyloss.experiments import criteria as C


def test_exact_identities():
    assert C.exact(True, "x = x").word == "agrees" and C.exact(True, "x = x").agrees is True
    v = C.exact(False, "x = y")
    assert v.word == "disagrees" and v.agrees is False and "exact: x = y" in str(v)


@pytest.mark.parametrize("paper, low, high, word", [(0.76, 0.72, 0.79, "agrees"), (0.76, 0.77, 0.80, "disagrees"),
                                                    (0.72, 0.72, 0.79, "agrees"), (0.5, math.nan, 0.6, "not judged")])
def test_inside_interval(paper, low, high, word):
    v = C.inside_interval(paper, low, high)
    assert v.word == word
    assert "paper's value lies inside our 95% interval" in v.criterion


def test_bounds():
    assert C.at_most(0.009, 0.01, what="mean index").word == "agrees"
    assert C.at_most(0.011, 0.01, what="mean index").word == "disagrees"
    assert C.at_least(0.9, 0.9, what="fraction").word == "agrees"
    assert C.at_least(0.89, 0.9, what="fraction").word == "disagrees"
    assert C.at_most(math.nan, 1, what="x").word == "not judged"


def test_trends_strict_partial_and_wrong():
    xs = [25, 50, 100, 250, 500]
    assert C.decreasing(xs, [5, 4, 3, 2, 1], what="v", along="Λ").word == "trend agrees"
    assert C.decreasing(xs, [5, 4, 4.5, 2, 1], what="v", along="Λ").word == "sign agrees"
    assert C.decreasing(xs, [1, 2, 3, 4, 5], what="v", along="Λ").word == "disagrees"
    assert C.decreasing(xs, [5, 4, 3, 2, 5], what="v", along="Λ").word == "disagrees"  # ends level: not lower
    # the order of the inputs does not matter: they are sorted by x
    assert C.decreasing(xs[::-1], [1, 2, 3, 4, 5], what="v", along="Λ").word == "trend agrees"
    assert C.increasing(xs, [1, 2, 3, 4, 5], what="v", along="Λ").word == "trend agrees"
    assert C.decreasing([1], [1], what="v", along="Λ").word == "not judged"
    v = C.decreasing(xs, [5, 4, 3, 2, 1], what="the spread", along="Λ")
    assert "the spread decreases at every step along Λ" in v.criterion and "500: 1" in v.detail


def test_verdict_words_are_checked():
    with pytest.raises(ValueError):
        C.Verdict("roughly", "x")
    assert C.not_judged("rule", "too small").agrees is None


def test_same_correlation_is_a_two_sample_test_on_fishers_z():
    # equal estimates agree; a difference of 2.5 standard errors of the difference does not
    s = math.sqrt(1 / 997 + 1 / 997)
    assert C.same_correlation(0.7616, 1000, 0.7616, 1000).word == "agrees"
    far = math.tanh(math.atanh(0.7616) - 2.5 * s)
    near = math.tanh(math.atanh(0.7616) - 1.5 * s)
    assert C.same_correlation(far, 1000, 0.7616, 1000).word == "disagrees"
    assert C.same_correlation(near, 1000, 0.7616, 1000).word == "agrees"
    # 48 networks against 1000: the standard error (0.152) is too large to tell
    v = C.same_correlation(0.70, 48, 0.7616, 1000)
    assert v.word == "not judged" and "too few networks" in v.detail
    assert C.same_correlation(0.5, 3, 0.7, 1000).word == "not judged"


def test_the_size_of_the_test():
    """Under equal true correlations the rule says "agrees" about 95% of the time (Monte Carlo, seed 0)."""
    import numpy as np

    rng = np.random.default_rng(0)
    rho, n, trials = 0.7, 300, 2000
    cov = [[1, rho], [rho, 1]]
    agree = 0
    for _ in range(trials):
        a = np.corrcoef(rng.multivariate_normal([0, 0], cov, size=n).T)[0, 1]
        b = np.corrcoef(rng.multivariate_normal([0, 0], cov, size=n).T)[0, 1]
        agree += C.same_correlation(a, n, b, n).word == "agrees"
    # 95% ± 3 binomial standard errors (σ = √(0.95·0.05/2000) ≈ 0.0049)
    assert abs(agree / trials - 0.95) < 3 * 0.0049
