"""Exact finite-N critical-point counts of MIXED spherical spin glasses (polyloss.numeric.critical_counts).

The count (derived here, module docstring of polyloss.numeric.critical_counts) is
E Crt_{N,k}(u) = 2 sqrt(2ξ''/(ξ'+ξ'')) (ξ''/ξ')^{(N-1)/2} E_GOE[e^{-N b λ_k²} Φ((u - m λ_k)/σ)].

Oracles, none of them the code under test:
* a raw Kac–Rice Monte Carlo written here: the mixed random field built in numpy from iid N(0, 1)
  coupling tensors over ordered index tuples, L = Σ_p a_p N^{-(p-1)/2} Σ X w^p; its energy,
  Riemannian gradient and Riemannian Hessian at the north pole; the sphere's area; the gradient
  density at 0 with the gradient covariance ESTIMATED from the same samples (and the Hessian and
  energy conditioned on a zero gradient by the Gaussian regression on the sampled gradient, so the
  independence of the gradient is not assumed); fixed seed, 4.5 standard errors;
* enumeration of every critical point of random mixed instances (count_statistics of
  polyloss.numeric.critical_search), fixed seeds, 4 combined standard errors;
* the sympy closed forms of E Crt_{N,k}(R) in ξ'(1), ξ''(1) (polyloss.symbolic.finite_size) and the
  sympy coefficients derived there from the covariance kernel;
* an mpmath double integral over the N = 2 joint eigenvalue density with Φ, written here;
* Morse theory, Σ_k (-1)^k E Crt_{N,k}(R) = 1 + (-1)^{N-1}; and the pure model (α² → 0).
"""

from __future__ import annotations

import concurrent.futures as cf
import math
from fractions import Fraction

import numpy as np
import pytest
import sympy

from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.mixture import Mixture, as_mixture
from polyloss.numeric import critical_counts
from polyloss.numeric.critical_counts import expected_critical_points as ecp
from polyloss.numeric.critical_counts import log_critical_points_curve
from polyloss.symbolic import finite_size as fs

SIGMAS = 4.5
EVEN = {2: 0.5, 3: 0.5}
LINEAR = {1: 0.3, 3: 0.7}  # a degree-1 (linear) term
WIDE = {1: 0.2, 2: 0.3, 4: 0.5}
MOSTLY_LINEAR = {1: 0.9, 2: 0.1}  # ξ'' < ξ': b < 0, the λ_k weight wider than the GOE's
MIXTURES = [EVEN, LINEAR, WIDE]


def derivatives(mixture):
    xi1 = sum(p * w for p, w in mixture.items())
    xi2 = sum(p * (p - 1) * w for p, w in mixture.items())
    return xi1, xi2


# --- 1. a raw Kac–Rice Monte Carlo from the random field itself --------------------------------------

def field_at_north_pole(N, mixture, samples, rng):
    """Energy L, Euclidean gradient and Hessian at w0 = √N e_N of L = Σ_p a_p N^{-(p-1)/2} Σ X_{i1..ip} w_i1..w_ip,
    X iid N(0, 1) over ordered index tuples (every slot of X contracted with w0 but the differentiated ones)."""
    w0 = np.zeros(N)
    w0[-1] = math.sqrt(N)
    energy, grad, hess = np.zeros(samples), np.zeros((samples, N)), np.zeros((samples, N, N))

    def contract(T, times):
        for _ in range(times):
            T = T @ w0
        return T

    for p, weight in mixture.items():
        X = rng.standard_normal((samples,) + (N,) * p)
        scale = math.sqrt(weight) * N ** (-(p - 1) / 2)
        energy += scale * contract(X, p)
        for i in range(p):
            grad += scale * contract(np.moveaxis(X, 1 + i, 1), p - 1)
            for j in range(p):
                if j != i:
                    hess += scale * contract(np.moveaxis(X, (1 + i, 1 + j), (1, 2)), p - 2)
    return energy, grad, hess


