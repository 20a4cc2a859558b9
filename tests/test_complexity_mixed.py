"""The large-N complexity of mixed spherical spin glasses (polyloss.symbolic / numeric.complexity).

Oracles, independent of the closed forms under test:

* a brute-force maximisation written here: the Kac–Rice exponent
  F_k(v, t) = ½ log(ξ''/ξ') − v²/2 + t²/2 − (k+1) I(t) − (√(2ξ'') t − ξ' v)²/(2α²), with
  I(t) = |t|√(t²−2)/2 − arccosh(|t|/√2) for |t| > √2 (the GOE rate, here through arccosh, not the
  log or asinh forms polyloss uses), maximised over the GOE level t (t ≤ −√2 for a finite index k, all t
  for all indices) and over the level v ≤ u by a grid search refined by golden sections: no closed-form
  maximiser, no threshold formula, no branch logic;
* mpmath at 40 digits: the stationarity ∂F/∂t = 0 solved by mpmath.findroot;
* sympy: the identities of the derivation simplified to 0 (including the exact pure reduction);
* ABC's pure formulas (today's pure code, tested elsewhere against its own oracles);
* part 5's exact finite-N counts (polyloss.numeric.critical_counts, the density method and the planted
  Monte Carlo with fixed seeds), whose (1/N) log must approach Θ as N grows.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest

from polyloss.errors import InvalidInputError
from polyloss.mixture import Mixture, as_mixture
from polyloss.numeric.complexity import (EnergyThresholds, e_infinity, energy_thresholds, scenario_boundary,
                                         scenario_criterion, theta)
from polyloss.symbolic import complexity as sym

PURE_LIKE = ({2: 0.5, 3: 0.5}, {3: 0.5, 10: 0.5}, {1: 0.2, 3: 0.8})
FULL = ({1: 0.3, 3: 0.7}, {1: 0.5, 3: 0.5})
TRIVIAL = ({1: 0.5, 2: 0.5}, {1: 0.8, 3: 0.2})


# --- the independent oracle ---------------------------------------------------------------------
def _xi(w):
    x1 = sum(p * a for p, a in w.items())
    x2 = sum(p * (p - 1) * a for p, a in w.items())
    return x1, x2


def _F(v, t, w, K):
    """The Kac–Rice exponent at energy v and GOE level t; K = k + 1 (index k), or K = 1 for all indices."""
    x1, x2 = _xi(w)
    a2 = x2 + x1 - x1 * x1
    rate = 0.0
    if abs(t) > math.sqrt(2):
        rate = abs(t) * math.sqrt(t * t - 2) / 2 - math.acosh(abs(t) / math.sqrt(2))
    return 0.5 * math.log(x2 / x1) - v * v / 2 + t * t / 2 - K * rate - (math.sqrt(2 * x2) * t - x1 * v) ** 2 / (2 * a2)


def _F_grid(v, ts, w, K):
    """_F on an array of GOE levels ts (the same expression, vectorised)."""
    x1, x2 = _xi(w)
    a2 = x2 + x1 - x1 * x1
    at = np.maximum(np.abs(ts), math.sqrt(2))
    rate = at * np.sqrt(at * at - 2) / 2 - np.arccosh(at / math.sqrt(2))
    return 0.5 * math.log(x2 / x1) - v * v / 2 + ts * ts / 2 - K * rate - (math.sqrt(2 * x2) * ts - x1 * v) ** 2 / (2 * a2)


def _maximise(f, lo, hi, grid=30, steps=45, values=None):
    """max of f on [lo, hi]: the best point of a grid (endpoints included), then golden sections on its
    two neighbouring cells. ``values``: the grid's values, when computed at once."""
    xs = np.linspace(lo, hi, grid)
    values = [f(x) for x in xs] if values is None else list(values)
    i = int(np.argmax(values))
    a, b = xs[max(i - 1, 0)], xs[min(i + 1, grid - 1)]
    g = (math.sqrt(5) - 1) / 2
    for _ in range(steps):
        c, d = b - g * (b - a), a + g * (b - a)
        if f(c) >= f(d):
            b = d
        else:
            a = c
    return max(values[i], f((a + b) / 2))


def _level(v, w, k):
    """θ_{k,ξ}(v) (k=None: all indices, t over all reals) by brute force."""
    lo, hi, K = (-12.0, 12.0, 1) if k is None else (-12.0, -math.sqrt(2), k + 1)
    grid = 2001
    return _maximise(lambda t: _F(v, t, w, K), lo, hi, grid=grid, values=_F_grid(v, np.linspace(lo, hi, grid), w, K))


