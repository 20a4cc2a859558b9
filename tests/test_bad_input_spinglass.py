"""Bad input on the spin-glass, counting and symbolic side: every public function × bad values.

Each case asserts the error class (InvalidInputError for a value outside what is accepted,
SizeLimitError for work refused up front) and that the message names the argument. The property
tests (hypothesis) check the two rules behind the table: any finite nonzero point projects onto the
sphere ‖w‖² = Λ (checked against numpy's norm, not the model's), and any array with a non-finite
entry anywhere is refused.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.numeric import complexity, critical_counts, critical_search, goe, optimisers, spinglass
from polyloss.numeric.critical_counts import expected_critical_points, log_critical_points_curve
from polyloss.numeric.critical_search import count_statistics, critical_points, max_critical_points
from polyloss.numeric.optimisers import descend, descent_steps, refine
from polyloss.numeric.spinglass import SphericalSpinGlass, convert_energy, coupling_bytes, largest_Lambda
from polyloss.symbolic import finite_size
from polyloss.symbolic.complexity import theta_k_formula
from polyloss.symbolic.hamiltonian import derive_hamiltonian
from polyloss.symbolic.network import ReLUNetwork
from polyloss.symbolic.paths import path_polynomial

LAM = 3
MODEL = SphericalSpinGlass(LAM, 3, seed=0)
MODEL32 = SphericalSpinGlass(LAM, 3, seed=0, dtype=torch.float32)
DERIVATION = derive_hamiltonian([2, 2, 1], Lambda=2, loss=None)
NET = ReLUNetwork([2, 2, 1])
PATHS = path_polynomial(NET)
GOOD_POINT = [[1.0, 2.0, 0.5]]
GOOD_X = np.arange(4.0)  # widths (2, 2, 1): H = 2, Λ^H = 4 couplings

# --- bad values of an array of points (B, Λ) ------------------------------------------------------
BAD_POINTS = {
    "nan": [[1.0, math.nan, 0.0]],
    "inf": [[1.0, math.inf, 0.0]],
    "-inf": [[-math.inf, 1.0, 0.0]],
    "zero vector": [[0.0, 0.0, 0.0]],
    "zero row among others": [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
    "zero tensor": torch.zeros(LAM, dtype=torch.float64),
    "nan tensor": torch.tensor([1.0, float("nan"), 0.0]),
    "complex": np.array([[1 + 2j, 0, 0]]),
    "complex, zero imaginary part": np.array([[1 + 0j, 1, 0]]),
    "complex tensor": torch.tensor([[1 + 1j, 0, 0]]),
    "None": None,
    "string": "abc",
    "list of strings": [["1", "2", "3"]],
    "None entry": [[1.0, None, 0.0]],
    "empty": [],
    "empty batch": np.zeros((0, LAM)),
    "wrong shape": [[1.0, 2.0]],
    "three axes": np.ones((2, 2, LAM)),
    "ragged": [[1.0, 2.0, 3.0], [1.0]],
    "underflowing norm": [[1e-320, 0.0, 0.0]],
    "overflowing norm": [[1e300, 1e300, 0.0]],
}

POINT_METHODS = {
    "euclidean_gradient": lambda w: MODEL.euclidean_gradient(w),
    "hamiltonian": lambda w: MODEL.hamiltonian(w),
    "energy": lambda w: MODEL.energy(w),
    "energy_and_gradient": lambda w: MODEL.energy_and_gradient(w),
    "gradient": lambda w: MODEL.gradient(w),
    "euclidean_hessian": lambda w: MODEL.euclidean_hessian(w),
    "hessian": lambda w: MODEL.hessian(w),
    "hessian ambient": lambda w: MODEL.hessian(w, basis="ambient"),
    "tangent_basis": lambda w: MODEL.tangent_basis(w),
    "index": lambda w: MODEL.index(w),
    "project": lambda w: MODEL.project(w),
    "float32 model energy": lambda w: MODEL32.energy(w),
    "refine": lambda w: refine(MODEL, w, max_iter=1),
    "Derivation.evaluate w": lambda w: DERIVATION.evaluate(_two(w), GOOD_X),
}


def _two(w):
    """The same bad value for Λ = 2 (the derivation's), dropping the third coordinate where there is one."""
    if isinstance(w, torch.Tensor):
        w = w.numpy()
    if isinstance(w, np.ndarray) and w.ndim >= 1 and w.shape[-1] == LAM and w.dtype.kind != "O":
        return w[..., :2]
    if isinstance(w, list) and w and isinstance(w[0], list) and all(len(r) == LAM for r in w):
        return [r[:2] for r in w]
    if isinstance(w, list) and w == [[1.0, 2.0]]:  # the wrong shape (1, 2) is right for Λ = 2: use (1, 1)
        return [[1.0]]
    return w


def _point_cases():
    """Every point-taking method × every bad point, except tiny or huge finite nonzero points for
    Derivation.evaluate: it is a polynomial of float64 numbers, for which such points are valid (its
    sphere is not imposed), so they are not bad input there."""
    for mname, method in POINT_METHODS.items():
        for vname, value in BAD_POINTS.items():
            if mname == "Derivation.evaluate w" and isinstance(value, list) and value in (
                    [[1e300, 1e300, 0.0]], [[1e-320, 0.0, 0.0]]):
                continue
            yield pytest.param(method, value, id=f"{mname}-{vname}")


@pytest.mark.parametrize("method, value", list(_point_cases()))
def test_bad_points_are_refused_naming_w(method, value):
    with pytest.raises(InvalidInputError, match=r"\bw\b"):
        method(value)


@pytest.mark.parametrize("value", list(BAD_POINTS.values()), ids=list(BAD_POINTS))
def test_descend_refuses_bad_starting_points_naming_w0(value):
    batch = value if not isinstance(value, torch.Tensor) or value.ndim != 1 else value[None]
    with pytest.raises(InvalidInputError, match=r"\bw0\b"):
        descend(MODEL, batch, steps=1)


def test_a_zero_row_is_named_by_its_position():
    with pytest.raises(InvalidInputError, match=r"point 2 is the zero vector.*cannot be projected"):
        MODEL.project([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 0]])
    with pytest.raises(InvalidInputError, match=r"w must not contain NaN"):
        MODEL.gradient([[1.0, math.nan, 0]])
    with pytest.raises(InvalidInputError, match=r"w must be finite: entry \(0, 1\) is nan"):
        MODEL.gradient(torch.tensor([[1.0, math.nan, 0]]))


