"""The complexity formulas and the facts derived from them (polyloss.symbolic.complexity).

Oracles: exact sympy identities (simplify/expand == 0); the integral definition of I_1 evaluated by
mpmath quadrature (independent of the closed form); mpmath numerical differentiation and limits at
50 digits; values computed outside polyloss (a standalone mpmath script at 30 digits from the
integral definition of I_1).
"""

from __future__ import annotations

import mpmath
import pytest
import sympy

from polyloss.symbolic import complexity as sym
from polyloss.symbolic.complexity import H, k, u, x


def _i1_integral(v, h):
    """I_1(u) = ∫_{a u}^{-√2} √(z²-2) dz, a = √2/E_∞ (mpmath quadrature): the rate function of the
    smallest GOE eigenvalue in energy units (Auffinger, Ben Arous and Černý 2013; Choromanska et al.
    2015, Sec. 4)."""
    e_inf = 2 * mpmath.sqrt(mpmath.mpf(h - 1) / h)
    a = mpmath.sqrt(2) / e_inf
    return mpmath.quad(lambda z: mpmath.sqrt(z**2 - 2), [a * v, -mpmath.sqrt(2)])


def test_formulas_have_references_latex_and_parameters():
    for f in sym.formulas():
        assert f.reference and f.description
        assert f.latex().startswith(f.lhs)
    assert sym.theta_k_formula().parameters == (u, H, k)
    assert sym.theta_formula().parameters == (u, H)
    assert sympy.simplify(sym.e_infinity_formula().expr**2 - 4 * (H - 1) / H) == 0


@pytest.mark.parametrize("h, v", [(3, -1.7), (3, -1.64), (4, -2.5), (5, -1.8)])
def test_i1_closed_form_equals_its_integral_definition(h, v):
    fn = sym.i1_formula().compile("mpmath")
    with mpmath.workdps(40):
        closed = fn(mpmath.mpf(v), mpmath.mpf(h))
        integral = _i1_integral(mpmath.mpf(v), h)
        assert abs(closed - integral) < mpmath.mpf(10) ** -30 * max(1, abs(integral))


def test_theta_is_continuous_at_the_thresholds():
    assert sym.theta_continuity_gap() == 0
    assert sym.theta_total_continuity_gaps() == (0, 0)


def test_index_k_minus_minima_is_minus_k_i1():
    assert sym.minima_dominance() == -k
    below = sym.theta_k_formula().expr.args[0][0]
    gap = sympy.expand(below - below.subs(k, 0) + k * sym.i1_formula().expr)
    assert gap == 0


def test_i1_derivative_closed_form():
    d = sym.i1_derivative()
    assert d.free_symbols == {u, H}
    assert "log" not in str(d)  # the closed form, not the raw derivative
    # independent check: mpmath numerical derivative of the integral definition
    fd = sympy.lambdify((u, H), d, "mpmath")
    with mpmath.workdps(30):
        for h, v in [(3, -1.9), (4, -2.2), (7, -3.0)]:
            numeric = mpmath.diff(lambda w: _i1_integral(w, h), mpmath.mpf(v))
            assert abs(fd(mpmath.mpf(v), mpmath.mpf(h)) - numeric) < 1e-20


def test_i1_threshold_power_law_and_constant():
    lead = sym.i1_threshold_expansion()
    c = sym.i1_threshold_constant()
    assert sympy.simplify(lead - c * x ** sympy.Rational(3, 2)) == 0
    # C_H = (4 sqrt 2 / 3) E_inf^{-3/2} (derived by hand from the integral), as an exact identity
    by_hand = 4 * sympy.sqrt(2) / 3 / sym.E_INF ** sympy.Rational(3, 2)
    assert sympy.simplify(sympy.powdenest(c / by_hand, force=True)) == 1
    # and the limit I_1(-E_inf - x) / x^{3/2} -> C_H, numerically from the integral definition
    with mpmath.workdps(50):
        for h in (3, 5):
            e_inf = 2 * mpmath.sqrt(mpmath.mpf(h - 1) / h)
            xs = mpmath.mpf("1e-12")
            ratio = _i1_integral(-e_inf - xs, h) / xs**1.5
            assert abs(ratio - sympy.N(c.subs(H, h), 40)) < 1e-10


