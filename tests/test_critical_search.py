"""All critical points of small spin-glass instances (polyloss.numeric.critical_search).

Oracles: a dense grid scan of dL/dθ with bisection (Λ = 2, independent of the root finder), exact
elimination (Λ = 3: sympy resultant of the eigenvector equations, real roots isolated exactly), the model's
own gradient, Hessian index and energy, numpy.linalg.eigh (H = 2: critical points are the eigenvectors of
the symmetrised coupling matrix), the Morse relation Σ_k (-1)^k Crt_k = χ(S^{Λ-1}) = 1 + (-1)^{Λ-1} (Morse theory),
the symmetry L(-w) = (-1)^H L(w), and stability of the enumeration when the starts double. The counts
over instances are checked against each instance enumerated from its documented seeds, whatever executor
runs the chunks.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import math

import numpy as np
import pytest
import sympy
import torch

from polyloss.errors import InvalidInputError, ResumeError, SizeLimitError
from polyloss.numeric import critical_search as cs
from polyloss.numeric.critical_search import count_statistics, critical_points, max_critical_points
from polyloss.numeric.spinglass import SphericalSpinGlass


def _t(x):
    return torch.as_tensor(np.asarray(x), dtype=torch.float64)


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def _grid_scan_roots(model, n=1 << 15, bisections=60):
    """Zeros of dL/dθ on w = √2 (cos θ, sin θ): sign changes on a grid, then bisection (model gradient only)."""

    def dL(theta):
        c, s = np.cos(theta), np.sin(theta)
        w = math.sqrt(2.0) * np.stack([c, s], axis=1)
        g = _np(model.euclidean_gradient(_t(w)))
        return math.sqrt(2.0) * (-s * g[:, 0] + c * g[:, 1])

    theta = np.linspace(0.0, 2 * math.pi, n + 1)
    f = dL(theta)
    i = np.flatnonzero(np.sign(f[:-1]) != np.sign(f[1:]))
    lo, hi, flo = theta[i], theta[i + 1], f[i]
    for _ in range(bisections):
        mid = 0.5 * (lo + hi)
        fm = dL(mid)
        left = np.sign(fm) == np.sign(flo)
        lo, flo = np.where(left, mid, lo), np.where(left, fm, flo)
        hi = np.where(left, hi, mid)
    return np.mod(0.5 * (lo + hi), 2 * math.pi)


@pytest.mark.parametrize("H", [2, 3, 4, 5, 6])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_circle_is_exact_against_a_grid_scan(H, seed):
    model = SphericalSpinGlass(2, H, seed=seed)
    result = critical_points(model)
    assert result.method == "trigonometric"
    expected = np.sort(_grid_scan_roots(model))
    got = np.sort(np.mod(np.arctan2(result.points[:, 1], result.points[:, 0]), 2 * math.pi))
    assert len(got) == len(expected) and len(got) % 2 == 0 and len(got) <= 2 * H
    np.testing.assert_allclose(got, expected, atol=1e-9)
    # index from a finite second difference of the model's L(θ): a maximum has index 1
    h = 1e-4
    L = [_np(model.hamiltonian(_t(math.sqrt(2) * np.stack([np.cos(got + d), np.sin(got + d)], 1)))).ravel()
         for d in (-h, 0.0, h)]
    second = (L[0] - 2 * L[1] + L[2]) / h**2
    order = np.argsort(np.mod(np.arctan2(result.points[:, 1], result.points[:, 0]), 2 * math.pi))
    np.testing.assert_array_equal(result.indices[order], (second < 0).astype(int))
    np.testing.assert_allclose(result.energies[order], L[1] / 2, rtol=1e-12, atol=1e-12)
    assert result.morse_ok and result.morse_sum == 0


def _check_instance(model, result):
    Lam, H = model.Lambda, model.H
    w = _t(result.points)
    assert result.points.shape == (len(result), Lam)
    np.testing.assert_allclose((result.points**2).sum(axis=1), Lam, rtol=1e-12)
    assert _np(model.gradient(w)).reshape(len(result), Lam).__abs__().max() < 1e-10
    np.testing.assert_array_equal(result.indices, _np(model.index(w)).ravel())
    np.testing.assert_allclose(result.energies, _np(model.energy(w)).ravel(), rtol=1e-12, atol=1e-13)
    # Morse relation, and the ± symmetry: -w is critical with energy (-1)^H u and index k or Λ-1-k
    assert sum((-1) ** int(k) for k in result.indices) == 1 + (-1) ** (Lam - 1)
    assert result.morse_ok
    dist = np.linalg.norm(result.points[:, None, :] + result.points[None, :, :], axis=2)
    partner = dist.argmin(axis=1)
    assert dist.min(axis=1).max() < 1e-8
    np.testing.assert_allclose(result.energies[partner], (-1) ** H * result.energies, atol=1e-12)
    mirrored = result.indices if H % 2 == 0 else Lam - 1 - result.indices
    np.testing.assert_array_equal(result.indices[partner], mirrored)
    # distinct points
    same = np.linalg.norm(result.points[:, None, :] - result.points[None, :, :], axis=2)
    assert (same + np.eye(len(result)) * 10).min() > 1e-6


@pytest.mark.parametrize("Lam,H,seed", [(3, 3, 0), (3, 3, 1), (4, 3, 2), (3, 4, 3), (5, 3, 4)])
def test_newton_points_are_critical_distinct_and_satisfy_morse(Lam, H, seed):
    model = SphericalSpinGlass(Lam, H, seed=seed)
    result = critical_points(model, seed=seed)
    assert result.method == "newton" and len(result) <= max_critical_points(Lam, H)
    _check_instance(model, result)


def _algebraic_pairs(X):
    """Exact oracle for Λ = 3: a critical point ±w is an eigenvector, ∇P(w) ∥ w, P(w) = Σ X w_{i_1}…w_{i_H}.

    On the chart w = (x, y, 1) that is y g_3 = g_2 and g_1 = x g_3 (g = ∇P); eliminating y gives the
    resultant R(x) (sympy, exact rationals). The ± pairs are the distinct real roots x = w_1/w_3 of R (a
    real x with a complex y would be a double root: non-generic). Returns the sorted real roots and deg R.
    """
    H = X.ndim
    x, y, z = sympy.symbols("x y z")
    w = (x, y, z)
    P = sum(sympy.Rational(int(X[idx] * 1024), 1024) * sympy.prod([w[i] for i in idx])
            for idx in itertools.product(range(3), repeat=H))
    g = [sympy.diff(P, v).subs(z, 1) for v in w]
    R = sympy.Poly(sympy.resultant(sympy.expand(y * g[2] - g[1]), sympy.expand(g[0] - x * g[2]), y), x)
    roots = [float(r.evalf(30)) for r in sympy.real_roots(R.sqf_part())]
    return np.sort(roots), R.degree()


@pytest.mark.parametrize("H,seed", [(3, 0), (3, 1), (3, 3), (4, 1), (4, 3)])
def test_three_weights_against_exact_elimination(H, seed):
    X = np.round(np.random.default_rng(seed).standard_normal((3,) * H) * 1024) / 1024   # exact in binary
    model = SphericalSpinGlass(3, H, couplings=torch.as_tensor(X))
    roots, degree = _algebraic_pairs(X)
    assert degree == max_critical_points(3, H) // 2          # Cartwright-Sturmfels count of eigenvectors
    result = critical_points(model, seed=seed)
    pairs = result.points[result.points[:, 2] > 0]
    np.testing.assert_allclose(np.sort(pairs[:, 0] / pairs[:, 2]), roots, rtol=1e-8, atol=1e-8)
    assert len(result) == 2 * len(roots)


@pytest.mark.parametrize("Lam,seed", [(3, 10), (3, 11), (4, 12), (4, 13)])
def test_enumeration_is_stable_when_starts_double(Lam, seed):
    model = SphericalSpinGlass(Lam, 3, seed=seed)
    base = critical_points(model, seed=1)
    double = critical_points(model, seed=2, starts=2 * base.starts)
    assert double.starts == 2 * base.starts
    assert len(base) == len(double)
    np.testing.assert_allclose(base.energies, double.energies, atol=1e-10)
    np.testing.assert_array_equal(base.indices, double.indices)


@pytest.mark.parametrize("Lam,seed", [(3, 0), (4, 1), (5, 2), (6, 3)])
def test_quadratic_case_is_the_eigenvectors(Lam, seed):
    """H = 2: L = Λ^{-1/2} wᵀ S w, S = (X + Xᵀ)/2; critical points ±√Λ v_j, u_j = λ_j/√Λ, index j."""
    model = SphericalSpinGlass(Lam, 2, seed=seed)
    X = _np(model.dense_couplings())
    lam, vec = np.linalg.eigh((X + X.T) / 2)
    result = critical_points(model, seed=seed)
    np.testing.assert_array_equal(result.counts(), np.full(Lam, 2))
    np.testing.assert_array_equal(result.indices, np.repeat(np.arange(Lam), 2))
    np.testing.assert_allclose(result.energies, np.repeat(lam / math.sqrt(Lam), 2), rtol=1e-10, atol=1e-12)
    overlap = np.abs(result.points @ vec) / math.sqrt(Lam)          # each point is ± one eigenvector
    np.testing.assert_allclose(np.sort(overlap, axis=1)[:, -1], 1.0, atol=1e-10)
    np.testing.assert_array_equal(overlap.argmax(axis=1), result.indices)


def test_counts_by_level():
    result = critical_points(SphericalSpinGlass(3, 3, seed=5), seed=0)
    assert result.counts().sum() == len(result)
    u = float(np.median(result.energies))
    assert result.counts(u).sum() == int((result.energies <= u).sum())
    assert result.counts(-math.inf).sum() == 0
    assert "Lambda=3" in repr(result)


def test_same_seed_same_result():
    model = SphericalSpinGlass(4, 3, seed=7)
    a, b = critical_points(model, seed=3, starts=100), critical_points(model, seed=3, starts=100)
    np.testing.assert_array_equal(a.points, b.points)


def test_degenerate_instance_is_flagged_not_counted():
    for Lam in (2, 3):
        model = SphericalSpinGlass(Lam, 3, couplings=torch.zeros((Lam,) * 3, dtype=torch.float64))
        result = critical_points(model, starts=20, seed=0)
        assert not result.morse_ok


def test_bad_input_is_refused_clearly():
    with pytest.raises(SizeLimitError, match=r"Lambda=12, H=3.*up to 8190 critical points"):
        critical_points(SphericalSpinGlass(12, 3, seed=0))
    model = SphericalSpinGlass(3, 3, seed=0)
    for starts in (0, -5):
        with pytest.raises(InvalidInputError, match=rf"starts must be an integer in 1\.\.10000000, got {starts}"):
            critical_points(model, starts=starts)
    with pytest.raises(InvalidInputError, match="starts must be an integer"):
        critical_points(model, starts=2.5)
    with pytest.raises(InvalidInputError, match="tol"):
        critical_points(model, tol=-1.0)
    with pytest.raises(InvalidInputError, match="SphericalSpinGlass"):
        critical_points(np.zeros(3))
    with pytest.raises(InvalidInputError, match="float64"):
        critical_points(SphericalSpinGlass(3, 3, seed=0, dtype=torch.float32))
    with pytest.raises(InvalidInputError, match="instances"):
        count_statistics(3, 3, 0, seed=0)
    with pytest.raises(InvalidInputError, match="levels"):
        count_statistics(2, 3, 1, seed=0, levels=[float("nan")])
    with pytest.raises(SizeLimitError, match="Lambda=20"):
        count_statistics(20, 3, 1, seed=0)
    with pytest.raises(InvalidInputError, match="threads"):
        count_statistics(2, 3, 1, seed=0, threads=0)


def test_count_statistics_is_reproducible():
    a = count_statistics(3, 3, 4, seed=11)
    b = count_statistics(3, 3, 4, seed=11)
    np.testing.assert_array_equal(a.counts, b.counts)
    c = count_statistics(3, 3, 4, seed=np.random.default_rng(5))
    d = count_statistics(3, 3, 4, seed=np.random.default_rng(5))
    assert c.seed == d.seed
    np.testing.assert_array_equal(c.counts, d.counts)


def test_count_statistics_restores_torch_threads(monkeypatch):
    """Each chunk runs with ``threads`` torch threads (set by the plan) and torch's setting is restored after."""
    seen = []
    real = cs._enumerate_chunk
    monkeypatch.setattr(cs, "_enumerate_chunk", lambda *a: seen.append(torch.get_num_threads()) or real(*a))
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        count_statistics(2, 3, 2, seed=0, threads=1, chunk=1)
        assert torch.get_num_threads() == 2
        assert seen == [1, 1]
        count_statistics(2, 3, 1, seed=0, threads=None)                 # None: torch's setting is left alone
        assert seen[-1] == 2 and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def _direct_counts(Lambda, H, seed, instances, levels):
    """Crt_k(u) of each instance enumerated here, from its documented seeds (instance i: model seed
    derive_seed(seed, "instance", i), starts derive_seed(seed, "starts", i))."""
    out = []
    for i in range(instances):
        model = SphericalSpinGlass(Lambda, H, seed=cs.derive_seed(seed, "instance", i))
        result = critical_points(model, seed=cs.derive_seed(seed, "starts", i))
        assert result.morse_ok
        out.append([result.counts(u) for u in levels])
    return np.array(out)