def raw_kac_rice(N, mixture, levels, samples, seed):
    """{(u, k): (estimate, standard error)} of E Crt_{N,k}((-∞, u]) (k None: all indices).

    E Crt = |S^{N-1}(√N)| p_grad(0) E[|det Hess_R| 1{index k} 1{L/N ≤ u} | grad_R = 0], with the tangent
    basis e_1..e_{N-1}, Hess_R = P ∇²L P - (w0·∇L/N) I. The gradient's covariance is estimated from the
    samples; the conditioning on grad_R = 0 is the Gaussian one: subtract the least-squares regression
    of (L, radial derivative, Hessian) on the sampled gradient. Also returns the estimated gradient
    variances.
    """
    rng = np.random.default_rng(seed)
    L, g, Hs = field_at_north_pole(N, mixture, samples, rng)
    n = N - 1
    grad = g[:, :n]
    rest = np.column_stack([L, g[:, n], Hs[:, :n, :n].reshape(samples, -1)])
    beta, *_ = np.linalg.lstsq(grad, rest, rcond=None)
    rest = rest - grad @ beta  # the law of (L, ∂_r L, Hessian) given a zero gradient
    u = rest[:, 0] / N
    radial = rest[:, 1] * math.sqrt(N) / N  # w0·∇L/N
    hess = rest[:, 2:].reshape(samples, n, n) - radial[:, None, None] * np.eye(n)
    cov = np.atleast_2d(np.cov(grad.T))
    log_density = -0.5 * n * math.log(2 * math.pi) - 0.5 * np.linalg.slogdet(cov)[1]
    area = 2 * math.pi ** (N / 2) / math.gamma(N / 2) * N ** ((N - 1) / 2)
    const = area * math.exp(log_density)
    # the estimated covariance adds a relative error of about √(2n/samples)/2 to the density (delta method)
    density_rel = 0.5 * math.sqrt(2 * n / samples)
    ev = np.linalg.eigvalsh(hess)
    det, index = np.abs(ev).prod(axis=1), (ev < 0).sum(axis=1)
    out = {}
    for level in levels:
        for k in list(range(N)) + [None]:
            f = const * det * (u <= level) * (True if k is None else index == k)
            mean = f.mean()
            out[(level, k)] = (mean, math.hypot(f.std(ddof=1) / math.sqrt(samples), density_rel * mean))
    return out, np.diag(cov)


@pytest.mark.parametrize("N", [2, 3])
@pytest.mark.parametrize("mixture", [EVEN, LINEAR], ids=["2:0.5,3:0.5", "1:0.3,3:0.7"])
def test_exact_counts_match_a_raw_kac_rice_monte_carlo_of_the_field(N, mixture):
    """60000 fields (seed 20150 + N), levels u = +∞, 0.2, -0.9, every index and the total."""
    samples = 60_000
    estimates, grad_var = raw_kac_rice(N, mixture, [math.inf, 0.2, -0.9], samples, seed=20150 + N)
    xi1, _ = derivatives(mixture)
    # the tangential gradient variance is ξ'(1) (the sample variance of a Gaussian: se √(2/n) ξ')
    assert np.all(np.abs(grad_var - xi1) < SIGMAS * math.sqrt(2 / samples) * xi1), grad_var
    for (u, k), (mean, se) in estimates.items():
        exact = ecp(N, mixture, k, u)
        assert exact.method == ("density" if k is None else "joint") and exact.stderr == 0
        assert abs(mean - exact.value) < SIGMAS * se, (N, mixture, u, k, mean, se, exact.value)


# --- 2. enumeration of critical points of random instances ----------------------------------------

def _combined_se(mc_stderr, exact, n):
    """The sample stderr of a rare count can be 0 (no instance had one); counts are then close to
    Poisson, so it is floored at √(E Crt / n) (the exact value has no error of its own)."""
    return max(float(mc_stderr), math.sqrt(max(exact, 0.0) / n))


@pytest.mark.parametrize("N,mixture,instances,seed", [(2, EVEN, 250, 7), (3, LINEAR, 80, 10)],
                         ids=["N2-2:0.5,3:0.5", "N3-1:0.3,3:0.7"])
