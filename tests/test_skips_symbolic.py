"""Skip connections and biases in the symbolic layer: paths of every length, and the mixed spin glass.

Oracles: brute-force path counts (every increasing sequence of layers allowed by the edges, times every
choice of units, counted with itertools; no recursion shared with the library); the numpy forward pass
(``ReLUNetwork.forward``, itself checked against scalar loops in tests/test_network.py) and a forward
pass written here with scalar loops for skips and biases; the sympy path sum evaluated at numbers; a
Monte Carlo estimate (fixed seed, 99.9% normal interval) of the covariance of the network-level random
polynomial q ρ Σ_paths X_p Π_e w_π(e), built here from the path list and the weight map alone, against
q²ρ² Z ξ; the exact sum Σ_paths (Π w)(Π w') over the same paths; and the plain chain's own derivation
(``derive_hamiltonian``), which the mixed chain must reproduce exactly.
"""

from __future__ import annotations

import itertools
import math
import zlib
from fractions import Fraction

import numpy as np
import pytest
import sympy

from polyloss.errors import InvalidInputError
from polyloss.mixture import as_mixture
from polyloss.symbolic import assumptions as A
from polyloss.symbolic.hamiltonian import (derive_hamiltonian, derive_mixed_hamiltonian, network_mixture,
                                           xi_expression)
from polyloss.symbolic.network import ReLUNetwork, bias_symbol, input_symbol, parse_skips, skips_text
from polyloss.symbolic.paths import path_polynomial

ARCHITECTURES = [
    ((2, 2, 2, 1), ((0, 2), (1, 3)), True),
    ((2, 2, 2, 1), ((0, 2), (1, 3)), False),
    ((3, 2, 1), ((0, 2),), False),
    ((2, 3, 1), (), True),
    ((2, 2, 2, 2, 1), ((0, 2), (0, 4), (1, 3), (2, 4)), True),
    ((1, 1, 1, 1), ((0, 2), (0, 3), (1, 3)), True),
    ((3, 1, 2, 1), ((0, 3),), True),
]


def _random_architectures(count, seed=14):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        H = int(rng.integers(2, 5))
        widths = tuple(int(n) for n in rng.integers(1, 4, size=H)) + (1,)
        pairs = [(a, b) for a in range(H + 1) for b in range(a + 2, H + 1)]
        chosen = tuple(p for p in pairs if rng.random() < 0.5)
        out.append((widths, chosen, bool(rng.random() < 0.5)))
    return out


CASES = ARCHITECTURES + _random_architectures(10)


def _net(case):
    widths, skips, biases = case
    return ReLUNetwork(widths, skips=skips, biases=biases)


def _brute_force_counts(widths, skips, biases):
    """({m: paths from the inputs}, {m: paths from the biases}) by listing every path explicitly.

    A path visits an increasing sequence of layers l_0 < l_1 < ... < l_r = H in which every step is an
    edge (l + 1, or a skip); it picks one unit in each visited layer. Inputs start at l_0 = 0 (m = r
    weighted factors); a bias of layer l_0 >= 1 is a factor itself (m = r + 1).
    """
    H = len(widths) - 1
    allowed = {(a, a + 1) for a in range(H)} | set(skips)
    inputs, from_bias = {}, {}
    for start in range(H + 1 if biases else 1):
        if start == H and not biases:
            continue
        middle = range(start + 1, H)
        for r in range(len(middle) + 1):
            for inner in itertools.combinations(middle, r):
                layers = (start,) + inner + (H,) if start < H else (H,)
                if any((a, b) not in allowed for a, b in zip(layers[:-1], layers[1:])):
                    continue
                n = sum(1 for _ in itertools.product(*(range(widths[l]) for l in layers)))
                edges = len(layers) - 1
                if start == 0:
                    inputs[edges] = inputs.get(edges, 0) + n
                else:
                    from_bias[edges + 1] = from_bias.get(edges + 1, 0) + n
    return dict(sorted(inputs.items())), dict(sorted(from_bias.items()))


