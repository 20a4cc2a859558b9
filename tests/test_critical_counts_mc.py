"""Monte Carlo counts of critical points over random instances vs the exact finite-N formulas of ABC.

``E Crt_{N,k}(u)`` and ``E Crt_N(u)`` (Auffinger, Ben Arous and Černý 2013; dictionary N ↔ Λ, p ↔ H of Choromanska et al. 2015,
Sec. 3) come from
``polyloss.expected_critical_points``; the Monte Carlo means come from enumerating every critical point
of each instance (``count_statistics``). Agreement is required within 3 combined standard errors
``3 √(se_MC² + se_formula²)``, with fixed seeds and the number of instances stated per test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from polyloss import expected_critical_points
from polyloss.numeric.critical_search import count_statistics


def _se(mc_stderr, exact, n):
    """Combined standard error. The sample stderr of a rare count can be 0 (no instance had one); counts
    are then close to Poisson, so the Monte Carlo stderr is floored at √(E Crt / n)."""
    return math.hypot(max(float(mc_stderr), math.sqrt(max(float(exact), 0.0) / n)), float(exact.stderr))


def _assert_agrees(stats, N, p, where):
    n = stats.instances
    for j, u in enumerate(stats.levels):
        for k in range(N):
            # exact quadrature for N <= 3; for N = 4 a GOE Monte Carlo with its own stderr (seeded)
            exact = expected_critical_points(N, p, k=k, u=float(u), rng=100 + k)
            se = _se(stats.stderr[j, k], exact, n)
            diff = stats.mean[j, k] - float(exact)
            assert abs(diff) <= 3 * se, (
                f"{where}: E Crt_{{{N},{k}}}(u={u}) Monte Carlo {stats.mean[j, k]:.4f} ± {stats.stderr[j, k]:.4f} "
                f"vs exact {exact} ({diff / se:+.1f} se)")
        exact = expected_critical_points(N, p, u=float(u))
        se = _se(stats.total_stderr[j], exact, n)
        assert abs(stats.total_mean[j] - float(exact)) <= 3 * se, (
            f"{where}: E Crt_{N}(u={u}) Monte Carlo {stats.total_mean[j]:.4f} ± {stats.total_stderr[j]:.4f} "
            f"vs exact {exact}")


@pytest.mark.parametrize("H,instances", [(3, 1000), (4, 600)])
def test_circle_counts_match_exact_formula(H, instances):
    """Λ = 2 (exact enumeration), 1000 (H = 3) and 600 (H = 4) instances, seed 2015 + H, levels u = -0.8, 0, +∞."""
    stats = count_statistics(2, H, instances, seed=2015 + H, levels=[-0.8, 0.0, math.inf])
    assert stats.instances == instances and stats.rejected == ()
    _assert_agrees(stats, 2, H, f"Lambda=2, H={H}")


def test_three_spin_counts_on_the_2_sphere_match_exact_formula():
    """Λ = 3, H = 3 (Newton enumeration), 300 instances, seed 3, levels u = -1, 0, +∞."""
    stats = count_statistics(3, 3, 300, seed=3, levels=[-1.0, 0.0, math.inf])
    assert stats.instances == 300 and stats.rejected == ()
    _assert_agrees(stats, 3, 3, "Lambda=3, H=3")


def test_three_spin_counts_on_the_3_sphere_match_exact_formula():
    """Λ = 4, H = 3, 120 instances, seed 4, levels u = -0.5, +∞."""
    stats = count_statistics(4, 3, 120, seed=4, levels=[-0.5, math.inf])
    assert stats.instances == 120 and stats.rejected == ()
    _assert_agrees(stats, 4, 3, "Lambda=4, H=3")


def test_quadratic_case_has_two_points_of_each_index_on_every_instance():
    """p = H = 2: exactly 2 critical points of each index on every instance (40 instances, Λ = 4), and
    the total equals E Crt_N(ℝ) = 2N of the exact formula."""
    stats = count_statistics(4, 2, 40, seed=22)
    assert stats.rejected == ()
    np.testing.assert_array_equal(stats.counts[:, 0, :], 2)
    exact = float(expected_critical_points(4, 2))
    assert abs(exact - 8.0) < 1e-9 and stats.total_mean[0] == pytest.approx(exact, abs=1e-9)