def test_exact_counts_match_enumeration_of_random_instances(N, mixture, instances, seed):
    """Average numbers of critical points by index below u = -0.8, 0, +∞ over random mixed instances
    (every critical point found, Morse-checked), against the exact counts: 4 combined standard errors."""
    from polyloss.numeric.critical_search import count_statistics

    levels = [-0.8, 0.0, math.inf]
    stats = count_statistics(N, mixture, instances, seed=seed, levels=levels)
    assert stats.instances == instances and stats.rejected == ()
    for j, u in enumerate(levels):
        for k in range(N):
            exact = ecp(N, mixture, k, u).value
            se = _combined_se(stats.stderr[j, k], exact, instances)
            assert abs(stats.mean[j, k] - exact) <= 4 * se, (N, mixture, u, k, stats.mean[j, k], se, exact)
        exact = ecp(N, mixture, u=u).value
        se = _combined_se(stats.total_stderr[j], exact, instances)
        assert abs(stats.total_mean[j] - exact) <= 4 * se, (N, mixture, u, stats.total_mean[j], se, exact)


# --- 3. against sympy: closed forms at u = ∞, the coefficients, the pure reduction --------------------

@pytest.mark.parametrize("mixture", MIXTURES + [{2: Fraction(1, 3), 5: Fraction(2, 3)}, MOSTLY_LINEAR])
@pytest.mark.parametrize("N", [2, 3])
def test_all_energies_match_the_sympy_closed_forms(N, mixture):
    xi1, xi2 = (float(x) for x in derivatives(mixture))
    total = float(fs.mixed_total_critical_points_formula(N).subs(xi1=xi1, xi2=xi2).evalf(30))
    assert ecp(N, mixture).value == pytest.approx(total, rel=1e-12)
    assert ecp(N, mixture, method="joint").value == pytest.approx(total, rel=1e-12)
    for k in range(N):
        exact = float(fs.mixed_index_critical_points_formula(N, k).subs(xi1=xi1, xi2=xi2).evalf(30))
        assert ecp(N, mixture, k).value == pytest.approx(exact, rel=1e-12)


def test_sympy_coefficients_reduce_to_the_pure_model():
    """For ξ = x^p (ξ' = p, ξ'' = p(p-1)): prefactor 2√(2/p)(p-1)^{N/2}, b = (p-2)/(2p), m = 1/c,
    σ² = 0, and the closed forms at u = ∞ are ABC's pure ones (simplify to 0)."""
    P, N = fs.p, sympy.Symbol("N", positive=True)
    coeff = fs.mixed_kac_rice_coefficients()
    pure = {fs.xi1: P, fs.xi2: P * (P - 1)}
    q = sympy.Symbol("q", positive=True)  # p = q + 1 > 1 makes the signs evident

    def zero(expr):
        e = sympy.expand_power_base(sympy.factor(expr.subs(pure).subs(P, q + 1)), force=True)
        e = sympy.powsimp(sympy.expand_power_base(sympy.factor(sympy.powsimp(e, force=True)), force=True), force=True)
        return sympy.simplify(e) == 0

    def same_positive(a, b):  # a, b > 0: a² = b² (squares clear the square roots sympy leaves unfactored)
        return zero(a**2 / b**2 - 1)

    prefactor = 2 * sympy.sqrt(2 / P) * (P - 1) ** (N / 2)
    assert same_positive(coeff["prefactor"], prefactor)
    assert zero(coeff["b"] - (P - 2) / (2 * P))
    assert same_positive(coeff["m"], 1 / sympy.sqrt(P / (2 * (P - 1))))
    assert zero(coeff["sigma2"])
    assert zero(coeff["radial_variance"])
    for n in (2, 3):
        for k in range(n):
            mixed = fs.mixed_index_critical_points_formula(n, k).expr
            assert zero(mixed - fs.index_critical_points_formula(n, k).expr)


def test_sympy_covariances_have_the_stated_structure():
    c = fs.mixed_field_covariances()
    x1, x2, N = fs.xi1, fs.xi2, sympy.Symbol("N", positive=True)
    assert c["gradient"] == x1 and c["radial"] == x1 + x2 and c["energy"] == N
    assert sympy.simplify(c["energy_radial"] - sympy.sqrt(N) * x1) == 0
    assert sympy.simplify(c["hessian_offdiagonal"] - x2 / N) == 0
    assert sympy.simplify(c["hessian_diagonal"] - 2 * x2 / N) == 0
    for key in ("gradient_cross", "gradient_energy", "gradient_radial", "hessian_pair", "hessian_energy",
                "hessian_radial", "hessian_gradient"):
        assert c[key] == 0, key
    coeff = fs.mixed_kac_rice_coefficients()
    assert coeff["radial_mean"] == x1
    assert sympy.simplify(coeff["radial_variance"] - (x2 + x1 - x1**2) / N) == 0


