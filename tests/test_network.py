"""ReLUNetwork: validation, sizes against counting, symbols, and the numpy forward pass.

Oracles: explicit counting of paths and weights (itertools), a forward pass written out with
Python loops and ``max`` over scalars, and exact rational arithmetic (fractions) for one case.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import sympy

from polyloss._random import derive_seed
from polyloss.errors import InvalidInputError
from polyloss.symbolic.network import ReLUNetwork, make_symbols

WIDTHS = [(1, 1), (4, 1), (3, 2, 1), (2, 3, 2, 1), (2, 2, 2, 2, 1), (5, 1, 3, 1)]


def _random_widths(count, seed=20150101):
    """Seeded random widths, H from 1 to 4, every entry 1..4, last 1."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        H = int(rng.integers(1, 5))
        out.append(tuple(int(n) for n in rng.integers(1, 5, size=H)) + (1,))
    return out


@pytest.mark.parametrize("widths", WIDTHS + _random_widths(20))
def test_sizes_match_counting(widths):
    net = ReLUNetwork(widths)
    paths = list(itertools.product(*(range(n) for n in widths)))       # one unit per layer
    weights = [(k, a, b) for k in range(len(widths) - 1)
               for a in range(widths[k]) for b in range(widths[k + 1])]
    assert net.H == len(widths) - 1
    assert net.mass == len(paths)
    assert net.gamma == sum(1 for p in paths if p[0] == 0)
    assert net.size == len(weights) == len(net.weight_symbols) == len(set(net.weight_symbols))
    assert net.input_dim == widths[0] and len(net.input_symbols) == widths[0]


@pytest.mark.parametrize("bad, reason", [
    ((3,), "1 entry"), ((), "0 entries"), ((3, 2, 2), "last entry is 2"), ((3, 0, 1), "0 is not positive"),
    ((3, -2, 1), "-2 is not positive"), ((3.0, 1), "3.0 is not an integer"), ((True, 1), "True"),
    ("321", "not a sequence"), (5, "not a sequence"), ((3, "2", 1), "'2' is not an integer"),
])
def test_bad_widths_are_refused_with_the_input_restated(bad, reason):
    with pytest.raises(ValueError) as info:
        ReLUNetwork(bad)
    assert isinstance(info.value, InvalidInputError)
    message = str(info.value)
    assert repr(bad) in message and "ending in n_H = 1" in message and reason in message
    assert "\n" not in message


def test_widths_are_normalised_and_hashable():
    net = ReLUNetwork([np.int64(3), 2, 1])
    assert net.widths == (3, 2, 1) and all(type(n) is int for n in net.widths)
    assert net == ReLUNetwork((3, 2, 1)) and hash(net) == hash(ReLUNetwork((3, 2, 1)))


def test_weight_symbols_and_matrices():
    net = ReLUNetwork((3, 2, 1))
    W1, W2 = net.weight_matrices
    assert W1.shape == (3, 2) and W2.shape == (2, 1)
    assert W1[2, 1] == sympy.Symbol("w^{(1)}_{3,2}", real=True)
    assert net.input_symbols[0] == sympy.Symbol("X_{1}", real=True)
    assert net.weight_symbols[:2] == (W1[0, 0], W1[0, 1])


def test_make_symbols_equal_sympy_symbols():
    names = [f"s_{{{i}}}" for i in range(5)]
    for assumptions in ({}, {"real": True}, {"nonnegative": True}):
        made = make_symbols(names, **assumptions)
        ref = [sympy.Symbol(n, **assumptions) for n in names]
        assert made == ref and [hash(s) for s in made] == [hash(s) for s in ref]
        assert [s.assumptions0 for s in made] == [s.assumptions0 for s in ref]
    assert make_symbols(["t"], nonnegative=True)[0].is_nonnegative is True
    assert make_symbols([]) == []


def _forward_by_loops(net, weights, x):
    """Y = σ(W_H^T σ(... σ(W_1^T x))) with scalar loops and max(0, ·), one input at a time."""
    h = [float(v) for v in x]
    for W in weights:
        h = [max(0.0, sum(h[a] * W[a][b] for a in range(len(h)))) for b in range(len(W[0]))]
    return h[0]