def _cumulative(u, w, k):
    """Θ_{k,ξ}(u) = sup_{v ≤ u} θ_{k,ξ}(v) by brute force over v in [u − 3, u]."""
    return _maximise(lambda v: _level(v, w, k), u - 3.0, u)


# --- the closed forms against the oracle -------------------------------------------------------------
@pytest.mark.parametrize("w", PURE_LIKE[:2] + FULL[:1] + TRIVIAL)
def test_theta_against_brute_force_maximisation(w):
    us = [-2.2, -1.7, -1.55, -1.45, 0.3]
    for k in ((0, 2, None) if w == PURE_LIKE[0] else (1, None)):
        got = theta(np.array(us), w, k)
        ref = [_cumulative(u, w, k) for u in us]
        np.testing.assert_allclose(got, ref, rtol=0, atol=2e-10, err_msg=f"{w}, k={k}")


def test_mpmath_path_against_findroot_at_40_digits():
    """Below −E_∞ the cumulative Θ_k(u) is the level complexity θ_k(u): F_k(u, t*) with ∂F/∂t(t*) = 0
    solved by mpmath.findroot (or the edge t = −√2 when ∂F/∂t ≥ 0 there)."""
    for w, k, u in (({2: 0.5, 3: 0.5}, 0, "-1.8"), ({2: 0.5, 3: 0.5}, 3, "-1.6"), ({1: 0.3, 3: 0.7}, 1, "-1.7"),
                    ({1: 0.3, 3: 0.7}, 2, "-1.52"), ({3: 0.5, 10: 0.5}, 0, "-2.5")):
        with mpmath.workdps(40):
            x1 = sum(p * mpmath.mpf(a.numerator) / a.denominator for p, a in _exact(w).items())
            x2 = sum(p * (p - 1) * mpmath.mpf(a.numerator) / a.denominator for p, a in _exact(w).items())
            a2, aa, v, K = x2 + x1 - x1**2, mpmath.sqrt(2 * x2), mpmath.mpf(u), k + 1

            def root(t):
                return mpmath.sqrt(max(t * t - 2, 0))

            def dF(t):
                return t + K * root(t) - aa * (aa * t - x1 * v) / a2

            def F(t):
                rate = -t * root(t) / 2 - mpmath.acosh(max(-t / mpmath.sqrt(2), 1))
                return mpmath.log(x2 / x1) / 2 - v**2 / 2 + t**2 / 2 - K * rate - (aa * t - x1 * v)**2 / (2 * a2)

            edge = -mpmath.sqrt(2)
            if dF(edge) >= 0:
                ref = F(edge)
            else:
                ref = F(mpmath.findroot(dF, (-20, edge), solver="anderson"))
            got = theta(mpmath.mpf(u), Mixture.parse(",".join(f"{p}:{a}" for p, a in w.items())), k, dps=35)
            assert abs(got - ref) < mpmath.mpf(10) ** -33, (w, k, u, got, ref)


def _exact(w):
    from fractions import Fraction

    return {p: Fraction(str(a)) for p, a in w.items()}


@pytest.mark.parametrize("w", [{2: 0.5, 3: 0.5}, {1: 0.3, 3: 0.7}, {3: 1 - 1e-6, 4: 1e-6}, {1: 0.5, 2: 0.5}])
def test_float64_accuracy_against_40_digit_mpmath(w):
    """Stated accuracy (theta's docstring): relative error <= 1e-12 where |Θ| > 1e-3, absolute <= 1e-15
    elsewhere, including levels within 1e-6 of −E'_∞ (where the maximising GOE level meets the edge)."""
    rng = np.random.default_rng(20261206)
    th = energy_thresholds(w)
    e, ep = float(th.E_inf), float(th.E_inf_prime)
    u = np.concatenate([rng.uniform(-4, 1, 60), rng.uniform(-max(e, ep) - 0.1, -min(e, ep) + 0.05, 60),
                        -ep - rng.uniform(0, 1e-6, 30), -ep + rng.uniform(0, 1e-6, 10)])
    for k in (0, 3, None):
        got, ref = theta(u, w, k), theta(u, w, k, dps=40)
        err = np.array([float(abs(mpmath.mpf(g) - r)) for g, r in zip(got, ref)])
        size = np.abs(ref.astype(float))
        big = size > 1e-3
        assert (err[big] / size[big]).max() <= 1e-12 and err[~big].max(initial=0) <= 1e-15, (k, err.max())