def test_float64_values_that_overflow_a_float32_model_are_refused():
    with pytest.raises(InvalidInputError, match=r"w must be finite.*after rounding to float32"):
        MODEL32.gradient([[1e39, 1.0, 0.0]])
    with pytest.raises(InvalidInputError, match=r"norm that overflows torch.float32"):
        MODEL32.gradient([[1e30, 1.0, 0.0]])  # representable, but its norm is not
    with pytest.raises(InvalidInputError, match=r"gradient at w overflows torch.float32.*project the points"):
        MODEL32.gradient([[1e18, 1.0, 0.0]])  # its norm is representable, its gradient (~|w|^2) is not
    with pytest.raises(InvalidInputError, match=r"Hessian at w overflows"):
        MODEL32.index([[1e30 ** 0.5, 1.0, 0.0]])
    assert torch.isfinite(MODEL32.gradient([[1e5, 1.0, 0.0]])).all()  # large, results representable: accepted


# --- couplings -----------------------------------------------------------------------------------
BAD_COUPLINGS = {
    "nan": np.full((2, 2, 2), math.nan),
    "None": [[[None] * 2] * 2] * 2,
    "inf": np.where(np.eye(2)[:, :, None] > 0, math.inf, 0.0) * np.ones((2, 2, 2)),
    "complex": np.ones((2, 2, 2)) * (1 + 1j),
    "complex tensor": torch.ones((2, 2, 2), dtype=torch.complex128),
    "string": "abc",
    "wrong shape": np.ones((2, 2)),
    "empty": [],
    "None entry": [[[1.0, None], [1.0, 1.0]], [[1.0, 1.0], [1.0, 1.0]]],
}


