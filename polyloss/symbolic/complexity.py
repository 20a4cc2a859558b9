"""Asymptotic complexity of the spherical H-spin glass (Auffinger, Ben Arous and Černý 2013, "ABC";
Choromanska et al. 2015, Sec. 4).

Energies are per Λ, ``u = L/Λ`` (Choromanska et al. 2015, Secs. 3–4). With ``E_∞ = 2√((H-1)/H)``:

* ``I_1(u) = -(u/E_∞²)√(u²-E_∞²) - log(-u + √(u²-E_∞²)) + log E_∞ = ∫_{au}^{-√2} √(z²-2) dz``,
  ``a = √2/E_∞``, for ``u ≤ -E_∞``;
* ``Θ_{k,H}(u) = lim (1/Λ) log E Crt_{Λ,k}(u)`` (index k), ``Θ_H(u)`` (all indices), piecewise;
* ``E_k(H) > E_∞``: the zero of ``Θ_{k,H}(-E_k) = 0``.

Each is a :class:`~polyloss.symbolic.formula.Formula` in the paper's printed form, and (for Θ) an
equivalent *stable* form in the distance to the threshold ``s = -u/E_∞ - 1`` that the float64
evaluation compiles (:mod:`polyloss.numeric.complexity`); their equality is a tested identity.
The derived facts (continuity, ``I_1'``, the ``(−u−E_∞)^{3/2}`` law, ``Θ_{0,H}(-E_∞)``) are
functions returning sympy expressions, so that the theory document prints what was derived.

Mixed spherical spin glasses ``ξ(x) = Σ_p a_p² x^p`` (the model of Auffinger and Ben Arous 2013; the
``mixed_*`` functions are derived here from the Kac–Rice structure, and their correspondence with that
paper's statements and names is [unverified]), in ``ξ' = ξ'(1)``, ``ξ'' = ξ''(1)``,
``α² = ξ'' + ξ' − ξ'²``, ``γ = ξ'' − ξ' + ξ'²``):

* the exponent ``F_k(v, t)`` of the Kac–Rice integrand at energy ``v`` and GOE level ``t``
  (:func:`mixed_level_functional_formula`); the level complexity ``θ_{k,ξ}(v) = sup_{t ≤ −√2} F_k``;
* the maximiser: the GOE edge ``t = −√2`` for ``v ≥ −E'_∞`` (the parabola :func:`mixed_edge_formula`),
  else :func:`mixed_shift_formula` (computed as :func:`mixed_edge_root_formula`);
* ``E_∞(ξ) = 2ξ'√ξ''/(ξ' + ξ'')``, ``E'_∞(ξ) = γ/(ξ'√ξ'')``, the top :func:`mixed_maximum_formula`,
  the criterion :func:`mixed_criterion_formula`, the all-index bulk :func:`mixed_bulk_formula`, and the
  trivial regime ``ξ'' ≤ ξ'`` (:func:`mixed_trivial_maximiser_formula`);
* the identities (``mixed_edge_slope``, ``mixed_concavity``, ``mixed_threshold_facts``,
  ``mixed_trivial_regime_value``, ...) and :func:`mixed_pure_reduction`: for ``ξ = x^H`` each mixed
  formula minus ABC's simplifies to 0.
"""

from __future__ import annotations

import functools

import sympy

from .formula import Formula

u = sympy.Symbol("u", real=True)
H = sympy.Symbol("H", positive=True)
k = sympy.Symbol("k", integer=True, nonnegative=True)
E = sympy.Symbol("E_k", positive=True)  # the unknown of the threshold equation
t = sympy.Symbol("t", positive=True)    # t = -u/E_inf (>= 1 below the threshold)
x = sympy.Symbol("x", positive=True)    # x = -u - E_inf (distance below the threshold)
s = sympy.Symbol("s", real=True)         # s = -u/E_inf - 1 (relative distance below the threshold)
theta_s = sympy.Symbol("Theta_*", real=True)  # Theta_* = Theta_{k,H}(-E_inf), a parameter of the stable forms

ABC = "Auffinger, Ben Arous and Černý (2013)"
PAPER = "Choromanska et al. (2015)"

E_INF = 2 * sympy.sqrt((H - 1) / H)
THETA_STAR = sympy.log(H - 1) / 2 - (H - 2) / H  # Theta_{k,H} above the threshold
_C2 = (H - 2) / (4 * (H - 1))                   # coefficient of u^2 in Theta

# The printed forms use E_inf and I_1 as names (as the paper does); the Formula's expression is the
# printed form with both replaced by their definitions (_from_printed), so the two cannot differ.
E_inf = sympy.Symbol(r"E_\infty", positive=True)
I_1 = sympy.Function("I_1")
_PRINTED: dict = {}


def _from_printed(name: str, printed_expr) -> sympy.Expr:
    _PRINTED[name] = printed_expr
    return printed_expr.replace(I_1, lambda arg: _i1_expr(arg, E_inf)).subs(E_inf, E_INF)


def printed(formula: Formula) -> sympy.Expr:
    """The expression as the document prints it (with ``E_∞`` and ``I_1(·)`` kept as names)."""
    return _PRINTED.get(formula.name, formula.expr)


def _i1_expr(v, e_inf=E_INF):
    root = sympy.sqrt(v**2 - e_inf**2)
    return -(v / e_inf**2) * root - sympy.log(-v + root) + sympy.log(e_inf)


def _i1_stable_expr(sv):
    """``I_1`` in ``s = -u/E_∞ - 1``: ``(1+s)√(s(s+2)) - asinh√(s(s+2))`` (no ``u² - E_∞²``, no log)."""
    y = sympy.sqrt(sv * (sv + 2))
    return (1 + sv) * y - sympy.asinh(y)


I1_SERIES_TERMS = 50                   # terms of the series of I_1 in zeta
S_SERIES_MAX = sympy.Rational(2, 5)    # the series is used for 0 < s < 2/5: w = s(s+2) < 24/25,
I1_SERIES_W_MAX = S_SERIES_MAX * (S_SERIES_MAX + 2)  # zeta = w/(1+w) < 24/49 < 1/2
zeta = sympy.Symbol("zeta", nonnegative=True)  # zeta = w/(1+w) = (y/t)^2, t = 1+s, y = sqrt(s(s+2))
_n = sympy.Symbol("n", integer=True, nonnegative=True)