def _forward_by_loops(widths, skips, biases, params, x):
    """z_b = W_b^T h_{b-1} + Σ S_{a,b}^T h_a + β_b with scalar loops; Y = max(0, z_H)."""
    H = len(widths) - 1
    W, S = params[:H], dict(zip(skips, params[H:H + len(skips)]))
    beta = params[H + len(skips):]
    h = [list(map(float, x))]
    for b in range(1, H + 1):
        z = []
        for u in range(widths[b]):
            total = sum(h[b - 1][v] * W[b - 1][v][u] for v in range(widths[b - 1]))
            for (a, bb), M in S.items():
                if bb == b:
                    total += sum(h[a][v] * M[v][u] for v in range(widths[a]))
            if biases:
                total += beta[b - 1][u]
            z.append(total)
        h.append([max(0.0, t) for t in z])
    return h[H][0]


# --- the network -------------------------------------------------------------------------------
def test_a_chain_is_unchanged():
    net = ReLUNetwork((3, 2, 1))
    assert net == ReLUNetwork((3, 2, 1), skips=(), biases=False) and net.is_chain
    assert net.path_counts == {2: 6} and net.bias_path_counts == {}
    assert net.parameter_shapes == net.weight_shapes and path_polynomial(net).units is not None


@pytest.mark.parametrize("case", CASES, ids=str)
def test_path_counts_match_brute_force(case):
    net = _net(case)
    inputs, from_bias = _brute_force_counts(*case)
    assert net.path_counts == inputs
    assert net.bias_path_counts == from_bias
    pp = path_polynomial(net, q=1)
    assert pp.counts == inputs and pp.bias_counts == from_bias
    assert pp.n_paths == sum(inputs.values()) + sum(from_bias.values()) == len(set(pp.activation_symbols))
    assert net.mass == sum(inputs.values()) and net.gamma * net.input_dim == net.mass
    N = sum(a * b for a, b in zip(case[0][:-1], case[0][1:])) + sum(case[0][a] * case[0][b] for a, b in case[1]) \
        + (sum(case[0][1:]) if case[2] else 0)
    assert net.size == N == len(set(net.weight_symbols))
    # stable order: by length; every path ends at the output; bias paths carry no X
    lengths = [p.length for p in pp.paths]
    assert lengths == sorted(lengths)
    for p in pp.paths:
        assert (p.input is None) == p.is_bias
        assert p.is_bias == (bias_symbol(p.source_layer, p.input_index + 1) in p.weights)
        end = p.layers[-1] if p.layers else (p.source_layer if p.is_bias else len(p.units))  # a chain: units 1..H
        assert end == net.H