@pytest.mark.parametrize("mixture", MIXTURES)
def test_numeric_coefficients_are_the_sympy_ones(mixture):
    """The constants typed in the numeric module against the sympy expressions derived from the kernel."""
    xi1, xi2 = derivatives(mixture)
    coeff = fs.mixed_kac_rice_coefficients()
    N = sympy.Symbol("N", positive=True)
    law = critical_counts._law(as_mixture(mixture))
    at = {fs.xi1: xi1, fs.xi2: xi2}
    for n in (2, 7, 400):
        prefactor = coeff["prefactor"].subs(at).subs(N, n)
        assert law.log_prefactor(n) == pytest.approx(float(sympy.log(prefactor)), rel=1e-13)
        # Φ((u - mλ)/σ) = Φ((c u - λ)/τ) with c = 1/m and τ = c σ
        sigma = sympy.sqrt(coeff["sigma2"]).subs(at).subs(N, n)
        assert law.tau(n) == pytest.approx(float(sigma / coeff["m"].subs(at)), rel=1e-13)
    assert law.b == pytest.approx(float(coeff["b"].subs(at)), rel=1e-13)
    assert law.c == pytest.approx(float(1 / coeff["m"].subs(at)), rel=1e-13)


@pytest.mark.parametrize("k,u", [(0, -0.7), (1, 0.3), (None, -1.1), (None, 0.5)])
def test_vanishing_alpha_gives_the_pure_counts(k, u):
    """{3: 1-ε, 4: ε}: α² = ε(1-ε) → 0 and the counts approach the pure p = 3 ones (O(ε) apart)."""
    pure = ecp(3, 3, k, u).value
    for eps in (1e-4, 1e-7):
        mixed = ecp(3, {3: 1 - eps, 4: eps}, k, u).value
        assert abs(mixed - pure) < 50 * eps * pure + 1e-12, (eps, mixed, pure)


# --- 4. the numeric methods against each other, mpmath and Morse ---------------------------------------

def mpmath_n2(mixture, k, u):
    """E Crt_{2,k}(u) by mpmath from the GOE_2 joint density (λ_1 - λ_0) e^{-(λ_0² + λ_1²)} / (Z_2/2) on
    λ_0 < λ_1, Z_2 = ∫∫|λ_1 - λ_0| e^{-(λ_0²+λ_1²)} = √(2π) (s = λ_1-λ_0, t = λ_0+λ_1:
    ½∫|s|e^{-s²/2}∫e^{-t²/2}), written here: the other eigenvalue integrated
    in closed form (∫_x^∞ (y-x) e^{-y²} dy = e^{-x²}/2 - x √π erfc(x)/2, and its mirror image for k = 1),
    then the λ_k integral with e^{-2bλ_k²} Φ((u - mλ_k)/σ) by mpmath.quad at 30 digits."""
    import mpmath

    with mpmath.workdps(30):
        xi1, xi2 = (mpmath.mpf(x) for x in derivatives(mixture))
        alpha2 = xi2 + xi1 - xi1**2
        pref = 2 * mpmath.sqrt(2 * xi2 / (xi1 + xi2)) * (xi2 / xi1) ** mpmath.mpf(0.5)
        b = (xi2 - xi1) / (2 * (xi1 + xi2))
        m = xi1 * mpmath.sqrt(2 * xi2) / (xi1 + xi2)
        sigma = mpmath.sqrt(alpha2 / (2 * (xi1 + xi2)))
        sign = 1 if k == 0 else -1  # k = 0: the other eigenvalue above λ; k = 1: below

        def f(lam):
            other = mpmath.exp(-lam**2) / 2 - sign * lam * mpmath.sqrt(mpmath.pi) * mpmath.erfc(sign * lam) / 2
            return other * mpmath.exp(-lam**2 - 2 * b * lam**2) * mpmath.ncdf((u - m * lam) / sigma)

        centre = u / m
        points = [-mpmath.inf, -3, -1, 0, 1, 3, mpmath.inf] + [centre + j * sigma / m for j in (-3, 0, 3)]
        integral = mpmath.quad(f, sorted(points))
        return float(pref * integral * 2 / mpmath.sqrt(2 * mpmath.pi))


