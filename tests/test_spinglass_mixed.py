"""Mixed spherical spin glasses L = Σ_p a_p L_p (SphericalSpinGlass with H a mixture {p: a_p²}).

Oracles, each independent of the code under test:

* energy, gradient and Hessian against the definition written here from dense ordered coupling
  tensors (contractions and torch autograd), and the Riemannian quantities from them;
* the covariance E[L(w)L(w')] = Λ ξ(w·w'/Λ) by Monte Carlo over seeds (both samplers);
* the one-point structure used by the Kac–Rice count (tangential gradient variance ξ'(1);
  Cov(u, R) = ξ'(1)/Λ and Var(R | u) = α²/Λ for u = L/Λ, R = w·∇L/Λ; tangential Euclidean Hessian
  entries of variance ξ''(1)(1+δ_ij)/Λ, uncorrelated with u), derived by differentiating the covariance
  (derived here), by Monte Carlo over models at one point;
* enumeration at Λ = 2 against a dense-grid scan of dL/dθ with bisection; at Λ = 3, for a
  quadratic-plus-linear mixture, against the real roots of the secular equation (numpy eigh and
  polynomial roots), and for others: every point critical and non-degenerate, the Morse relation, and
  the same points from 3× the starts;
* bad input refused with messages naming the argument;
* for pure models, regression anchors recorded from commit 9e378f5 (the code before mixtures): couplings,
  energies, gradients and counts (not independent truths; they pin that an int H is unchanged).

Monte Carlo bounds are 5 standard errors (each check fails by chance with probability < 1e-6, all of
them together < 1e-4), with fixed seeds.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from polyloss._random import derive_seed
from polyloss.cli import main
from polyloss.errors import InvalidInputError
from polyloss.mixture import Mixture, as_mixture
from polyloss.numeric.critical_search import count_statistics, critical_points, max_critical_points
from polyloss.numeric.optimisers import descend, refine
from polyloss.numeric.spinglass import SphericalSpinGlass, convert_energy, coupling_bytes

MIXTURES = [{1: 0.2, 2: 0.3, 3: 0.5}, {2: 0.5, 4: 0.5}, {1: 0.5, 3: 0.5}, {2: 0.25, 3: 0.75}]


def _np(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else np.asarray(x)


def dense_L(X: dict, weights: dict, w):
    """The definition: L(w) = Σ_p a_p Λ^{-(p-1)/2} Σ_{ordered} X_p[i_1..i_p] w_{i_1}⋯w_{i_p}."""
    Lam = w.shape[-1]
    total = 0.0
    for p, Xp in X.items():
        t = Xp
        for _ in range(p):
            t = t @ w
        total = total + math.sqrt(weights[p]) * Lam ** (-(p - 1) / 2) * t
    return total


def ordered_couplings(Lam, mixture, seed):
    gen = torch.Generator().manual_seed(seed)
    return {p: torch.randn((Lam,) * p, generator=gen, dtype=torch.float64) for p in mixture}


# --- evaluation against the definition ------------------------------------------------------------

@pytest.mark.parametrize("mixture", MIXTURES, ids=[as_mixture(m).text() for m in MIXTURES])
def test_energy_gradient_hessian_match_the_dense_definition(mixture):
    Lam = 5
    X = ordered_couplings(Lam, mixture, 3)
    model = SphericalSpinGlass(Lam, mixture, couplings=X)
    w = model.random_points(4, seed=1)
    L = torch.stack([dense_L(X, mixture, x) for x in w])
    grad = torch.stack([torch.func.grad(lambda x: dense_L(X, mixture, x))(x) for x in w])
    hess = torch.stack([torch.func.hessian(lambda x: dense_L(X, mixture, x))(x) for x in w])
    torch.testing.assert_close(model.hamiltonian(w), L, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.energy(w), L / Lam, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.euclidean_gradient(w), grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.euclidean_hessian(w), hess, rtol=1e-12, atol=1e-12)
    P = torch.eye(Lam, dtype=torch.float64) - w[:, :, None] * w[:, None, :] / Lam
    torch.testing.assert_close(model.gradient(w), torch.einsum("bij,bj->bi", P, grad), rtol=1e-12, atol=1e-12)
    u, rg = model.energy_and_gradient(w)
    torch.testing.assert_close(u, L / Lam, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(rg, model.gradient(w), rtol=1e-12, atol=1e-12)
    s = (w * grad).sum(1) / Lam  # the radial term: not a multiple of L for a mixture
    assert not torch.allclose(s, model.H * L / Lam)
    amb = P @ (hess - s[:, None, None] * torch.eye(Lam, dtype=torch.float64)) @ P
    torch.testing.assert_close(model.hessian(w, basis="ambient"), amb, rtol=1e-10, atol=1e-10)
    U = model.tangent_basis(w)
    torch.testing.assert_close(model.hessian(w), U.transpose(1, 2) @ amb @ U, rtol=1e-10, atol=1e-10)
    np.testing.assert_array_equal(_np(model.index(w)),
                                  (np.linalg.eigvalsh(_np(U.transpose(1, 2) @ amb @ U)) < 0).sum(1))


@pytest.mark.parametrize("mixture", MIXTURES[:2], ids=[as_mixture(m).text() for m in MIXTURES[:2]])
def test_seeded_mixture_is_its_dense_couplings(mixture):
    """A seeded model equals the definition built from its own dense_couplings() (symmetric tensors)."""
    import itertools

    model = SphericalSpinGlass(4, mixture, seed=7)
    S = model.dense_couplings()
    assert sorted(S) == sorted(mixture)
    for p, Sp in S.items():
        for perm in itertools.permutations(range(p)):
            torch.testing.assert_close(Sp.permute(perm), Sp, rtol=0, atol=1e-15)
    w = model.random_points(3, seed=2)
    torch.testing.assert_close(model.hamiltonian(w), torch.stack([dense_L(S, mixture, x) for x in w]),
                               rtol=1e-12, atol=1e-12)
    dense = SphericalSpinGlass(4, mixture, seed=7, sampler="dense")
    assert dense.sampler == "dense" and not torch.allclose(dense.energy(w), model.energy(w))


def test_seeds_reproduce_and_pure_is_the_one_entry_mixture():
    mixture = {1: 0.2, 2: 0.3, 3: 0.5}
    a, b, c = (SphericalSpinGlass(6, mixture, seed=s) for s in (1, 1, 2))
    w = a.random_points(3, seed=0)
    assert torch.equal(a.energy(w), b.energy(w)) and not torch.equal(a.energy(w), c.energy(w))
    assert all(torch.equal(a.packed()[p], b.packed()[p]) for p in mixture)
    assert a.mixture == as_mixture(mixture) and a.H == 3 and "1:0.2,2:0.3,3:0.5" in repr(a)
    # a pure model given as an int, a one-entry mapping or a Mixture is the same model, same couplings
    pure = [SphericalSpinGlass(6, H, seed=4) for H in (3, {3: 1}, {3: 1.0}, Mixture.pure(3))]
    assert all(m.mixture.is_pure and m.H == 3 and torch.equal(m.M, pure[0].M) for m in pure)
    # its energy is Euler's w·∇L/H, and the packed rows are C(Λ+H-2, H-1)
    torch.testing.assert_close(pure[0].hamiltonian(w), (w * pure[0].euclidean_gradient(w)).sum(1) / 3,
                               rtol=0, atol=0)
    assert pure[0].n_rows == math.comb(6 + 1, 2) and pure[0].nbytes == coupling_bytes(6, 3)
    # storage of a mixture: the sum over its degrees (degree 1: one row of Λ)
    assert a.nbytes == coupling_bytes(6, mixture) == (6 + math.comb(6, 1) * 6 + math.comb(7, 2) * 6) * 8
    assert a.n_rows == 1 + 6 + 21


def test_resample_split_astype_of_a_mixture():
    mixture = {1: 0.2, 2: 0.3, 3: 0.5}
    model = SphericalSpinGlass(12, mixture, seed=5)
    w = model.random_points(3, seed=1)
    pieces = model.split(4, seed=6)
    torch.testing.assert_close(sum(p.energy(w) for p in pieces), model.energy(w), rtol=1e-12, atol=1e-12)
    for p in mixture:
        torch.testing.assert_close(sum(piece.packed()[p] for piece in pieces), model.packed()[p],
                                   rtol=1e-12, atol=1e-12)
    assert all(piece.mixture == model.mixture for piece in pieces)
    m32 = model.astype(torch.float32)
    assert m32.dtype == torch.float32 and all(M.dtype == torch.float32 for M in m32.packed().values())
    torch.testing.assert_close(m32.energy(w).double(), model.energy(w), rtol=1e-5, atol=1e-5)
    other = model.resample(9)
    assert other.seed == 9 and not torch.allclose(other.energy(w), model.energy(w))
    torch.testing.assert_close(other.energy(w), SphericalSpinGlass(12, mixture, seed=9).energy(w))


def test_descend_and_refine_on_a_mixture():
    model = SphericalSpinGlass(12, {1: 0.1, 2: 0.4, 3: 0.5}, seed=2)
    w0 = model.random_points(4, seed=3)
    d = descend(model, w0, "gd", steps=300, lr=0.05, record_every=1, progress=False)
    assert (d.energies[1:] - d.energies[:-1]).max() <= 1e-12       # small steps: the energy never rises
    torch.testing.assert_close(d.energies[-1], model.energy(d.w))
    sgd = descend(model, w0, "sgd", P=3, steps=30, full_steps=10, seed=1, progress=False)
    torch.testing.assert_close((sgd.w ** 2).sum(1), torch.full((4,), 12.0, dtype=torch.float64))
    near = descend(model, w0, "gd", steps=400, lr=0.1, progress=False)   # ‖P∇L‖ ≤ 1e-3: Newton's basin
    r = refine(model, near.w)
    assert bool(r.converged.all()) and int(r.iterations.max()) >= 1
    assert float(model.gradient(r.w).norm(dim=1).max()) < 1e-10
    np.testing.assert_array_equal(_np(r.index), _np(model.index(r.w)))


# --- the law -------------------------------------------------------------------------------------

@pytest.mark.parametrize("sampler", ["direct", "dense"])
def test_covariance_is_lambda_xi_of_the_overlap(sampler):
    """E[L(w)L(w')] = Λ ξ(w·w'/Λ) over n = 400 seeds; L(w)L(w') has sd ≤ √2 Λ (Gaussian products)."""
    Lam, n, mixture = 4, 2000, {1: 0.2, 2: 0.3, 3: 0.5}
    xi = as_mixture(mixture).xi
    w = torch.tensor([[2.0, 0, 0, 0], [1.0, 1, 1, 1], [1.0, 1, 1, -1], [0, 2.0, 0, 0], [-2.0, 0, 0, 0]],
                     dtype=torch.float64)
    if sampler == "direct":
        base = SphericalSpinGlass(Lam, mixture, seed=0)
        values = torch.stack([base.resample(1000 + i).hamiltonian(w) for i in range(n)])
    else:
        values = torch.stack([SphericalSpinGlass(Lam, mixture, seed=2000 + i, sampler="dense").hamiltonian(w)
                              for i in range(n)])
    emp = _np(values.T @ values / n)
    q = _np(w @ w.T) / Lam
    expected = Lam * xi(q)
    assert np.abs(emp - expected).max() < 5 * math.sqrt(2) * Lam / math.sqrt(n)


def test_one_point_structure_of_the_kac_rice_count():
    """At one point w over n = 2000 models (Λ = 4, ξ = 0.2x + 0.3x² + 0.5x³): with U a tangent basis,
    g = Uᵀ∇L, A = Uᵀ∇²L U, u = L/Λ and R = w·∇L/Λ (derived here by differentiating Λ ξ(w·w'/Λ)):
    Var g_i = ξ', Cov(g_i, g_j) = 0, Var u = 1/Λ, Cov(u, R) = ξ'/Λ, Var(R - ξ'u) = α²/Λ (so Var(R | u)),
    Var A_ij = ξ''(1+δ_ij)/Λ, Cov(A_ij, u) = 0. Standard errors: a sample variance of a Gaussian, σ²√(2/n);
    a covariance of X and Y, √((σ_X²σ_Y² + c²)/n); held to 5 of them."""
    Lam, n = 4, 2000
    mix = as_mixture({1: 0.2, 2: 0.3, 3: 0.5})
    xi1, xi2, alpha2 = mix.xi1, mix.xi2, mix.alpha2
    base = SphericalSpinGlass(Lam, mix, seed=0)
    w = base.random_points(1, seed=11)
    U = base.tangent_basis(w)[0]
    g, u, R, A = [], [], [], []
    for i in range(n):
        m = base.resample(derive_seed(77, i))
        e = m.euclidean_gradient(w)[0]
        g.append(_np(U.T @ e))
        u.append(float(m.energy(w)[0]))
        R.append(float((w[0] @ e) / Lam))
        A.append(_np(U.T @ m.euclidean_hessian(w)[0] @ U))
    g, u, R, A = np.array(g), np.array(u), np.array(R), np.array(A)
    sq = math.sqrt(2.0 / n)

    def close(value, expected, sd):
        assert abs(value - expected) < 5 * sd, (value, expected, sd)

    for i in range(Lam - 1):
        close(np.mean(g[:, i] ** 2), xi1, xi1 * sq)
        for j in range(i):
            close(np.mean(g[:, i] * g[:, j]), 0.0, xi1 / math.sqrt(n))
    close(np.mean(u ** 2), 1 / Lam, sq / Lam)
    var_R = (xi1 + xi2) / Lam
    close(np.mean(u * R), xi1 / Lam, math.sqrt((var_R / Lam + (xi1 / Lam) ** 2) / n))
    close(np.mean((R - xi1 * u) ** 2), alpha2 / Lam, alpha2 / Lam * sq)
    close(np.mean((R - xi1 * u) * u), 0.0, math.sqrt(alpha2 / Lam / Lam / n))
    for i in range(Lam - 1):
        for j in range(i + 1):
            v = xi2 * (1 + (i == j)) / Lam
            close(np.mean(A[:, i, j] ** 2), v, v * sq)
            close(np.mean(A[:, i, j] * u), 0.0, math.sqrt(v / Lam / n))
    # the residual variance of R given u is resolved away from 0 (a pure model's value): the test tells a mixture
    assert np.mean((R - xi1 * u) ** 2) > 5 * alpha2 / Lam * sq


# --- critical points --------------------------------------------------------------------------------

def _grid_scan_roots(model, n=1 << 14, bisections=60):
    """Zeros of dL/dθ on w = √2 (cos θ, sin θ): sign changes on a grid, then bisection (model gradient only)."""

    def dL(theta):
        c, s = np.cos(theta), np.sin(theta)
        g = _np(model.euclidean_gradient(torch.as_tensor(math.sqrt(2.0) * np.stack([c, s], 1))))
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


@pytest.mark.parametrize("mixture", MIXTURES + [{1: 0.1, 5: 0.9}, {2: 0.3, 6: 0.7}],
                         ids=[as_mixture(m).text() for m in MIXTURES + [{1: 0.1, 5: 0.9}, {2: 0.3, 6: 0.7}]])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_circle_is_exact_against_a_grid_scan(mixture, seed):
    model = SphericalSpinGlass(2, mixture, seed=seed)
    result = critical_points(model)
    assert result.method == "trigonometric" and result.H == as_mixture(mixture)
    got = np.sort(np.mod(np.arctan2(result.points[:, 1], result.points[:, 0]), 2 * math.pi))
    expected = np.sort(_grid_scan_roots(model))
    assert len(got) == len(expected) <= max_critical_points(2, mixture) == 2 * max(mixture)
    np.testing.assert_allclose(got, expected, atol=1e-9)
    h = 1e-4
    L = [_np(model.hamiltonian(torch.as_tensor(math.sqrt(2) * np.stack([np.cos(got + d), np.sin(got + d)], 1))))
         for d in (-h, 0.0, h)]
    order = np.argsort(np.mod(np.arctan2(result.points[:, 1], result.points[:, 0]), 2 * math.pi))
    np.testing.assert_array_equal(result.indices[order], ((L[0] - 2 * L[1] + L[2]) / h**2 < 0).astype(int))
    np.testing.assert_allclose(result.energies[order], L[1] / 2, rtol=1e-12, atol=1e-12)
    assert result.morse_ok and result.morse_sum == 0


def _secular_critical_points(model):
    """Λ-dimensional oracle for ξ = a²x + b²x²: L = a h·w + b Λ^{-1/2} wᵀSw, ∇L = μw. In the eigenbasis
    S = V diag(s) Vᵀ, w̃_i = a h̃_i/(μ - β_i) with β_i = 2b s_i/√Λ, and ‖w‖² = Λ is the degree-2Λ polynomial
    Σ_i a²h̃_i² Π_{j≠i}(μ-β_j)² - Λ Π_j (μ-β_j)² = 0; each real root μ is one critical point."""
    Lam = model.Lambda
    S = model.dense_couplings()
    a, b = math.sqrt(model.mixture.weight(1)), math.sqrt(model.mixture.weight(2))
    s, V = np.linalg.eigh(_np(S[2]))
    ht = V.T @ _np(S[1])
    beta = 2 * b * s / math.sqrt(Lam)
    full = np.poly(np.repeat(beta, 2))
    poly = -Lam * full
    for i in range(Lam):
        poly = poly + np.concatenate([[0, 0], a * a * ht[i] ** 2 * np.poly(np.repeat(np.delete(beta, i), 2))])
    mu = np.roots(poly)
    mu = mu[np.abs(mu.imag) < 1e-7].real
    w = np.array([V @ (a * ht / (m - beta)) for m in mu])
    return w


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_three_weights_quadratic_plus_linear_against_the_secular_equation(seed):
    model = SphericalSpinGlass(3, {1: 0.4, 2: 0.6}, seed=seed)
    expected = _secular_critical_points(model)
    result = critical_points(model, seed=seed)
    assert result.method == "newton" and result.morse_ok
    assert len(result) == len(expected) <= max_critical_points(3, {1: 0.4, 2: 0.6}) == 6
    for x in expected:  # each root of the secular equation is one found point
        assert np.linalg.norm(result.points - x, axis=1).min() < 1e-7


@pytest.mark.parametrize("mixture,seed", [({2: 0.5, 3: 0.5}, 0), ({2: 0.5, 3: 0.5}, 1), ({1: 0.2, 3: 0.8}, 2),
                                          ({1: 0.1, 3: 0.4, 4: 0.5}, 3), ({2: 0.5, 4: 0.5}, 4)])
def test_three_weights_points_are_critical_morse_and_stable(mixture, seed):
    Lam = 3
    model = SphericalSpinGlass(Lam, mixture, seed=seed)
    result = critical_points(model, seed=seed)
    w = torch.as_tensor(result.points)
    assert len(result) <= max_critical_points(Lam, mixture)
    np.testing.assert_allclose((result.points ** 2).sum(1), Lam, rtol=1e-12)
    assert float(model.gradient(w).norm(dim=1).max()) < 1e-10
    np.testing.assert_array_equal(result.indices, _np(model.index(w)))
    np.testing.assert_allclose(result.energies, _np(model.energy(w)), rtol=1e-12, atol=1e-13)
    eig = np.linalg.eigvalsh(_np(model.hessian(w)))
    assert np.abs(eig).min() > 1e-6                                  # non-degenerate
    assert sum((-1) ** int(k) for k in result.indices) == 2 and result.morse_ok   # χ(S²) = 2
    same = np.linalg.norm(result.points[:, None] - result.points[None], axis=2) + 10 * np.eye(len(result))
    assert same.min() > 1e-6                                         # distinct
    more = critical_points(model, seed=seed + 100, starts=3 * result.starts)
    assert len(more) == len(result)
    np.testing.assert_allclose(more.energies, result.energies, atol=1e-10)
    np.testing.assert_array_equal(more.indices, result.indices)


def test_count_statistics_of_a_mixture_is_its_instances_enumerated():
    """count_statistics(Λ, mixture, n) counts instance i = SphericalSpinGlass(Λ, mixture,
    seed=derive_seed(seed, "instance", i)) enumerated with starts seeded derive_seed(seed, "starts", i)."""
    mixture, levels = {2: 0.5, 3: 0.5}, [-0.5, 0.0, math.inf]
    for Lam in (2, 3):
        stats = count_statistics(Lam, mixture, 3, seed=5, levels=levels, chunk=2)
        assert stats.H == as_mixture(mixture) and stats.rejected == ()
        direct = []
        for i in range(3):
            model = SphericalSpinGlass(Lam, mixture, seed=derive_seed(5, "instance", i))
            result = critical_points(model, seed=derive_seed(5, "starts", i))
            direct.append([result.counts(u) for u in levels])
        np.testing.assert_array_equal(stats.counts, np.array(direct))
        assert "xi(x)" in stats._repr_markdown_()


# Regression anchors, recorded from commit 9e378f5 (the last commit before the mixture work) by running
# that commit's polyloss (`git archive 9e378f5 polyloss`) on the same inputs. They are not independent
# truths: they pin that a pure model (an int H) keeps its couplings, energies, gradients and counts.
PURE_ANCHORS_9E378F5 = {
    # (Λ, H, seed, sampler): (sha256 of model.M's float64 bytes, model.M's shape, energies at _anchor_points
    # as float.hex, sha256 of the float64 bytes of the Euclidean gradients there)
    (4, 3, 7, "direct"): ("7c334c20f30780abe83c35e650b9b28cfd0505bf6de6527c0b50c50ddbd88806", (10, 4),
                          ("0x1.a0fbb40bb10b5p-1", "-0x1.f1270d3c6429dp-3", "0x1.dab167a658531p-1"),
                          "8cecb0ab8f41984590f2c495b61999f7ca9eea84e0947271cd5ae07625f0ce90"),
    (4, 3, 7, "dense"): ("63041aa54073f234dcaa9a0905e047005d02443a0457827c52bad0854d14944a", (10, 4),
                         ("0x1.c701d6594172bp-4", "0x1.1f7926f62a653p-2", "-0x1.6d8f3e366e139p-3"),
                         "20bfa3c922bb13646e940c23451eca1915c8b02d8450784cfb3559e170bb4391"),
    (6, 4, 11, "direct"): ("7c343ac33fcaffd4d36747b8d3e490fb9909884e6304cc5e5cc82a8d3cf3b7ee", (56, 6),
                           ("-0x1.c032cb9056789p-3", "0x1.40a84411af099p-2", "-0x1.e7400f994e30dp-3"),
                           "ac2a3a608a9d2426c9442137067143f1cbc0a4cfcdbca359ba478843ea734b79"),
    (5, 2, 3, "dense"): ("510bc255c55cf4c7c628fbcfec2b07e56a7e036eff54fbcaaed67dce02b94e72", (5, 5),
                         ("-0x1.ae6c78caff215p-4", "-0x1.d71a0b5efc19dp-5", "-0x1.462f766377b73p-5"),
                         "4ea0ec792bb4a965ca1a3a94b1168417e10acabdb570d0c4b9a8703f6601eb44"),
    (3, 5, 0, "direct"): ("6f8ca6226b8eb8f629a5b201e9d301cd9f2ca9d7abcfcec4b600a8d868b42c72", (15, 3),
                          ("-0x1.2b0f59a96230cp-1", "0x1.169679cfb03d7p+0", "0x1.6cce686b59cbdp-2"),
                          "2d808bfc01e5d429c17fc577e8202248124393045d67ed846e1eb774f00ef742"),
}


def _anchor_points(Lam):
    """Three fixed points on ‖w‖² = Λ (no random stream involved)."""
    w = torch.tensor([[math.cos(0.7 * (i + 1) * (j + 1) + 0.3 * j) for j in range(Lam)] for i in range(3)],
                     dtype=torch.float64)
    return w * (math.sqrt(Lam) / w.norm(dim=1, keepdim=True))


def _sha256(array) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(np.asarray(array, dtype=np.float64)).tobytes()).hexdigest()


@pytest.mark.parametrize("key", list(PURE_ANCHORS_9E378F5))
def test_pure_models_match_the_pre_mixture_code_bit_for_bit(key):
    Lam, H, seed, sampler = key
    sha, shape, energies, gradient_sha = PURE_ANCHORS_9E378F5[key]
    model = SphericalSpinGlass(Lam, H, seed=seed, sampler=sampler)
    M = model.M.detach().cpu().numpy()
    assert M.shape == shape and M.dtype == np.float64 and _sha256(M) == sha
    w = _anchor_points(Lam)
    assert [float(e).hex() for e in model.energy(w)] == list(energies)
    assert _sha256(model.euclidean_gradient(w).detach().cpu().numpy().reshape(-1)) == gradient_sha


def test_pure_enumeration_matches_the_pre_mixture_code():
    """Λ = 3 counts equal 9e378f5's exactly. At Λ = 2 the indices are equal and the energies agree to a few
    ulps, not bit for bit: 9e378f5 summed a binary form of the polished angle, this code evaluates the
    model's own L(w) at the point found through the Fourier coefficients (one path for pure and mixed;
    measured over 200 instances, H = 2..6: at most 1.6e-15 apart, and the same counts and indices)."""
    stats = count_statistics(3, 3, 3, seed=5, levels=(-1.0, 0.0, math.inf))
    np.testing.assert_array_equal(stats.counts, [[[0, 0, 0], [3, 2, 0], [3, 4, 3]], [[1, 0, 0], [3, 2, 0], [3, 4, 3]],
                                                 [[2, 0, 0], [2, 2, 1], [3, 4, 3]]])
    assert stats.rejected == ()
    old = {(3, 1): (["-0x1.3822f7ccf0175p+0", "-0x1.cf1db3d9372a2p-1", "-0x1.a179cbda0869cp-1",
                     "0x1.a179cbda0869dp-1", "0x1.cf1db3d9372a3p-1", "0x1.3822f7ccf0175p+0"], [0, 0, 1, 0, 1, 1]),
           (4, 2): (["-0x1.28811253d203bp-1", "-0x1.28811253d203ap-1", "-0x1.43efc269cdd86p-2",
                     "-0x1.43efc269cdd86p-2", "-0x1.7d2e7404a4c06p-3", "-0x1.7d2e7404a4c04p-3",
                     "0x1.ef3cd433f576cp-1", "0x1.ef3cd433f576cp-1"], [0, 0, 0, 0, 1, 1, 1, 1])}
    for (H, seed), (energies, indices) in old.items():
        result = critical_points(SphericalSpinGlass(2, H, seed=seed), seed=0)
        np.testing.assert_array_equal(result.indices, indices)
        np.testing.assert_allclose(result.energies, [float.fromhex(e) for e in energies], rtol=0, atol=1e-14)


def test_count_statistics_of_a_pure_int_is_unchanged_in_form():
    stats = count_statistics(2, 3, 2, seed=1)
    assert stats.H == 3 and isinstance(stats.H, int)
    assert stats.counts.sum(axis=2)[:, -1].max() <= 6


# --- bad input ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("H, fragment", [
    ({2: 0.5, 3: 0.4}, "sum to 1"),
    ({0: 0.5, 3: 0.5}, "degrees must be integers in 1..20"),
    ({2: -0.5, 3: 1.5}, "must be >= 0"),
    ({1: 1.0}, "degree >= 2"),
    ({2: 0.5, 21: 0.5}, "1..20"),
    ({}, "empty"),
    ("2:0.5,3:0.5", "H must be"),
])
def test_bad_mixtures_are_refused_naming_H(H, fragment):
    for build in (lambda: SphericalSpinGlass(3, H, seed=0), lambda: count_statistics(2, H, 1, seed=0),
                  lambda: max_critical_points(3, H), lambda: coupling_bytes(3, H)):
        with pytest.raises(InvalidInputError, match=r"\bH\b") as info:
            build()
        assert fragment in str(info.value)