def test_a_skip_from_the_input_to_the_output_gives_paths_of_length_one():
    net = ReLUNetwork((3, 2, 2, 1), skips=((0, 3),))
    assert net.path_counts[1] == 3
    pp = path_polynomial(net, q=1)
    rng = np.random.default_rng(3)
    params = net.random_weights(rng)
    for W in params[:net.H]:
        W[:] = 0.0                    # only the skip is left: Y = σ(S^T x)
    x = rng.normal(size=(50, 3))
    np.testing.assert_allclose(pp.evaluate(params, x), np.maximum(x @ params[net.H][:, 0], 0), rtol=1e-12, atol=1e-15)
    assert all(p.length == 1 for p in pp.paths if p.weights[0].name.startswith("s"))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_path_polynomial_equals_the_forward_pass(case):
    net = _net(case)
    rng = np.random.default_rng(zlib.crc32(repr(case).encode()))
    pp = path_polynomial(net, q=1)
    active = 0
    for _ in range(4):
        params = net.random_weights(rng)
        x = rng.normal(size=(64, net.input_dim))
        y = net.forward(params, x)
        np.testing.assert_allclose(pp.evaluate(params, x), y, rtol=1e-12, atol=1e-13)
        active += int(np.sum(y > 0))
    assert active > 0  # not only zeros: some inputs reach the output through active units
    ref = [_forward_by_loops(*case, [p.tolist() for p in params], row) for row in x[:8]]
    np.testing.assert_allclose(y[:8], ref, rtol=1e-12, atol=1e-14)
    default = path_polynomial(net)
    np.testing.assert_allclose(default.evaluate(params, x), float(default.q) * y, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("case", ARCHITECTURES[:3] + ARCHITECTURES[5:], ids=str)
def test_the_sympy_path_sum_at_numbers_equals_the_forward_pass(case):
    net = _net(case)
    pp = path_polynomial(net, q=1)
    rng = np.random.default_rng(8)
    params = net.random_weights(rng)
    x = rng.normal(size=net.input_dim)
    active = pp.activity(params, x)
    values = dict(zip(net.weight_symbols, [sympy.Float(v) for W in params for v in W.reshape(-1)]))
    values.update({input_symbol(i + 1): sympy.Float(v) for i, v in enumerate(x)})
    values.update({a: int(on) for a, on in zip(pp.activation_symbols, active)})
    assert float(pp.expr.xreplace(values)) == pytest.approx(net.forward(params, x), rel=1e-12, abs=1e-13)


@pytest.mark.parametrize("skips, biases, argument, fragment", [
    (((0, 1),), False, "skips", "already joined"), (((0, 4),), False, "skips", "0..H = 0..3"),
    (((2, 0),), False, "skips", "(2, 0)"), (((0, 2), (0, 2)), False, "skips", "given twice"),
    (((0.0, 2),), False, "skips", "not a pair of integers"), ((3,), False, "skips", "the entry 3"),
    ("0:2,1-3", False, "skips", "'1-3'"), (((True, 2),), False, "skips", "not a pair"),
    ((), "yes", "biases", "'yes'"), (None, False, "skips", "None"),
    ((0, 2), False, "skips", "did you mean ((0, 2),)?"), (b"0:2", False, "skips", "not bytes"),
])
def test_bad_skips_and_biases_are_refused_naming_the_argument(skips, biases, argument, fragment):
    with pytest.raises(InvalidInputError) as info:
        ReLUNetwork((2, 2, 2, 1), skips=skips, biases=biases)
    assert str(info.value).startswith(argument) and fragment in str(info.value)


def test_skips_text_is_read():
    assert parse_skips(" 0:2 , 1:3") == ((0, 2), (1, 3)) and parse_skips("") == ()
    assert ReLUNetwork((2, 2, 2, 1), skips="1:3,0:2").skips == ((0, 2), (1, 3))


@pytest.mark.parametrize("case", CASES)
def test_skips_text_is_read_back_by_parse_skips(case):
    net = _net(case)
    assert net.skips_text == skips_text(net.skips) and parse_skips(net.skips_text) == net.skips
    assert ReLUNetwork(net.widths, skips=net.skips_text, biases=net.biases) == net
    assert (f"skips {net.skips_text}" in net.describe()) == bool(net.skips)
    assert skips_text([(1, 3), (0, 2)]) == "1:3,0:2" and skips_text(()) == ""


@pytest.mark.parametrize("skips, biases, present, absent", [("0:2", False, "skips 0:2", "biases"),
                                                            ((), True, "biases", "skips"),
                                                            ("0:2", True, "skips 0:2, biases", None)])
def test_the_path_polynomial_document_names_what_the_network_has(skips, biases, present, absent):
    pp = path_polynomial(ReLUNetwork((2, 2, 1), skips=skips, biases=biases))
    for title in (pp.document().title, pp.text().splitlines()[0]):
        assert present in title and (absent is None or absent not in title)


def test_networks_with_skips_or_biases_have_a_lower_default_path_limit():
    from polyloss.errors import SizeLimitError
    from polyloss.symbolic.paths import check_size, default_max_paths

    chain = ReLUNetwork((50, 50, 50, 1))                  # Ψ = 125,000: a chain is kept as one integer array
    check_size(chain, default_max_paths(chain))
    for net in (ReLUNetwork(chain.widths, biases=True), ReLUNetwork(chain.widths, skips="0:2")):
        total = sum(net.path_counts.values()) + sum(net.bias_path_counts.values())
        with pytest.raises(SizeLimitError, match=f"{total:,} paths.* MB.*max_paths=100,000"):
            path_polynomial(net)                          # refused before anything is built
        check_size(net, max_paths=total)


@pytest.mark.parametrize("params, fragment", [
    (lambda net: net.random_weights(0)[:3], "list of 8 arrays"),
    (lambda net: net.random_weights(0)[:3] + [np.zeros((2, 1))] + net.random_weights(0)[4:], r"S_0->2 must have shape"),
    (lambda net: net.random_weights(0)[:-1] + [np.zeros(2)], r"b_3 must have shape \(1,\)"),
])
def test_bad_parameters_are_refused_naming_the_array(params, fragment):
    net = _net(ARCHITECTURES[0])
    with pytest.raises(InvalidInputError, match=fragment):
        net.forward(params(net), np.zeros(2))


# --- the mixed spin glass ------------------------------------------------------------------------
def _mixture_by_hand(counts, C):
    Z = sum(Fraction(C) ** m * c for m, c in counts.items())
    return {m: Fraction(C) ** m * c / Z for m, c in counts.items()}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_network_mixture_from_brute_force_counts(case):
    net = _net(case)
    counts, _ = _brute_force_counts(*case)
    for C in (1, Fraction(1, 3), 2.5):
        mixture = network_mixture(net, C=C)
        expected = _mixture_by_hand(counts, Fraction(repr(C)) if isinstance(C, float) else C)
        assert mixture.as_dict() == {m: float(w) for m, w in expected.items()}
        assert all(Fraction(w) == expected[m] for m, w in mixture.weights)
    x, C = sympy.symbols("x C", positive=True)
    Z = sum(C ** m * c for m, c in counts.items())
    assert sympy.cancel(xi_expression(net, x, C) - sum(C ** m * c * x ** m for m, c in counts.items()) / Z) == 0


def test_a_chain_gives_the_pure_mixture_and_biases_do_not_change_it():
    for widths in [(3, 2, 1), (2, 2, 2, 1)]:
        H = len(widths) - 1
        assert network_mixture(ReLUNetwork(widths)) == as_mixture(H)
        assert network_mixture(ReLUNetwork(widths, biases=True), C=3) == as_mixture(H)
        assert sympy.simplify(xi_expression(ReLUNetwork(widths)) - sympy.Symbol("x", real=True) ** H) == 0


def test_a_skip_to_the_output_gives_a_linear_field():
    widths = (2, 2, 1)
    mixture = network_mixture(ReLUNetwork(widths, skips="0:2"))
    psi = {1: widths[0], 2: widths[0] * widths[1]}  # the skip X_i -> output; the chain X_i -> u -> output
    assert mixture.degrees == (1, 2) and Fraction(mixture.weights[0][1]) == Fraction(psi[1], sum(psi.values()))


@pytest.mark.parametrize("C, fragment", [(0, "positive"), (-1, "positive"), ("1", "positive number"),
                                         (None, "positive number"), (float("nan"), "finite"),
                                         (float("inf"), "finite")])
def test_bad_C_is_refused(C, fragment):
    with pytest.raises(InvalidInputError) as info:
        network_mixture(ReLUNetwork((2, 2, 1), skips="0:2"), C=C)
    assert str(info.value).startswith("C ") and fragment in str(info.value)


def test_xi_takes_a_variable_name_a_symbol_or_a_number():
    net = ReLUNetwork((2, 2, 1), skips="0:2")
    t = sympy.Symbol("t", real=True)
    xi = xi_expression(net, C=1)
    assert xi_expression(net, "t", C=1) == xi.xreplace({sympy.Symbol("x", real=True): t})
    assert xi_expression(net, t ** 2, C=1) == xi.xreplace({sympy.Symbol("x", real=True): t ** 2})
    assert xi_expression(net, 1, C=1) == 1                       # ξ(1) = Σ_m a_m² = 1
    half = sum(Fraction(w) * Fraction(1, 2) ** m for m, w in network_mixture(net).weights)
    assert xi_expression(net, Fraction(1, 2), C=1) == sympy.Rational(half.numerator, half.denominator)
    assert float(xi_expression(net, 0.5, C=1)) == pytest.approx(float(half), rel=1e-15)


@pytest.mark.parametrize("x", ['__import__("os").getpid()', "foo bar", "x + 1", "", 1j, float("nan"), True, [1]])
def test_xi_refuses_other_x_without_evaluating_it(x):
    with pytest.raises(InvalidInputError, match="x must be a number, a sympy symbol/expression or a variable name"):
        xi_expression(ReLUNetwork((2, 2, 1), skips="0:2"), x)


def test_the_derivation_checks_its_path_counts_against_the_recursion():
    net = ReLUNetwork((2, 2, 2, 1), skips="0:2,1:3")
    net.__dict__["path_counts"] = {2: 8, 3: 9}  # a wrong recursion result (cached_property's slot)
    with pytest.raises(AssertionError, match=r"internal error: .* add up to \{2: 8, 3: 8\}"):
        derive_mixed_hamiltonian(net, Lambda=2)


def test_a_linear_network_has_no_mixture():
    with pytest.raises(InvalidInputError, match="degree >= 2"):
        network_mixture(ReLUNetwork((3, 1)))


@pytest.mark.parametrize("widths", [(2, 2, 2, 1), (3, 2, 1), (2, 2, 1)])
def test_the_mixed_chain_on_a_plain_chain_is_the_pure_derivation(widths):
    old, new = derive_hamiltonian(widths, loss="absolute"), derive_mixed_hamiltonian(widths, loss="absolute")
    assert not getattr(old, "mixed", False) and new.mixed
    assert new.hamiltonian.expr == old.hamiltonian.expr
    assert sympy.simplify(new.prefactor - old.prefactor) == 0
    assert sympy.simplify(new.C1 - old.C1) == 0 and sympy.simplify(new.C2 - old.C2) == 0
    assert new.bias_term == 0 and new.xi == sympy.Symbol("x", real=True) ** len(widths[1:])


@pytest.fixture(scope="module")
def example():
    """The theory document's example, Λ = 2, with C = 1/2 and ρ = 1/3 numbers (q default)."""
    net = _net(ARCHITECTURES[0])
    return net, derive_mixed_hamiltonian(net, Lambda=2, C=sympy.Rational(1, 2), rho=sympy.Rational(1, 3))


def test_the_derivation_checks_itself(example):
    net, d = example
    ch = d["mixed Hamiltonian"].changes
    assert ch["factoring exact"] is True and ch["covariance exact"] is True
    assert d["redundancy"].changes["regrouping exact"] is True and d.c == 1
    assert [s.name for s in d.steps] == ["path polynomial", "expectation over activations", "independent path inputs",
                                         "redundancy", "uniformity", "unit-variance couplings", "spherical constraint",
                                         "mixed Hamiltonian"]
    assert d["uniformity"].assumptions == (A.UNIFORMITY_BY_DEGREE,)
    x = sympy.Symbol("x", real=True)
    assert sympy.cancel(d.xi - xi_expression(net, x, sympy.Rational(1, 2))) == 0


def _paths_on_the_sphere(net, d):
    """Per path from an input, the unique-weight indices of its factors (weight map) — from the path list."""
    index_of = dict(zip(net.weight_symbols, d.weight_map))
    pp = path_polynomial(net, q=1)
    inputs = [tuple(index_of[w] - 1 for w in p.weights) for p in pp.paths if not p.is_bias]
    biases = [tuple(index_of[w] - 1 for w in p.weights) for p in pp.paths if p.is_bias]
    return inputs, biases


def test_covariance_of_the_network_polynomial_is_Lambda_xi_by_monte_carlo(example):
    """The random part q ρ Σ_paths X_p Π_e w_π(e), X_p iid N(0,1), at two points of ‖w‖² = ΛC. The
    multiplicities are uniform here (c = 1), so its covariance must be q²ρ² Σ_m C^m Ψ_m (w·w'/(ΛC))^m =
    q²ρ² Z ξ(w·w'/(ΛC)) without assuming uniformity: checked exactly (sum over paths) and by Monte Carlo
    (200 000 draws, seed 14, 99.9% interval of the sample mean of the product)."""
    net, d = example
    Lam, C, rho, q = d.Lambda, 0.5, 1 / 3, float(d.q)
    inputs, _ = _paths_on_the_sphere(net, d)
    rng = np.random.default_rng(14)
    w1, w2 = rng.normal(size=Lam), rng.normal(size=Lam)
    w1 *= math.sqrt(Lam * C) / np.linalg.norm(w1)
    w2 *= math.sqrt(Lam * C) / np.linalg.norm(w2)
    g1 = q * rho * np.array([np.prod(w1[list(t)]) for t in inputs])
    g2 = q * rho * np.array([np.prod(w2[list(t)]) for t in inputs])
    counts = net.path_counts
    Z = sum(C ** m * c for m, c in counts.items())
    overlap = float(w1 @ w2) / (Lam * C)
    xi = float(xi_expression(net, sympy.Float(overlap, 30), sympy.Rational(1, 2)))
    predicted = q ** 2 * rho ** 2 * Z * xi
    assert float(g1 @ g2) == pytest.approx(predicted, rel=1e-12)           # exact: Σ_paths products
    X = rng.normal(size=(200_000, len(inputs)))
    product = (X @ g1) * (X @ g2)
    half_width = 3.29 * product.std(ddof=1) / math.sqrt(len(product))
    assert abs(product.mean() - predicted) < half_width
    assert half_width < 0.05 * abs(predicted) + 0.02 * (q * rho) ** 2 * Z  # the interval is informative


def test_the_hamiltonian_covariance_at_numbers_is_Lambda_xi(example):
    """Σ_t ∂L/∂X̂_t(w̃) ∂L/∂X̂_t(w̃') (unit couplings) at random points equals Λ ξ(w̃·w̃'/Λ), ξ from the path counts."""
    net, d = example
    rng = np.random.default_rng(5)
    grads = [sympy.diff(d.hamiltonian.expr, c) for c in d.couplings]
    xi = xi_expression(net, C=sympy.Rational(1, 2))
    for _ in range(3):
        w1, w2 = rng.normal(size=d.Lambda), rng.normal(size=d.Lambda)
        w1 *= math.sqrt(d.Lambda) / np.linalg.norm(w1)
        w2 *= math.sqrt(d.Lambda) / np.linalg.norm(w2)
        a = [float(g.xreplace(dict(zip(d.weights, map(sympy.Float, w1))))) for g in grads]
        b = [float(g.xreplace(dict(zip(d.weights, map(sympy.Float, w2))))) for g in grads]
        expected = d.Lambda * float(xi.xreplace({sympy.Symbol("x", real=True): float(w1 @ w2) / d.Lambda}))
        assert float(np.dot(a, b)) == pytest.approx(expected, rel=1e-12)


def test_the_bias_term_is_deterministic_of_degree_at_most_H(example):
    """D(w̃) = q ρ Σ_{bias paths} Π_e (√C w̃_π(e)): no coupling, degrees = the bias paths' lengths, and its value
    from the path list and the weight map alone."""
    net, d = example
    D = d.bias_term
    assert not D.free_symbols & set(d.couplings) and D.free_symbols <= set(d.weights)
    poly = sympy.Poly(D, *d.weights)
    degrees = {sum(monomial) for monomial in poly.monoms()}
    assert degrees == set(net.bias_path_counts) and max(degrees) <= net.H
    _, biases = _paths_on_the_sphere(net, d)
    rng = np.random.default_rng(9)
    w = rng.normal(size=d.Lambda)
    by_paths = float(d.q) / 3 * sum(np.prod(math.sqrt(0.5) * w[list(t)]) for t in biases)
    assert float(D.xreplace(dict(zip(d.weights, map(sympy.Float, w))))) == pytest.approx(by_paths, rel=1e-12)
    # it does not enter ξ: the same network without biases has the same ξ and Hamiltonian
    no_bias = derive_mixed_hamiltonian(ReLUNetwork(net.widths, skips=net.skips), Lambda=2, C=sympy.Rational(1, 2),
                                       rho=sympy.Rational(1, 3))
    assert sympy.cancel(no_bias.xi - d.xi) == 0 and no_bias.bias_term == 0


def test_printed_derivation_says_what_it_derived(example):
    from polyloss.documents.derivation import derivation_document, derivation_text
    from polyloss.symbolic.plain import plain_text

    net, d = example
    text = derivation_text(d)
    assert "Step 8. mixed Hamiltonian" in text and f"ξ(x) = {plain_text(d.xi)}" in text
    assert "not part of the mixture" in text and "\\" not in text and "**" not in text
    mixture = network_mixture(net, C=Fraction(1, 2))
    assert f"the mixture at C = 1/2: {mixture.text()}" in text
    tex = derivation_document(d).render()
    assert r"\cite{auffinger2013mixed}" in tex and r"\xi(x)" in tex and "not part of the mixture" in tex
    assert tex.count(A.UNIFORMITY_BY_DEGREE.latex) == 1


def test_loss_carries_the_bias_term_in_C1():
    net = ReLUNetwork((2, 2, 1), skips="0:2", biases=True)
    d = derive_hamiltonian(net, loss="hinge", Lambda=2)
    assert d["hinge loss"].changes["reduction exact"] is True
    rho_h, y_t = sympy.Symbol(r"\rho'", positive=True), sympy.Symbol("Y_{t}", real=True)
    assert sympy.expand(d.C1 - rho_h * (1 - y_t * d.bias_term)) == 0
    assert sympy.simplify(d.C2 + rho_h * y_t * d.prefactor) == 0