@pytest.mark.parametrize("mixture", [EVEN, WIDE], ids=["2:0.5,3:0.5", "1:0.2,2:0.3,4:0.5"])
@pytest.mark.parametrize("k,u", [(0, -0.8), (1, -0.8), (0, 0.4), (1, 1.2), (1, -1.6)])
def test_joint_method_against_mpmath(mixture, k, u):
    assert ecp(2, mixture, k, u).value == pytest.approx(mpmath_n2(mixture, k, u), rel=1e-10)


@pytest.mark.parametrize("mixture,N,u,digits", [
    (EVEN, 2, -1.3, 25), (LINEAR, 3, 0.25, 25), (WIDE, 3, -0.9, 25), (LINEAR, 6, -1.2, 20), (WIDE, 6, 0.6, 20),
    (MOSTLY_LINEAR, 12, -8.0, 20), (EVEN, 40, -1.5, None), (WIDE, 300, -1.4, None)])
def test_density_against_mpmath_and_sum_over_indices(mixture, N, u, digits):
    fast = ecp(N, mixture, u=u)
    assert fast.method == "density" and math.isfinite(fast.log_value)
    if digits:
        slow = ecp(N, mixture, u=u, dps=digits)
        assert fast.value == pytest.approx(float(slow.value), rel=1e-10)
    if N <= 3:
        assert sum(ecp(N, mixture, k, u).value for k in range(N)) == pytest.approx(fast.value, rel=1e-10)
    assert fast.value < ecp(N, mixture, u=u + 0.05).value  # a cumulative count grows with u


@pytest.mark.parametrize("mixture", MIXTURES + [MOSTLY_LINEAR])
def test_morse_identity(mixture):
    for N in (2, 3):
        alternating = sum((-1) ** k * ecp(N, mixture, k).value for k in range(N))
        assert alternating == pytest.approx(1 + (-1) ** (N - 1), abs=1e-11)


def test_energy_symmetry():
    """L and -L have the same law and -L swaps the index k with N-1-k: E Crt_{N,k}((-∞, u]) =
    E Crt_{N,N-1-k}(ℝ) - E Crt_{N,N-1-k}((-∞, -u]); the total below 0 is half the total."""
    for mixture in (LINEAR, WIDE):
        for N in (3, 12):
            assert ecp(N, mixture, u=0.0).value == pytest.approx(0.5 * ecp(N, mixture).value, rel=1e-11)
        for k, u in ((0, -0.6), (1, 0.3)):
            mirrored = ecp(3, mixture, 2 - k).value - ecp(3, mixture, 2 - k, -u).value
            assert ecp(3, mixture, k, u).value == pytest.approx(mirrored, rel=1e-10)


@pytest.mark.parametrize("mixture", [EVEN, LINEAR], ids=["2:0.5,3:0.5", "1:0.3,3:0.7"])
@pytest.mark.parametrize("k,u", [(0, -0.9), (1, -0.5), (2, 0.4)])
def test_montecarlo_against_joint(mixture, k, u):
    exact = ecp(3, mixture, k, u).value
    mc = ecp(3, mixture, k, u, method="montecarlo", samples=20_000, rng=31)
    assert mc.samples == 20_000 and abs(mc.value - exact) < SIGMAS * mc.stderr


@pytest.mark.parametrize("mixture,k", [(EVEN, 0), (LINEAR, 1)], ids=["2:0.5,3:0.5-k0", "1:0.3,3:0.7-k1"])
def test_planted_against_joint(mixture, k):
    for u in (-1.2, 0.2):
        exact = ecp(3, mixture, k, u).value
        r = ecp(3, mixture, k, u, method="planted", samples=1_500, rng=41)
        assert abs(r.value - exact) < SIGMAS * r.stderr + 3e-3 * exact, (u, r, exact)  # + the trapezoid grid error


