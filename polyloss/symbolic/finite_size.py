r"""Exact finite-size Kac–Rice counts for N = 2, 3, derived by integrating the GOE eigenvalue density.

The Kac–Rice identities of Auffinger, Ben Arous and Černý (2013, "ABC"; arXiv:1003.1129), Theorems 2.5
and 2.8 [theorem numbers unverified], which express the mean counts through the GOE in ABC's
normalisation (:math:`\mathbb{E} M_{ij}^2 = (1+\delta_{ij})/(2N)`, semicircle on :math:`[-\sqrt2,\sqrt2]`):

.. math::

    \mathbb{E}\,\mathrm{Crt}_{N,k}(\mathbb{R}) = 2\sqrt{2/p}\,(p-1)^{N/2}\,
        \mathbb{E}_{\mathrm{GOE}}\big[e^{-N\frac{p-2}{2p}\lambda_k^2}\big],
    \qquad \mathbb{E}\,\mathrm{Crt}_N(\mathbb{R}) = \sum_{k=0}^{N-1} \mathbb{E}\,\mathrm{Crt}_{N,k}(\mathbb{R}).

The GOE eigenvalues :math:`\lambda_0 \le \dots \le \lambda_{N-1}` have the joint density
:math:`Z_N^{-1} \prod_{i<j} |\lambda_i - \lambda_j| \, e^{-\frac N2 \sum_i \lambda_i^2}` on :math:`\mathbb{R}^N`
(unordered; Mehta 2004, Ch. 3 [chapter unverified]). Here nothing is typed in: :math:`Z_N` is obtained by integrating the weight in sympy, and the
expectations by integrating over the ordered sector :math:`\lambda_0 = x`, :math:`\lambda_j = x + g_1 + \dots + g_j`
(gaps :math:`g_j > 0`): first the Gaussian integral over :math:`x` (sympy), then the gaps. For N = 3 the
gap integral is reduced by :math:`g_2 = \tau g_1` to a radial Gaussian integral (sympy) and an algebraic
integral in :math:`\tau`, whose antiderivative :math:`R(\tau)/Q(\tau)^{3/2}` is found by undetermined
coefficients and checked by differentiation (sympy's ``integrate`` does not finish on it).

**Mixtures** (derived here). For the mixed spherical spin glass ``E[L(w)L(w')] = N ξ(w·w'/N)``,
``ξ(x) = Σ_p a_p² x^p``, ξ(1) = 1 (Auffinger and Ben Arous 2013, arXiv:1110.5872),
:func:`mixed_field_covariances` differentiates the covariance in sympy at the north pole
``w = √N e_N`` (ξ an undefined function; ``xi1 = ξ'(1)``, ``xi2 = ξ''(1)``):

* the tangential gradient has variance ξ'(1) and is uncorrelated with the energy, the radial
  derivative and the Hessian;
* the tangential Hessian has ``E H_ij² = ξ''(1)(1+δ_ij)/N``: ``√(2ξ''(1)) G``, G a GOE of size N−1
  normalised by N, uncorrelated with the energy and the gradient;
* ``R = w·∇L/N``: ``Var u = 1/N``, ``Cov(u, R) = ξ'/N``, ``Var R = (ξ'+ξ'')/N``, so given ``L = N u``,
  R is Gaussian with mean ``ξ'(1) u`` and variance ``(ξ''(1)+ξ'(1)−ξ'(1)²)/N``;
* the Riemannian Hessian is ``√(2ξ'') G − R·I``.

:func:`mixed_kac_rice_coefficients` builds from these covariances, the sphere's area
``2π^{N/2} N^{(N-1)/2}/Γ(N/2)``, the gradient density ``(2πξ')^{-(N-1)/2}`` and Mehta's normalisers,
the coefficients of

.. math::

    \mathbb{E}\,\mathrm{Crt}_{N,k}(u_0) = A_N\,
        \mathbb{E}_{\mathrm{GOE}_N}\Big[e^{-N b \lambda_k^2}\,\Phi\Big(\frac{u_0 - m\lambda_k}{\sigma}\Big)\Big],
    \qquad A_N = 2\sqrt{\tfrac{2\xi''}{\xi'+\xi''}}\Big(\frac{\xi''}{\xi'}\Big)^{\frac{N-1}{2}},\
    b = \frac{\xi''-\xi'}{2(\xi'+\xi'')},\ m = \frac{\xi'\sqrt{2\xi''}}{\xi'+\xi''},\
    \sigma^2 = \frac{\xi''+\xi'-\xi'^2}{N(\xi'+\xi'')}

(the derivation in words: :mod:`polyloss.numeric.critical_counts`). For ξ = x^p they are the pure
``2√(2/p)(p−1)^{N/2}``, ``(p−2)/(2p)``, ``1/c`` and σ = 0 (tests). Over all energies (``u_0 = ∞``,
Φ ≡ 1) ``A_N`` and ``b`` are those of the pure model at the non-integer ``p = 1 + ξ''/ξ'``, so
:func:`mixed_index_critical_points_formula` and :func:`mixed_total_critical_points_formula` are the
closed forms above at that p (checked in sympy when they are built).

Only N = 2 and N = 3 are offered: beyond N = 3 the gap integral has more than two variables and the
reduction above no longer gives an algebraic one-dimensional integral; use
:func:`polyloss.numeric.critical_counts.expected_critical_points`, which is exact for every N for the total.
"""