@pytest.mark.parametrize("widths", WIDTHS + _random_widths(8, seed=7))
def test_forward_matches_scalar_loops(widths):
    net = ReLUNetwork(widths)
    rng = np.random.default_rng(derive_seed(11, *widths))
    weights = net.random_weights(rng)
    x = rng.normal(size=(40, widths[0]))
    y = net.forward(weights, x)
    ref = [_forward_by_loops(net, [W.tolist() for W in weights], row) for row in x]
    np.testing.assert_allclose(y, ref, rtol=1e-13, atol=1e-15)
    assert y.shape == (40,) and np.all(y >= 0)
    assert net.forward(weights, x[3]) == pytest.approx(ref[3], rel=1e-13, abs=1e-15)
    assert isinstance(net.forward(weights, x[3]), float)


def test_forward_by_hand():
    """Dyadic numbers, so every float operation is exact: worked out by hand."""
    net = ReLUNetwork((2, 2, 1))
    W = [np.array([[0.5, -1.0], [0.25, 2.0]]), np.array([[1.5], [-0.75]])]
    x = np.array([2.0, 4.0])            # z1 = (1 + 1, -2 + 8) = (2, 6); z2 = 3 - 4.5 = -1.5 -> Y = 0
    assert net.forward(W, x) == 0.0
    assert net.forward(W, -x) == 0.0    # z1 = (-2, -6) -> h1 = 0 -> Y = 0
    W[1][1, 0] = 0.75                   # z2 = 3 + 4.5 = 7.5
    assert net.forward(W, x) == 7.5
    np.testing.assert_array_equal(net.forward(W, np.stack([x, -x, x / 2])), [7.5, 0.0, 3.75])


def test_active_units_and_activations():
    net = ReLUNetwork((3, 2, 1))
    rng = np.random.default_rng(3)
    weights, x = net.random_weights(rng), rng.normal(size=(5, 3))
    zs = net.activations(weights, x)
    assert [z.shape for z in zs] == [(5, 2), (5, 1)]
    np.testing.assert_array_equal(zs[0], x @ weights[0])
    on = net.active_units(weights, x)
    np.testing.assert_array_equal(on[1][:, 0], net.forward(weights, x) > 0)


def test_random_weights_are_seeded_and_in_range():
    net = ReLUNetwork((4, 3, 1))
    a, b = net.random_weights(5), net.random_weights(np.random.default_rng(5))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert [w.shape for w in a] == [(4, 3), (3, 1)]
    assert all(np.all(np.abs(w) <= 1) for w in a)
    assert not np.array_equal(net.random_weights(6)[0], a[0])


@pytest.mark.parametrize("weights, match", [
    (None, "list of 2 arrays"), ([np.zeros((3, 2))], "got 1 arrays"), (np.zeros((3, 2)), "ndarray"),
    ([np.zeros((2, 3)), np.zeros((2, 1))], r"W_1 must have shape \(3, 2\)"),
    ([np.full((3, 2), np.nan), np.zeros((2, 1))], "NaN"),
])
def test_bad_weights_are_refused(weights, match):
    net = ReLUNetwork((3, 2, 1))
    with pytest.raises(InvalidInputError, match=match):
        net.forward(weights, np.zeros(3))


@pytest.mark.parametrize("x, match", [
    (np.zeros(4), r"\(3,\) or \(batch, 3\)"), (np.zeros((2, 2)), r"got \(2, 2\)"),
    (np.zeros((1, 1, 3)), "got"), ([np.inf, 0, 0], "finite"),
])
def test_bad_inputs_are_refused(x, match):
    net = ReLUNetwork((3, 2, 1))
    with pytest.raises(InvalidInputError, match=match):
        net.forward(net.random_weights(0), x)


def test_sizes_need_no_expansion():
    net = ReLUNetwork((1000, 1000, 1000, 1))
    assert net.mass == 10**9 and net.gamma == 10**6 and net.size == 2 * 10**6 + 1000
    assert "weight_symbol_table" not in net.__dict__ and math.prod(net.widths) == net.mass
