"""GOE sampling, the exact finite-N density ρ_N and order statistics (polyloss.numeric.goe).

Oracles: dense GOE matrices built here with numpy (two-sample KS tests, fixed seeds), the exact
second moment E tr M² = (N+1)/2 (by hand from E M_ij² = (1+δ_ij)/(2N), the normalisation of
Auffinger, Ben Arous and Černý 2013), the joint eigenvalue density
integrated numerically with the normalising constant derived in sympy (N = 2, 3), a chi-square test
of ρ_N against a histogram of sampled eigenvalues, mpmath at 40 digits, the semicircle law, and the
2x2 minimum eigenvalue mean -sqrt(pi/8) (a Rayleigh variable, computed by hand).
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from scipy import integrate, stats

from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.numeric import goe
from polyloss.symbolic.finite_size import normalising_constant

SEED = 20260301


@pytest.mark.parametrize("N", [3, 8])
def test_tridiagonal_matches_dense_goe(N):
    n = 20_000
    tri = goe.goe_eigenvalues(N, n, rng=SEED)
    dense = np.linalg.eigvalsh(goe.goe_dense(N, n, rng=SEED + 1))
    for k in (0, N // 2, N - 1):
        assert stats.ks_2samp(tri[:, k], dense[:, k]).pvalue > 1e-3, k
    # E tr M² = N·(1/N) + N(N-1)·1/(2N) = (N+1)/2, for both samplers, within 4 standard errors
    for lam in (tri, dense):
        tr2 = (lam**2).sum(axis=1)
        assert abs(tr2.mean() - (N + 1) / 2) < 4 * tr2.std() / math.sqrt(n)


def test_sampling_is_seeded():
    a = goe.goe_eigenvalues(60, 5, rng=3)
    b = goe.goe_eigenvalues(60, 5, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)
    assert np.all(np.diff(a, axis=1) >= 0)
    assert not np.array_equal(a, goe.goe_eigenvalues(60, 5, rng=4))


def test_density_matches_joint_density_n2_n3():
    Z2, Z3 = float(normalising_constant(2)), float(normalising_constant(3))
    for x in (-1.7, -0.4, 0.0, 0.9, 2.3):
        rho2 = integrate.quad(lambda y: abs(x - y) * math.exp(-(x * x + y * y)), -np.inf, np.inf,
                              epsabs=1e-13, epsrel=1e-12)[0] / Z2
        assert goe.goe_density(x, 2) == pytest.approx(rho2, rel=1e-9)
        # the other two eigenvalues ordered (y < z, factor 2), with the kinks at x given to quadpack
        rho3 = 2 * integrate.nquad(
            lambda z, y: abs(x - y) * abs(x - z) * (z - y) * math.exp(-1.5 * (x * x + y * y + z * z)),
            [lambda y: (y, 9.0), (-9.0, 9.0)],
            opts=[lambda y: {"points": [x], "epsabs": 1e-13, "epsrel": 1e-10}, {"points": [x], "epsabs": 1e-13}],
        )[0] / Z3
        assert goe.goe_density(x, 3) == pytest.approx(rho3, rel=1e-8)


def test_density_against_histogram_chi_square():
    # one eigenvalue per matrix, chosen uniformly, is an independent draw from ρ_N
    N, n = 7, 60_000
    rng = np.random.default_rng(SEED)
    lam = goe.goe_eigenvalues(N, n, rng=rng)
    draws = lam[np.arange(n), rng.integers(0, N, n)]
    edges = np.concatenate([[-np.inf], np.linspace(-1.8, 1.8, 31), [np.inf]])
    probs = np.array([integrate.quad(lambda x: goe.goe_density(x, N), lo, hi)[0]
                      for lo, hi in zip(edges[:-1], edges[1:])])
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)
    counts = np.histogram(draws, edges)[0]
    chi2 = stats.chisquare(counts, probs * n)
    assert chi2.pvalue > 1e-3  # tolerance: a 1-in-1000 false alarm at this fixed seed


@pytest.mark.parametrize("N", [1, 2, 5, 50, 200])
def test_float_density_agrees_with_mpmath_40_digits(N):
    xs = [-4.0, -1.5, -0.3, 0.0, 0.8, 1.41]
    fast = goe.goe_log_density(np.array(xs), N)
    with mpmath.workdps(40):
        slow = [float(mpmath.log(v)) for v in goe.goe_density(xs, N, dps=40)]
    np.testing.assert_allclose(fast, slow, rtol=1e-11, atol=1e-11)


def test_density_integrates_to_one_and_tends_to_semicircle():
    for N in (4, 31):
        assert integrate.quad(lambda x: goe.goe_density(x, N), -np.inf, np.inf, limit=200)[0] == pytest.approx(1, abs=1e-8)
    x = np.array([-1.0, 0.0, 0.5])
    np.testing.assert_allclose(goe.goe_density(x, 500), np.sqrt(2 - x**2) / np.pi, rtol=0.01)


def test_log_density_far_tail_is_finite_and_symmetric():
    ld = goe.goe_log_density(np.array([-6.0, 6.0, -3.0]), 500)
    assert np.all(np.isfinite(ld)) and ld[0] == ld[1] and ld[0] < ld[2] < -100


def test_kth_eigenvalue_statistics_n2_minimum():
    # 2x2: λ_min = (a+b)/2 - sqrt(((a-b)/2)² + c²), ((a-b)/2, c) iid N(0, 1/4): E λ_min = -sqrt(pi/8)
    st = goe.kth_eigenvalue_statistics(2, 0, 40_000, rng=SEED)
    assert abs(st.mean + math.sqrt(math.pi / 8)) < 4 * st.stderr
    assert st.stderr == pytest.approx(st.std / math.sqrt(40_000))


def test_bad_input():
    with pytest.raises(InvalidInputError, match="N"):
        goe.goe_eigenvalues(0, 3)
    with pytest.raises(InvalidInputError, match="size"):
        goe.goe_tridiagonal(4, 0)
    with pytest.raises(InvalidInputError, match="k"):
        goe.kth_eigenvalue_statistics(4, 4)
    with pytest.raises(InvalidInputError, match="NaN"):
        goe.goe_density([0.0, float("nan")], 4)
    with pytest.raises(SizeLimitError, match="GiB"):
        goe.goe_dense(2000, 1000)