from __future__ import annotations

import functools
import itertools
import math

import sympy

from .._validate import integer
from ..errors import InvalidInputError
from .formula import Formula

p = sympy.Symbol("p", positive=True)
#: ξ'(1) and ξ''(1) of a mixture
xi1 = sympy.Symbol("xi1", positive=True)
xi2 = sympy.Symbol("xi2", positive=True)
_N = sympy.Symbol("N", positive=True)
_x = sympy.Symbol("x", real=True)
_A = sympy.Symbol("A", positive=True)
_B = sympy.Symbol("B", real=True)
_c = sympy.Symbol("c", positive=True)
_s = sympy.Symbol("s", positive=True)
_tau = sympy.Symbol("tau", positive=True)

#: Where the identities come from (plain text), and the bib keys it names.
SOURCE = ("Auffinger, Ben Arous and Černý (2013), the exact Kac-Rice identity through the GOE behind their "
          "asymptotic results [unverified: the place of the finite-N identity in their paper]")
SOURCE_CITE = ("auffinger2013",)
SUPPORTED_N = (2, 3)


def _check_n(N) -> int:
    N = integer("N", N, minimum=2)
    if N not in SUPPORTED_N:
        raise InvalidInputError(
            f"N must be 2 or 3 for the closed forms, got N={N}: for N >= 4 the integral over the ordered "
            "eigenvalue gaps has three or more variables and has no closed form here; use "
            "polyloss.expected_critical_points(N, p) for exact numbers at any N"
        )
    return N


@functools.lru_cache(maxsize=None)
def _gaussian_line():
    """``∫_ℝ exp(-(A x² + 2 B x)) dx`` integrated by sympy (once)."""
    return sympy.simplify(sympy.integrate(sympy.exp(-(_A * _x**2 + 2 * _B * _x)), (_x, -sympy.oo, sympy.oo)))


@functools.lru_cache(maxsize=None)
def _radial(n: int):
    """``∫_0^∞ s^n exp(-c s²) ds`` integrated by sympy (once per n)."""
    return sympy.simplify(sympy.integrate(_s**n * sympy.exp(-_c * _s**2), (_s, 0, sympy.oo)))


def _algebraic_half_line(numerator, quadratic, power_half: int):
    r"""``∫_0^∞ P(τ) / Q(τ)^{m/2} dτ`` for ``Q`` positive on ``[0, ∞)``, ``m = power_half`` odd ≥ 3.

    The antiderivative is sought as ``R(τ) / Q(τ)^{(m-2)/2}`` with ``R`` a polynomial of degree
    ``m - 2`` (undetermined coefficients, solved by sympy); it is verified by differentiation.
    """
    m = power_half
    deg = m - 2
    coeffs = sympy.symbols(f"r0:{deg + 1}")
    R = sum(c * _tau**i for i, c in enumerate(coeffs))
    exponent = sympy.Rational(m - 2, 2)
    # d/dτ [R Q^{-(m-2)/2}] = (R' Q - (m-2)/2 R Q') / Q^{m/2}
    numer = sympy.expand(sympy.diff(R, _tau) * quadratic - exponent * R * sympy.diff(quadratic, _tau))
    eqs = sympy.Poly(numer - sympy.expand(numerator), _tau).all_coeffs()
    sol = sympy.solve(eqs, coeffs, dict=True)
    if not sol:
        raise ArithmeticError("no algebraic antiderivative of the requested form")  # pragma: no cover
    R = R.subs(sol[0]).subs({c: 0 for c in coeffs})
    F = R / quadratic**exponent
    check = sympy.simplify(sympy.diff(F, _tau) * quadratic ** sympy.Rational(m, 2) - numerator)
    if check != 0:
        raise ArithmeticError("antiderivative check failed")  # pragma: no cover
    lead_R = sympy.Poly(R, _tau).coeff_monomial(_tau**deg) if R != 0 else 0
    lead_Q = sympy.Poly(quadratic, _tau).coeff_monomial(_tau**2)
    at_infinity = lead_R / lead_Q**exponent  # deg R = 2·exponent - 1 + ... : R/Q^{e} -> lead_R / lead_Q^{e}
    at_zero = F.subs(_tau, 0)
    return at_infinity - at_zero