@pytest.fixture(scope="module")
def two_workers():
    from polyloss.execution import LocalWorkers

    with LocalWorkers(2) as workers:
        yield workers


def test_count_statistics_is_the_same_whatever_runs_it(two_workers, tmp_path):
    """Λ = 3, H = 3, 7 instances: this process, 2 worker processes (with a run folder, then resumed here),
    a thread pool, and chunks of 1, 2, 3 and 7 instances all give the counts of enumerating each instance
    from its own seeds."""
    levels = [-0.6, 0.0, math.inf]
    expected = _direct_counts(3, 3, 21, 7, levels)
    runs = {"serial chunk=2": count_statistics(3, 3, 7, seed=21, levels=levels, chunk=2),
            "serial chunk=7": count_statistics(3, 3, 7, seed=21, levels=levels, chunk=7),
            "processes chunk=2": count_statistics(3, 3, 7, seed=21, levels=levels, chunk=2, executor=two_workers,
                                                  directory=tmp_path / "run")}
    with cf.ThreadPoolExecutor(3) as pool:
        runs["threads chunk=1"] = count_statistics(3, 3, 7, seed=21, levels=levels, chunk=1, executor=pool)
        runs["threads chunk=3"] = count_statistics(3, 3, 7, seed=21, levels=levels, chunk=3, executor=pool)
    assert sorted(p.stem for p in (tmp_path / "run").glob("instances=*.npz")) == \
        ["instances=0-1", "instances=2-3", "instances=4-5", "instances=6-6"]
    runs["resumed from the workers' folder"] = count_statistics(3, 3, 7, seed=21, levels=levels, chunk=2,
                                                                directory=tmp_path / "run")
    for name, stats in runs.items():
        assert stats.rejected == () and stats.seed == 21, name
        np.testing.assert_array_equal(stats.counts, expected, err_msg=name)