def test_maximum_at_minus_e_infinity_and_trivial_maximum_zero():
    for w in PURE_LIKE + FULL:
        top = _maximise(lambda v: _level(v, w, 0), -3.0, 0.0)
        e = e_infinity(w)
        assert abs(theta(10.0, w, 0) - top) < 2e-9
        assert abs(_level(-e, w, 0) - top) < 2e-9  # the top is at v = −E_∞
        assert top > 0
    for w in TRIVIAL:  # ξ'' ≤ ξ': no exponential complexity, the maximum is 0
        top = _maximise(lambda v: _level(v, w, 0), -3.0, 0.0)
        assert abs(top) < 2e-9 and abs(theta(10.0, w, 0)) < 1e-12 and abs(theta(10.0, w)) < 1e-12


@pytest.mark.parametrize("w, v, k", [({2: 0.5, 3: 0.5}, -1.8, 0), ({2: 0.5, 3: 0.5}, -1.8, 2),
                                     ({3: 0.5, 10: 0.5}, -2.5, 0), ({1: 0.3, 3: 0.7}, -1.7, 1),
                                     ({1: 0.5, 2: 0.5}, -1.5, 0)])
def test_indices_separate_below_e_infinity_prime(w, v, k):
    """The theory document's statement: for v < −E'_∞, θ_{k+1,ξ}(v) = F_k(v, t*_{k+1}) − 𝓘(t*_{k+1})
    ≤ θ_{k,ξ}(v) − 𝓘(t*_{k+1}) < θ_{k,ξ}(v), and not θ_{k,ξ}(v) − 𝓘(t*_k) (which an earlier version
    claimed). θ from the brute-force oracle, t*_k from mixed_shift_formula, F_k and 𝓘 the oracle's."""
    assert v < -float(energy_thresholds(w).E_inf_prime)
    x1, x2 = _xi(w)
    shift = sym.mixed_shift_formula().compile("math")
    t_k, t_next = shift(v, x1, x2, k), shift(v, x1, x2, k + 1)
    assert t_k < t_next < -math.sqrt(2)  # the rate (k+1)𝓘 pulls the GOE level towards the edge

    def rate(t):  # the GOE rate 𝓘(t) = F_k(v, t) − F_{k+1}(v, t)
        return _F(v, t, w, k + 1) - _F(v, t, w, k + 2)

    assert rate(t_next) > 1e-3
    level, level_next = _level(v, w, k), _level(v, w, k + 1)
    assert abs(level_next - (_F(v, t_next, w, k + 1) - rate(t_next))) < 1e-9  # t*_{k+1} is the maximiser
    assert level_next < level - rate(t_next) - 1e-4 < level  # F_k(v, t*_{k+1}) < θ_k as t*_{k+1} ≠ t*_k
    assert abs(level_next - (level - rate(t_k))) > 1e-4


# --- sympy: the derivation's identities --------------------------------------------------------------
def test_symbolic_identities_of_the_derivation():
    assert sym.mixed_goe_rate_derivatives() == (0, 0)
    first, det = sym.mixed_concavity()
    assert first == 0 and det == 0
    assert sym.mixed_edge_identity() == 0
    assert sym.mixed_shift_identity() == (0, 0)
    assert sym.mixed_edge_root_identity() == (0, (0, 0))
    assert sym.mixed_interior_identity() == 0
    assert all(value == 0 for value in sym.mixed_threshold_facts().values()), sym.mixed_threshold_facts()
    assert sym.mixed_trivial_regime_value() == (0, 0, 0, 0)
    slope = sym.mixed_edge_slope()
    assert sympy_equal(slope, sym.A_HESS * sym.xi1 / sym.ALPHA2)


def sympy_equal(a, b):
    import sympy

    return sympy.simplify(a - b) == 0


def test_pure_reduction_is_exact_in_sympy():
    """For ξ = x^H every mixed formula minus today's pure one simplifies to 0 (the level functional
    along t = ξ'v/√(2ξ''), which α² = 0 forces, against ABC's Θ_{k,H} below −E_∞; E_∞, E'_∞; the
    criterion and the maximum against ½ log(H−1) − (H−2)/H; the all-index bulk; the maximiser at α² = 0)."""
    out = sym.mixed_pure_reduction()
    assert set(out) == {"alpha2", "theta_k", "shift", "E_inf", "E_inf_prime", "criterion", "maximum", "bulk"}
    assert all(v == 0 for v in out.values()), out