def test_what_only_a_pure_model_has_is_refused_for_a_mixture():
    model = SphericalSpinGlass(3, {2: 0.5, 3: 0.5}, seed=0)
    with pytest.raises(InvalidInputError, match=r"model\.M is defined for a pure model; H=2:0\.5,3:0\.5 is a mixture"):
        model.M
    for to in ("authors", "symmetric", "sorted"):
        with pytest.raises(InvalidInputError, match=rf"to='{to}' is a convention of a pure degree H"):
            convert_energy(1.0, to=to, Lambda=3, H={2: 0.5, 3: 0.5})
    assert convert_energy(1.0, to="total", Lambda=3, H={2: 0.5, 3: 0.5}) == pytest.approx(3.0)
    with pytest.raises(InvalidInputError, match=r"couplings of the mixture H=2:0\.5,3:0\.5 must be a dict"):
        SphericalSpinGlass(3, {2: 0.5, 3: 0.5}, couplings=torch.zeros(3, 3, 3))
    with pytest.raises(InvalidInputError, match=r"couplings\[3\] must have shape \(3, 3, 3\)"):
        SphericalSpinGlass(3, {2: 0.5, 3: 0.5}, couplings={2: torch.zeros(3, 3), 3: torch.zeros(3, 3)})
    with pytest.raises(InvalidInputError, match=r"pieces\[0\] must be a SphericalSpinGlass with Lambda=3, H=2:0\.5"):
        descend(model, model.random_points(2, seed=0), "sgd", P=1, steps=1, full_steps=0,
                pieces=SphericalSpinGlass(3, 3, seed=0).split(1))


