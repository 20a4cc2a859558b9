"""SphericalSpinGlass against independent oracles: the dense ordered-tuple definition (torch autograd),
finite differences along the retraction, exact H = 2 spectra, and Monte Carlo over instances."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.numeric.spinglass import SphericalSpinGlass, convert_energy, coupling_bytes, largest_Lambda


def dense_L(X, w):
    """The definition: Λ^{-(H-1)/2} Σ_{ordered} X_{i_1..i_H} w_{i_1}⋯w_{i_H} (no symmetrisation)."""
    Lam, H = X.shape[0], X.ndim
    t = X
    for _ in range(H):
        t = t @ w
    return Lam ** (-(H - 1) / 2) * t


def sym_by_loops(X):
    Lam, H = X.shape[0], X.ndim
    S = torch.zeros_like(X)
    for t in itertools.product(range(Lam), repeat=H):
        perms = list(itertools.permutations(t))
        S[t] = sum(X[p] for p in perms) / len(perms)
    return S


@pytest.mark.parametrize("H", [2, 3, 4])
def test_energy_gradient_hessian_match_autograd_of_dense_definition(H):
    Lam = 5
    X = torch.randn((Lam,) * H, generator=torch.Generator().manual_seed(H), dtype=torch.float64)
    model = SphericalSpinGlass(Lam, H, couplings=X)
    w = model.random_points(4, seed=1)
    L = torch.stack([dense_L(X, x) for x in w])
    grad = torch.stack([torch.func.grad(lambda x: dense_L(X, x))(x) for x in w])
    hess = torch.stack([torch.func.hessian(lambda x: dense_L(X, x))(x) for x in w])
    torch.testing.assert_close(model.hamiltonian(w), L, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.energy(w), L / Lam, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.euclidean_gradient(w), grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.euclidean_hessian(w), hess, rtol=1e-12, atol=1e-12)
    # Riemannian quantities from the autograd ones (Auffinger, Ben Arous and Černý 2013)
    P = torch.eye(Lam, dtype=torch.float64) - w[:, :, None] * w[:, None, :] / Lam
    rgrad = torch.einsum("bij,bj->bi", P, grad)
    torch.testing.assert_close(model.gradient(w), rgrad, rtol=1e-12, atol=1e-12)
    s = (w * grad).sum(1) / Lam
    torch.testing.assert_close(s, H * L / Lam, rtol=1e-12, atol=1e-12)  # Euler: w·∇L = H L
    amb = P @ (hess - s[:, None, None] * torch.eye(Lam, dtype=torch.float64)) @ P
    torch.testing.assert_close(model.hessian(w, basis="ambient"), amb, rtol=1e-10, atol=1e-10)
    U = model.tangent_basis(w)
    torch.testing.assert_close(U.transpose(1, 2) @ U, torch.eye(Lam - 1, dtype=torch.float64).expand(4, -1, -1))
    torch.testing.assert_close(torch.einsum("bi,bij->bj", w, U), torch.zeros(4, Lam - 1, dtype=torch.float64))
    torch.testing.assert_close(model.hessian(w), U.transpose(1, 2) @ amb @ U, rtol=1e-10, atol=1e-10)
    # single point: no batch axis
    assert model.energy(w[0]).shape == () and model.hessian(w[0]).shape == (Lam - 1, Lam - 1)


def test_riemannian_derivatives_match_finite_differences_along_the_retraction():
    model = SphericalSpinGlass(7, 3, seed=3)
    w = model.random_points(3, seed=4)
    z = model.random_points(3, seed=5)
    xi = z - w * ((w * z).sum(1) / 7)[:, None]  # tangent directions at w
    xi = xi / xi.norm(dim=1, keepdim=True)
    f = lambda t: model.hamiltonian(model.project(w + t * xi))
    h = 1e-4
    d1 = (f(h) - f(-h)) / (2 * h)
    d2 = (f(h) - 2 * f(0.0) + f(-h)) / h**2
    torch.testing.assert_close(d1, (model.gradient(w) * xi).sum(1), rtol=1e-6, atol=1e-6)
    # the retraction is second order, so d²/dt² L(R(w + t ξ)) = ξ^T Hess ξ at every point
    amb = model.hessian(w, basis="ambient")
    torch.testing.assert_close(d2, torch.einsum("bi,bij,bj->b", xi, amb, xi), rtol=1e-4, atol=1e-4)


def test_index_of_eigenvectors_for_H2_is_their_rank():
    """H = 2: L = c wᵀSw; critical points are ±√Λ v_k, with Hessian eigenvalues 2c(λ_j - λ_k): index = k."""
    Lam = 6
    model = SphericalSpinGlass(Lam, 2, seed=7)
    S = model.dense_couplings()
    lam, V = torch.linalg.eigh(S)
    w = math.sqrt(Lam) * V.T  # row k = eigenvector k
    assert model.gradient(w).abs().max() < 1e-12
    assert model.index(w).tolist() == list(range(Lam))
    c = Lam ** -0.5
    ev = torch.linalg.eigvalsh(model.hessian(w[2]))
    expected = torch.sort(2 * c * (torch.cat([lam[:2], lam[3:]]) - lam[2])).values
    torch.testing.assert_close(ev, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("H", [3, 4])
def test_dense_couplings_is_the_symmetrisation(H):
    X = torch.randn((4,) * H, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    model = SphericalSpinGlass(4, H, couplings=X)
    torch.testing.assert_close(model.dense_couplings(), sym_by_loops(X), rtol=1e-13, atol=1e-13)
    sampled = SphericalSpinGlass(4, H, seed=2)
    again = SphericalSpinGlass(4, H, couplings=sampled.dense_couplings())
    torch.testing.assert_close(again.M, sampled.M, rtol=1e-13, atol=1e-13)


def test_energy_covariance_of_the_direct_sampler():
    """E[L(w)L(w')] = Λ (w·w'/Λ)^H (the spherical pure H-spin glass of Auffinger, Ben Arous and Černý 2013, X iid N(0,1)). n = 300 instances, seeds 1000..1299;
    L(w)² and L(w)L(w') have standard deviation ≤ √2 Λ, so 5σ = 5√2Λ/√n is a test that fails by chance with p < 1e-6."""
    Lam, H, n = 4, 3, 300
    base = SphericalSpinGlass(Lam, H, seed=11)
    w = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, -1.0], [2.0, 0.0, 0.0, 0.0]], dtype=torch.float64)
    values = torch.stack([base.resample(1000 + i).hamiltonian(w) for i in range(n)])  # (n, 3)
    emp = values.T @ values / n
    q = w @ w.T / Lam
    expected = Lam * q**H
    assert (emp - expected).abs().max() < 5 * math.sqrt(2) * Lam / math.sqrt(n)


