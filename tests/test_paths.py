"""Path polynomials (Eq. 1): structure, exact identities, numerical evaluation, size guard, LaTeX.

Oracles: brute-force enumeration with itertools and weight symbols made by name; sympy's own
``expand`` of the matrix product ``W_H^T … W_1^T X``; sympy's canonical ``Add``/``Mul`` built the
slow way; the plain numpy forward pass (``ReLUNetwork.forward``); Python loops over paths; the
linear network ``x W_1 … W_H`` (all A = 1); exact dyadic arithmetic in sympy; pdflatex.
"""

from __future__ import annotations

import itertools
import math
import tracemalloc

import mpmath
import numpy as np
import pytest
import sympy

from polyloss._random import derive_seed
from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.symbolic.latex import compile_pdf
from polyloss.symbolic.network import ReLUNetwork, input_symbol, weight_symbol
from polyloss.symbolic.paths import activation_symbol, check_size, path_polynomial

WIDTHS = [(1, 1), (4, 1), (3, 2, 1), (2, 3, 2, 1), (2, 2, 2, 2, 1), (3, 1, 2, 1)]


def _random_widths(count, seed):
    rng = np.random.default_rng(seed)
    return [tuple(int(n) for n in rng.integers(1, 4, size=int(rng.integers(1, 5)))) + (1,) for _ in range(count)]


PROPERTY_WIDTHS = WIDTHS + _random_widths(14, seed=2015)


def _brute_force_paths(widths):
    """(i, (u_1, ..., u_H)) for every path, by input then lexicographically, with its weight symbols."""
    out = []
    for units in itertools.product(*(range(n) for n in widths)):
        i, rest = units[0], units[1:]
        chain = (i,) + rest
        weights = tuple(weight_symbol(k + 1, chain[k] + 1, chain[k + 1] + 1) for k in range(len(rest)))
        out.append((i, rest, weights))
    return out


# --- structure --------------------------------------------------------------------------------

@pytest.mark.parametrize("widths", PROPERTY_WIDTHS)
def test_paths_match_brute_force_enumeration(widths):
    pp = path_polynomial(widths)
    net = pp.network
    expected = _brute_force_paths(widths)
    assert pp.n_paths == len(pp.paths) == len(expected) == net.mass
    assert pp.degree == net.H == len(widths) - 1
    for p, (i, units, weights) in zip(pp.paths, expected):
        assert (p.input_index, p.units, p.weights) == (i, units, weights)
        assert p.input == input_symbol(i + 1)
        assert p.units[-1] == 0
        # consecutive-layer entries joining the path's units: w^{(k)} from unit u_{k-1} to u_k
        chain = (p.input_index,) + p.units
        for k, w in enumerate(p.weights):
            assert w == net.weight_matrices[k][chain[k], chain[k + 1]]
    # j counts the paths of each input, 0..γ-1; each input has γ paths
    for i in range(widths[0]):
        mine = [p for p in pp.paths if p.input_index == i]
        assert [p.index for p in mine] == list(range(net.gamma))
    # every weight is on some path, and N counts them
    used = {w for p in pp.paths for w in p.weights}
    assert len(used) == net.size == len(net.weight_symbols)
    np.testing.assert_array_equal(pp.units, [(i,) + u for i, u, _ in expected])


@pytest.mark.parametrize("widths", PROPERTY_WIDTHS)
def test_exactly_psi_distinct_activation_symbols(widths):
    pp = path_polynomial(widths)
    A = [p.activation for p in pp.paths]
    assert len(set(A)) == pp.n_paths and tuple(A) == pp.activation_symbols
    assert A == [activation_symbol(p.input_index + 1, p.index + 1) for p in pp.paths]
    assert all(a.is_nonnegative for a in A)
    assert pp.expr.free_symbols >= set(A)