def i1_series_term() -> sympy.Expr:
    """The ``n``-th term of ``I_1 = (2y³/t) Σ_{n≥0} ζⁿ/((2n+1)(2n+3))``, ``t = 1+s``, ``ζ = (y/t)²``.

    The sum is Pfaff's transformation of ``I_1 = (2/3) y³ ₂F₁(½, 3/2; 5/2; -y²)`` (the integral of the
    binomial series of ``I_1' ∝ 2y²/√(1+y²)``); :func:`i1_series_identity` proves it equals
    ``t y - asinh y``. Its terms are positive, so float64 summation has no cancellation, where the
    closed form loses ``ulp(t y)`` against ``I_1 ≈ (2/3) y³``."""
    return zeta**_n / ((2 * _n + 1) * (2 * _n + 3))


@functools.lru_cache(maxsize=None)
def i1_series_polynomial() -> sympy.Expr:
    """``P(ζ) = Σ_{n<50} ζⁿ/((2n+1)(2n+3))``; for ``ζ < 1/2`` (``s < 2/5``) the omitted tail is below
    ``2^{-50}/(101·103·(1-ζ)) < 2e-19`` (relative to ``P(0) = 1/3``: < 6e-19)."""
    return sum(i1_series_term().subs(_n, j) for j in range(I1_SERIES_TERMS))


def i1_series_identity() -> sympy.Expr:
    """``(2y³/t) Σ_{n≥0} ζⁿ/((2n+1)(2n+3)) - (t y - asinh y)`` with ``t = √(1+y²)``, ``ζ = (y/t)²``
    (sympy ``summation``, then simplify): 0."""
    yy, r = sympy.Symbol("y", positive=True), sympy.Symbol("r", positive=True)
    total = sympy.summation(i1_series_term().subs(zeta, r**2), (_n, 0, sympy.oo))
    total = total.args[0][0] if isinstance(total, sympy.Piecewise) else total  # the branch r^2 <= 1
    tt = sympy.sqrt(1 + yy**2)
    gap = 2 * yy**3 / tt * total.subs(r, yy / tt) - (tt * yy - sympy.asinh(yy))
    return sympy.simplify(sympy.expand_log(sympy.simplify(gap.rewrite(sympy.log)), force=True))


def _i1_series_expr(sv):
    ww, tt = sv * (sv + 2), 1 + sv
    return 2 * ww ** sympy.Rational(3, 2) / tt * sympy.horner(i1_series_polynomial(), zeta).subs(zeta, ww / tt**2)


# --- the formulas ------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def e_infinity_formula() -> Formula:
    return Formula(
        "E_inf", E_INF, (H,), lhs=r"E_\infty(H)",
        reference=f"{ABC}, Sec. 2 [unverified]; {PAPER}, Sec. 4",
        cite=("auffinger2013", "choromanska2015"),
        description="the energy threshold: below -Lambda E_inf, critical points of finite index live",
    )


@functools.lru_cache(maxsize=None)
def i1_formula() -> Formula:
    return Formula(
        "I_1", _from_printed("I_1", _i1_expr(u, E_inf)), (u, H), lhs=r"I_1(u)",
        reference=f"{ABC}, Sec. 2 [unverified]; {PAPER}, Sec. 4, Theorem 4.1 [unverified]",
        cite=("auffinger2013", "choromanska2015"),
        description="the large-deviation rate of the smallest GOE eigenvalue, in energy units: "
                    "the integral of sqrt(z^2-2) from a u to -sqrt 2, a = sqrt 2 / E_inf",
        conditions=r"u \le -E_\infty",
    )


@functools.lru_cache(maxsize=None)
def theta_k_formula() -> Formula:
    """``Θ_{k,H}(u)``, piecewise, as printed (ABC Theorem 2.5; Choromanska et al. 2015, Theorem 4.1; both
    theorem numbers [unverified])."""
    below = sympy.log(H - 1) / 2 - _C2 * u**2 - (k + 1) * I_1(u)
    expr = _from_printed("theta_k", sympy.Piecewise((below, u <= -E_inf), (THETA_STAR, True)))
    return Formula(
        "theta_k", expr, (u, H, k),
        lhs=r"\Theta_{k,H}(u)",
        reference=f"{ABC}, Theorem 2.5 [unverified]; {PAPER}, Sec. 4, Theorem 4.1 [unverified]",
        cite=("auffinger2013", "choromanska2015"),
        description="lim (1/Lambda) log E Crt_{Lambda,k}(u): critical points of index k below Lambda u",
    )


@functools.lru_cache(maxsize=None)
def theta_formula() -> Formula:
    """``Θ_H(u)`` (all indices), piecewise, as printed (ABC Theorem 2.8; Choromanska et al. 2015,
    Corollary 4.1; both numbers [unverified])."""
    base = sympy.log(H - 1) / 2
    expr = _from_printed("theta", sympy.Piecewise(
        (base - _C2 * u**2 - I_1(u), u <= -E_inf), (base - _C2 * u**2, u <= 0), (base, True)))
    return Formula(
        "theta", expr, (u, H),
        lhs=r"\Theta_H(u)",
        reference=f"{ABC}, Theorem 2.8 [unverified]; {PAPER}, Sec. 4, Corollary 4.1 [unverified]",
        cite=("auffinger2013", "choromanska2015"),
        description="lim (1/Lambda) log E Crt_Lambda(u): critical points of any index below Lambda u",
    )


@functools.lru_cache(maxsize=None)
def threshold_distance_formula() -> Formula:
    """``s = -u/E_∞ - 1``: the relative distance below the threshold (``s > 0 ⇔ u < -E_∞``)."""
    return Formula("s", _from_printed("s", -u / E_inf - 1), (u, H), lhs="s",
                   description="the relative distance below the threshold -E_inf (positive below it)")


@functools.lru_cache(maxsize=None)
def theta_star_formula() -> Formula:
    """``Θ* = Θ_{k,H}(u ≥ -E_∞) = ½ log(H-1) - (H-2)/H``: :func:`theta_k_formula` above the threshold."""
    return Formula("theta_star", THETA_STAR, (H,), lhs=r"\Theta_{*}",
                   reference=theta_k_formula().reference, cite=theta_k_formula().cite,
                   description="the complexity at and above the threshold, for every index")