@pytest.mark.parametrize("value", list(BAD_COUPLINGS.values()), ids=list(BAD_COUPLINGS))
def test_bad_couplings_are_refused_naming_them(value):
    with pytest.raises(InvalidInputError, match="couplings"):
        SphericalSpinGlass(2, 3, couplings=value)


@pytest.mark.parametrize("value", [BAD_COUPLINGS[k] for k in ("nan", "complex", "string", "empty")] + [None],
                         ids=["nan", "complex", "string", "empty", "None"])
def test_derivation_evaluate_refuses_bad_couplings_naming_X(value):
    with pytest.raises(InvalidInputError, match=r"\bX\b"):
        DERIVATION.evaluate([1.0, 1.0], value)


# --- scalar and count arguments: (call, argument name, bad value, error class) -----------------------
NAN, INF = math.nan, math.inf
CASES = []


def case(name, arg, fn, values, error=InvalidInputError):
    for label, value in values.items():
        CASES.append(pytest.param(fn, value, arg, error, id=f"{name}[{label}]"))


INTEGER_BAD = {"nan": NAN, "inf": INF, "complex": 1 + 1j, "None": None, "string": "3", "float": 2.5,
               "negative": -3, "bool": True, "list": [3]}
INTEGER_BAD_NOT_NONE = {k: v for k, v in INTEGER_BAD.items() if k != "None"}
REAL_BAD = {"nan": NAN, "complex": 1 + 1j, "string": "0.1", "list": [0.1], "bool": True}

case("SphericalSpinGlass", "Lambda", lambda v: SphericalSpinGlass(v, 3), INTEGER_BAD)
case("SphericalSpinGlass", "H", lambda v: SphericalSpinGlass(3, v), INTEGER_BAD)
case("SphericalSpinGlass", "H", lambda v: SphericalSpinGlass(3, v), {"H = 21": 21, "huge": 10**6})
case("SphericalSpinGlass", "seed", lambda v: SphericalSpinGlass(3, 3, seed=v), INTEGER_BAD_NOT_NONE)
case("SphericalSpinGlass", "memory_limit", lambda v: SphericalSpinGlass(3, 3, memory_limit=v),
     INTEGER_BAD_NOT_NONE)
case("SphericalSpinGlass", "dtype", lambda v: SphericalSpinGlass(3, 3, dtype=v),
     {"None": None, "string": "float64", "complex": torch.complex128, "int": torch.int64})
case("SphericalSpinGlass", "device", lambda v: SphericalSpinGlass(3, 3, device=v),
     {"nonsense": "nonsense", "None": None, "int": 3})
case("SphericalSpinGlass", "sampler", lambda v: SphericalSpinGlass(3, 3, sampler=v), {"None": None, "x": "x"})
case("SphericalSpinGlass", "Lambda", lambda v: SphericalSpinGlass(v, 3), {"huge": 10**7}, SizeLimitError)
case("split", "P", lambda v: MODEL.split(v), INTEGER_BAD)
case("split", "P", lambda v: MODEL.split(v), {"10^6": 10**6})
case("split", "dtype", lambda v: MODEL.split(2, dtype=v), {"string": "float32", "int": torch.int32})
case("resample", "seed", lambda v: MODEL.resample(v), INTEGER_BAD_NOT_NONE)
case("astype", "dtype", lambda v: MODEL.astype(v), {"None": None, "string": "float32"})
case("random_points", "B", lambda v: MODEL.random_points(v, seed=0), INTEGER_BAD)
case("random_points", "B", lambda v: MODEL.random_points(v, seed=0), {"10^10": 10**10}, SizeLimitError)
case("random_points", "seed", lambda v: MODEL.random_points(2, seed=v), INTEGER_BAD_NOT_NONE)
case("random_points", "generator", lambda v: MODEL.random_points(2, generator=v), {"int": 3, "numpy": np.random.default_rng()})
case("hessian", "basis", lambda v: MODEL.hessian(GOOD_POINT, basis=v), {"None": None, "x": "x"})
case("convert_energy", "value", lambda v: convert_energy(v, Lambda=3, H=3),
     {"nan": NAN, "None": None, "string": "1", "complex": 1j, "nan tensor": torch.tensor([NAN]),
      "complex tensor": torch.tensor([1j])})