def test_pure_reduction_numerically():
    """Mixtures {3: 1 − ε, 4: ε} approach the pure H = 3 numbers linearly in ε; {3: 1} is H = 3."""
    u = np.array([-1.9, -1.7, -1.66, -1.6, -1.0, 0.5])
    for k in (0, 1, None):
        gaps = [np.max(np.abs(theta(u, {3: 1 - eps, 4: eps}, k) - theta(u, 3, k))) for eps in (1e-2, 1e-3, 1e-4)]
        assert gaps[0] > gaps[1] > gaps[2] and gaps[2] < 2e-3 and gaps[1] / gaps[2] > 5, gaps
        np.testing.assert_array_equal(theta(u, {3: 1}, k), theta(u, 3, k))
    ref = energy_thresholds(3, 2, dps=20)
    near = energy_thresholds({3: 1 - 1e-6, 4: 1e-6}, 2, dps=20)
    assert near.scenario == "pure-like"
    for a, b in zip(near.E, ref.E):
        assert abs(a - b) < 1e-5
    assert abs(near.E_inf - ref.E_inf) < 1e-6 and abs(near.E_inf_prime - ref.E_inf) < 1e-5
    pure = energy_thresholds({4: 1}, 1)
    assert pure.H == 4 and pure.scenario == "pure-like" and pure.E_inf_prime == pure.E_inf
    assert abs(pure.criterion - (math.log(3) / 2 - 2 / 4)) < 1e-14


# --- thresholds and scenarios --------------------------------------------------------------------------
def _oracle_zero(w, k):
    """−(the zero of the brute-force θ_k below its top), by bisection: the top is the best point of a grid
    on [−3, −1], the bracket's lower end −3 (θ_k(−3) < 0 for the mixtures here)."""
    grid = np.linspace(-3.0, -1.0, 81)
    a, b = -3.0, grid[int(np.argmax([_level(x, w, k) for x in grid]))]
    fa = _level(a, w, k)
    assert fa < 0 < _level(b, w, k)
    for _ in range(45):
        m = (a + b) / 2
        if _level(m, w, k) < 0:
            a = m
        else:
            b = m
    return -(a + b) / 2


@pytest.mark.parametrize("w", PURE_LIKE)
def test_pure_like_thresholds_are_layered(w):
    th = energy_thresholds(w, 4, dps=20)
    assert th.scenario == "pure-like" and th.criterion > 0
    chain = list(th.E) + [th.E_inf_prime, th.E_inf]
    assert all(a > b for a, b in zip(chain, chain[1:])), chain
    for k in (0, 2):
        assert abs(float(th.E[k]) - _oracle_zero(w, k)) < 1e-8


@pytest.mark.parametrize("w", FULL)
def test_full_mixture_thresholds_coincide(w):
    th = energy_thresholds(w, 4, dps=20)
    assert th.scenario == "full mixture" and th.criterion <= 0
    assert len(set(th.E)) == 1 and th.E_inf <= th.E[0] <= th.E_inf_prime
    zeros = [_oracle_zero(w, k) for k in (0, 3)]
    assert abs(zeros[0] - zeros[1]) < 1e-9 and abs(zeros[0] - float(th.E[0])) < 1e-8


@pytest.mark.parametrize("w", TRIVIAL)
def test_trivial_mixtures_have_no_thresholds(w):
    th = energy_thresholds(w, 3)
    assert th.scenario == "trivial" and th.E == ()
    assert "scenario: trivial" in str(th)


def test_scenario_boundary_is_where_the_layers_merge():
    """Along ξ_s = {1: s, 3: 1 − s} the criterion changes sign at s_b; the oracle's zeros of θ_0 and θ_1
    are distinct just below s_b and equal just above (the layered band disappears)."""
    s_b = scenario_boundary(lambda s: {1: s, 3: 1 - s}, (0.0, 0.9))
    assert 0.2 < s_b < 0.3
    assert scenario_criterion({1: s_b - 1e-9, 3: 1 - s_b + 1e-9}) > 0 > scenario_criterion({1: s_b + 1e-9, 3: 1 - s_b - 1e-9})
    below, above = {1: s_b - 0.03, 3: 1.03 - s_b}, {1: s_b + 0.03, 3: 0.97 - s_b}
    z_below = [_oracle_zero(below, k) for k in (0, 1)]
    z_above = [_oracle_zero(above, k) for k in (0, 1)]
    assert z_below[0] - z_below[1] > 1e-6 and abs(z_above[0] - z_above[1]) < 1e-9
    assert energy_thresholds(below).scenario == "pure-like" and energy_thresholds(above).scenario == "full mixture"
    # {2: s, 3: 1 - s} stays pure-like up to the pure 2-spin end: no change inside (0, 0.99)
    with pytest.raises(InvalidInputError, match="same scenario"):
        scenario_boundary(lambda s: {2: s, 3: 1 - s}, (0.0, 0.99))