@functools.lru_cache(maxsize=None)
def theta_k_stable_formula() -> Formula:
    """``Θ_{k,H}`` in ``s`` and ``Θ*``: ``Θ* - ((H-2)/H) s(s+2) - (k+1) I_1`` for ``s > 0``, else ``Θ*``.

    Equal to :func:`theta_k_formula` after ``s = -u/E_∞ - 1``, ``Θ* = ½ log(H-1) - (H-2)/H``
    (:func:`stable_form_differences`). For float64 the caller supplies ``s`` and ``Θ*`` accurately
    (``E_∞`` and ``Θ*`` are irrational): the terms are then of the size of ``Θ*`` rather than
    ``½ log(H-1)``, and no ``u² - E_∞²`` is formed, so the cancellation where Θ crosses zero (at
    ``-E_k``) costs ``|Θ*|/|Θ|`` ulps.
    """
    quadratic = theta_s - (H - 2) / H * s * (s + 2)
    _PRINTED["theta_k_stable"] = sympy.Piecewise((quadratic - (k + 1) * I_1(u), s > 0), (theta_s, True))
    expr = sympy.Piecewise(
        (quadratic - (k + 1) * _i1_stable_expr(s), s >= S_SERIES_MAX),
        (quadratic - (k + 1) * _i1_series_expr(s), s > 0),
        (theta_s, True))
    return Formula(
        "theta_k_stable", expr, (s, H, k, theta_s),
        lhs=r"\Theta_{k,H}", reference=theta_k_formula().reference, cite=theta_k_formula().cite,
        description="the index-k complexity in a form without cancellation at the threshold",
    )


@functools.lru_cache(maxsize=None)
def theta_stable_formula() -> Formula:
    """``Θ_H`` in ``s`` and ``Θ*`` like :func:`theta_k_stable_formula` (equal to :func:`theta_formula`);
    ``u ≤ 0 ⇔ s ≥ -1``."""
    quadratic = theta_s - (H - 2) / H * s * (s + 2)
    _PRINTED["theta_stable"] = sympy.Piecewise(
        (quadratic - I_1(u), s > 0), (quadratic, s >= -1), (sympy.log(H - 1) / 2, True))
    return Formula(
        "theta_stable", sympy.Piecewise(
            (quadratic - _i1_stable_expr(s), s >= S_SERIES_MAX),
            (quadratic - _i1_series_expr(s), s > 0),
            (quadratic, s >= -1),
            (sympy.log(H - 1) / 2, True)), (s, H, theta_s),
        lhs=r"\Theta_H", reference=theta_formula().reference, cite=theta_formula().cite,
        description="the total complexity in a form without cancellation at the threshold",
    )


@functools.lru_cache(maxsize=None)
def threshold_equation() -> Formula:
    """``Θ_{k,H}(-E_k)`` as a function of ``E_k``: its unique zero above ``E_∞`` defines ``E_k(H)``."""
    expr = _from_printed("threshold_equation", sympy.log(H - 1) / 2 - _C2 * E**2 - (k + 1) * I_1(-E))
    return Formula(
        "threshold_equation", expr, (E, H, k), lhs=r"\Theta_{k,H}(-E_k)",
        reference=f"{ABC}, Sec. 2 [unverified]; {PAPER}, Sec. 4",
        cite=("auffinger2013", "choromanska2015"),
        description="E_k(H) is the unique zero above E_inf; -Lambda E_0 is the ground-state level",
        conditions=r"E_k > E_\infty",
    )


def formulas() -> tuple:
    """Every formula of this module, in the order the document prints them."""
    return (e_infinity_formula(), i1_formula(), theta_k_formula(), theta_formula(), threshold_equation())


# --- derived facts (each a sympy expression; the tests check them) -----------------------------
def theta_continuity_gap() -> sympy.Expr:
    """``Θ_{k,H}`` below minus above the threshold, at ``u = -E_∞`` (simplifies to 0)."""
    below, above = (piece for piece, _ in theta_k_formula().expr.args)
    return sympy.simplify(below.subs(u, -E_INF) - above)


def theta_total_continuity_gaps() -> tuple:
    """``Θ_H``'s jumps at ``u = -E_∞`` and ``u = 0`` (both simplify to 0)."""
    (p1, _), (p2, _), (p3, _) = theta_formula().expr.args
    return sympy.simplify(p1.subs(u, -E_INF) - p2.subs(u, -E_INF)), sympy.simplify(p2.subs(u, 0) - p3)


def minima_dominance() -> sympy.Expr:
    """``(Θ_{k,H}(u) - Θ_{0,H}(u)) / I_1(u)`` below the threshold: simplifies to ``-k``."""
    below = theta_k_formula().expr.args[0][0]
    return sympy.simplify((below - below.subs(k, 0)) / _i1_expr(u))


def _on_lower_branch(expr) -> sympy.Expr:
    """Simplify ``expr`` on ``u = -E_∞√(1+y²)``, ``y > 0`` (every ``u < -E_∞``), with ``H > 1``.

    There ``√(u² - E_∞²) = E_∞ y`` and ``-u/E_∞ - 1 = √(1+y²) - 1``, so the square roots and
    logarithms of both forms become algebra that sympy can finish.
    """
    e = expr.subs(u, -E_INF * sympy.sqrt(1 + _y**2))
    e = e.replace(lambda a: a.is_Pow and a.exp == sympy.S.Half, lambda a: sympy.sqrt(sympy.factor(a.base)))
    e = sympy.expand_power_base(e, force=True)  # split sqrt((H-1)(y^2+1)): valid as H > 1
    return sympy.simplify(sympy.expand_log(e.rewrite(sympy.log), force=True))


_y = sympy.Symbol("y", positive=True)


def i1_derivative() -> sympy.Expr:
    """``I_1'(u) = -(2/E_∞²)√(u² - E_∞²) = -(H/(2(H-1)))√(u² - E_∞²)``, ``u < -E_∞``.

    Returns the closed form after checking that it equals the sympy derivative of :func:`i1_formula`
    (on the lower branch); returns the raw derivative if that check ever failed.
    """
    d = sympy.diff(_i1_expr(u), u)
    closed = -H / (2 * (H - 1)) * sympy.sqrt(u**2 - E_INF**2)
    return closed if _on_lower_branch(d - closed) == 0 else d


def i1_threshold_expansion() -> sympy.Expr:
    """Leading term of ``I_1(-E_∞ - x)``, ``x → 0⁺``, by series expansion of :func:`i1_formula`:
    ``(2/3)(H/(H-1))^{3/4} x^{3/2} = (4√2/3) E_∞^{-3/2} x^{3/2}``; the next term is ``O(x^{5/2})``."""
    Es = sympy.Symbol("E_s", positive=True)  # E_inf as a positive symbol while expanding
    i1 = _i1_expr(-Es - x, Es)
    lead = sympy.series(i1, x, 0, 2).removeO()
    return sympy.simplify(sympy.simplify(lead).subs(Es, E_INF))