def test_theta_zero_at_threshold():
    value = sym.theta_at_threshold()
    assert sympy.simplify(value - (sympy.log(H - 1) / 2 - (H - 2) / H)) == 0
    # ½ log 2 - 1/3 = 0.01324026 (by hand) for H = 3, positive for H >= 3
    assert abs(float(value.subs(H, 3)) - 0.01324026) < 5e-9
    assert all(float(value.subs(H, h)) > 0 for h in range(3, 60))


def test_stable_forms_equal_the_paper_forms():
    assert sym.stable_form_differences() == (0, 0, 0)
    # the branch conditions agree: s > 0 <=> u < -E_inf, s >= -1 <=> u <= 0
    s_of_u = sym.threshold_distance_formula().expr
    for h in (3, 7):
        e_inf = float(sym.E_INF.subs(H, h))
        for v in (-e_inf - 1e-3, -e_inf + 1e-3, -1e-3, 1e-3):
            sv = float(s_of_u.subs({u: v, H: h}))
            assert (sv > 0) == (v < -e_inf) and (sv >= -1) == (v <= 0)


def test_reference_values_from_the_paper_form():
    """Values computed independently (module docstring), from sympy evalf of the printed formulas (no
    numeric module involved)."""
    th = sym.theta_k_formula().expr
    assert abs(float(th.subs({u: sympy.Rational(-170, 100), H: 3, k: 0}).evalf(30)) + 0.030446) < 5e-7
    assert abs(float(th.subs({u: sympy.Rational(-170, 100), H: 3, k: 1}).evalf(30)) + 0.046215) < 5e-7
    assert abs(float(th.subs({u: sympy.Rational(-165, 100), H: 3, k: 0}).evalf(30)) - 0.004254) < 5e-7
    tot = sym.theta_formula().expr
    assert sympy.simplify(tot.subs({u: 1, H: 3}) - sympy.log(2) / 2) == 0
    assert abs(float(sym.E_INF.subs(H, 3)) - 1.63299316) < 5e-9


def test_document_renders_formulas_facts_and_thresholds():
    from polyloss.documents.complexity import complexity_document

    tex = complexity_document(H_values=(3,), kmax=1, finite_sizes=()).render()
    # E_0(3) = 1.656998364 (computed independently), printed at 10 digits
    for needle in (r"E_\infty", r"\Theta_{k,H}", "I_1", "1.656998364", "1.652873198", r"\frac{3}{2}"):
        assert needle in tex


def test_i1_series_equals_the_closed_form_and_its_tail_is_negligible():
    assert sym.i1_series_identity() == 0
    # the 50-term polynomial at the edge of its branch (s = 2/5, zeta = 24/49), against the closed form
    # at 50 digits: the truncation error is below 1e-18 relative (the float64 budget is 1e-16)
    poly = sympy.lambdify(sym.zeta, sym.i1_series_polynomial(), "mpmath")
    with mpmath.workdps(50):
        for sv in (mpmath.mpf("0.4"), mpmath.mpf("0.1"), mpmath.mpf("1e-4")):
            t, y = 1 + sv, mpmath.sqrt(sv * (sv + 2))
            closed = t * y - mpmath.asinh(y)
            series = 2 * y**3 / t * poly(y**2 / t**2)
            assert abs(series / closed - 1) < 1e-18
    # and the float64 evaluation is continuous across the switch s = 2/5 (to rounding)
    f = sym.theta_k_stable_formula()
    branch_closed = sympy.lambdify(f.parameters, f.expr.args[0][0], "mpmath")
    branch_series = sympy.lambdify(f.parameters, f.expr.args[1][0], "mpmath")
    with mpmath.workdps(40):
        a = branch_closed(mpmath.mpf("0.4"), 3, 2, mpmath.mpf("0.0132"))
        b = branch_series(mpmath.mpf("0.4"), 3, 2, mpmath.mpf("0.0132"))
        assert abs(a - b) < 1e-18 * abs(a)  # the tail of the series at its edge