def _ordered_sector_integral(N: int, weight_exponent):
    r"""``∫_{λ_0<…<λ_{N-1}} Π_{i<j}(λ_j-λ_i) exp(-N/2 Σλ² - weight_exponent(λ)) dλ``.

    ``weight_exponent`` is a function of the list of ordered eigenvalues returning a quadratic form.
    """
    gaps = sympy.symbols(f"g1:{N}", positive=True)
    lam = [_x + sum(gaps[:j]) for j in range(N)]
    vandermonde = sympy.Mul(*[lam[j] - lam[i] for i, j in itertools.combinations(range(N), 2)])
    exponent = sympy.expand(sympy.Rational(N, 2) * sum(l**2 for l in lam) + weight_exponent(lam))
    poly = sympy.Poly(exponent, _x)
    a2, a1, a0 = (poly.coeff_monomial(_x**2), poly.coeff_monomial(_x), poly.coeff_monomial(1))
    line = _gaussian_line().subs({_A: a2, _B: a1 / 2})
    # after the x-integral: sqrt(pi/A) * exp(-(a0 - a1²/(4 a2))), a quadratic form in the gaps
    quad_form = sympy.expand(a0 - a1**2 / (4 * a2))
    prefactor = sympy.simplify(line * sympy.exp(-a1**2 / (4 * a2)))  # free of the gaps
    if prefactor.free_symbols & set(gaps):
        raise ArithmeticError("Gaussian integral did not separate")  # pragma: no cover
    if N == 2:
        (g,) = gaps
        c = sympy.simplify(quad_form / g**2)
        return sympy.simplify(prefactor * _radial(1).subs(_c, c))
    g1, g2 = gaps
    # g2 = τ g1: polynomial s^3 P(τ), Jacobian s, quadratic s² Q(τ)
    degree = 3
    P = sympy.expand(vandermonde.subs(g2, _tau * g1) / g1**degree)
    Q = sympy.expand(sympy.simplify(quad_form.subs(g2, _tau * g1) / g1**2))
    radial = _radial(degree + 1)  # = Γ((d+2)/2) / (2 c^{(d+2)/2})
    radial_coeff = sympy.simplify(radial * _c ** sympy.Rational(degree + 2, 2))
    tau_integral = _algebraic_half_line(P, Q, degree + 2)
    return sympy.simplify(prefactor * radial_coeff * tau_integral)


def normalising_constant(N: int) -> sympy.Expr:
    r"""``Z_N = ∫_{ℝ^N} Π_{i<j}|λ_i-λ_j| e^{-N/2 Σ λ_i²} dλ`` (= N! times the ordered-sector integral)."""
    return _normalising_constant(_check_n(N))  # checked before the cache (a list is not hashable)


@functools.lru_cache(maxsize=None)
def _normalising_constant(N: int) -> sympy.Expr:
    return sympy.simplify(math.factorial(N) * _ordered_sector_integral(N, lambda lam: 0))


def joint_eigenvalue_density(N: int):
    """``(density, symbols)``: the normalised joint density of the unordered GOE eigenvalues (sympy)."""
    N = _check_n(N)
    lam = sympy.symbols(f"lambda0:{N}", real=True)
    vdm = sympy.Mul(*[sympy.Abs(lam[j] - lam[i]) for i, j in itertools.combinations(range(N), 2)])
    return vdm * sympy.exp(-sympy.Rational(N, 2) * sum(l**2 for l in lam)) / normalising_constant(N), lam