def i1_threshold_constant() -> sympy.Expr:
    """The constant ``C_H`` of ``I_1(u) ≈ C_H (-u - E_∞)^{3/2}``: ``(2/3)(H/(H-1))^{3/4}``."""
    return sympy.simplify(i1_threshold_expansion() / x ** sympy.Rational(3, 2))


def theta_at_threshold() -> sympy.Expr:
    """``Θ_{0,H}(-E_∞) = ½ log(H-1) - (H-2)/H`` (the growth rate of the number of minima in the band)."""
    below = theta_k_formula().expr.args[0][0].subs(k, 0)
    return sympy.simplify(below.subs(u, -E_INF))


def stable_form_differences() -> tuple:
    """Paper form minus stable form (with ``s = -u/E_∞ - 1``, ``Θ* = ½ log(H-1) - (H-2)/H``) for
    ``Θ_{k,H}`` and ``Θ_H`` below the threshold (closed-form branch), and for ``Θ_H`` on ``[-E_∞, 0]``:
    each simplifies to 0. The series branch of ``I_1`` is :func:`i1_series_identity`."""
    back = {s: threshold_distance_formula().expr, theta_s: THETA_STAR}
    pairs = ((theta_k_formula(), theta_k_stable_formula()), (theta_formula(), theta_stable_formula()))
    out = [_on_lower_branch(paper.expr.args[0][0] - stable.expr.args[0][0].subs(back)) for paper, stable in pairs]
    middle = theta_formula().expr.args[1][0] - theta_stable_formula().expr.args[2][0].subs(back)
    out.append(sympy.simplify(middle))
    return tuple(out)


# =================================================================================================
# Mixed spherical spin glasses: ξ(x) = Σ_p a_p² x^p (Auffinger and Ben Arous 2013, "ABA")
# =================================================================================================
# The model, its Kac–Rice structure and everything below are functions of ξ'(1), ξ''(1) only. The
# large-N formulas are derived here from that structure (the tangential gradient N(0, ξ'), the
# Hessian √(2ξ'') G − R·I with G a GOE normalised by N, and R | u ~ N(ξ' u, α²/N)). ABA study the
# complexity of mixed models; what is confirmed of their paper is its abstract's sentence: in one scenario
# local minima are exponentially many even below the ground-state energy, in the other the critical values
# have a layered structure. The formulas, the names E_∞, E'_∞, "pure-like"/"full mixture", the criterion
# and any theorem or equation number are ours (derived here); their correspondence with ABA's statements
# and names is [unverified] (ABA_UNVERIFIED).
ABA = "Auffinger and Ben Arous (2013)"
ABA_UNVERIFIED = f"derived here; its correspondence with the statements and names of {ABA} is [unverified]"

xi1 = sympy.Symbol(r"\xi'", positive=True)    # ξ'(1)
xi2 = sympy.Symbol(r"\xi''", positive=True)   # ξ''(1)
v = sympy.Symbol("v", real=True)              # the energy level per N of the critical points (density)
t_shift = sympy.Symbol("t", real=True)        # the GOE level: the Hessian is √(2ξ'')(G − t)
r_mix = sympy.Symbol("r", positive=True)      # r = (ξ' − ξ'')/(ξ' + ξ'') in the trivial regime ξ'' < ξ'
ALPHA2 = xi2 + xi1 - xi1**2                   # α²: Var(R | u) N; the variance of the degree
GAMMA = xi2 - xi1 + xi1**2                    # γ = 2ξ'' − α² > 0
A_HESS = sympy.sqrt(2 * xi2)                  # the Hessian's scale √(2ξ'')
KK = k + 1
MIXED_E_INF = 2 * xi1 * sympy.sqrt(xi2) / (xi1 + xi2)
MIXED_E_INF_PRIME = GAMMA / (xi1 * sympy.sqrt(xi2))
MIXED_MAXIMUM = sympy.log(xi2 / xi1) / 2 - (xi2 - xi1) / (xi2 + xi1)   # θ_{k,ξ}(−E_∞), ξ'' ≥ ξ'
MIXED_CRITERION = sympy.log(xi2 / xi1) / 2 - MIXED_E_INF_PRIME**2 / 2 + 1 - ALPHA2 / (2 * xi2)

# names kept in the printed forms
alpha2_name = sympy.Symbol(r"\alpha^2", positive=True)
gamma_name = sympy.Symbol(r"\gamma", positive=True)
e_inf_xi = sympy.Symbol(r"E_\infty", positive=True)
e_inf_prime_xi = sympy.Symbol(r"{E'_\infty}", positive=True)  # braced: E'_∞² is a double superscript
c_name = sympy.Symbol(r"\hat c", real=True)   # ĉ = √(2ξ'') ξ' v
I_goe = sympy.Function(r"\mathcal{I}")         # the GOE rate function in the GOE variable t
_MIXED_NAMES = {alpha2_name: ALPHA2, gamma_name: GAMMA, e_inf_xi: MIXED_E_INF, e_inf_prime_xi: MIXED_E_INF_PRIME}


def _goe_i1(tv):
    """``𝓘(t) = ∫_{√2}^{|t|} √(x² − 2) dx = |t|√(t² − 2)/2 − log((|t| + √(t² − 2))/√2)`` for ``t ≤ −√2``
    (written for negative t): the rate of the smallest eigenvalue of the GOE normalised by N. ABC's
    ``I_1(u)`` is ``𝓘(a u)``, ``a = √2/E_∞``."""
    root = sympy.sqrt(tv**2 - 2)
    return -tv * root / 2 - sympy.log((-tv + root) / sympy.sqrt(2))


def _mixed_expr(printed_expr):
    """A printed mixed expression with its names (α², γ, E_∞, E'_∞, ĉ, 𝓘) replaced by definitions."""
    e = printed_expr.replace(I_goe, _goe_i1)
    e = e.subs(c_name, A_HESS * xi1 * v)
    return e.subs(_MIXED_NAMES)


def _mixed(name, printed_expr, parameters, **kw):
    _PRINTED[name] = printed_expr
    kw.setdefault("cite", ("auffinger2013mixed",))
    return Formula(name, _mixed_expr(printed_expr), parameters, **kw)


@functools.lru_cache(maxsize=None)
def mixed_alpha2_formula() -> Formula:
    return _mixed("mixed_alpha2", ALPHA2, (xi1, xi2), lhs=r"\alpha^2",
                  reference=ABA_UNVERIFIED,
                  description="N Var(R | u): the variance of the degree under the weights a_p^2 (0 iff pure)")


@functools.lru_cache(maxsize=None)
def mixed_e_infinity_formula() -> Formula:
    return _mixed("mixed_E_inf", MIXED_E_INF, (xi1, xi2), lhs=r"E_\infty(\xi)",
                  reference=ABA_UNVERIFIED,
                  description="the level -E_inf that maximises the complexity of every finite index "
                              "(when xi'' > xi')")