case("convert_energy", "Lambda", lambda v: convert_energy(1.0, Lambda=v, H=3), INTEGER_BAD)
case("convert_energy", "to", lambda v: convert_energy(1.0, Lambda=3, H=3, to=v), {"None": None, "x": "x"})
case("coupling_bytes", "Lambda", lambda v: coupling_bytes(v, 3), INTEGER_BAD)
case("largest_Lambda", "memory_bytes", lambda v: largest_Lambda(3, v), INTEGER_BAD)

SMALL = SphericalSpinGlass(30, 3, seed=0, memory_limit=2**26)
MANY = np.tile([[1.0] + [0.0] * 29], (10**5, 1))
case("hessian", "100000 points", lambda v: SMALL.hessian(v), {"10^5 points": MANY}, SizeLimitError)
case("euclidean_hessian", "100000 points", lambda v: SMALL.euclidean_hessian(v), {"10^5 points": MANY},
     SizeLimitError)
case("tangent_basis", "100000 points", lambda v: SMALL.tangent_basis(v), {"10^5 points": MANY}, SizeLimitError)

W0 = MODEL.random_points(2, seed=1)
case("descend", "steps", lambda v: descend(MODEL, W0, steps=v), INTEGER_BAD_NOT_NONE)
case("descend", "steps", lambda v: descend(MODEL, W0, steps=v), {"10^9": 10**9})
case("descend", "full_steps", lambda v: descend(MODEL, W0, "anneal", steps=1, full_steps=v), {"10^9": 10**9, "nan": NAN})
case("descend", "P", lambda v: descend(MODEL, W0, "sgd", P=v, steps=1, full_steps=1),
     {"10^6": 10**6, "zero": 0, "string": "2"})
case("descend", "lr", lambda v: descend(MODEL, W0, steps=1, lr=v),
     {"nan": NAN, "inf": INF, "zero": 0.0, "negative": -1.0, "complex": 1j, "string": "0.1"})
case("descend", "temperature", lambda v: descend(MODEL, W0, "anneal", steps=1, temperature=v),
     {"nan": NAN, "inf": INF, "negative": -1.0, "None": None})
case("descend", "method", lambda v: descend(MODEL, W0, v), {"None": None, "x": "adam"})
case("descend", "model", lambda v: descend(v, W0, steps=1), {"None": None, "string": "model", "array": np.ones(3)})
case("descend", "pieces", lambda v: descend(MODEL, W0, "sgd", P=2, steps=1, full_steps=1, pieces=v),
     {"string": "ab", "wrong models": [MODEL, SphericalSpinGlass(4, 3, seed=0)], "ints": [1, 2]})
case("descend", "record_every", lambda v: descend(MODEL, W0, steps=1, record_every=v), {"zero": 0, "nan": NAN})
case("descent_steps", "steps", lambda v: descent_steps("gd", steps=v), {"10^9": 10**9, "nan": NAN})
case("refine", "max_iter", lambda v: refine(MODEL, W0, max_iter=v), {"10^9": 10**9, "nan": NAN, "None": None})
case("refine", "tol", lambda v: refine(MODEL, W0, tol=v), {"nan": NAN, "zero": 0.0, "None": None, "complex": 1j})
case("refine", "chunk", lambda v: refine(MODEL, W0, chunk=v), {"zero": 0, "string": "2"})
case("refine", "model", lambda v: refine(v, W0), {"None": None})
case("sgd_schedule", "t", lambda v: optimisers.sgd_schedule(v, 0.3), {"nan": NAN, "None": None, "string": "1", "negative": -1})
case("sgd_schedule", "base", lambda v: optimisers.sgd_schedule(1, v), {"nan": NAN, "inf": INF, "zero": 0.0, "complex": 1j})