def test_direct_and_dense_samplers_have_the_same_law():
    """Per-entry variances of the packed couplings: Var M[J,i] = c² m_i(K)² n_K (from the ordered model).
    Both samplers, n = 150 instances each: each empirical variance / its expectation has sd √(2/n),
    every entry is held to 5σ; the mean over the 40 entries (20 independent multisets at least, so
    sd ≤ √(2/n)/√10) to 5σ of that."""
    Lam, H, n = 4, 3, 150
    direct = SphericalSpinGlass(Lam, H, seed=21)
    samples_direct = torch.stack([direct.resample(5000 + i).M for i in range(n)])
    samples_dense = torch.stack([SphericalSpinGlass(Lam, H, seed=9000 + i, sampler="dense").M for i in range(n)])
    c = Lam ** (-(H - 1) / 2)
    var = torch.empty(direct.n_rows, Lam, dtype=torch.float64)
    E = direct._elements(H - 1, torch.arange(direct.n_rows))
    for r, J in enumerate(E.tolist()):
        for i in range(Lam):
            K = sorted(J + [i])
            counts = [K.count(v) for v in set(K)]
            n_K = math.factorial(H) / math.prod(math.factorial(m) for m in counts)
            var[r, i] = c**2 * K.count(i) ** 2 * n_K
    for samples in (samples_direct, samples_dense):
        ratio = (samples**2).mean(0) / var  # mean 0 by symmetry
        assert abs(ratio.mean().item() - 1) < 5 * math.sqrt(2 / n) / math.sqrt(10)
        assert ((ratio - 1).abs() < 5 * math.sqrt(2 / n)).all()