@functools.lru_cache(maxsize=None)
def mixed_e_infinity_prime_formula() -> Formula:
    return _mixed("mixed_E_inf_prime", gamma_name / (xi1 * sympy.sqrt(xi2)), (xi1, xi2), lhs=r"E'_\infty(\xi)",
                  reference=ABA_UNVERIFIED,
                  description="below -E'_inf the Hessian's shift leaves the GOE edge and the indices separate")


@functools.lru_cache(maxsize=None)
def mixed_level_functional_formula() -> Formula:
    """``F_k(v, t)``: the exponent of the Kac–Rice integrand at energy ``v`` and GOE level ``t`` (derived here):
    ``θ_{k,ξ}(v) = sup_{t ≤ −√2} F_k(v, t)``."""
    printed = (sympy.log(xi2 / xi1) / 2 - v**2 / 2 + t_shift**2 / 2 - KK * I_goe(t_shift)
               - (A_HESS * t_shift - xi1 * v)**2 / (2 * alpha2_name))
    return _mixed("mixed_functional", printed, (v, t_shift, xi1, xi2, k), lhs=r"F_{k,\xi}(v, t)",
                  reference=ABA_UNVERIFIED + " (from the Kac--Rice formula)",
                  description="the large-N exponent of the index-k Kac-Rice integrand at energy v, GOE level t",
                  conditions=r"t \le -\sqrt2")


def _shift_generic(c_sym, a2, g):
    """The stationary point of ``F_k`` in ``t`` (interior branch), in ``ĉ``, ``α²``, ``γ`` as symbols."""
    return (c_sym**2 + 2 * KK**2 * a2**2) / (g * c_sym - KK * a2 * sympy.sqrt(c_sym**2 - 2 * g**2 + 2 * KK**2 * a2**2))


@functools.lru_cache(maxsize=None)
def mixed_shift_formula() -> Formula:
    """``t*_k(v)``: the maximiser of ``F_k(v, ·)`` on ``t < −√2`` for ``v < −E'_∞`` (derived here).

    ``∂_t F = 0`` reads ``(k+1)√(t² − 2) = B t − c`` with ``B = γ/α²``, ``c = ĉ/α²``, ``ĉ = √(2ξ'')ξ'v``;
    squared, a quadratic, whose root with ``t ≤ −√2`` and ``B t − c ≥ 0`` is this one (written without
    dividing by ``B² − (k+1)²`` or by ``α²``, so that ``α² → 0`` gives the pure ``t = ĉ/γ``)."""
    return _mixed("mixed_shift", _shift_generic(c_name, alpha2_name, gamma_name), (v, xi1, xi2, k),
                  lhs=r"t^*_k(v)", reference="derived here",
                  description="the GOE level that maximises F_k(v, t) when v < -E'_inf",
                  conditions=r"v < -E'_\infty,\quad \hat c = \sqrt{2\xi''}\,\xi' v")


delta_name = sympy.Symbol(r"\delta", nonnegative=True)  # δ = √ξ'' ξ'(−v − E'_∞) ≥ 0 below −E'_∞


def _edge_root_generic(dl, a2, g):
    """``y*`` in ``δ``, ``α²``, ``γ`` as symbols: the root ``y ≥ 0`` of ``(k+1)α² y + γ(√(1+y²) − 1) = δ``."""
    return dl * (dl + 2 * g) / ((dl + g) * KK * a2 + g * sympy.sqrt(KK**2 * a2**2 + dl * (dl + 2 * g)))


@functools.lru_cache(maxsize=None)
def mixed_edge_root_formula() -> Formula:
    """``y*_k(v) = √(t*² − 2)/√2``: the distance of the maximising GOE level from the edge, the form the
    numbers use (derived here). With ``t = −√2 √(1 + y²)`` the stationarity ``(k+1)√(t² − 2) = B t − c``
    reads ``(k+1)α² y + γ(√(1 + y²) − 1) = δ``, ``δ = √ξ'' ξ'(−v − E'_∞) ≥ 0``; squared, a quadratic in y
    whose root that vanishes with δ is this one, a quotient of positive terms (no cancellation as
    ``v → −E'_∞``, where ``t*`` itself would lose ``ulp/√s`` in ``√(t² − 2)``)."""
    printed = _edge_root_generic(delta_name, alpha2_name, gamma_name)
    _PRINTED["mixed_edge_root"] = printed
    expr = printed.subs(delta_name, sympy.sqrt(xi2) * xi1 * (-v - MIXED_E_INF_PRIME)).subs(_MIXED_NAMES)
    return Formula("mixed_edge_root", expr, (v, xi1, xi2, k), lhs=r"y^*_k(v)", reference="derived here",
                   cite=("auffinger2013mixed",),
                   conditions=r"v \le -E'_\infty,\quad \delta = \sqrt{\xi''}\,\xi'\,(-v - E'_\infty)",
                   description="the distance sqrt(t*^2 - 2)/sqrt 2 of the maximising GOE level from the edge")


@functools.lru_cache(maxsize=None)
def mixed_edge_formula() -> Formula:
    """``F_k(v, −√2)``, the level complexity for ``v ≥ −E'_∞`` (every k): ``M − (ξ' + ξ'')(v + E_∞)²/(2α²)``,
    a parabola with its top ``M`` = :func:`mixed_maximum_formula` at ``v = −E_∞`` (derived here; the
    identity with ``F_k(v, −√2)`` is :func:`mixed_facts`)."""
    printed = sympy.log(xi2 / xi1) / 2 - (xi2 - xi1) / (xi2 + xi1) - (xi1 + xi2) * (v + e_inf_xi)**2 / (2 * alpha2_name)
    return _mixed("mixed_edge", printed, (v, xi1, xi2), lhs=r"\theta_{k,\xi}(v)",
                  reference="derived here", conditions=r"v \ge -E'_\infty",
                  description="the level complexity where the Hessian's shift sits at the GOE edge (all k)")


@functools.lru_cache(maxsize=None)
def mixed_maximum_formula() -> Formula:
    return _mixed("mixed_maximum", MIXED_MAXIMUM, (xi1, xi2), lhs=r"\theta_{k,\xi}(-E_\infty)",
                  reference="derived here", conditions=r"\xi'' \ge \xi'",
                  description="the largest level complexity of every finite index (at v = -E_inf)")