case("critical_points", "model", lambda v: critical_points(v), {"None": None, "array": np.zeros(3), "string": "m"})
case("critical_points", "starts", lambda v: critical_points(MODEL, starts=v), {"10^9": 10**9, "nan": NAN, "zero": 0})
case("critical_points", "max_points", lambda v: critical_points(MODEL, max_points=v), {"10^9": 10**9, "None": None})
case("critical_points", "max_iter", lambda v: critical_points(MODEL, max_iter=v), {"10^9": 10**9, "inf": INF})
case("critical_points", "tol", lambda v: critical_points(MODEL, tol=v), {"nan": NAN, "string": "1e-10"})
case("critical_points", "seed", lambda v: critical_points(MODEL, seed=v), {"negative": -1, "string": "1", "nan": NAN})
case("count_statistics", "instances", lambda v: count_statistics(3, 3, v, seed=0), {"10^9": 10**9, "nan": NAN, "None": None})
case("count_statistics", "levels", lambda v: count_statistics(3, 3, 1, seed=0, levels=v),
     {"nan": [NAN], "None": None, "string": "inf", "complex": [1j], "empty": []})
case("count_statistics", "Lambda", lambda v: count_statistics(v, 3, 1, seed=0), INTEGER_BAD)
case("max_critical_points", "H", lambda v: max_critical_points(3, v), INTEGER_BAD)

case("expected_critical_points", "dps", lambda v: expected_critical_points(4, 3, dps=v),
     {"10^6": 10**6, "nan": NAN, "string": "30", "float": 30.0})
case("expected_critical_points", "N", lambda v: expected_critical_points(v, 3), INTEGER_BAD)
case("expected_critical_points", "p", lambda v: expected_critical_points(4, v), INTEGER_BAD)
case("expected_critical_points", "k", lambda v: expected_critical_points(4, 3, k=v), INTEGER_BAD_NOT_NONE)
case("expected_critical_points", "u", lambda v: expected_critical_points(4, 3, u=v), {**REAL_BAD, "None": None})
case("expected_critical_points", "samples", lambda v: expected_critical_points(4, 3, k=0, u=-1.7, samples=v),
     {"10^9": 10**9, "nan": NAN, "None": None, "one": 1})
case("expected_critical_points", "method", lambda v: expected_critical_points(4, 3, method=v), {"None": None, "x": "x"})
case("expected_critical_points", "rng", lambda v: expected_critical_points(4, 3, k=0, u=0.0, samples=2, rng=v),
     {"negative": -1, "string": "1", "nan": NAN})
case("expected_critical_points", "N=10000000", lambda v: expected_critical_points(v, 3, k=0, u=0.0, method="montecarlo"),
     {"10^7": 10**7}, SizeLimitError)
case("expected_critical_points", "samples", lambda v: expected_critical_points(40, 3, k=0, u=-1.7, samples=v),
     {"10^7 planted": 10**7}, SizeLimitError)
case("expected_critical_points", "N=", lambda v: expected_critical_points(v, 3, dps=30), {"N=1000 with dps": 1000},
     SizeLimitError)
case("log_critical_points_curve", "u", lambda v: log_critical_points_curve(4, 3, v),
     {"nan": [NAN], "None": None, "complex": [1j], "string": "0", "empty": []})
case("log_critical_points_curve", "samples", lambda v: log_critical_points_curve(4, 3, [-1.7], k=0, samples=v),
     {"10^9": 10**9})