def _prefactor(N: int):
    return 2 * sympy.sqrt(2 / p) * (p - 1) ** sympy.Rational(N, 2)


@functools.lru_cache(maxsize=None)
def _index_expr(N: int, k: int) -> sympy.Expr:
    a = N * (p - 2) / (2 * p)
    sector = _ordered_sector_integral(N, lambda lam: a * lam[k] ** 2)
    expectation = math.factorial(N) * sector / normalising_constant(N)
    return _simplify_in_p(_prefactor(N) * expectation)


def _simplify_in_p(expr):
    q = sympy.Symbol("q", positive=True)  # q = p - 2 >= 0 makes the signs evident to sympy
    out = sympy.simplify(sympy.radsimp(sympy.simplify(expr.subs(p, q + 2))))
    return sympy.simplify(out.subs(q, p - 2))


def index_critical_points_formula(N: int, k: int) -> Formula:
    r"""``E Crt_{N,k}(ℝ)`` as a :class:`Formula` in ``p`` (N ∈ {2, 3}, k ∈ 0..N-1), from the
    exact Kac–Rice identity through the GOE of Auffinger, Ben Arous and Černý (2013) [unverified: its place there]."""
    N = _check_n(N)
    k = integer("k", k, minimum=0, maximum=N - 1)
    return Formula(
        name=f"expected_critical_points_N{N}_k{k}",
        expr=_index_expr(N, k),
        parameters=(p,),
        lhs=rf"\mathbb{{E}}\,\mathrm{{Crt}}_{{{N},{k}}}(\mathbb{{R}})",
        reference=SOURCE, cite=SOURCE_CITE,
        description=f"Expected number of critical points of index {k} of the spherical p-spin "
                    f"Hamiltonian on S^{N - 1}(sqrt({N})), exact for N = {N}.",
        conditions=r"p \geq 2",
    )


def total_critical_points_formula(N: int) -> Formula:
    r"""``E Crt_N(ℝ) = Σ_k E Crt_{N,k}(ℝ)`` as a :class:`Formula` in ``p``, for N ∈ {2, 3} (the same
    identity summed over k).

    N = 2 gives ``2 sqrt(3p - 2)``; p = 2 gives 2N (two critical points of each index).
    """
    N = _check_n(N)
    total = sympy.simplify(sum(_index_expr(N, k) for k in range(N)))
    return Formula(
        name=f"expected_critical_points_N{N}",
        expr=total,
        parameters=(p,),
        lhs=rf"\mathbb{{E}}\,\mathrm{{Crt}}_{{{N}}}(\mathbb{{R}})",
        reference=SOURCE, cite=SOURCE_CITE,
        description=f"Expected total number of critical points of the spherical p-spin Hamiltonian "
                    f"on S^{N - 1}(sqrt({N})), exact for N = {N}, obtained by integrating the GOE "
                    "joint eigenvalue density.",
        conditions=r"p \geq 2",
    )


# --- mixtures ------------------------------------------------------------------------------------

MIXED_SOURCE = ("derived here: the Kac-Rice formula on the sphere with the covariances of the mixed spherical "
                "spin glass of Auffinger and Ben Arous (2013)")
MIXED_CITE = ("auffinger2013mixed",)