@functools.lru_cache(maxsize=None)
def mixed_criterion_formula() -> Formula:
    printed = sympy.log(xi2 / xi1) / 2 - e_inf_prime_xi**2 / 2 + 1 - alpha2_name / (2 * xi2)
    return _mixed("mixed_criterion", printed, (xi1, xi2), lhs=r"\theta_{k,\xi}(-E'_\infty)",
                  reference=ABA_UNVERIFIED,
                  description="the scenario criterion: > 0 layered band (pure-like), <= 0 full mixture")


@functools.lru_cache(maxsize=None)
def mixed_interior_formula() -> Formula:
    """``F_k(v, t)`` at a stationary ``t = −√2(1 + s)`` (so ``s > 0``), in the form the numbers use:
    ``½ log(ξ''/ξ') − v²/2 + (1+s)² − (k+1) 𝓘 − α²((k+1) y − 1 − s)²/(2ξ'')``, ``y = √(s(s+2))``,
    ``𝓘 = (1+s) y − asinh y`` (the series of :func:`i1_series_term` for ``s < 2/5``). At stationarity
    ``√(2ξ'') t − ξ' v = α²(t + (k+1)√(t² − 2))/√(2ξ'')``, which removes the ``1/α²``."""
    y = sympy.sqrt(s * (s + 2))
    quadratic = sympy.log(xi2 / xi1) / 2 - v**2 / 2 + (1 + s)**2 - ALPHA2 * (KK * y - 1 - s)**2 / (2 * xi2)
    expr = sympy.Piecewise((quadratic - KK * _i1_stable_expr(s), s >= S_SERIES_MAX),
                           (quadratic - KK * _i1_series_expr(s), True))
    return Formula("mixed_interior", expr, (v, s, xi1, xi2, k), lhs=r"F_{k,\xi}(v, t^*_k)",
                   reference="derived here", cite=("auffinger2013mixed",),
                   description="the level complexity below -E'_inf, at the stationary GOE level t = -sqrt2 (1+s)")


@functools.lru_cache(maxsize=None)
def mixed_bulk_formula() -> Formula:
    """All indices, ``|v| ≤ E'_∞``: ``sup_t`` over the bulk ``|t| < √2`` at ``t = ĉ/γ``:
    ``½ log(ξ''/ξ') − (ξ'' − ξ') v²/(2γ)`` (derived here; pure: ABC's ``Θ_H`` on ``[−E_∞, 0]``)."""
    printed = sympy.log(xi2 / xi1) / 2 - (xi2 - xi1) * v**2 / (2 * gamma_name)
    return _mixed("mixed_bulk", printed, (v, xi1, xi2), lhs=r"\theta_\xi(v)",
                  reference="derived here", conditions=r"|v| \le E'_\infty",
                  description="the level complexity of all critical points where the shift is in the GOE bulk")


@functools.lru_cache(maxsize=None)
def mixed_trivial_maximiser_formula() -> Formula:
    """For ``ξ'' < ξ'``, the maximiser ``v*_k`` of ``θ_{k,ξ}`` (derived here): ``v = ξ'√(2ξ'') t/(ξ' + ξ'')`` with
    ``t = −(k+1)√(2/((k+1)² − r²))``, ``r = (ξ' − ξ'')/(ξ' + ξ'')``; there ``θ_{0,ξ} = 0``."""
    rr = (xi1 - xi2) / (xi1 + xi2)
    tt = -KK * sympy.sqrt(2 / (KK**2 - rr**2))
    return Formula("mixed_trivial_maximiser", xi1 * A_HESS * tt / (xi1 + xi2), (xi1, xi2, k),
                   lhs=r"v^*_k", reference="derived here", cite=("auffinger2013mixed",),
                   conditions=r"\xi'' < \xi'",
                   description="the energy of the most numerous index-k critical points when xi'' < xi'")


def mixed_formulas() -> tuple:
    """The mixed formulas, in the order the document prints them."""
    return (mixed_alpha2_formula(), mixed_e_infinity_formula(), mixed_e_infinity_prime_formula(),
            mixed_level_functional_formula(), mixed_shift_formula(), mixed_edge_root_formula(), mixed_edge_formula(),
            mixed_maximum_formula(), mixed_criterion_formula(), mixed_bulk_formula())


# --- derived facts for mixtures (sympy; the tests check each) -----------------------------------
_Ipp = sympy.Symbol("I''", nonnegative=True)  # 𝓘''(t) = |t|/√(t² − 2) > 1 on t < −√2


def _functional(kk=KK):
    return (sympy.log(xi2 / xi1) / 2 - v**2 / 2 + t_shift**2 / 2 - kk * _goe_i1(t_shift)
            - (A_HESS * t_shift - xi1 * v)**2 / (2 * ALPHA2))


@functools.lru_cache(maxsize=None)
def mixed_goe_rate_derivatives() -> tuple:
    """``(𝓘'(t) + √(t² − 2), 𝓘''(t) + t/√(t² − 2))`` on ``t < −√2``: both simplify to 0."""
    i = _goe_i1(t_shift)
    root = sympy.sqrt(t_shift**2 - 2)
    return (sympy.simplify(sympy.diff(i, t_shift) + root), sympy.simplify(sympy.diff(i, t_shift, 2) + t_shift / root))


@functools.lru_cache(maxsize=None)
def mixed_edge_slope() -> sympy.Expr:
    """``∂_t F_k(v, −√2) / (v + E'_∞)``: simplifies to ``√(2ξ'') ξ'/α² > 0``. So the sup over ``t ≤ −√2``
    of the concave ``F_k(v, ·)`` sits at the edge exactly when ``v ≥ −E'_∞``, for every k."""
    quad = sympy.diff(_functional(0), t_shift)  # the terms without 𝓘; 𝓘'(t) = −√(t² − 2) = 0 at t = −√2
    d = sympy.simplify(quad.subs(t_shift, -sympy.sqrt(2)))
    return sympy.simplify(sympy.factor(d / (v + MIXED_E_INF_PRIME)))


@functools.lru_cache(maxsize=None)
def mixed_concavity() -> tuple:
    """``(∂²_t F + (k+1)𝓘'' − (1 − 2ξ''/α²),  det Hess F − [(ξ'' − ξ')/α² + (k+1)𝓘''(1 + ξ'²/α²)])``, with 𝓘''
    a symbol: both 0. As ``2ξ'' > α²`` and ``𝓘'' > 1``, ``∂²_t F < 0`` and
    ``det ≥ (ξ'' − ξ' + α² + ξ'²)/α² = 2ξ''/α² > 0``: ``F_k`` is jointly strictly concave on ``t < −√2``."""
    quad = -(A_HESS * t_shift - xi1 * v)**2 / (2 * ALPHA2) - v**2 / 2 + t_shift**2 / 2
    ftt = sympy.diff(quad, t_shift, 2) - KK * _Ipp
    fvv = sympy.diff(quad, v, 2)
    ftv = sympy.diff(quad, t_shift, v)
    first = sympy.simplify(ftt + KK * _Ipp - (1 - 2 * xi2 / ALPHA2))
    det = sympy.simplify(ftt * fvv - ftv**2 - ((xi2 - xi1) / ALPHA2 + KK * _Ipp * (1 + xi1**2 / ALPHA2)))
    return first, det