case("goe_tridiagonal", "N", lambda v: goe.goe_tridiagonal(v, 1), INTEGER_BAD)
case("goe_tridiagonal", "size", lambda v: goe.goe_tridiagonal(10**7, v), {"10^3 of N=10^7": 1000}, SizeLimitError)
case("goe_eigenvalues", "size", lambda v: goe.goe_eigenvalues(3, v), INTEGER_BAD)
case("goe_dense", "size", lambda v: goe.goe_dense(1000, v), {"10^3 of N=10^3": 1000}, SizeLimitError)
case("tridiagonal_eigenvalues", "diag", lambda v: goe.tridiagonal_eigenvalues(v, [[0.5]]),
     {"nan": [[NAN, 1.0]], "inf": [[INF, 1.0]], "complex": [[1j, 1.0]], "None": None, "string": "ab", "empty": []})
case("tridiagonal_eigenvalues", "off", lambda v: goe.tridiagonal_eigenvalues([[0.0, 1.0]], v),
     {"nan": [[NAN]], "complex": [[1j]], "None": None, "wrong shape": [[1.0, 2.0, 3.0]]})
case("goe_density", "x", lambda v: goe.goe_density(v, 4), {"nan": [NAN], "complex": [1j], "None": None, "string": "0"})
case("goe_density", "N", lambda v: goe.goe_density(0.0, v), {**INTEGER_BAD, "10^6": 10**6})
case("goe_density", "dps", lambda v: goe.goe_density(0.0, 4, dps=v), {"10^6": 10**6, "nan": NAN, "string": "30"})
case("goe_log_density", "x", lambda v: goe.goe_log_density(v, 4), {"nan": [NAN], "complex": 1j, "None": None})
case("kth_eigenvalue_statistics", "k", lambda v: goe.kth_eigenvalue_statistics(4, v), INTEGER_BAD)
case("kth_eigenvalue_statistics", "samples", lambda v: goe.kth_eigenvalue_statistics(10**4, 0, v),
     {"10^4 at N=10^4": 10**4}, SizeLimitError)

case("theta", "u", lambda v: complexity.theta(v, 3, 0),
     {"nan": NAN, "inf": INF, "complex": 1j, "None": None, "string": "-1.7", "complex array": np.array([1j])})
case("theta torch", "u", lambda v: complexity.theta(v, 3, 0),
     {"nan tensor": torch.tensor([NAN]), "complex tensor": torch.tensor([-1.7 + 0j])})
case("theta mpmath", "u", lambda v: complexity.theta(v, 3, 0, dps=20), {"nan": NAN, "complex": 1j, "None": None})
case("theta", "dps", lambda v: complexity.theta(-1.7, 3, 0, dps=v), {"10^6": 10**6, "nan": NAN})
case("energy_thresholds", "kmax", lambda v: complexity.energy_thresholds(3, v), {"10^6": 10**6, "nan": NAN, "None": None})
case("e_infinity", "H", lambda v: complexity.e_infinity(v), INTEGER_BAD)

case("Formula.subs", "H", lambda v: theta_k_formula().subs(H=v),
     {"nan": NAN, "inf": INF, "complex": 1j, "None": None, "string": "3", "bool": True, "list": [3]})
case("normalising_constant", "N", lambda v: finite_size.normalising_constant(v), {**INTEGER_BAD, "4": 4})
case("total_critical_points_formula", "N", lambda v: finite_size.total_critical_points_formula(v), INTEGER_BAD)
case("derive_hamiltonian", "Lambda", lambda v: derive_hamiltonian([2, 2, 1], Lambda=v), INTEGER_BAD_NOT_NONE)
case("derive_hamiltonian", "max_paths", lambda v: derive_hamiltonian([2, 2, 1], max_paths=v), INTEGER_BAD)
case("derive_hamiltonian", "loss", lambda v: derive_hamiltonian([2, 2, 1], loss=v), {"x": "x", "nan": NAN})
case("derive_hamiltonian", "rho", lambda v: derive_hamiltonian([2, 2, 1], rho=v),
     {"nan": NAN, "inf": INF, "complex": 1j, "None": None, "zero": 0, "two": 2.0})