def test_max_critical_points_bound():
    # Cartwright-Sturmfels: ((H-1)^Λ - 1)/(H-2) eigenvectors, 2 critical points each; H = 2: 2Λ
    assert max_critical_points(3, 3) == 14 and max_critical_points(4, 3) == 30
    assert max_critical_points(3, 4) == 26 and max_critical_points(5, 2) == 10 and max_critical_points(2, 7) == 14


def test_count_statistics_saves_and_resumes(tmp_path, monkeypatch):
    run = tmp_path / "run"
    first = count_statistics(2, 3, 7, seed=4, levels=[-0.5, math.inf], directory=run, chunk=3)
    assert first.counts.shape == (7, 2, 2) and first.rejected == ()
    assert len(list(run.glob("instances=*.npz"))) == 3
    calls = []
    monkeypatch.setattr(cs, "_enumerate_chunk", lambda *a, **k: calls.append(a) or None)
    again = count_statistics(2, 3, 7, seed=4, levels=[-0.5, math.inf], directory=run, chunk=3)
    assert calls == []                                  # everything came from the run folder
    np.testing.assert_array_equal(first.counts, again.counts)
    with pytest.raises(ResumeError):
        count_statistics(2, 3, 7, seed=5, directory=run, chunk=3)


def test_count_statistics_reports_instances_failing_morse(monkeypatch):
    real = cs.critical_points

    def broken(model, **kw):
        result = real(model, **kw)
        if kw["seed"] == cs.derive_seed(9, "starts", 2):          # instance 2: pretend a pair was missed
            return cs.CriticalPoints(**{**result.__dict__, "morse_sum": result.morse_sum + 2})
        return result

    monkeypatch.setattr(cs, "critical_points", broken)
    stats = count_statistics(2, 3, 5, seed=9)
    assert stats.rejected == (2,) and stats.instances == 4
