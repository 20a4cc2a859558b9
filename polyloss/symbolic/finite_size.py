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


__all__ = [
    "total_critical_points_formula",
    "index_critical_points_formula",
    "normalising_constant",
    "joint_eigenvalue_density",
    "SUPPORTED_N",
]