@functools.lru_cache(maxsize=None)
def mixed_field_covariances() -> dict:
    r"""Covariances of the mixed field at the north pole ``w = √N e_N``, by differentiating ``N ξ(w·w'/N)``.

    Three coordinates suffice (two tangential, 1 and 2, and the radial one, r): the kernel restricted to
    that subspace is the same for every dimension. ξ is an undefined sympy function; its derivatives at 1
    are written ``xi1``, ``xi2`` (ξ(1) = 1). Keys: ``energy`` Var L; ``energy_radial`` Cov(L, ∂_r L);
    ``radial`` Var ∂_r L; ``gradient`` Var ∂_1 L; ``gradient_cross`` Cov(∂_1 L, ∂_2 L);
    ``gradient_energy``, ``gradient_radial`` Cov(∂_1 L, L), Cov(∂_1 L, ∂_r L); ``hessian_diagonal``
    Var ∂_11 L; ``hessian_offdiagonal`` Var ∂_12 L; ``hessian_pair`` Cov(∂_11 L, ∂_22 L);
    ``hessian_energy``, ``hessian_radial``, ``hessian_gradient``: the largest of the absolute
    covariances of ∂_11 L, ∂_12 L with L, ∂_r L and ∂_1 L, ∂_2 L (all zero).
    """
    f = sympy.Function("xi")
    w = sympy.symbols("w1:4", real=True)
    v = sympy.symbols("v1:4", real=True)
    kernel = _N * f(sum(a * b for a, b in zip(w, v)) / _N)
    pole = {w[0]: 0, w[1]: 0, w[2]: sympy.sqrt(_N), v[0]: 0, v[1]: 0, v[2]: sympy.sqrt(_N)}
    names = {1: xi1, 2: xi2}

    def cov(left, right):
        """Cov(∂_left L(w), ∂_right L(v)) at the pole; ``left``, ``right``: tuples of coordinates
        (0, 1 tangential, 2 radial)."""
        e = kernel
        for i in left:
            e = sympy.diff(e, w[i])
        for i in right:
            e = sympy.diff(e, v[i])
        e = e.subs(pole).doit()
        e = e.replace(lambda q: isinstance(q, sympy.Subs) and q.point == (1,),
                      lambda q: names.get(q.expr.derivative_count, q))
        return sympy.simplify(e.subs(f(1), 1))

    def largest(pairs):
        return sympy.Max(*[sympy.Abs(cov(a, b)) for a, b in pairs])

    hess = [(0, 0), (0, 1)]
    return {
        "energy": cov((), ()),
        "energy_radial": cov((), (2,)),
        "radial": cov((2,), (2,)),
        "gradient": cov((0,), (0,)),
        "gradient_cross": cov((0,), (1,)),
        "gradient_energy": cov((0,), ()),
        "gradient_radial": cov((0,), (2,)),
        "hessian_diagonal": cov((0, 0), (0, 0)),
        "hessian_offdiagonal": cov((0, 1), (0, 1)),
        "hessian_pair": cov((0, 0), (1, 1)),
        "hessian_energy": largest([(h, ()) for h in hess]),
        "hessian_radial": largest([(h, (2,)) for h in hess]),
        "hessian_gradient": largest([(h, (g,)) for h in hess for g in (0, 1)]),
    }


@functools.lru_cache(maxsize=None)
def mixed_kac_rice_coefficients() -> dict:
    r"""The coefficients of the mixed finite-N count (module docstring) as sympy expressions of
    ``xi1 = ξ'(1)``, ``xi2 = ξ''(1)`` and ``N``, derived here from :func:`mixed_field_covariances`.

    Keys: ``prefactor`` (A_N), ``b``, ``m``, ``sigma2`` (σ²), and the intermediate ``gradient_variance``
    (ξ'), ``hessian_scale`` (√(2ξ'')), ``radial_mean`` (the slope ξ' of ``E[R | u] = ξ' u``) and
    ``radial_variance`` (``Var(R | u) = α²/N``).

    ``prefactor`` = |S^{N-1}(√N)| · (2π ξ')^{-(N-1)/2} (gradient density at 0) · hessian_scale^{N-1}
    (the determinant) · √(N/(2π var_t)) (the density of ``t = R/hessian_scale`` at 0) ·
    ``Z_N/(N Z_{N-1})`` (Mehta's integral, ``Z_m = (2π)^{m/2} Π_{j≤m} Γ(1+j/2)/Γ(3/2) · N^{-m/2-m(m-1)/4}``),
    and ``b = (1/(2 var_t) - N/2)/N`` from ``e^{-t²/(2 var_t)} e^{N t²/2}``.
    """
    c = mixed_field_covariances()
    N = _N
    var_u = c["energy"] / N**2  # u = L/N
    cov_uR = c["energy_radial"] / (N * sympy.sqrt(N))  # R = w·∇L/N = ∂_r L/√N
    var_R = c["radial"] / N
    gradient = c["gradient"]
    hessian_scale = sympy.sqrt(2 * N * c["hessian_offdiagonal"])  # E G_12² = 1/(2N)
    var_t = var_R / hessian_scale**2
    area = 2 * sympy.pi ** (N / 2) * N ** ((N - 1) / 2) / sympy.gamma(N / 2)
    gradient_density = (2 * sympy.pi * gradient) ** (-(N - 1) / 2)
    z_ratio = sympy.sqrt(2 * sympy.pi) * sympy.gamma(1 + N / 2) / sympy.gamma(sympy.Rational(3, 2)) * N ** (-N / 2)
    prefactor = (area * gradient_density * hessian_scale ** (N - 1) / sympy.sqrt(2 * sympy.pi * var_t)
                 * z_ratio / N)
    b = (1 / (2 * var_t) - N / 2) / N
    m = cov_uR / var_R * hessian_scale
    sigma2 = var_u - cov_uR**2 / var_R
    simplify = lambda e: sympy.simplify(sympy.gammasimp(sympy.powsimp(e, force=True)))  # noqa: E731
    return {
        "prefactor": simplify(prefactor),
        "b": sympy.simplify(b),
        "m": sympy.simplify(m),
        "sigma2": sympy.simplify(sigma2),
        "gradient_variance": gradient,
        "hessian_scale": sympy.simplify(hessian_scale),
        "radial_mean": sympy.simplify(cov_uR / var_u),
        "radial_variance": sympy.simplify(var_R - cov_uR**2 / var_u),
    }