@pytest.mark.parametrize("widths", PROPERTY_WIDTHS)
def test_all_active_expr_is_the_expanded_matrix_product(widths):
    """A = 1 on every path: Eq. 1 is the expanded linear network q W_H^T … W_1^T X."""
    pp = path_polynomial(widths)
    net = pp.network
    v = sympy.Matrix(net.input_symbols)
    for W in net.weight_matrices:
        v = W.T * v
    assert v.shape == (1, 1)
    ones = {a: 1 for a in pp.activation_symbols}
    assert sympy.expand(pp.expr.xreplace(ones) - pp.q * v[0, 0]) == 0
    assert sympy.expand(pp.path_sum.xreplace(ones) - v[0, 0]) == 0


@pytest.mark.parametrize("widths", [(1, 1), (4, 1), (3, 2, 1), (2, 3, 2, 1), (2, 2, 2, 2, 1), (4, 4, 1)])
@pytest.mark.parametrize("q", ["default", 1, 2, -1, sympy.Rational(1, 3), 0.5, sympy.Symbol("q"),
                               1 + sympy.Symbol("s", positive=True)])
def test_expr_is_sympys_canonical_form(widths, q):
    """The fast build is ``==`` (same args, same hash) to what sympy's evaluating constructors give."""
    pp = path_polynomial(widths, q=q)
    slow_sum = sympy.Add(*[sympy.Mul(p.input, p.activation, *p.weights) for p in pp.paths])
    slow = sympy.Mul(pp.q, slow_sum)
    assert pp.path_sum == slow_sum and hash(pp.path_sum) == hash(slow_sum)
    assert pp.expr == slow and hash(pp.expr) == hash(slow)
    assert sympy.expand(pp.expr - pp.q * sum(p.monomial for p in pp.paths)) == 0


def test_canonical_order_spot_check_detects_disorder():
    from polyloss.symbolic.paths import _sorted_like_sympy

    terms = list(path_polynomial((3, 3, 3, 1), q=1).path_sum.args)
    assert _sorted_like_sympy(terms)
    assert not _sorted_like_sympy(terms[::-1])
    assert not _sorted_like_sympy([sympy.Mul._from_args(t.args[::-1]) for t in terms])


def test_default_q_is_psi_power():
    for widths in PROPERTY_WIDTHS:
        net = ReLUNetwork(widths)
        q = path_polynomial(net).q
        H, psi = net.H, net.mass
        assert sympy.simplify(q - sympy.Integer(psi) ** sympy.Rational(-(H - 1), 2 * H)) == 0
        assert sympy.nsimplify(q ** (2 * H) * psi ** (H - 1)) == 1           # q^{2H} = Ψ^{-(H-1)}
        with mpmath.workdps(30):
            assert abs(sympy.N(q, 30) - mpmath.power(psi, mpmath.mpf(-(H - 1)) / (2 * H))) < mpmath.mpf(10) ** -28
    assert path_polynomial((3, 1)).q == 1                                     # H = 1: q = 1
    assert path_polynomial((4, 4, 1)).q == sympy.Rational(1, 2)               # 16^{-1/4}


def test_q_conventions():
    pp1 = path_polynomial((3, 2, 1), q=1)
    assert pp1.q == 1 and pp1.expr == pp1.path_sum and pp1.q_convention == "given"
    assert path_polynomial((3, 2, 1)).q_convention == "default"
    s = sympy.Symbol("q", positive=True)
    pps = path_polynomial((3, 2, 1), q=s)
    assert pps.expr.free_symbols == pp1.expr.free_symbols | {s}
    assert sympy.expand(pps.expr - s * pp1.expr) == 0
    assert path_polynomial((3, 1), q=2.0).q == 2 and path_polynomial((3, 1), q=2.0).q.is_Integer
    assert path_polynomial((3, 1), q=0.25).q == sympy.Float(0.25)


@pytest.mark.parametrize("q, match", [
    (0, "non-zero"), ("abc", "'abc'"), (float("nan"), "nan"), (float("inf"), "inf"), (sympy.I, "I"),
    (True, "True"), ([1], r"\[1\]"), (sympy.zoo, "zoo"),
])
def test_bad_q_is_refused(q, match):
    with pytest.raises(InvalidInputError, match=match):
        path_polynomial((3, 2, 1), q=q)


# --- numerical evaluation ---------------------------------------------------------------------