# --- command line -------------------------------------------------------------------------------------

def test_cli_spinglass_takes_a_mixture(tmp_path, capsys):
    out = tmp_path / "sg"
    status = main(["spinglass", "--xi", "2:0.5,3:0.5", "--Lambda", "5", "--runs", "2", "--steps", "20",
                   "--method", "gd", "--workers", "0", "--quiet", "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 0 and "xi = 2:0.5,3:0.5" in printed
    config = json.loads((out / "config.json").read_text())["config"]
    assert config["H"] == {"2": 0.5, "3": 0.5}
    summary = json.loads((out / "summary.json").read_text())
    assert summary[0]["Lambda"] == 5 and summary[0]["runs"] == 2
    for argv, fragment in ((["--xi", "2:0.5,3:0.6"], "sum to 1"), (["--xi", "2:0.5,3:0.5", "--H", "3"], "not allowed"),
                           (["--xi", "0:1"], "degrees must be integers")):
        with pytest.raises(SystemExit) as info:
            main(["spinglass", *argv, "--out", str(tmp_path / "never")])
        err = capsys.readouterr().err
        assert info.value.code == 2 and "--xi" in err and fragment in err
    assert not (tmp_path / "never").exists()


def test_degree_streams_give_a_pure_model_the_mixtures_couplings():
    """``degree_streams=True``: a pure model draws its degree from the stream a mixture uses for it, so
    the two share that degree's couplings up to the factor a_p; the default keeps the pure stream."""
    mixed = SphericalSpinGlass(6, {2: 0.36, 3: 0.64}, seed=11)
    pure = SphericalSpinGlass(6, 3, seed=11, degree_streams=True)
    historical = SphericalSpinGlass(6, 3, seed=11)
    M_mixed, M_pure, M_old = mixed.packed()[3], pure.packed()[3], historical.packed()[3]
    assert torch.allclose(M_mixed / 0.8, M_pure, rtol=1e-13, atol=1e-15)
    assert not torch.allclose(M_old, M_pure)
    w = pure.random_points(3, seed=1)
    assert torch.allclose(pure.resample(seed=5).energy(w),
                          SphericalSpinGlass(6, 3, seed=5, degree_streams=True).energy(w), rtol=1e-13)
    with pytest.raises(InvalidInputError, match="degree_streams"):
        SphericalSpinGlass(6, 3, seed=1, degree_streams=1)
