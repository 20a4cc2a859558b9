"""Exact finite-N expected critical-point counts (polyloss.numeric.critical_counts).

Oracles: the sympy closed forms for N = 2, 3 (derived from the GOE joint density in
polyloss.symbolic.finite_size); p = 2 gives exactly 2 per index (a quadratic form on the sphere: its critical points are ±
the eigenvectors); mpmath at 30 digits;
a Monte Carlo of the raw Kac–Rice formula written here (the (N-1)x(N-1) Hessian
sqrt(2p(p-1)) G - p u I of Auffinger, Ben Arous and Černý (2013), with the sphere volume and gradient
density; the Kac–Rice formula on a manifold, Adler and Taylor (2007), Ch. 12 [unverified]); Morse theory
(Σ_k (-1)^k E Crt_{N,k} = 1 + (-1)^{N-1}); and the N → ∞ limit Θ of part 1
(polyloss.numeric.complexity.theta; Auffinger, Ben Arous and Černý (2013), Theorems 2.5 and 2.8
[unverified]). Monte Carlo comparisons use fixed seeds and
4.5 standard errors. The Monte Carlo methods are also checked against their documented random streams
(chunk c of the draws from derive_seed(seed, "chunk", c)), and for the same numbers bit for bit
whatever executor runs the chunks (this process, worker processes, thread pools).
"""

from __future__ import annotations

import concurrent.futures as cf
import math

import numpy as np
import pytest

import polyloss
from polyloss._random import derive_seed
from polyloss.errors import InvalidInputError
from polyloss.execution import Task
from polyloss.numeric import critical_counts, goe
from polyloss.numeric.critical_counts import expected_critical_points as ecp
from polyloss.numeric.critical_counts import log_critical_points_curve
from polyloss.symbolic import finite_size as fs

SEED = 1234
SIGMAS = 4.5


def raw_kac_rice(N, p, u, k=None, samples=200_000, seed=0):
    """E Crt_{N,k}((-inf, u]) from the raw Kac–Rice formula, by Monte Carlo (independent of ABC's GOE trick).

    E Crt = vol(S^{N-1}) (2π N p)^{-(N-1)/2} N^{N-1} E_{v ~ N(0,1/N), G}[|det(sqrt(2p(p-1)) G - p v I)| 1{index} 1{v <= u}],
    with the field g(x) = L(√N x) on the unit sphere: Var g = N, gradient iid N(0, N p), Riemannian
    Hessian N (sqrt(2p(p-1)) G - p v I) at g = N v, G the (N-1)x(N-1) GOE with E G_ij² = (1+δ_ij)/(2N).
    Returns (mean, standard error).
    """
    rng = np.random.default_rng(seed)
    n = N - 1
    v = rng.standard_normal(samples) / math.sqrt(N)
    A = rng.standard_normal((samples, n, n))
    G = (A + np.swapaxes(A, 1, 2)) / (2 * math.sqrt(N))
    mu = np.linalg.eigvalsh(G)
    hess = math.sqrt(2 * p * (p - 1)) * mu - p * v[:, None]
    det = np.abs(hess).prod(axis=1)
    index = (hess < 0).sum(axis=1)
    keep = v <= u
    if k is not None:
        keep &= index == k
    log_c = (math.log(2) + 0.5 * N * math.log(math.pi) - math.lgamma(N / 2)
             - 0.5 * n * math.log(2 * math.pi * N * p) + n * math.log(N))
    f = math.exp(log_c) * det * keep
    return f.mean(), f.std() / math.sqrt(samples)


# --- exact methods against the closed forms -----------------------------------------------------

@pytest.mark.parametrize("N", [2, 3])
@pytest.mark.parametrize("p", [2, 3, 4, 7])
def test_density_and_joint_match_sympy_closed_forms(N, p):
    exact = float(fs.total_critical_points_formula(N).subs(p=p).evalf(30))
    assert ecp(N, p).value == pytest.approx(exact, rel=1e-12)
    assert ecp(N, p, method="joint").value == pytest.approx(exact, rel=1e-12)
    for k in range(N):
        idx = float(fs.index_critical_points_formula(N, k).subs(p=p).evalf(30))
        r = ecp(N, p, k)
        assert r.method == "joint" and r.stderr == 0
        assert r.value == pytest.approx(idx, rel=1e-12)