def _mixed_case(widths, seed, batch=64):
    """Seeded weights and inputs where some outputs are 0, some positive, and some hidden units are off."""
    net = ReLUNetwork(widths)
    for attempt in range(200):
        rng = np.random.default_rng(derive_seed(seed, *widths, attempt))
        weights = net.random_weights(rng)
        x = rng.normal(size=(batch, widths[0]))
        y = net.forward(weights, x)
        on = net.active_units(weights, x)
        hidden_mixed = all(o.any() and not o.all() for o in on[:-1])
        if (y == 0).any() and (y > 0).any() and hidden_mixed:
            return net, weights, x
    raise AssertionError(f"no mixed case found for {widths}")  # pragma: no cover


def _path_loop(pp, weights, x, A):
    """Σ_p X_i A_p Π_k W_k[u_{k-1}, u_k] by Python loops over Path objects."""
    out = []
    for b, row in enumerate(x):
        total = 0.0
        for n, p in enumerate(pp.paths):
            chain = (p.input_index,) + p.units
            prod = math.prod(weights[k][chain[k], chain[k + 1]] for k in range(pp.degree))
            total += row[p.input_index] * A[b][n] * prod
        out.append(total)
    return np.array(out)


MIXED = [(2, 3, 1), (3, 2, 1), (2, 3, 2, 1), (3, 3, 3, 1), (2, 2, 2, 2, 1), (4, 5, 1)]


@pytest.mark.parametrize("widths", MIXED)
def test_evaluate_equals_q_times_forward(widths):
    net, weights, x = _mixed_case(widths, seed=1)
    pp = path_polynomial(net)
    q = float(pp.q)
    f = net.forward(weights, x)
    y = pp.evaluate(weights, x)
    assert y.shape == (x.shape[0],)
    np.testing.assert_allclose(y, q * f, rtol=1e-12, atol=0)
    assert np.all(y[f == 0] == 0)                       # output ReLU off: every path inactive, Y = 0 exactly
    assert pp.evaluate(weights, x[5]) == pytest.approx(q * f[5], rel=1e-12, abs=0)
    np.testing.assert_allclose(pp.evaluate_layered(weights, x), q * f, rtol=1e-12, atol=0)


@pytest.mark.parametrize("widths", MIXED[:4])
def test_activity_matches_brute_force(widths):
    net, weights, x = _mixed_case(widths, seed=2, batch=16)
    pp = path_polynomial(net)
    A = pp.activity(weights, x)
    assert A.shape == (16, pp.n_paths) and A.dtype == bool
    zs = net.activations(weights, x)
    for b in range(16):
        for n, p in enumerate(pp.paths):
            assert A[b, n] == all(zs[k][b, u] > 0 for k, u in enumerate(p.units))
    assert 0 < A.mean() < 1
    np.testing.assert_array_equal(pp.activity(weights, x[3]), A[3])
    np.testing.assert_array_equal(A.any(axis=1), net.forward(weights, x) > 0)


