"""derive_hamiltonian: the chain from a network to the spherical spin glass (Choromanska et al. 2015, Sec. 3).

Oracles: an independent numpy construction (einsum over the coupling tensor), the covariance
Λ (w·w'/Λ)^H of the spherical pure H-spin glass (Auffinger, Ben Arous and Černý 2013; symbolically,
and by Monte Carlo with a fixed seed and a 5-sigma tolerance), the constants K = ρ C^{H/2}, C_1, C_2
worked out by hand from Choromanska et al. (2015), Sec. 3, pdflatex.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy

from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.symbolic import assumptions as A
from polyloss.documents.derivation import (EXAMPLE_WIDTHS, derivation_document, derivation_text, example_document,
                                           general_document)
from polyloss.symbolic.hamiltonian import RHO_HINGE, S_SUP, Y_T, default_Lambda, derive_hamiltonian
from polyloss.symbolic.latex import compile_pdf

THEORY = Path(__file__).resolve().parents[1] / "theory"
C = A.C_SPHERE


@pytest.fixture(scope="module")
def example():
    return derive_hamiltonian(EXAMPLE_WIDTHS, loss="absolute")


def _einsum_hamiltonian(w, X, Lambda, H):
    """Λ^{-(H-1)/2} Σ X[i_1..i_H] w_{i_1}…w_{i_H} with numpy, from the coupling tensor."""
    out = X
    for _ in range(H):
        out = out @ w
    return Lambda ** (-(H - 1) / 2) * out


def test_step_names_order_and_chain(example):
    names = [s.name for s in example]
    assert names == ["path polynomial", "expectation over activations", "independent path inputs",
                     "redundancy", "uniformity", "unit-variance couplings", "spherical constraint",
                     "Hamiltonian", "absolute loss"]
    assert example[0].before is None
    for prev, step in zip(example.steps, example.steps[1:]):
        assert step.before is prev.after  # each step transforms the previous expression
        # uniformity changes only the variance table when the network is already uniform (c = 1)
        assert (step.after != step.before) or (step.name == "uniformity" and example.c == 1)
    keys = [a.key for s in example for a in s.assumptions]
    assert keys == ["A2", "A3", "A1", "A4", "A5", "A6"]


@pytest.mark.parametrize("widths, Lambda", [((2, 2, 2, 1), None), ((3, 2, 1), 2), ((2, 3, 1), 4), ((3, 1), None)])
def test_hamiltonian_matches_independent_numpy_construction(widths, Lambda):
    d = derive_hamiltonian(widths, Lambda=Lambda, loss=None)
    H, L = d.network.H, d.Lambda
    gen = np.random.default_rng(5)
    X = gen.normal(size=(L,) * H)
    w = gen.normal(size=(4, L))
    expected = np.array([_einsum_hamiltonian(v, X, L, H) for v in w])
    np.testing.assert_allclose(d.evaluate(w, X), expected, rtol=1e-12)
    values = {s: sympy.Float(v) for s, v in zip(d.weights, w[0])}
    values.update({s: sympy.Float(v) for s, v in zip(d.couplings, X.reshape(-1))})
    assert float(d.hamiltonian.expr.xreplace(values)) == pytest.approx(expected[0], rel=1e-12)


def test_homogeneous_of_degree_H(example):
    step = example["Hamiltonian"]
    assert step.changes["homogeneous"] is True and step.changes["degree"] == 3
    poly = sympy.Poly(example.hamiltonian.expr, *example.weights)
    assert poly.is_homogeneous and poly.total_degree() == example.network.H
    lam = sympy.Symbol("lam")
    L = example.hamiltonian.expr
    scaled = L.xreplace({w: lam * w for w in example.weights})
    assert sympy.expand(scaled - lam ** 3 * L) == 0


@pytest.mark.parametrize("widths, Lambda", [((2, 2, 2, 1), 2), ((3, 2, 1), 2), ((2, 2, 1), 3), ((2, 2, 2, 1), 3)])
def test_covariance_symbolic(widths, Lambda):
    d = derive_hamiltonian(widths, Lambda=Lambda, loss=None)
    cov, w, w2 = d.covariance()
    H = d.network.H
    dot = sum(a * b for a, b in zip(w, w2))
    assert sympy.expand(cov - Lambda * (dot / Lambda) ** H) == 0


def test_covariance_monte_carlo(example):
    # E[L(w)L(w')] = Λ (w·w'/Λ)^H for w, w' on the sphere; 40000 coupling draws, seed 13, 5 sigma.
    L, H = example.Lambda, example.network.H
    gen = np.random.default_rng(13)
    w = gen.normal(size=L)
    w2 = w + 0.5 * gen.normal(size=L)
    w, w2 = (v * np.sqrt(L) / np.linalg.norm(v) for v in (w, w2))
    X = gen.normal(size=(40000, L ** H))
    fn = example.hamiltonian.compile("numpy")
    a = fn(*w, *X.T)
    b = fn(*w2, *X.T)
    prod = a * b
    target = L * (w @ w2 / L) ** H
    assert abs(prod.mean() - target) < 5 * prod.std() / np.sqrt(len(prod))
    assert abs((a * a).mean() - L) < 5 * (a * a).std() / np.sqrt(len(a))


def test_prefactor_and_loss_constants(example):
    rho = A.RHO
    # Λ^H = Ψ and default q: K = ρ C^{H/2} (by hand: q Λ^{(H-1)/2} √(Ψ/Λ^H) = 1)
    assert sympy.simplify(example.prefactor - rho * C ** sympy.Rational(3, 2)) == 0
    assert example.C1 == S_SUP
    assert sympy.simplify(example.C2 + rho * Y_T * C ** sympy.Rational(3, 2) / S_SUP) == 0
    assert example["absolute loss"].changes["reduction exact"] is True
    hinge = derive_hamiltonian(EXAMPLE_WIDTHS, loss="hinge")
    assert hinge.C1 == RHO_HINGE
    assert sympy.simplify(hinge.C2 + RHO_HINGE * rho * Y_T * C ** sympy.Rational(3, 2)) == 0
    assert [a.key for a in hinge[-1].assumptions] == ["A7"]
    # Λ^H != Ψ: K = q ρ C^{H/2} sqrt(Ψ/Λ^H) Λ^{(H-1)/2}, q = Ψ^{-(H-1)/(2H)}
    d = derive_hamiltonian((3, 2, 1), Lambda=2, loss=None, rho=sympy.Rational(1, 2))
    expected = 6 ** sympy.Rational(-1, 4) * sympy.Rational(1, 2) * C * sympy.sqrt(sympy.Rational(6, 4)) * sympy.sqrt(2)
    assert sympy.simplify(d.prefactor - expected) == 0
    assert d.C1 == 0 and d.C2 == d.prefactor


def test_every_factoring_is_checked_exact(example):
    assert example["redundancy"].changes["regrouping exact"] is True
    assert example["unit-variance couplings"].changes["factoring exact"] is True
    assert example["spherical constraint"].changes["factoring exact"] is True
    assert example["Hamiltonian"].changes["factoring exact"] is True


def test_uniformity_adds_missing_tuples():
    d = derive_hamiltonian((2, 2, 1), Lambda=3, loss=None)
    ch = d["uniformity"].changes
    assert ch["c"] == sympy.oo and ch["tuples"] == 9
    assert ch["tuples added"] == sum(1 for t in ch["multiplicities"].values() if t == 0) > 0
    assert len(d.couplings) == 9


def test_default_Lambda_and_weight_maps():
    from polyloss.symbolic.network import ReLUNetwork
    assert default_Lambda(ReLUNetwork((2, 2, 2, 1))) == 2
    assert default_Lambda(ReLUNetwork((4, 4, 1))) == 4
    assert default_Lambda(ReLUNetwork((3, 2, 1))) == 2  # nearest integer to sqrt(6)
    d = derive_hamiltonian((2, 2, 2, 1), Lambda=10, loss=None)  # diagonal map cannot use 10 weights
    assert "cyclic" in d.weight_map_text and sorted(d.weight_map) == list(range(1, 11))
    user = derive_hamiltonian((2, 2, 1), weight_map=[1, 2, 2, 1, 1, 2], loss=None)
    assert user.Lambda == 2 and user.c == 1
    names = {str(s): 1 + k % 2 for k, s in enumerate(user.network.weight_symbols)}
    by_name = derive_hamiltonian((2, 2, 1), weight_map=names, loss=None)
    assert by_name.weight_map == (1, 2, 1, 2, 1, 2)


@pytest.mark.parametrize("kwargs, match", [
    (dict(rho=0), r"rho must be a number in \(0, 1\]"),
    (dict(rho=1.5), r"rho must be a number in \(0, 1\]"),
    (dict(weight_map=[1, 2, 1]), "weight_map has 3 entries but widths .* N = 10"),
    (dict(weight_map={"w^{(9)}_{1,1}": 1}), r"unknown weights \['w\^\{\(9\)\}_\{1,1\}'\]"),
    (dict(weight_map={"w^{(1)}_{1,1}": 1}), "missing: w"),
    (dict(weight_map=[1, 2, 1, 2, 1, 2, 1, 2, 1, 5], Lambda=2), "uses unique weight 5 but Lambda = 2"),
    (dict(weight_map=[1, 3, 1, 3, 1, 3, 1, 3, 1, 3]), r"leaves unique weights \[2\] unused"),
    (dict(weight_map=[0] * 10), "integers >= 1"),
    (dict(Lambda=11), "Lambda = 11 unique weights do not fit: .* N = 10"),
    (dict(Lambda=0), "Lambda must be an integer >= 1"),
    (dict(Lambda=2.0), "Lambda must be an integer"),
    (dict(loss="square"), "loss must be one of"),
])
def test_bad_input_is_refused_clearly(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        derive_hamiltonian(EXAMPLE_WIDTHS, **kwargs)


def test_size_guards():
    with pytest.raises(SizeLimitError, match="paths"):
        derive_hamiltonian((100, 100, 1))
    with pytest.raises(SizeLimitError, match="ordered weight tuples"):
        derive_hamiltonian((2, 2, 2, 1), Lambda=10, max_tuples=100)


def test_plain_text_lists_every_step(example):
    text = derivation_text(example)
    for n, step in enumerate(example, start=1):
        assert f"Step {n}. {step.name}" in text
    assert "A4 redundancy" in text and "c = 1" in text and "Hamiltonian:" in text


def test_documents_are_deterministic_and_committed():
    assert example_document().render() == example_document().render()
    assert (THEORY / "derivation_example.tex").read_text() == example_document().render()
    assert (THEORY / "derivation_general.tex").read_text() == general_document().render()


def test_latex_compiles(pdflatex, tmp_path, example):
    hinge = derive_hamiltonian((3, 2, 1), loss="hinge", rho=0.5)
    derivation_document(hinge).write(tmp_path / "hinge.tex")
    assert compile_pdf(tmp_path / "hinge.tex", runs=1).exists()
    for name in ("derivation_general.tex", "derivation_example.tex"):
        shutil.copy(THEORY / name, tmp_path / name)
        assert compile_pdf(tmp_path / name).exists()
    tex = derivation_document(example).render()
    assert r"\label{step1}" in tex and "Eq.~(1)" in tex and "Eq.~(2)" in tex