def test_planted_near_the_edge_against_plain_montecarlo_and_the_auto_choice():
    """N = 8, a little above -E_∞ (E_∞ = 2ξ'√ξ''/(ξ'+ξ''), where λ_k meets the bulk edge -√2): the
    planted and plain Monte Carlo agree; below -E_∞ "auto" picks planted for k = 0, 1, above it plain."""
    mixture = LINEAR
    xi1, xi2 = derivatives(mixture)
    e_inf = 2 * xi1 * math.sqrt(xi2) / (xi1 + xi2)
    u = -e_inf + 0.15
    for k in (0, 1):
        plain = ecp(8, mixture, k, u, method="montecarlo", samples=30_000, rng=51)
        planted = ecp(8, mixture, k, u, method="planted", samples=2_000, rng=52)
        assert plain.hits > 100
        assert abs(plain.value - planted.value) < SIGMAS * math.hypot(plain.stderr, planted.stderr)
        assert ecp(8, mixture, k, -e_inf - 0.01, samples=20, rng=1).method == "planted"
        assert ecp(8, mixture, k, -e_inf + 0.01, samples=20, rng=1).method == "montecarlo"


def test_planted_tail_of_a_mostly_linear_mixture_is_the_total():
    """{1: 0.9, 2: 0.1} (e^{-N b λ²} grows outwards, b < 0) at N = 40, far below -E_∞ where nearly every
    critical point is a minimum: the planted Crt_0 (curve and single level) is the exact total, within
    4.5 standard errors and 1%; a level beyond the planted grid is NaN in a curve and refused alone."""
    u = np.array([-4.0, -2.5])
    curve = log_critical_points_curve(40, MOSTLY_LINEAR, np.append(u, -40.0), k=0, samples=300, rng=71)
    for j, v in enumerate(u):
        total = ecp(40, MOSTLY_LINEAR, u=v)
        assert curve["stderr"][j] < 0.1 * curve["value"][j]
        assert abs(curve["value"][j] - total.value) < SIGMAS * curve["stderr"][j] + 0.01 * total.value, (v, curve, total)
    assert math.isnan(curve["log_per_N"][2]) and math.isnan(curve["stderr"][2])
    single = ecp(40, MOSTLY_LINEAR, 0, -2.5, samples=300, rng=72)
    assert single.method == "planted"
    assert abs(single.value - curve["value"][1]) < SIGMAS * math.hypot(single.stderr, curve["stderr"][1])
    with pytest.raises(SizeLimitError, match="low-energy tail"):
        ecp(40, MOSTLY_LINEAR, 0, -40.0, samples=50, rng=1)


def test_curves_for_a_mixture():
    u = np.array([-1.9, -1.7, -1.5])
    tot = log_critical_points_curve(30, EVEN, u)
    np.testing.assert_allclose(tot["log_per_N"], [ecp(30, EVEN, u=v).log_per_N for v in u], rtol=1e-13)
    c0 = log_critical_points_curve(30, EVEN, u, k=0, samples=400, rng=61)
    assert np.all(np.diff(c0["log_per_N"]) > 0)
    assert np.all(c0["value"] <= tot["value"] + SIGMAS * c0["stderr"])
    # below -E_∞ = -2ξ'√ξ''/(ξ'+ξ'') ≈ -1.54 nearly every critical point is a minimum: Crt_0(u) ≈ Crt(u)
    deep = u < -1.6
    assert np.all(np.abs(c0["value"] - tot["value"])[deep] < (SIGMAS * c0["stderr"] + 0.01 * tot["value"])[deep])
    one = ecp(30, EVEN, 0, -1.7, method="planted", samples=400, rng=61)  # one level alone: another grid
    assert abs(one.value - c0["value"][1]) < SIGMAS * math.hypot(one.stderr, c0["stderr"][1])


def test_monte_carlo_methods_do_not_depend_on_the_executor(monkeypatch):
    monkeypatch.setattr(critical_counts, "_CHUNK", 300)
    serial = (ecp(6, WIDE, 2, -0.3, method="montecarlo", samples=700, rng=5),
              ecp(6, WIDE, 1, -1.6, method="planted", samples=700, rng=5))
    with cf.ThreadPoolExecutor(2) as pool:
        pooled = (ecp(6, WIDE, 2, -0.3, method="montecarlo", samples=700, rng=5, executor=pool),
                  ecp(6, WIDE, 1, -1.6, method="planted", samples=700, rng=5, executor=pool))
    assert serial == pooled and serial[1].stderr > 0


# --- 5. the result and the input --------------------------------------------------------------------