def test_conventions_against_their_definitions():
    Lam, H = 5, 3
    X = torch.randn((Lam,) * H, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    model = SphericalSpinGlass(Lam, H, couplings=X)
    w = model.random_points(2, seed=2)
    u = model.energy(w)
    c = Lam ** (-(H - 1) / 2)
    L = torch.stack([dense_L(X, x) for x in w])
    torch.testing.assert_close(convert_energy(u, from_="per_lambda", to="total", Lambda=Lam, H=H), L)
    authors = torch.stack([dense_L(X, x) for x in w]) * Lam ** ((H - 1) / 2) / Lam  # Σ X w^H / Λ
    torch.testing.assert_close(convert_energy(u, from_="per_lambda", to="authors", Lambda=Lam, H=H), authors)
    J = math.sqrt(math.factorial(H)) * sym_by_loops(X)  # symmetric, N(0,1) on distinct tuples
    symmetric = torch.stack([dense_L(J, x) for x in w]) / math.factorial(H)
    torch.testing.assert_close(convert_energy(u, from_="per_lambda", to="symmetric", Lambda=Lam, H=H), symmetric)
    # sorted sum i<j<k: exact when X has no repeated-index entries
    X0 = X.clone()
    for t in itertools.product(range(Lam), repeat=H):
        if len(set(t)) < H:
            X0[t] = 0.0
    J0 = math.sqrt(math.factorial(H)) * sym_by_loops(X0)
    x = w[0]
    sorted_value = c * sum(J0[t] * x[t[0]] * x[t[1]] * x[t[2]] for t in itertools.combinations(range(Lam), H))
    u0 = SphericalSpinGlass(Lam, H, couplings=X0).energy(x)
    torch.testing.assert_close(convert_energy(u0, from_="per_lambda", to="sorted", Lambda=Lam, H=H), sorted_value)
    assert convert_energy(convert_energy(1.25, to="sorted", Lambda=9, H=4), from_="sorted", to="per_lambda",
                          Lambda=9, H=4) == pytest.approx(1.25)


def test_split_pieces_sum_to_the_couplings_with_variance_one_over_P():
    model = SphericalSpinGlass(30, 3, seed=5)
    pieces = model.split(4, seed=6)
    torch.testing.assert_close(sum(p.M for p in pieces), model.M, rtol=1e-12, atol=1e-12)
    # each piece is an ordered model of variance 1/4: its per-entry variance is 1/4 of the model's law
    ref = torch.stack([model.resample(100 + i).M for i in range(3)])
    ratio = (pieces[0].M ** 2).mean() / (ref**2).mean()
    assert abs(ratio.item() - 0.25) < 0.03
    w = model.random_points(2, seed=1)
    torch.testing.assert_close(sum(p.energy(w) for p in pieces), model.energy(w))


def test_seeds_reproduce_and_differ():
    a, b, c = (SphericalSpinGlass(6, 3, seed=s) for s in (1, 1, 2))
    assert torch.equal(a.M, b.M) and not torch.equal(a.M, c.M)
    torch.testing.assert_close(a.random_points(3, seed=4), b.random_points(3, seed=4))
    w = a.random_points(5, seed=0)
    torch.testing.assert_close((w * w).sum(1), torch.full((5,), 6.0, dtype=torch.float64))


def test_float32_storage_agrees_with_float64():
    m64 = SphericalSpinGlass(20, 3, seed=3)
    m32 = SphericalSpinGlass(20, 3, seed=3, dtype=torch.float32)
    w = m64.random_points(4, seed=1)
    torch.testing.assert_close(m32.energy(w).double(), m64.energy(w), rtol=1e-5, atol=1e-5)
    assert m32.nbytes * 2 == m64.nbytes == coupling_bytes(20, 3)


def test_memory_is_checked_before_allocation():
    assert coupling_bytes(500, 3) == 500 * 501 // 2 * 500 * 8
    with pytest.raises(SizeLimitError, match=r"3\.73 GiB \(4004000000 bytes\)"):
        SphericalSpinGlass(1000, 3, memory_limit=10**9, seed=0)
    assert largest_Lambda(3, coupling_bytes(777, 3)) == 777
    small = SphericalSpinGlass(10, 3, seed=0, memory_limit=coupling_bytes(10, 3))
    with pytest.raises(SizeLimitError, match="pieces"):
        small.split(3)


def test_bad_input_is_refused_with_the_input_restated():
    with pytest.raises(InvalidInputError, match="Lambda must be an integer >= 2, got 1"):
        SphericalSpinGlass(1, 3)
    with pytest.raises(InvalidInputError, match="H must be an integer"):
        SphericalSpinGlass(5, 2.5)
    with pytest.raises(InvalidInputError, match=r"couplings must have shape \(3, 3, 3\)"):
        SphericalSpinGlass(3, 3, couplings=np.zeros((3, 3)))
    model = SphericalSpinGlass(4, 3, seed=0)
    with pytest.raises(InvalidInputError, match=r"w must have shape \(B, 4\) or \(4,\), got \(2, 5\)"):
        model.energy(torch.zeros(2, 5))
    with pytest.raises(InvalidInputError, match="basis"):
        model.hessian(torch.ones(4), basis="normal")
    with pytest.raises(InvalidInputError, match="from_"):
        convert_energy(1.0, from_="per_N", Lambda=4, H=3)


@pytest.mark.parametrize("H", [3, 4])
def test_blocked_gradient_and_sampler_agree_with_the_dense_definition(H, monkeypatch):
    """Force small blocks (features, sampler, Hessian) and compare with autograd of the dense definition."""
    import polyloss.numeric.spinglass as sg

    monkeypatch.setattr(sg, "_FEATURE_BYTES", 64)
    monkeypatch.setattr(sg, "_SAMPLER_BYTES", 64)
    monkeypatch.setattr(sg, "_CHUNK_BYTES", 64)
    model = SphericalSpinGlass(6, H, seed=12)
    X = model.dense_couplings()
    for perm in itertools.permutations(range(H)):  # each Y_K reached all of its entries M[K - i, i]
        torch.testing.assert_close(X.permute(perm), X, rtol=1e-14, atol=1e-15)
    w = model.random_points(3, seed=2)
    grad = torch.stack([torch.func.grad(lambda x: dense_L(X, x))(x) for x in w])
    hess = torch.stack([torch.func.hessian(lambda x: dense_L(X, x))(x) for x in w])
    torch.testing.assert_close(model.euclidean_gradient(w), grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(model.euclidean_hessian(w), hess, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("H,Lam,P", [(3, 17, 4), (4, 7, 3)])
def test_split_in_blocks_is_the_whole_matrix_formula_bit_for_bit(H, Lam, P, monkeypatch):
    """split() works in place, block by block, with draws sharing their index work; the pieces are exactly
    M/P + Z_s - (Σ Z)/P computed on whole matrices from single draws Z_s (tiny blocks force many)."""
    import polyloss.numeric.spinglass as sg
    from polyloss._random import derive_seed

    monkeypatch.setattr(sg, "_SPLIT_ELEMENTS", 37)
    monkeypatch.setattr(sg, "_SAMPLER_BYTES", 8 * 6 * H * 29)
    model = SphericalSpinGlass(Lam, H, seed=8)
    Z = [model._sample_packed(derive_seed(5, s), variance=1.0 / P) for s in range(P)]
    mean = sum(Z) / P
    expected = [model.M / P + z - mean for z in Z]
    pieces = model.split(P, seed=5)
    assert all(torch.equal(p.M, e) for p, e in zip(pieces, expected))
    rounded = model.split(P, seed=5, dtype=torch.float32)
    assert all(p.dtype == p.M.dtype == torch.float32 and torch.equal(p.M, e.float()) for p, e in zip(rounded, expected))
    w = model.random_points(2, seed=3)
    torch.testing.assert_close(sum(p.energy(w) for p in rounded).double(), model.energy(w), rtol=1e-5, atol=1e-5)


def test_astype_rounds_the_couplings_of_the_same_instance():
    m64 = SphericalSpinGlass(9, 3, seed=2)
    m32 = m64.astype(torch.float32)
    assert m64.astype(torch.float64) is m64 and m32.dtype == torch.float32 and m64.M.dtype == torch.float64
    assert torch.equal(m32.M, SphericalSpinGlass(9, 3, seed=2, dtype=torch.float32).M)
    with pytest.raises(InvalidInputError, match="dtype must be torch.float64 or torch.float32"):
        m64.astype(torch.float16)


def test_device_is_validated_and_sets_the_default_memory_limit(monkeypatch):
    import polyloss.numeric.spinglass as sg

    asked = []

    def fake_free(device):
        asked.append(device)
        return 2 * coupling_bytes(6, 3) + 1

    monkeypatch.setattr(sg, "available_memory_bytes", fake_free)
    model = SphericalSpinGlass(6, 3, seed=0)
    assert asked == [torch.device("cpu")] and model.memory_limit == coupling_bytes(6, 3)
    with pytest.raises(SizeLimitError, match="memory limit"):
        SphericalSpinGlass(7, 3, seed=0)
    if not torch.cuda.is_available():
        with pytest.raises(InvalidInputError, match=r"device 'cuda' asked for"):
            SphericalSpinGlass(6, 3, seed=0, device="cuda")
    with pytest.raises(InvalidInputError, match="device"):
        SphericalSpinGlass(6, 3, seed=0, device="tpu")
