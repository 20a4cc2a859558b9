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