@functools.lru_cache(maxsize=None)
def mixed_edge_identity() -> sympy.Expr:
    """``F_k(v, −√2)`` minus :func:`mixed_edge_formula`: 0 (the parabola form)."""
    edge = _functional().subs(t_shift, -sympy.sqrt(2))
    return sympy.simplify(sympy.expand(edge - mixed_edge_formula().expr))


@functools.lru_cache(maxsize=None)
def mixed_shift_identity() -> tuple:
    """The stationarity of ``t*``: the squared equation ``(k+1)²(t*² − 2) − (B t* − c)²`` and, at
    ``v = −E'_∞``, ``t* + √2``: both 0 (``B = γ/α²``, ``c = ĉ/α²``; ``ĉ < 0``, ``α²``, ``γ`` free symbols).
    The first is the numerator's remainder modulo ``d² = ĉ² − 2γ² + 2(k+1)²α⁴``, ``d`` the square root."""
    a2, g, c, d = sympy.symbols("a2 g c_hat d", positive=True)
    c = -c  # ĉ < 0 below the threshold
    ts = _shift_generic(c, a2, g).subs(sympy.sqrt(c**2 - 2 * g**2 + 2 * KK**2 * a2**2), d)
    numerator = sympy.numer(sympy.together(KK**2 * (ts**2 - 2) - (g / a2 * ts - c / a2)**2))
    relation = sympy.Poly(d**2 - (c**2 - 2 * g**2 + 2 * KK**2 * a2**2), d)
    squared = sympy.expand(sympy.rem(sympy.Poly(sympy.expand(numerator), d), relation).as_expr())
    at_edge = _shift_generic(-sympy.sqrt(2) * gamma_name, alpha2_name, gamma_name)
    return squared, sympy.simplify(at_edge + sympy.sqrt(2))


@functools.lru_cache(maxsize=None)
def mixed_edge_root_identity() -> tuple:
    """``y*`` (:func:`mixed_edge_root_formula`) solves the stationarity: with ``R`` its square root, the
    numerator of ``(δ + γ − (k+1)α² y*)² − γ²(1 + y*²)`` modulo ``R² = (k+1)²α⁴ + δ(δ + 2γ)`` is 0; and
    ``y*`` and :func:`mixed_shift_formula` are the same point: ``−√2 √(1 + y*²) − t*`` at two sample points
    (``δ, α², γ, k`` rational), evaluated at 60 digits, is below 1e-50 (returned as 0 by nsimplify)."""
    dl, a2, g, R = sympy.symbols("delta a2 g R", positive=True)
    yy = _edge_root_generic(dl, a2, g).subs(sympy.sqrt(KK**2 * a2**2 + dl * (dl + 2 * g)), R)
    numerator = sympy.numer(sympy.together((dl + g - KK * a2 * yy)**2 - g**2 * (1 + yy**2)))
    relation = sympy.Poly(R**2 - (KK**2 * a2**2 + dl * (dl + 2 * g)), R)
    squared = sympy.expand(sympy.rem(sympy.Poly(sympy.expand(numerator), R), relation).as_expr())
    gaps = []
    for dv, av, gv, kv in ((sympy.Rational(1, 3), sympy.Rational(1, 5), 2, 0), (2, sympy.Rational(3, 7), 5, 3)):
        y0 = _edge_root_generic(dl, a2, g).subs({dl: dv, a2: av, g: gv, k: kv})
        # ĉ = −√2 γ − √2 δ (δ = −(ĉ + √2γ)/√2)
        t0 = _shift_generic(c_name, alpha2_name, gamma_name).subs(
            {c_name: -sympy.sqrt(2) * (gv + dv), alpha2_name: av, gamma_name: gv, k: kv})
        gaps.append(sympy.nsimplify(sympy.N(-sympy.sqrt(2) * sympy.sqrt(1 + y0**2) - t0, 60), tolerance=1e-50))
    return squared, tuple(gaps)


@functools.lru_cache(maxsize=None)
def mixed_interior_identity() -> sympy.Expr:
    """:func:`mixed_interior_formula` (closed branch) minus ``F_k(v, t)`` at ``t = −√2(1 + s)``, ``s > 0``, where
    ``√(2ξ'')t − ξ'v = α²(t + (k+1)√(t² − 2))/√(2ξ'')`` (stationarity): 0."""
    sp_ = sympy.Symbol("s", positive=True)
    yy = sympy.sqrt(sp_ * (sp_ + 2))
    tt = -sympy.sqrt(2) * (1 + sp_)
    closed = mixed_interior_formula().expr.args[0][0].subs(s, sp_)
    root = sympy.sqrt(2) * yy  # √(t² − 2)
    penalty = (ALPHA2 * (tt + KK * root) / A_HESS)**2 / (2 * ALPHA2)
    i_goe = -tt * root / 2 - sympy.log((-tt + root) / sympy.sqrt(2))
    f = sympy.log(xi2 / xi1) / 2 - v**2 / 2 + tt**2 / 2 - KK * i_goe - penalty
    gap = _factor_roots(sympy.simplify((closed - f).rewrite(sympy.log)))
    return sympy.simplify(sympy.expand_log(sympy.simplify(gap), force=True))


def _factor_roots(e):
    """Every square root's argument factored (``√(s² + 2s + 1) → s + 1`` for positive symbols)."""
    return e.replace(lambda a: a.is_Pow and a.exp == sympy.S.Half, lambda a: sympy.sqrt(sympy.factor(a.base)))