def _pure_equivalent():
    """``p = 1 + ξ''/ξ'``, at which the pure prefactor and ``b`` are the mixed ones (checked here)."""
    P = 1 + xi2 / xi1
    coeff = mixed_kac_rice_coefficients()
    same_b = sympy.simplify(((p - 2) / (2 * p)).subs(p, P) - coeff["b"]) == 0
    prefactor = coeff["prefactor"]
    pure = 2 * sympy.sqrt(2 / p) * (p - 1) ** (_N / 2)
    ratio = sympy.simplify(sympy.powsimp((pure / prefactor).subs(p, P), force=True))
    if not same_b or ratio != 1:
        raise ArithmeticError(  # pragma: no cover
            "the mixed coefficients are not those of the pure model at p = 1 + xi''/xi'")
    return P


@functools.lru_cache(maxsize=None)
def _mixed_index_expr(N: int, k: int) -> sympy.Expr:
    return sympy.simplify(_index_expr(N, k).subs(p, _pure_equivalent()))


def mixed_index_critical_points_formula(N: int, k: int) -> Formula:
    r"""``E Crt_{N,k}(ℝ)`` of a mixture as a :class:`Formula` in ``xi1 = ξ'(1)``, ``xi2 = ξ''(1)``
    (N ∈ {2, 3}; derived here: the pure closed form at ``p = 1 + ξ''/ξ'``, see the module docstring)."""
    N = _check_n(N)
    k = integer("k", k, minimum=0, maximum=N - 1)
    return Formula(
        name=f"expected_critical_points_mixed_N{N}_k{k}",
        expr=_mixed_index_expr(N, k),
        parameters=(xi1, xi2),
        lhs=rf"\mathbb{{E}}\,\mathrm{{Crt}}_{{{N},{k}}}(\mathbb{{R}})",
        reference=MIXED_SOURCE, cite=MIXED_CITE,
        description=f"Expected number of critical points of index {k} of a mixed spherical spin glass "
                    f"with xi1 = xi'(1), xi2 = xi''(1), on S^{N - 1}(sqrt({N})), exact for N = {N}.",
        conditions=r"\xi_1 = \xi'(1) > 0,\ \xi_2 = \xi''(1) > 0",
    )


def mixed_total_critical_points_formula(N: int) -> Formula:
    r"""``E Crt_N(ℝ)`` of a mixture (the sum over k of :func:`mixed_index_critical_points_formula`)."""
    N = _check_n(N)
    return Formula(
        name=f"expected_critical_points_mixed_N{N}",
        expr=sympy.simplify(sum(_mixed_index_expr(N, k) for k in range(N))),
        parameters=(xi1, xi2),
        lhs=rf"\mathbb{{E}}\,\mathrm{{Crt}}_{{{N}}}(\mathbb{{R}})",
        reference=MIXED_SOURCE, cite=MIXED_CITE,
        description=f"Expected total number of critical points of a mixed spherical spin glass with "
                    f"xi1 = xi'(1), xi2 = xi''(1), on S^{N - 1}(sqrt({N})), exact for N = {N}.",
        conditions=r"\xi_1 = \xi'(1) > 0,\ \xi_2 = \xi''(1) > 0",
    )


__all__ = [
    "mixed_field_covariances",
    "mixed_kac_rice_coefficients",
    "mixed_index_critical_points_formula",
    "mixed_total_critical_points_formula",
    "total_critical_points_formula",
    "index_critical_points_formula",
    "normalising_constant",
    "joint_eigenvalue_density",
    "SUPPORTED_N",
]