@pytest.mark.parametrize("widths", MIXED[:4])
def test_evaluate_with_given_activations(widths):
    net, weights, x = _mixed_case(widths, seed=3, batch=12)
    pp = path_polynomial(net, q=1)
    rng = np.random.default_rng(derive_seed(4, *widths))
    A01 = rng.integers(0, 2, size=(12, pp.n_paths)).astype(float)
    Arho = rng.uniform(size=pp.n_paths)
    np.testing.assert_allclose(pp.evaluate(weights, x, A01), _path_loop(pp, weights, x, A01), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(pp.evaluate(weights, x, Arho), _path_loop(pp, weights, x, [Arho] * 12),
                               rtol=1e-12, atol=1e-14)
    # all A = ρ: ρ times the linear network x W_1 … W_H
    linear = x @ np.linalg.multi_dot(weights + [np.eye(1)])
    np.testing.assert_allclose(pp.evaluate(weights, x, 0.3), 0.3 * linear[:, 0], rtol=1e-12, atol=1e-14)
    assert pp.evaluate(weights, x[0], Arho) == pytest.approx(_path_loop(pp, weights, x[:1], [Arho])[0], rel=1e-12)


@pytest.mark.parametrize("widths", MIXED[:4])
def test_layered_evaluator_matches_explicit_sum_with_unit_gates(widths):
    net, weights, x = _mixed_case(widths, seed=5, batch=10)
    pp = path_polynomial(net)
    rng = np.random.default_rng(derive_seed(6, *widths))
    gates = [rng.uniform(size=(10, n)) for n in widths[1:-1]] + [rng.uniform(size=1)]
    A = np.array([[math.prod(g[b, u] if g.ndim == 2 else g[u] for g, u in zip(gates, p.units))
                   for p in pp.paths] for b in range(10)])
    np.testing.assert_allclose(pp.evaluate_layered(weights, x, gates), pp.evaluate(weights, x, A),
                               rtol=1e-12, atol=1e-14)
    ones = [1.0] * net.H
    np.testing.assert_allclose(pp.evaluate_layered(weights, x, ones), pp.evaluate(weights, x, 1.0), rtol=1e-12)


def test_evaluate_agrees_with_exact_sympy_substitution():
    """Dyadic weights and inputs: the sympy expression evaluated exactly equals q · forward."""
    net = ReLUNetwork((3, 2, 2, 1))
    for attempt in range(100):
        rng = np.random.default_rng(derive_seed(8, attempt))
        weights = [rng.integers(-8, 9, size=s) / 8 for s in net.weight_shapes]
        xs = rng.integers(-8, 9, size=(50, 3)) / 4
        f = net.forward(weights, xs)
        keep = np.concatenate([np.flatnonzero(f == 0)[:3], np.flatnonzero(f > 0)[:3]])
        if len(keep) == 6:                                  # both output regimes
            break
    assert len(keep) == 6
    xs, f = xs[keep], f[keep]
    pp = path_polynomial(net)
    values = {s: sympy.Rational(float(v)) for W, Ws in zip(weights, net.weight_matrices) for v, s in zip(W.flat, Ws)}
    for x, A, fx in zip(xs, pp.activity(weights, xs), f):
        subs = dict(values)
        subs.update({X: sympy.Rational(float(v)) for X, v in zip(net.input_symbols, x)})
        subs.update({a: int(on) for a, on in zip(pp.activation_symbols, A)})
        exact = pp.expr.xreplace(subs)
        assert exact == pp.q * sympy.Rational(float(fx))
    assert np.allclose(pp.evaluate(weights, xs), float(pp.q) * f, rtol=1e-15)


def test_evaluate_handles_large_batches_in_chunks():
    net, weights, _ = _mixed_case((4, 5, 1), seed=9)
    pp = path_polynomial(net)
    x = np.random.default_rng(10).normal(size=(60_000, 4))       # more rows than one chunk holds
    y, f = pp.evaluate(weights, x), float(pp.q) * net.forward(weights, x)
    # the rounding error of a sum is relative to the sum of the magnitudes of its terms (Σ |X_i A Π w|)
    scale = pp.evaluate([np.abs(W) for W in weights], np.abs(x), pp.activity(weights, x))
    assert np.all(np.abs(y - f) <= 1e-13 * scale)
    assert np.median(np.abs(y - f) / np.maximum(f, 1e-300)) < 1e-15 and np.all(y[f == 0] == 0)


def test_evaluate_errors():
    pp = path_polynomial((3, 2, 1))
    w, x = pp.network.random_weights(0), np.ones((4, 3))
    with pytest.raises(InvalidInputError, match=r"\(6,\) or \(4, 6\).*got shape \(5,\)"):
        pp.evaluate(w, x, np.ones(5))
    with pytest.raises(InvalidInputError, match="NaN"):
        pp.evaluate(w, x, np.full(6, np.nan))
    with pytest.raises(InvalidInputError, match="list of 2 arrays"):
        pp.evaluate_layered(w, x, [np.ones(2)])
    with pytest.raises(InvalidInputError, match=r"gates\[0\].*\(2,\) or \(4, 2\)"):
        pp.evaluate_layered(w, x, [np.ones(3), np.ones(1)])
    sym = path_polynomial((3, 2, 1), q=sympy.Symbol("q"))
    with pytest.raises(InvalidInputError, match="symbolic"):
        sym.evaluate(w, x)
    assert sym.evaluate(w, x, q=1) == pytest.approx(pp.network.forward(w, x))
    with pytest.raises(SizeLimitError, match="24 entries"):
        pp.activity(w, x, max_entries=10)


# --- size guard -------------------------------------------------------------------------------

def test_size_guard_refuses_before_building():
    tracemalloc.start()
    net = ReLUNetwork((1000, 1000, 1000, 1))
    with pytest.raises(SizeLimitError) as info:
        path_polynomial(net)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    message = str(info.value)
    assert "1,000,000,000 paths" in message and "1,000,000,000 terms" in message
    assert "max_paths=1,000,000" in message and "\n" not in message
    assert peak < 1_000_000                                     # bytes: nothing of size Ψ or N was made
    assert "weight_symbol_table" not in net.__dict__ and "weight_matrices" not in net.__dict__
    assert isinstance(info.value, MemoryError)


def test_size_guard_limit_is_adjustable():
    with pytest.raises(SizeLimitError, match="Ψ = 6 paths"):
        path_polynomial((3, 2, 1), max_paths=5)
    assert path_polynomial((3, 2, 1), max_paths=6).n_paths == 6
    check_size(ReLUNetwork((10, 10, 1)), 100)
    for bad in (0, 1.5, None, "10"):
        with pytest.raises(InvalidInputError, match="max_paths"):
            check_size(ReLUNetwork((3, 1)), bad)


# --- text and LaTeX ---------------------------------------------------------------------------

def _expected_terms(widths, sep, fmt):
    gamma = math.prod(widths[1:])
    terms = []
    for n, (i, units, weights) in enumerate(_brute_force_paths(widths)):
        names = [f"X_{{{i + 1}}}", f"A_{{{i + 1},{n % gamma + 1}}}"] + [w.name for w in weights]
        if sep == "·":  # plain text: the same names without LaTeX braces
            names = [name.replace("{", "").replace("}", "") for name in names]
        terms.append(sep.join(names))
    return terms


def test_latex_lists_paths_in_the_stable_order():
    pp = path_polynomial((3, 2, 1))
    terms = _expected_terms((3, 2, 1), " ", None)
    assert pp.latex() == "Y = 6^{-1/4} \\Bigl( " + " + ".join(terms) + " \\Bigr)"
    assert path_polynomial((3, 2, 1), q=1).latex() == "Y = " + " + ".join(terms)
    assert path_polynomial((1, 1), q=1).latex() == "Y = X_{1} A_{1,1} w^{(1)}_{1,1}"
    lhs, compact = path_polynomial((3, 2, 1)).latex_terms(max_terms=5)
    assert compact == [r"6^{-1/4} \sum_{i=1}^{3} \sum_{j=1}^{2} X_{i} A_{i,j} \prod_{k=1}^{2} w^{(k)}_{i,j}"]


def test_text_states_the_facts_and_lists_paths():
    text = str(path_polynomial((3, 2, 1)))
    for fact in ("widths (3, 2, 1)", "H = 2", "Ψ = 6 paths", "γ = 2 per input", "N = 8 weights",
                 "q = Ψ^(-(H-1)/(2H)) = 6^(-1/4) ≈ 0.638943"):
        assert fact in text
    lines = text.splitlines()
    listed = [line[4:] for line in lines if line.startswith(("    ", "  + "))]
    assert listed == _expected_terms((3, 2, 1), "·", None)
    compact = path_polynomial((10, 10, 1)).text()
    assert "Σ_(i=1..10) Σ_(j=1..10)" in compact and "100 terms" in compact


def test_latex_document_compiles(tmp_path, pdflatex):
    pp = path_polynomial((2, 3, 2, 1))
    doc = pp.document(per_line=3)
    big = path_polynomial((10, 10, 10, 1), q=sympy.Symbol("q"))
    doc.section("A larger network")
    doc.equation(big.latex(), label="compact")
    tex = doc.write(tmp_path / "paths.tex")
    source = tex.read_text()
    assert source.count("X_{") >= pp.n_paths and r"\sum_{i=1}^{10}" in source
    assert compile_pdf(tex, runs=1).stat().st_size > 1000