case("ReLUNetwork", "widths", lambda v: ReLUNetwork(v),
     {"None": None, "string": "221", "nan": [2, NAN, 1], "complex": [2, 1j, 1], "zero width": [2, 0, 1],
      "negative": [2, -2, 1], "one layer": [2], "empty": []})
case("path_polynomial", "q", lambda v: path_polynomial([2, 2, 1], q=v), {"nan": NAN, "inf": INF, "complex": 1j, "None": None,
                                                                          "zero": 0})
case("PathPolynomial.evaluate", "x", lambda v: PATHS.evaluate(NET.random_weights(0), v),
     {"nan": [NAN, 1.0], "inf": [INF, 1.0], "complex": [1j, 1.0], "None": None, "string": "ab", "wrong shape": [1.0]})
case("ReLUNetwork.forward", "x", lambda v: NET.forward(NET.random_weights(0), v),
     {"nan": [NAN, 1.0], "complex": [1 + 1j, 1.0], "None": None, "string": "ab"})
case("derive_hamiltonian", "weight_map", lambda v: derive_hamiltonian([2, 2, 1], weight_map=v),
     {"string": "abc", "nan": [NAN] * 6, "floats": [1.0] * 6, "short": [1, 2]})


@pytest.mark.parametrize("fn, value, arg, error", CASES)
def test_bad_arguments_are_refused_naming_the_argument(fn, value, arg, error):
    with pytest.raises(error) as info:
        fn(value)
    assert re.search(rf"\b{re.escape(arg)}\b", str(info.value)), f"message does not name {arg!r}: {info.value}"


# --- limits are documented constants and are where they say ------------------------------------
def test_documented_limits():
    assert spinglass.MAX_H == 20 and spinglass.MAX_PIECES == 10_000
    assert critical_counts.MAX_DPS == 100 and critical_counts.MAX_SAMPLES == 10**8
    assert optimisers.MAX_STEPS == 10**8 and critical_search.MAX_INSTANCES == 10**6
    SphericalSpinGlass(2, spinglass.MAX_H, seed=0).energy([1.0, 1.0])  # the largest H works
    assert len(MODEL.split(2)) == 2
    value = expected_critical_points(3, 3, dps=critical_counts.MAX_DPS // 5)  # at the limit's scale: runs
    assert value.log_value == pytest.approx(expected_critical_points(3, 3).log_value, rel=1e-10)


def test_size_refusals_say_the_size_needed():
    with pytest.raises(SizeLimitError, match=r"random_points\(B=10000000000\).*GiB"):
        MODEL.random_points(10**10)
    with pytest.raises(SizeLimitError, match=r"N=10000000.*GiB"):
        expected_critical_points(10**7, 3, k=0, u=0.0, method="montecarlo")
    with pytest.raises(SizeLimitError, match=r"100000 points.*GiB"):
        SMALL.hessian(MANY)


def test_index_works_in_chunks(monkeypatch):
    """index on many points is not refused: it works in chunks, and agrees with the Hessians' eigenvalues."""
    w = MODEL.random_points(50, seed=3)
    expected = (np.linalg.eigvalsh(MODEL.hessian(w).numpy()) < 0).sum(1)  # numpy's eigenvalues, one batch
    monkeypatch.setattr(spinglass, "_CHUNK_BYTES", 1000)  # 7-point chunks
    assert MODEL._index_chunk() < 50
    assert MODEL.index(w).tolist() == expected.tolist()


# --- results that would not be finite are not returned --------------------------------------------
def test_descent_that_overflows_is_reported_not_returned():
    with pytest.raises(InvalidInputError, match=r"stopped being finite.*lr"):
        descend(MODEL, W0, steps=3, lr=1e308)
    with pytest.raises(InvalidInputError, match=r"stopped being finite"):
        descend(MODEL, W0, steps=3, lr=lambda t: math.nan)
    d = descend(MODEL, W0, steps=3, lr=0.1)
    assert torch.isfinite(d.w).all()


def test_valid_edge_inputs_still_work():
    """Integer and float32 arrays, a single point, a batch of one and a tensor of ints are accepted."""
    w = np.array([1, 2, 3])
    u = MODEL.energy(w)
    assert float(u) == pytest.approx(float(MODEL.energy(torch.tensor([1.0, 2.0, 3.0]))))
    assert MODEL.energy(w[None]).shape == (1,)
    assert MODEL.energy(torch.tensor([[1, 2, 3]])).shape == (1,)
    assert convert_energy(1.0, Lambda=3, H=3) == pytest.approx(3.0)
    assert convert_energy(math.inf, Lambda=3, H=3) == math.inf  # "all energies" passes through
    np.testing.assert_allclose(convert_energy([1.0, 2.0], Lambda=3, H=3), [3.0, 6.0])
    assert DERIVATION.evaluate([1.0, 1.0], GOOD_X).shape == ()


# --- property tests ---------------------------------------------------------------------------------
# entries 0 or of magnitude 1e-100 .. 1e100, so that ‖w‖² neither underflows nor overflows float64 (points
# outside that range are refused with their own message: see test_bad_points_are_refused_naming_w)
magnitudes = st.floats(1e-100, 1e100)
entries = st.one_of(st.just(0.0), magnitudes, magnitudes.map(lambda x: -x))
finite_rows = hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.just(LAM)), elements=entries)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finite_rows)
def test_any_finite_nonzero_point_projects_to_norm_sqrt_lambda(w):
    norms = np.linalg.norm(w, axis=1)
    if np.any(norms == 0):
        with pytest.raises(InvalidInputError, match="zero vector"):
            MODEL.project(w)
        return
    p = MODEL.project(w).numpy()
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), math.sqrt(LAM), rtol=1e-12)
    np.testing.assert_allclose(p * norms[:, None] / math.sqrt(LAM), w, rtol=1e-9, atol=1e-9 * norms.max())