@functools.lru_cache(maxsize=None)
def mixed_threshold_facts() -> dict:
    """Identities between the thresholds and values (each simplifies to 0 unless said):

    * ``"E_prime_minus_E"``: ``E'_∞ − E_∞ − (ξ'' − ξ')α²/(ξ'√ξ''(ξ' + ξ''))``: so ``E'_∞ ≥ E_∞`` iff ``ξ'' ≥ ξ'``;
    * ``"edge_argmax"``: ``∂_v`` of the edge value at ``v = −E_∞``;
    * ``"criterion"``: the edge value at ``−E'_∞`` minus :func:`mixed_criterion_formula`;
    * ``"maximum"``: the edge value at ``−E_∞`` minus :func:`mixed_maximum_formula`;
    * ``"maximum_slope"``: ``d/dρ [½ log ρ − (ρ−1)/(ρ+1)] − (ρ−1)²/(2ρ(ρ+1)²)`` (so the maximum is > 0 iff ρ = ξ''/ξ' > 1);
    * ``"bulk_continuity"``: the all-index bulk value at ``v = −E'_∞`` minus the criterion.
    """
    rho = sympy.Symbol("rho", positive=True)
    edge = _functional().subs(t_shift, -sympy.sqrt(2)).subs(sympy.sqrt(t_shift**2 - 2), 0)
    hmax = sympy.log(rho) / 2 - (rho - 1) / (rho + 1)
    return {
        "E_prime_minus_E": sympy.simplify(MIXED_E_INF_PRIME - MIXED_E_INF
                                          - (xi2 - xi1) * ALPHA2 / (xi1 * sympy.sqrt(xi2) * (xi1 + xi2))),
        "edge_argmax": sympy.simplify(sympy.diff(edge, v).subs(v, -MIXED_E_INF)),
        "criterion": sympy.simplify(edge.subs(v, -MIXED_E_INF_PRIME) - MIXED_CRITERION),
        "maximum": sympy.simplify(edge.subs(v, -MIXED_E_INF) - MIXED_MAXIMUM),
        "maximum_slope": sympy.simplify(sympy.diff(hmax, rho) - (rho - 1)**2 / (2 * rho * (rho + 1)**2)),
        "bulk_continuity": sympy.simplify(mixed_bulk_formula().expr.subs(v, -MIXED_E_INF_PRIME) - MIXED_CRITERION),
    }


@functools.lru_cache(maxsize=None)
def mixed_trivial_regime_value() -> tuple:
    """``F_0`` and its two partial derivatives at ``(v*_0, t_0)`` for ``ξ'' < ξ'``: all simplify to 0. Written
    with ``r = 2q/(1 + q²)``, ``0 < q < 1`` (so ``ξ'' = ξ'(1 − r)/(1 + r)`` and every root is rational):
    for ``ξ'' ≤ ξ'`` the complexity of every index is ≤ 0 with maximum 0, the landscape has no
    exponentially many critical points (derived here)."""
    m = sympy.Symbol("m", positive=True)
    q = 1 / (1 + m)
    rr = 2 * q / (1 + q**2)
    sq = (1 - q**2) / (1 + q**2)             # √(1 − r²), 0 < q < 1
    x2r = xi1 * (1 - rr) / (1 + rr)
    tt = -sympy.sqrt(2) / sq
    yy = sympy.sqrt(2) * rr / sq             # √(t² − 2)
    vv = xi1 * sympy.sqrt(2 * x2r) * tt / (xi1 + x2r)
    quad = _functional(0)
    i_goe = -tt * yy / 2 - sympy.log((-tt + yy) / sympy.sqrt(2))

    def on(e):
        e = e.subs({v: vv, t_shift: tt}).subs(xi2, x2r)
        e = _factor_roots(sympy.factor(sympy.simplify(e)))
        e = sympy.simplify(_factor_roots(sympy.expand_log(sympy.simplify(e), force=True)))
        e = e.replace(sympy.log, lambda a: sympy.log(sympy.factor(a)))  # log((m+2)²) → 2 log(m+2)
        return sympy.simplify(sympy.expand_log(e, force=True))
    value = on(quad - i_goe)
    slope_t = on(sympy.diff(quad, t_shift) + yy)  # 𝓘' = −√(t² − 2)
    slope_v = on(sympy.diff(quad, v))
    maximiser = on(mixed_trivial_maximiser_formula().expr.subs(k, 0) - vv)
    return value, slope_t, slope_v, maximiser


@functools.lru_cache(maxsize=None)
def mixed_pure_reduction() -> dict:
    """For ``ξ = x^H`` (``ξ' = H``, ``ξ'' = H(H−1)``), each entry simplifies to 0:

    * ``"alpha2"``: α²; so the penalty ``(√(2ξ'')t − ξ'v)²/(2α²)`` forces ``t = ξ'v/√(2ξ'')``;
    * ``"theta_k"``: ``F_k(v, ξ'v/√(2ξ''))`` minus ABC's ``Θ_{k,H}(v)`` below ``−E_∞`` (on ``v = −E_∞√(1+y²)``);
    * ``"shift"``: :func:`mixed_shift_formula` at ``α² = 0`` minus ``ξ'v/√(2ξ'')``;
    * ``"E_inf"``, ``"E_inf_prime"``: both thresholds minus ABC's ``E_∞(H)``;
    * ``"criterion"``, ``"maximum"``: minus ABC's ``Θ_{k,H}(−E_∞) = ½ log(H−1) − (H−2)/H``;
    * ``"bulk"``: :func:`mixed_bulk_formula` minus ABC's ``Θ_H(v)`` on ``[−E_∞, 0]``.
    """
    pure = {xi1: H, xi2: H * (H - 1)}
    constrained = xi1 * v / A_HESS
    penalty_free = (sympy.log(xi2 / xi1) / 2 - v**2 / 2 + t_shift**2 / 2 - KK * _goe_i1(t_shift))
    theta_mixed = penalty_free.subs(t_shift, constrained).subs(pure)
    abc_below = theta_k_formula().expr.args[0][0]
    out = {
        "alpha2": sympy.simplify(ALPHA2.subs(pure)),
        "theta_k": _on_lower_branch((theta_mixed - abc_below).subs(v, u)),
        "E_inf": sympy.simplify(MIXED_E_INF.subs(pure) - E_INF),
        "E_inf_prime": sympy.simplify(MIXED_E_INF_PRIME.subs(pure) - E_INF),
        "criterion": sympy.simplify(MIXED_CRITERION.subs(pure) - THETA_STAR),
        "maximum": sympy.simplify(MIXED_MAXIMUM.subs(pure) - THETA_STAR),
        "bulk": sympy.simplify(mixed_bulk_formula().expr.subs(pure).subs(v, u) - theta_formula().expr.args[1][0]),
    }
    ts = _shift_generic(c_name, alpha2_name, gamma_name).subs(alpha2_name, 0)
    out["shift"] = sympy.simplify(ts.subs(c_name, A_HESS * xi1 * v).subs(gamma_name, GAMMA).subs(pure)
                                  - constrained.subs(pure))
    return out
