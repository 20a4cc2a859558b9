"""The assumptions as data and as transformations (polyloss/symbolic/assumptions.py).

Oracles: Monte Carlo with fixed seeds (5-sigma tolerances stated per test), brute-force counts of
paths per weight tuple in plain numpy, numeric evaluation of the expressions before and after a step.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import sympy

from polyloss.errors import InvalidInputError
from polyloss.symbolic import assumptions as A
from polyloss.symbolic.hamiltonian import derive_hamiltonian
from polyloss.symbolic.paths import path_polynomial


def test_assumptions_are_complete_data():
    keys = [a.key for a in A.ASSUMPTIONS]
    assert keys == [f"A{k}" for k in range(1, 8)]
    for a in A.ASSUMPTIONS:
        assert a.label.startswith(a.key + " ") and a.statement and a.latex and a.paper_name
        assert a.reference.startswith("Choromanska et al. (2015), Sec. 3") and a.cite == ("choromanska2015",)
        assert not re.search(r"A[1-7]p\b|A[56]u\b", a.reference + a.statement + a.latex)  # unconfirmed labels
        assert a.latex.count("$") % 2 == 0
    assert A.assumption("A4").name == "redundancy"
    with pytest.raises(InvalidInputError, match="A8"):
        A.assumption("A8")


def _model(widths, q=1):
    return A.network_model(path_polynomial(widths, q=q))


def _subs_numbers(expr, values):
    return float(expr.xreplace({k: sympy.Float(v) for k, v in values.items()}))


def test_expectation_over_activations_matches_bernoulli_sampling():
    # E_A[Y] for fixed X and w against the mean of the path polynomial over A ~ Bernoulli(rho) iid.
    rho = 0.3
    m0 = _model((2, 2, 1))
    m1, ch = A.expectation_over_activations(m0, rho)
    assert ch["rho"] == sympy.Rational(3, 10)
    gen = np.random.default_rng(7)
    fixed = {s: gen.normal() for s in m0.weights}
    fixed.update({p.input: gen.normal() for p in m0.keys})
    coeff = np.array([_subs_numbers(t.xreplace({p.activation: 1}), fixed) for p, t in zip(m0.keys, m0.terms)])
    A_samples = gen.random((40000, len(coeff))) < rho
    Y = (A_samples * coeff).sum(axis=1)
    exact = _subs_numbers(m1.expr, fixed)
    assert abs(Y.mean() - exact) < 5 * Y.std() / np.sqrt(len(Y))  # 5 sigma, seed 7
    assert not any(p.activation in m1.expr.free_symbols for p in m0.keys)


def test_independent_path_inputs_gives_one_symbol_per_path():
    m = A.expectation_over_activations(_model((3, 2, 1)))[0]
    m2, _ = A.independent_path_inputs(m)
    xs = [s for s in m2.expr.free_symbols if s in m2.variances]
    assert len(xs) == 6 and all(m2.variances[x] == 1 for x in xs)
    # setting every X_{i,j} back to X_i recovers the previous expression
    back = {A.path_input_symbol(p.input_index + 1, p.index + 1): p.input for p in m2.keys}
    assert sympy.expand(m2.sum.xreplace(back) - m.sum) == 0


def _brute_multiplicities(widths, weight_map, Lambda):
    """Count paths per ordered tuple of unique weights with plain numpy (independent of the module)."""
    shapes = list(zip(widths[:-1], widths[1:]))
    offsets = np.cumsum([0] + [a * b for a, b in shapes])
    maps = [np.asarray(weight_map[offsets[k]:offsets[k + 1]]).reshape(shape) for k, shape in enumerate(shapes)]
    counts = {t: 0 for t in itertools.product(range(1, Lambda + 1), repeat=len(shapes))}
    for units in itertools.product(*[range(n) for n in widths]):
        counts[tuple(int(maps[k][units[k], units[k + 1]]) for k in range(len(shapes)))] += 1
    return counts


@pytest.mark.parametrize("widths, Lambda, c", [((3, 2, 1), 2, sympy.Rational(3, 2)),
                                                ((2, 2, 2, 1), 2, 1), ((4, 2, 1), 2, 1),
                                                ((2, 2, 1), 3, sympy.oo)])
def test_multiplicities_and_c_against_brute_force(widths, Lambda, c):
    # c values worked out by hand: (3,2,1), diagonal map, Lambda=2: t = 2,1,1,2 around tbar = 3/2.
    d = derive_hamiltonian(widths, Lambda=Lambda, loss=None)
    counts = _brute_multiplicities(widths, d.weight_map, Lambda)
    assert d["uniformity"].changes["multiplicities"] == counts
    assert {t: n for t, n in counts.items() if n} == d.multiplicities
    assert d.c == c
    assert d["uniformity"].changes["uniform multiplicity"] == sympy.Rational(int(np.prod(widths)), Lambda ** (len(widths) - 1))


def test_redundancy_regrouping_is_exact_numerically():
    d = derive_hamiltonian((3, 2, 1), Lambda=2, loss=None)
    before, after = d["independent path inputs"], d["redundancy"]
    gen = np.random.default_rng(3)
    w = gen.normal(size=2)
    values = {s: w[i - 1] for s, i in zip(d.network.weight_symbols, d.weight_map)}
    values.update({A.unique_weight_symbol(a): w[a - 1] for a in (1, 2)})
    xs = {s: gen.normal() for s in before.model.variances}
    values.update(xs)
    values[A.RHO] = 0.4
    defs = after.changes["definitions"]
    values.update({g: sum(xs[x] for x in sympy.Add.make_args(v)) for g, v in defs.items()})
    assert after.changes["regrouping exact"] is True
    assert _subs_numbers(after.after, values) == pytest.approx(_subs_numbers(before.after, values), rel=1e-12)


def test_unit_variance_couplings_by_monte_carlo():
    # widths (4,2,1), Lambda = 2: every tuple carries tbar = 2 paths, Xhat = (X_a + X_b)/sqrt(2).
    d = derive_hamiltonian((4, 2, 1), Lambda=2, loss=None)
    defs = d["redundancy"].changes["definitions"]
    scale = d["unit-variance couplings"].changes["scale"]
    assert scale == sympy.sqrt(2)
    assert all(v == 1 for v in d["unit-variance couplings"].changes["variances"].values())
    xs = sorted(d["independent path inputs"].model.variances, key=str)
    n = 20000
    samples = np.random.default_rng(11).normal(size=(n, len(xs)))
    col = {x: samples[:, k] for k, x in enumerate(xs)}
    hats = np.stack([sum(col[x] for x in sympy.Add.make_args(v)) / float(scale) for v in defs.values()], axis=1)
    cov = np.cov(hats, rowvar=False)
    # Var estimate of a unit Gaussian has sd sqrt(2/n) = 0.01; covariances sd 1/sqrt(n) = 0.007: 5 sigma
    assert np.allclose(np.diag(cov), 1, atol=0.05)
    assert np.allclose(cov[~np.eye(len(cov), dtype=bool)], 0, atol=0.035)


def test_variance_of_linear_forms():
    x, y = sympy.symbols("x y")
    assert A.variance(2 * x + 3 * y + 5, {x: 1, y: 1}) == 13
    assert A.variance(x / sympy.sqrt(2), {x: 2}) == 1
    with pytest.raises(InvalidInputError, match="linear"):
        A.variance(x * y, {x: 1, y: 1})


@pytest.mark.parametrize("rho", [0, 1.5, -0.2, True, "half", float("nan")])
def test_rho_outside_unit_interval_is_refused(rho):
    with pytest.raises(InvalidInputError, match=r"rho must be a number in \(0, 1\]"):
        A.expectation_over_activations(_model((2, 1)), rho)


def test_rho_accepts_numbers_and_symbols():
    assert A.check_rho(1) == 1 and A.check_rho(0.25) == sympy.Rational(1, 4)
    r = sympy.Symbol("r", positive=True)
    assert A.check_rho(r) is r


def test_steps_refuse_missing_prerequisites():
    m0 = _model((2, 2, 1))
    with pytest.raises(InvalidInputError, match="A1 variable independence"):
        A.redundancy(A.expectation_over_activations(m0)[0], {}, 2)
    with pytest.raises(InvalidInputError, match="A4 redundancy"):
        A.uniformity(m0, 2, 2)
    with pytest.raises(InvalidInputError, match="A5 uniformity"):
        A.unit_variance(m0)
    with pytest.raises(InvalidInputError, match="A4 redundancy"):
        A.spherical_constraint(m0)
    m1 = A.expectation_over_activations(m0)[0]
    with pytest.raises(InvalidInputError, match="already applied"):
        A.expectation_over_activations(m1)