bad_entry = st.sampled_from([math.nan, math.inf, -math.inf])


@settings(max_examples=40, deadline=None)
@given(finite_rows, st.data(), bad_entry, st.sampled_from(sorted(POINT_METHODS)))
def test_any_point_array_with_a_non_finite_entry_is_refused(w, data, bad, method):
    i = data.draw(st.integers(0, w.shape[0] - 1))
    j = data.draw(st.integers(0, (1 if method == "Derivation.evaluate w" else w.shape[1] - 1)))  # Λ = 2 there
    w = w.copy()
    w[i, j] = bad
    with pytest.raises(InvalidInputError, match=r"\bw\b"):
        POINT_METHODS[method](w)


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, 8, elements=st.floats(-10, 10)), st.integers(0, 7), bad_entry)
def test_any_coupling_array_with_a_non_finite_entry_is_refused(X, i, bad):
    X = X.copy()
    X[i] = bad
    with pytest.raises(InvalidInputError, match="couplings"):
        SphericalSpinGlass(2, 3, couplings=X.reshape(2, 2, 2))
    with pytest.raises(InvalidInputError, match=r"\bX\b"):
        DERIVATION.evaluate([1.0, 1.0], X[:4] if i < 4 else X[4:])  # the half (Λ^H = 4 couplings) holding it


@settings(max_examples=30, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-3, 3)), st.data(), st.sampled_from([math.nan, 1j]))
def test_any_level_array_with_nan_or_complex_is_refused(u, data, bad):
    u = u.astype(complex) if isinstance(bad, complex) else u.copy()
    u[data.draw(st.integers(0, len(u) - 1))] = bad
    with pytest.raises(InvalidInputError, match=r"\bu\b"):
        log_critical_points_curve(4, 3, u)
    with pytest.raises(InvalidInputError, match=r"\bx\b"):
        goe.goe_log_density(u, 4)