@pytest.mark.parametrize("N", [2, 5, 40, 300])
def test_p2_gives_two_per_index(N):
    assert ecp(N, 2).value == pytest.approx(2 * N, rel=1e-12)
    for k in {0, N // 2, N - 1}:
        r = ecp(N, 2, k, method="montecarlo", samples=50, rng=SEED)
        assert r.value == pytest.approx(2.0, rel=1e-14) and r.stderr == pytest.approx(0, abs=1e-12)


@pytest.mark.parametrize("N,u", [(7, math.inf), (7, -1.3), (12, 0.4), (12, -1.9)])
def test_density_against_mpmath(N, u):
    fast = ecp(N, 3, u=u)
    slow = ecp(N, 3, u=u, dps=30)
    assert fast.log_value == pytest.approx(float(polyloss_log(slow.value)), rel=1e-11, abs=1e-11)


def polyloss_log(x):
    import mpmath

    return mpmath.log(x)


def test_large_n_total_is_finite_in_logs():
    r = ecp(500, 3)
    assert math.isfinite(r.log_value) and r.value == pytest.approx(math.exp(r.log_value))
    tiny = ecp(500, 3, u=-2.5)  # far below the ground state: exponentially small, still resolved in logs
    assert -1e4 < tiny.log_value < -50


# --- index-resolved methods against each other and against the raw Kac–Rice formula -------------

@pytest.mark.parametrize("k,u", [(0, -1.0), (1, -0.8), (2, 0.9), (1, math.inf)])
def test_joint_vs_montecarlo_n3(k, u):
    exact = ecp(3, 3, k, u)
    mc = ecp(3, 3, k, u, method="montecarlo", samples=60_000, rng=SEED)
    assert abs(mc.value - exact.value) < SIGMAS * mc.stderr


@pytest.mark.parametrize("N", [2, 3])
@pytest.mark.parametrize("u", [-1.1, 0.2, math.inf])
def test_index_counts_sum_to_total(N, u):
    total = ecp(N, 4, u=u)
    assert sum(ecp(N, 4, k, u).value for k in range(N)) == pytest.approx(total.value, rel=1e-11)


@pytest.mark.parametrize("k,u", [(0, -0.9), (1, -0.5), (None, -0.7), (None, math.inf)])
def test_n3_against_raw_kac_rice(k, u):
    exact = ecp(3, 3, k, u).value
    mean, se = raw_kac_rice(3, 3, u, k, seed=SEED)
    assert abs(mean - exact) < SIGMAS * se


@pytest.mark.parametrize("k,u", [(0, -1.3), (None, -1.2), (2, 0.0)])
def test_n6_against_raw_kac_rice(k, u):
    mean, se = raw_kac_rice(6, 3, u, k, samples=100_000, seed=SEED + 1)
    r = ecp(6, 3, k, u, samples=40_000, rng=SEED)
    err = math.hypot(se, r.stderr)
    assert abs(mean - r.value) < SIGMAS * err


def test_morse_identity():
    for N in (2, 3):
        alternating = sum((-1) ** k * ecp(N, 5, k).value for k in range(N))
        assert alternating == pytest.approx(1 + (-1) ** (N - 1), abs=1e-11)
    N = 6  # Monte Carlo with common draws: the alternating sum of the means is the mean of the alternating sum
    rs = [ecp(N, 3, k, method="montecarlo", samples=20_000, rng=SEED) for k in range(N)]
    alternating = sum((-1) ** k * r.value for k, r in enumerate(rs))
    assert abs(alternating - (1 + (-1) ** (N - 1))) < SIGMAS * sum(r.stderr for r in rs)


@pytest.mark.parametrize("k,u", [(0, -1.0), (1, -1.0), (0, 0.3)])
def test_planted_vs_joint_n3(k, u):
    exact = ecp(3, 3, k, u).value
    r = ecp(3, 3, k, u, method="planted", samples=4_000, rng=SEED)
    assert abs(r.value - exact) < SIGMAS * r.stderr + 2e-3 * exact  # + the trapezoid grid error


@pytest.mark.parametrize("k", [0, 1])
def test_planted_vs_plain_montecarlo_n8(k):
    u = -1.45
    plain = ecp(8, 3, k, u, method="montecarlo", samples=100_000, rng=SEED)
    planted = ecp(8, 3, k, u, method="planted", samples=4_000, rng=SEED + 1)
    assert plain.hits > 500
    assert abs(plain.value - planted.value) < SIGMAS * math.hypot(plain.stderr, planted.stderr)


def test_planted_tail_is_consistent_with_exact_total():
    # below -E_∞ minima dominate: Crt_0 ≤ Crt_total and Crt_0 + Crt_1 carries almost all of it
    N, u = 20, -1.72
    total = ecp(N, 3, u=u).value
    c0 = ecp(N, 3, 0, u, samples=2_000, rng=SEED)
    c1 = ecp(N, 3, 1, u, samples=2_000, rng=SEED + 1)
    assert c0.method == "planted"
    both = c0.value + c1.value
    assert abs(both - total) < SIGMAS * math.hypot(c0.stderr, c1.stderr) + 0.01 * total


# --- convergence to Θ ----------------------------------------------------------------------------

def test_total_converges_to_theta():
    from polyloss.numeric.complexity import theta

    for u in (-1.7, -1.0, 0.5):
        errors = [abs(ecp(N, 3, u=u).log_per_N - float(theta(u, 3))) for N in (25, 50, 100, 200, 400)]
        assert all(b < a for a, b in zip(errors, errors[1:])), (u, errors)
        assert errors[-1] < 0.011


@pytest.mark.parametrize("k,u", [(0, -1.70), (1, -1.70), (0, -1.65)])
def test_index_counts_converge_to_theta(k, u):
    from polyloss.numeric.complexity import theta

    th = float(theta(u, 3, k))
    errors, noise = [], []
    for N in (10, 20, 40):
        r = ecp(N, 3, k, u, method="planted", samples=600, rng=SEED + N)
        assert r.stderr < r.value  # the count is resolved
        errors.append(abs(r.log_per_N - th))
        noise.append(SIGMAS * r.stderr / r.value / N)  # SIGMAS standard errors of (1/N) log E Crt (delta method)
    # the error, O(log N / N), shrinks by a clear margin at each doubling, beyond the Monte Carlo noise.
    # (A fixed bound on stderr/value is not used: at k = 1, N = 40 and 600 draws the sample stderr is
    # heavy-tailed, about 0.14 of the value typically but over 0.2 for ~15% of seeds.)
    assert errors[1] + noise[1] < 0.8 * (errors[0] - noise[0]), (errors, noise)
    assert errors[2] + noise[2] < 0.8 * (errors[1] - noise[1]), (errors, noise)


def test_curves():
    u = np.array([-1.9, -1.7, -1.6, -1.5])
    tot = log_critical_points_curve(30, 3, u)
    np.testing.assert_allclose(tot["log_per_N"], [ecp(30, 3, u=v).log_per_N for v in u], rtol=1e-13)
    c0 = log_critical_points_curve(30, 3, u, k=0, samples=500, rng=SEED)
    assert np.all(np.diff(c0["log_per_N"]) > 0)
    # below -E_∞ nearly every critical point is a minimum: Crt_0(u) ≈ Crt(u) (within the Monte Carlo error)
    assert np.all(np.abs(c0["value"] - tot["value"]) < SIGMAS * c0["stderr"] + 0.01 * tot["value"])


# --- seeds, chunks and executors ------------------------------------------------------------------

def _chunk_draws(N, base, sizes):
    """The GOE draws the documented streams give: chunk c from derive_seed(base, "chunk", c)."""
    return np.concatenate([goe.goe_eigenvalues(N, n, rng=np.random.default_rng(derive_seed(base, "chunk", c)))
                           for c, n in enumerate(sizes)])


@pytest.mark.parametrize("k,u", [(0, -1.3), (None, -1.2), (3, 0.2)])
def test_montecarlo_is_the_plain_average_over_the_documented_chunk_streams(k, u):
    """ABC Theorem 2.5 (2.8 for k=None) evaluated here on the draws of chunks 0, 1, 2 (2000, 2000, 1000)."""
    N, p, base = 6, 3, 99
    lam = _chunk_draws(N, base, [2000, 2000, 1000])
    lam_k = lam if k is None else lam[:, [k]]
    cu = math.sqrt(p / (2 * (p - 1))) * u
    f = np.sum(np.exp(-N * (p - 2) / (2 * p) * lam_k**2) * (lam_k <= cu), axis=1)
    pref = 2 * math.sqrt(2 / p) * (p - 1) ** (N / 2)
    r = ecp(N, p, k, u, method="montecarlo", samples=5000, rng=base)
    assert r.samples == 5000 and r.hits == int(np.count_nonzero((lam_k <= cu).any(axis=1)))
    assert r.value == pytest.approx(pref * f.mean(), rel=1e-13)
    assert r.stderr == pytest.approx(pref * f.std(ddof=1) / math.sqrt(len(f)), rel=1e-10)


def test_generator_int_and_none_seeds():
    kw = {"method": "montecarlo", "samples": 3000}
    # a Generator: one integer drawn from it is the seed; the generator advances by that one draw
    g = np.random.default_rng(5)
    first, second = ecp(7, 3, 1, -0.9, rng=g, **kw), ecp(7, 3, 1, -0.9, rng=g, **kw)
    h = np.random.default_rng(5)
    assert first == ecp(7, 3, 1, -0.9, rng=int(h.integers(2**62)), **kw)
    assert second == ecp(7, 3, 1, -0.9, rng=int(h.integers(2**62)), **kw)
    assert first != second
    # the same for the planted method and the curves
    pl = {"method": "planted", "samples": 300}
    assert ecp(8, 3, 0, -1.6, rng=np.random.default_rng(3), **pl) == \
        ecp(8, 3, 0, -1.6, rng=int(np.random.default_rng(3).integers(2**62)), **pl)
    drawn = int(np.random.default_rng(4).integers(2**62))
    a = log_critical_points_curve(8, 3, [-1.7, -1.6], k=1, samples=300, rng=np.random.default_rng(4))
    b = log_critical_points_curve(8, 3, [-1.7, -1.6], k=1, samples=300, rng=drawn)
    np.testing.assert_array_equal(a["log_per_N"], b["log_per_N"])
    # None: fresh entropy, a new stream at every call
    assert ecp(7, 3, 1, -0.9, rng=None, **kw).value != ecp(7, 3, 1, -0.9, rng=None, **kw).value
    with pytest.raises(InvalidInputError, match="non-negative"):
        ecp(7, 3, 1, -0.9, rng=-1, **kw)
    with pytest.raises(InvalidInputError, match="rng"):
        ecp(7, 3, 1, -0.9, rng="seed", **kw)


@pytest.fixture(scope="module")
def two_workers():
    from polyloss.execution import LocalWorkers

    with LocalWorkers(2) as workers:
        yield workers


def _same(a, b):
    for key in ("log_per_N", "stderr"):
        np.testing.assert_array_equal(a[key], b[key])


def test_results_do_not_depend_on_the_executor(two_workers, monkeypatch):
    """Serial, 2 worker processes, thread pools of 1 and 3 threads: the same numbers bit for bit (5
    chunks of 200, 200, 200, 200 and 100 draws, so the workers take different numbers of chunks)."""
    monkeypatch.setattr(critical_counts, "_CHUNK", 200)  # the split is the driver's; tasks get their sizes
    u = np.array([-1.75, -1.68, -1.62])
    serial = {
        "mc": ecp(9, 3, 2, -0.4, method="montecarlo", samples=900, rng=SEED),
        "pl0": ecp(9, 3, 0, -1.65, method="planted", samples=900, rng=SEED),
        "c1": log_critical_points_curve(9, 3, u, k=1, samples=900, rng=SEED),
    }
    with cf.ThreadPoolExecutor(1) as one, cf.ThreadPoolExecutor(3) as three:
        for executor in (two_workers, one, three):
            assert ecp(9, 3, 2, -0.4, method="montecarlo", samples=900, rng=SEED, executor=executor) == serial["mc"]
            assert ecp(9, 3, 0, -1.65, method="planted", samples=900, rng=SEED, executor=executor) == serial["pl0"]
            _same(log_critical_points_curve(9, 3, u, k=1, samples=900, rng=SEED, executor=executor), serial["c1"])
    assert serial["mc"].samples == 900 and serial["pl0"].stderr > 0


def test_planted_chunks_with_their_own_scales_combine_exactly_in_law(monkeypatch):
    """Eight chunks of 300 draws, each with its own scale shift (they differ by up to ~0.35, so a wrong
    rescaling would bias the mean by far more than its standard error), rescaled to a common one: still
    the exact N = 3 values of the joint method (4.5 standard errors + the grid error)."""
    monkeypatch.setattr(critical_counts, "_CHUNK", 300)
    for k in (0, 1):
        exact = ecp(3, 3, k, -1.0).value
        r = ecp(3, 3, k, -1.0, method="planted", samples=2400, rng=SEED + 7)
        assert abs(r.value - exact) < SIGMAS * r.stderr + 2e-3 * exact
        config = {"N": 3, "p": 3, "k": k, "u": [-1.0], "seed": SEED + 7}
        shifts = {float(critical_counts._planted_chunk(config, Task(f"chunk={c}", {"chunk": c, "draws": 300}))["shift"])
                  for c in range(8)}
        assert len(shifts) == 8


def test_finite_size_curves_pass_the_executor_and_seed_through():
    from polyloss.figures.complexity import finite_size_curves

    kw = {"sizes": (10,), "ks": (None, 1), "index_sizes": (10,), "u": np.linspace(-1.8, -1.65, 4), "samples": 200}
    serial = finite_size_curves(3, rng=int(np.random.default_rng(2).integers(2**62)), **kw)
    with cf.ThreadPoolExecutor(2) as pool:
        pooled = finite_size_curves(3, rng=np.random.default_rng(2), executor=pool, **kw)
    assert set(pooled) == set(serial) == {(None, 10), (1, 10)}
    for key in serial:
        for a, b in zip(serial[key], pooled[key]):
            np.testing.assert_array_equal(a, b)


def test_threads_argument_is_checked():
    with pytest.raises(InvalidInputError, match="threads"):
        ecp(5, 3, 1, method="montecarlo", samples=10, threads=0)
    with pytest.raises(InvalidInputError, match="threads"):
        log_critical_points_curve(5, 3, [-1.7], k=0, samples=10, threads=0)


# --- API ------------------------------------------------------------------------------------------

def test_result_object_and_public_name():
    r = polyloss.expected_critical_points(3, 3)
    assert float(r) == r.value and r.k is None and r.N == 3 and r.p == 3 and r.u == math.inf
    assert "E Crt_{3}" in str(r)
    a = ecp(10, 3, 1, method="montecarlo", samples=500, rng=7)
    b = ecp(10, 3, 1, method="montecarlo", samples=500, rng=7)
    assert a == b and a.samples == 500


@pytest.mark.parametrize("kwargs,match", [
    ({"N": 1, "p": 3}, "N"),
    ({"N": 4, "p": 1}, "p"),
    ({"N": 4, "p": 3.0}, "integer"),
    ({"N": 4, "p": 2.5}, "p"),
    ({"N": 4, "p": 3, "k": 4}, "k"),
    ({"N": 4, "p": 3, "k": 1.0}, "k"),
    ({"N": 4, "p": 3, "u": float("nan")}, "NaN"),
    ({"N": 4, "p": 3, "k": 0, "samples": 0}, "samples"),
    ({"N": 4, "p": 3, "method": "magic"}, "method"),
    ({"N": 4, "p": 3, "k": 1, "method": "density"}, "total"),
    ({"N": 4, "p": 3, "k": 1, "method": "joint"}, "N"),
    ({"N": 5, "p": 3, "k": 2, "method": "planted"}, "planted"),
])
def test_bad_input(kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        ecp(**kwargs)


@pytest.mark.parametrize("N,k,method", [(3, 0, "joint"), (3, None, "joint"), (10, None, "density"),
                                        (10, 0, "planted"), (10, 4, "montecarlo")])
def test_empty_energy_set_counts_nothing(N, k, method):
    r = ecp(N, 3, k, -math.inf, method=method, samples=50, rng=SEED)
    assert r.value == 0 and r.log_value == -math.inf


def test_deep_tail_density_agrees_with_joint_and_50_digits():
    # u = -8 is far below the ground state: the count is ~e^{-92}; three independent routes agree
    dens = ecp(3, 3, u=-8.0)
    joint = sum(ecp(3, 3, k, -8.0).value for k in range(3))
    assert dens.value == pytest.approx(joint, rel=1e-9)
    assert dens.log_value == pytest.approx(ecp(3, 3, u=-8.0, dps=50).log_value, rel=1e-12)