def test_mixtures_reach_the_pure_degree_limit():
    """Mixtures take degrees up to the pure limit: 50 in energy_thresholds (H_MAX_THRESHOLDS), and
    MIXTURE_MAX_DEGREE in theta, e_infinity and scenario_* (where a pure int H has no limit)."""
    from polyloss.numeric.complexity import H_MAX_THRESHOLDS, MIXTURE_MAX_DEGREE

    w = {3: 0.5, 30: 0.5}
    us = [-2.4, -2.1, -1.6]
    np.testing.assert_allclose(theta(np.array(us), w, 1), [_cumulative(u, w, 1) for u in us], rtol=0, atol=2e-9)
    th = energy_thresholds(w, 2, dps=20)
    assert th.scenario == "pure-like" and th.E[0] > th.E[1] > th.E[2] > th.E_inf_prime
    assert abs(float(th.E[0]) - _oracle_zero(w, 0)) < 1e-8
    assert abs(float(scenario_criterion(w)) - _level(-float(th.E_inf_prime), w, 0)) < 1e-9
    top = {3: 0.5, H_MAX_THRESHOLDS: 0.5}
    assert energy_thresholds(top).H.degrees == (3, H_MAX_THRESHOLDS)
    with pytest.raises(InvalidInputError, match=f"1..{H_MAX_THRESHOLDS}"):
        energy_thresholds({3: 0.5, H_MAX_THRESHOLDS + 1: 0.5})
    with pytest.raises(InvalidInputError, match=f"1..{H_MAX_THRESHOLDS}"):
        energy_thresholds(as_mixture({3: 0.5, H_MAX_THRESHOLDS + 1: 0.5}, max_degree=MIXTURE_MAX_DEGREE))
    far = {3: 0.5, MIXTURE_MAX_DEGREE: 0.5}
    x1, x2 = _xi(far)
    assert e_infinity(far) == pytest.approx(2 * x1 * math.sqrt(x2) / (x1 + x2), rel=1e-14)
    assert math.isfinite(theta(-3.0, far, 0)) and scenario_criterion(far) > 0
    with pytest.raises(InvalidInputError, match=f"1..{MIXTURE_MAX_DEGREE}"):
        theta(-3.0, {3: 0.5, MIXTURE_MAX_DEGREE + 1: 0.5})


def test_float_weights_are_read_as_their_decimal_text():
    """ξ'(1), ξ''(1) come from Mixture.exact_weights(): 0.1 is 1/10, not its binary value (which would move
    E_∞ by ~1e-17, visible at 40 digits). Reference: the formula in mpmath from the decimal fractions."""
    with mpmath.workdps(50):
        x1, x2 = mpmath.mpf(1) / 10 + 3 * mpmath.mpf(9) / 10, 6 * mpmath.mpf(9) / 10
        ref = 2 * x1 * mpmath.sqrt(x2) / (x1 + x2)
    got = e_infinity({1: 0.1, 3: 0.9}, dps=40)
    assert abs(got - ref) < mpmath.mpf(10) ** -38
    assert got == e_infinity(Mixture.parse("1:1/10,3:9/10"), dps=40)