def test_result_records_the_mixture():
    r = ecp(3, EVEN, 1, -0.5)
    assert r.p == Mixture(((2, 0.5), (3, 0.5))) and r.mixture == as_mixture(EVEN)
    assert "xi=2:0.5,3:0.5" in str(r) and "E Crt_{3,1}" in str(r)
    tex = r._repr_latex_()
    assert r"\xi(x) = " in tex and "x^{3}" in tex and "p = " not in tex
    assert ecp(3, Mixture.parse("2:0.5,3:0.5"), 1, -0.5) == r
    # one degree is the pure model: the int, and the same numbers as the int
    pure = ecp(3, {3: 1}, 1, -0.5)
    assert pure.p == 3 and isinstance(pure.p, int) and pure == ecp(3, 3, 1, -0.5)
    assert "p=3" in str(pure) and ecp(3, 3).mixture == as_mixture(3)


@pytest.mark.parametrize("p,match", [
    ({2: 0.5, 3: 0.4}, "sum to 1"),
    ({2: 1.0, 3: -0.5, 4: 0.5}, ">= 0"),
    ({1: 1.0}, "degree >= 2"),
    ({0: 0.5, 2: 0.5}, "degrees"),
    ({2.0: 0.5, 3: 0.5}, "degrees"),
    ({2: "0.5", 3: 0.5}, "real number"),
    ({}, "empty"),
    ({2: float("nan"), 3: 0.5}, "finite"),
    ([2, 3], "p"),
    ("2:0.5,3:0.5", "p"),
])
def test_bad_mixtures_are_refused(p, match):
    with pytest.raises(InvalidInputError, match=match):
        ecp(3, p)
    with pytest.raises(InvalidInputError, match=match):
        log_critical_points_curve(3, p, [0.0])


def test_mixed_formulas_print_and_compile(tmp_path, pdflatex):
    """The closed forms in ξ'(1), ξ''(1): their LaTeX compiles, and their compiled numpy function is the
    sympy expression's value (xi1 = 2.5, xi2 = 4: the mixture {2: 0.5, 3: 0.5})."""
    from polyloss.symbolic.latex import Document, compile_pdf

    doc = Document("Mixed finite-size counts")
    for N in (2, 3):
        f = fs.mixed_total_critical_points_formula(N)
        assert f.parameters == (fs.xi1, fs.xi2) and "auffinger2013mixed" in f.cite
        assert f.compile("numpy")(2.5, 4.0) == pytest.approx(float(f.subs(xi1=2.5, xi2=4).evalf(30)), rel=1e-13)
        doc.equation(f.latex(), label=f"mixed{N}")
    compile_pdf(doc.write(tmp_path / "mixed.tex"))


@pytest.mark.parametrize("mixture", [{1: 1 - 1e-12, 2: 1e-12}, {1: 1 - 1e-8, 2: 1e-8}])
def test_a_mixture_too_close_to_a_linear_field_is_refused_before_any_grid(mixture):
    """ξ''/(ξ'+ξ'') below 5e-7 would widen the λ_k grids beyond memory (1e-12 was killed for memory):
    refused up front, naming the ratio; just inside the limit the count is computed."""
    with pytest.raises(SizeLimitError, match="xi''"):
        ecp(3, mixture, k=0)
    assert ecp(3, {1: 1 - 1e-4, 2: 1e-4}, k=0).value > 0


def test_dps_is_refused_for_the_joint_method_too():
    with pytest.raises(InvalidInputError, match="dps"):
        ecp(3, {2: 0.5, 3: 0.5}, k=0, dps=20)


@pytest.mark.parametrize("p", [3, {2: 0.5, 3: 0.5}])
def test_an_energy_beyond_float64_is_refused_not_a_crash(p):
    """Far below the bulk the density method's scan finds no finite integrand (u = -1e9 raised IndexError,
    pure models included): a clear refusal. At u = -1e3 the count is still computed: the energy per N is
    N(0, 1/N), so reaching u costs e^{-N u^2/2}, and every other factor is e^{O(N log|u|)}; the log count is
    -N u^2/2 = -1.5e6 to a relative O(log|u| / u^2) (pure p: -N (b + 1/2)(c u)^2, the same number)."""
    with pytest.raises(InvalidInputError, match="too far below the bulk"):
        ecp(3, p, u=-1e9)
    assert ecp(3, p, u=-1e3).log_value == pytest.approx(-3 * 1e6 / 2, rel=1e-4)