# --- printing -------------------------------------------------------------------------------------------
def test_mixture_thresholds_print_and_tabulate():
    th = energy_thresholds({2: 0.5, 3: 0.5}, 1, dps=9)
    lines = str(th).splitlines()
    assert lines[0].startswith("energy thresholds, xi = 2:0.5,3:0.5 (9 digits")
    assert [l.split()[0] for l in lines[1:5]] == ["E_∞", "E'_∞", "E_0", "E_1"]
    assert lines[1].split()[1] == "1.53846154"  # 20/13
    assert lines[2].split()[1] == "1.55000000"  # (4 − 5/2 + 25/4)/((5/2)·2) = 31/20
    assert "scenario: pure-like" in lines[-1] and "criterion" in lines[-2]
    assert "scenario='pure-like'" in repr(th)
    tex = th._repr_latex_()
    assert r"E'_\infty = 1.55000000" in tex and r"\xi(x) = \tfrac{1}{2}\,x^{2}" in tex and "pure-like" in tex
    df = th.to_dataframe()
    assert list(df.index) == ["E_inf", "E_inf_prime", "E_0", "E_1", "criterion"]
    assert df.attrs["scenario"] == "pure-like" and df.loc["E_inf_prime", "value"] == pytest.approx(1.55, rel=1e-8)  # 9 digits
    pure = energy_thresholds(3, 1, dps=9)
    assert isinstance(pure, EnergyThresholds) and len(str(pure).splitlines()) == 4  # unchanged for pure H


# --- finite N -------------------------------------------------------------------------------------------
def test_finite_N_counts_approach_the_mixed_complexity():
    """(1/N) log E Crt_{N,k}(u) from part 5's Kac–Rice counts for a mixture approaches Θ_{k,ξ}(u) from
    below, the gap shrinking with N: all indices (exact density method, N = 20 … 400) and k = 0, 1
    (planted Monte Carlo, N = 20, 50, 100, seeds fixed; the gap differences are many standard errors)."""
    from polyloss.numeric.critical_counts import expected_critical_points

    for w, u in (({2: 0.5, 3: 0.5}, -1.60), ({1: 0.3, 3: 0.7}, -1.56)):
        gaps = [theta(u, w) - expected_critical_points(n, w, None, u, method="density").log_value / n
                for n in (20, 50, 100, 400)]
        assert all(a > b > 0 for a, b in zip(gaps, gaps[1:])), gaps
        assert gaps[-1] < 0.01
    w, u = {2: 0.5, 3: 0.5}, -1.60
    for k in (0, 1):
        gaps, errs = [], []
        for n in (20, 50, 100):
            c = expected_critical_points(n, w, k, u, method="planted", samples=1000, rng=7 + n)
            gaps.append(theta(u, w, k) - c.log_value / n)
            errs.append(c.stderr / c.value / n)  # δ(log)/N
        assert all(a - b > 5 * (ea + eb) for a, b, ea, eb in zip(gaps, gaps[1:], errs, errs[1:])), (k, gaps, errs)
        assert gaps[-1] > 0 and gaps[-1] < 0.5 * gaps[0]


# --- bad input ------------------------------------------------------------------------------------------
def test_bad_mixtures_and_arguments_are_refused():
    with pytest.raises(InvalidInputError, match="sum to 1"):
        theta(-1.7, {2: 0.5, 3: 0.6})
    with pytest.raises(InvalidInputError, match="degree"):
        energy_thresholds({0: 0.5, 3: 0.5})
    with pytest.raises(InvalidInputError, match="degree >= 2"):
        e_infinity({1: 1.0})
    with pytest.raises(InvalidInputError, match="H = 2 is degenerate"):
        theta(-1.7, {2: 1})
    with pytest.raises(InvalidInputError, match="torch"):
        theta(-1.7, {2: 0.5, 3: 0.5}, backend="torch")
    with pytest.raises(InvalidInputError, match="NaN"):
        theta([float("nan")], {2: 0.5, 3: 0.5})
    with pytest.raises(InvalidInputError, match="finite"):
        theta(float("inf"), {2: 0.5, 3: 0.5}, dps=20)
    with pytest.raises(InvalidInputError, match="kmax"):
        energy_thresholds({2: 0.5, 3: 0.5}, -1)
    with pytest.raises(InvalidInputError, match="function"):
        scenario_boundary({1: 0.5, 3: 0.5}, (0, 1))
    with pytest.raises(InvalidInputError, match="s_lo < s_hi"):
        scenario_boundary(lambda s: {1: s, 3: 1 - s}, (0.5, 0.1))
    with pytest.raises(InvalidInputError, match="pair"):
        scenario_boundary(lambda s: {1: s, 3: 1 - s}, 0.5)
    with pytest.raises(InvalidInputError, match="function of one float s"):
        scenario_boundary(lambda: {1: 0.5, 3: 0.5}, (0.0, 0.9))  # takes no s: TypeError inside, refused
    with pytest.raises(InvalidInputError, match="H"):
        scenario_boundary(lambda s: "3", (0.0, 0.9))  # returns text, not a mixture
