"""Hessian index of trained networks: dense Hessian against finite differences of a numpy gradient,
its decomposition G + R against autograd (G PSD, R of low rank: the structural ceiling of the index),
counts against direct eigvalsh counts, explicit thresholds, the Lanczos estimate against the dense
count, size refusal (from the device's memory), devices."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.numeric.data import embedded_mnist
from polyloss.numeric.network_hessian import (
    ABSOLUTE_THRESHOLDS,
    RELATIVE_THRESHOLDS,
    dense_bytes,
    dense_hessian,
    dense_index,
    gauss_newton_and_residual,
    hessian_index,
    hessian_spectrum,
    index_curve,
    lanczos,
    lanczos_index,
    loss_and_gradient_norm,
    normalised_index,
    replica_indices,
    residual_blocks,
    structural_ceiling,
)
from polyloss.numeric.training import train_replicas


@pytest.fixture(scope="module")
def trained():
    ds = embedded_mnist()
    x, y = ds.x_train[::20], ds.y_train[::20]  # 200 images
    res = train_replicas(4, 2, epochs=15, seed=2, keep_weights=True, dtype="float64", progress=False)
    return res.w1, res.w2, x, y


def numpy_gradient(theta, x, y, n_hidden):
    """Independent oracle: hand-written backpropagation in numpy for the mean cross-entropy."""
    d = x.shape[1]
    w1, w2 = theta[: d * n_hidden].reshape(d, n_hidden), theta[d * n_hidden:].reshape(n_hidden, 10)
    z = x @ w1
    h = np.maximum(z, 0)
    g = (softmax(h @ w2, axis=1) - np.eye(10)[y]) / len(y)
    return np.concatenate([(x.T @ ((g @ w2.T) * (z > 0))).ravel(), (h.T @ g).ravel()])


def test_dense_hessian_equals_finite_differences_of_numpy_gradient(trained):
    w1, w2, x, y = trained
    x = x.astype(np.float64)
    theta = np.concatenate([w1[0].ravel(), w2[0].ravel()])
    h = dense_hessian(w1[0], w2[0], x, y)
    eps = 1e-6
    rng = np.random.default_rng(0)
    for k in rng.choice(theta.size, 12, replace=False):
        e = np.zeros_like(theta)
        e[k] = eps
        fd = (numpy_gradient(theta + e, x, y, 4) - numpy_gradient(theta - e, x, y, 4)) / (2 * eps)
        np.testing.assert_allclose(h[:, k], fd, atol=1e-7, rtol=1e-5)
    np.testing.assert_array_equal(h, h.T)
    # the loss it differentiates is the mean cross-entropy (numpy oracle)
    logits = np.maximum(x @ w1[0], 0) @ w2[0]
    assert np.isfinite(logsumexp(logits, axis=1)).all()


def test_lanczos_recovers_the_spectrum_of_a_known_matrix():
    rng = np.random.default_rng(1)
    q, _ = np.linalg.qr(rng.normal(size=(60, 60)))
    lam = np.concatenate([-np.linspace(1, 2, 6), np.zeros(20), np.linspace(0.5, 5, 34)])
    a = q @ np.diag(lam) @ q.T
    alpha, beta = lanczos(lambda v: a @ v, 60, rng.normal(size=60), 60)
    ritz = np.linalg.eigvalsh(np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1))
    assert ritz.min() == pytest.approx(-2, abs=1e-8) and ritz.max() == pytest.approx(5, abs=1e-8)


def test_lanczos_index_agrees_with_dense_count(trained):
    w1, w2, x, y = trained
    for r in range(2):
        exact = dense_index(w1[r], w2[r], x, y, relative=1e-4)
        assert 0 < exact < 0.2  # a trained net: a few small negative directions
        est = lanczos_index(w1[r], w2[r], x, y, relative=1e-4, steps=100, probes=6, seed=r, method="lanczos")
        # the interval (quadrature brackets, interlacing, a Beta confidence set) holds the dense count;
        # tests/test_index_estimator.py checks its coverage rate
        assert est.index_interval[0] <= exact <= est.index_interval[1], (r, est, exact)
        assert est.index_interval[1] - est.index_interval[0] <= 0.05  # informative: 0.025-0.03 measured here


def test_auto_method_switches_to_lanczos_when_dense_does_not_fit(trained):
    w1, w2, x, y = trained
    with pytest.raises(SizeLimitError, match="440 parameters"):
        dense_hessian(w1[0], w2[0], x, y, max_bytes=10**5)
    est = lanczos_index(w1[0], w2[0], x, y, relative=1e-4, steps=30, probes=2, seed=0, tolerance=1.0, exact_limit=0)
    auto = hessian_index(w1[0], w2[0], x, y, relative=1e-4, max_bytes=10**5, steps=30, probes=2, seed=0,
                         tolerance=1.0, exact_limit=0)
    assert auto == est.index
    np.testing.assert_allclose(replica_indices(w1, w2, x, y, absolute=1e-3, method="dense"),
                               [dense_index(w1[r], w2[r], x, y, absolute=1e-3) for r in range(2)])
    with pytest.raises(InvalidInputError, match="method must be one of"):
        hessian_index(w1[0], w2[0], x, y, relative=1e-4, method="exact")
    with pytest.raises(InvalidInputError, match=r"\(4, 3\)"):
        hessian_index(w1[0][:3].T, w2[0], x, y, relative=1e-4)


def test_the_dense_limit_is_half_of_the_device_memory(trained, monkeypatch):
    import polyloss._device as device

    w1, w2, x, y = trained
    need = dense_bytes(w1[0], w2[0], y)
    assert need >= 2 * 440 * 440 * 8  # the N×N matrix and its transpose while symmetrising
    monkeypatch.setattr(device, "available_memory_bytes", lambda dev="cpu": 2 * need - 2)  # half: 1 byte short
    with pytest.raises(SizeLimitError, match="half of its available memory"):
        dense_hessian(w1[0], w2[0], x, y)
    auto = hessian_index(w1[0], w2[0], x, y, relative=1e-4, steps=30, probes=2, seed=0, tolerance=1.0, exact_limit=0)
    assert auto == lanczos_index(w1[0], w2[0], x, y, relative=1e-4, steps=30, probes=2, seed=0, tolerance=1.0,
                                 exact_limit=0).index
    monkeypatch.setattr(device, "available_memory_bytes", lambda dev="cpu": 2 * need)
    assert hessian_index(w1[0], w2[0], x, y, relative=1e-4) == dense_index(w1[0], w2[0], x, y, relative=1e-4,
                                                                           max_bytes=need)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks the refusal of a missing GPU")
def test_a_missing_gpu_is_refused(trained):
    w1, w2, x, y = trained
    for call in (dense_hessian, hessian_spectrum, loss_and_gradient_norm):
        with pytest.raises(InvalidInputError, match="cuda"):
            call(w1[0], w2[0], x, y, device="cuda")
    for call in (lanczos_index, hessian_index):
        with pytest.raises(InvalidInputError, match="cuda"):
            call(w1[0], w2[0], x, y, relative=1e-4, device="cuda")
    with pytest.raises(InvalidInputError, match="cuda"):
        replica_indices(w1, w2, x, y, relative=1e-4, device="cuda")


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_hessian_agrees_with_the_cpu(trained):
    w1, w2, x, y = trained
    np.testing.assert_allclose(dense_hessian(w1[0], w2[0], x, y, device="cuda"), dense_hessian(w1[0], w2[0], x, y),
                               atol=1e-12, rtol=1e-10)
    for r in range(2):  # the count may move by an eigenvalue at the threshold's edge
        assert abs(dense_index(w1[r], w2[r], x, y, relative=1e-4, device="cuda")
                   - dense_index(w1[r], w2[r], x, y, relative=1e-4)) <= 1 / 440
        np.testing.assert_allclose(hessian_spectrum(w1[r], w2[r], x, y, device="cuda"),
                                   hessian_spectrum(w1[r], w2[r], x, y), atol=1e-12)
        est = lanczos_index(w1[r], w2[r], x, y, relative=1e-4, steps=40, probes=2, seed=r, device="cuda",
                            method="lanczos")
        assert est.count == pytest.approx(lanczos_index(w1[r], w2[r], x, y, relative=1e-4, steps=40, probes=2,
                                                        seed=r, method="lanczos").count, abs=1e-6)


@pytest.mark.parametrize("width, samples", [(4, 200), (20, 100), (3, 1500)])
def test_dense_memory_estimate_bounds_what_torch_allocates(width, samples, peak_allocated):
    ds = embedded_mnist()
    rng = np.random.default_rng(width)
    w1, w2 = rng.uniform(-1, 1, (100, width)), rng.uniform(-1, 1, (width, 10))
    x, y = ds.x_train[:samples], ds.y_train[:samples]
    peak = peak_allocated(lambda: hessian_spectrum(w1, w2, x, y))
    assert 0 < peak <= dense_bytes(w1, w2, y) <= 4 * peak


# ------------------------------------------------------------------ G + R: where negative curvature lives
def random_network(seed, d, n1, c=10, n=40):
    """A random network and data set with C = c classes (inputs in [0, 1], as the images)."""
    rng = np.random.default_rng(seed)
    return (rng.uniform(-1, 1, (d, n1)), rng.uniform(-1, 1, (n1, c)), rng.random((n, d)), rng.integers(0, c, n))


NETWORKS = [(0, 7, 3, 10), (1, 12, 4, 10), (2, 5, 6, 3), (3, 20, 2, 4)]  # (seed, d, n_1, C)


@pytest.mark.parametrize("seed, d, n1, c", NETWORKS)
def test_gauss_newton_plus_residual_is_the_autograd_hessian(seed, d, n1, c):
    w1, w2, x, y = random_network(seed, d, n1, c)
    g, r = gauss_newton_and_residual(w1, w2, x, y, chunk=7)  # several chunks of samples
    h = dense_hessian(w1, w2, x, y)
    assert np.abs(g + r - h).max() <= 1e-10 * np.abs(h).max()
    eg = np.linalg.eigvalsh(g)
    assert eg.min() >= -1e-10 * eg.max()  # G = Jᵀ (diag p - p pᵀ) J is positive semidefinite
    np.testing.assert_array_equal(r, r.T)


@pytest.mark.parametrize("seed, d, n1, c", NETWORKS)
def test_residual_part_has_at_most_n1_times_c_minus_1_negative_eigenvalues(seed, d, n1, c):
    w1, w2, x, y = random_network(seed, d, n1, c)
    _, r = gauss_newton_and_residual(w1, w2, x, y)
    blocks = residual_blocks(w1, w2, x, y)
    assert blocks.shape == (n1, d, c)
    np.testing.assert_allclose(blocks.sum(2), 0, atol=1e-14)  # B_j 1 = 0: the residual sums to 0 over classes
    ranks = [np.linalg.matrix_rank(b) for b in blocks]
    assert max(ranks) <= min(c - 1, d)
    er = np.linalg.eigvalsh(r)
    scale = np.abs(er).max()
    negative = int(np.sum(er < -1e-10 * scale))
    assert negative == sum(ranks) <= structural_ceiling(n1, c) == n1 * (c - 1)
    # the spectrum of R is ± the singular values of the blocks (and zeros)
    sv = np.sort(np.concatenate([np.linalg.svd(b, compute_uv=False) for b in blocks]))
    np.testing.assert_allclose(np.sort(-er[:negative]), sv[sv > 1e-10 * scale], rtol=1e-9)


def test_hessian_negative_count_is_within_the_ceiling_on_random_and_trained_networks():
    ds = embedded_mnist()
    x, y = ds.x_train[::25], ds.y_train[::25]  # 160 images, every digit
    nets = [random_network(s, 100, 3)[:2] for s in range(2)]  # random weights, MNIST inputs
    for epochs in (0, 1, 5):
        res = train_replicas(3, 2, epochs=epochs, seed=7, keep_weights=True, progress=False)
        nets += [(res.w1[r], res.w2[r]) for r in range(2)]
    xmax = np.linalg.norm(x.astype(np.float64), axis=1).max()
    for w1, w2 in nets:
        eig = hessian_spectrum(w1, w2, x, y)
        assert np.all(np.diff(eig) >= 0)
        scale = np.abs(eig).max()
        negative = int(np.sum(eig < -1e-10 * scale))
        assert 0 < negative <= structural_ceiling(3) == 27
        # their size is bounded by the loss: λ_min ≥ -√2 max‖x‖ L (module docstring)
        loss, _ = loss_and_gradient_norm(w1, w2, x, y)
        assert eig[0] >= -np.sqrt(2) * xmax * loss
        # … and the dense count at any threshold of the curves is within the ceiling
        for kind in ("relative", "absolute"):
            assert (index_curve(eig, kind)[1] <= 27 / eig.size).all()


def test_index_curves_are_monotone_and_equal_direct_counts(trained):
    w1, w2, x, y = trained
    eig = hessian_spectrum(w1[1], w2[1], x, y)
    direct = np.linalg.eigvalsh(dense_hessian(w1[1], w2[1], x, y))
    np.testing.assert_array_equal(eig, direct)
    top = np.abs(direct).max()
    for kind, cut in (("relative", lambda t: -t * top), ("absolute", lambda t: -t)):
        t, curve = index_curve(eig, kind)
        assert np.all(np.diff(curve) <= 0) and len(t) == 13
        assert t[0] == pytest.approx(1e-7) and t[-1] == pytest.approx(0.1)
        expected = [np.sum(direct < cut(v)) / direct.size for v in t]
        np.testing.assert_array_equal(curve, expected)
        # from the negative eigenvalues, the number of parameters and the largest eigenvalue alone
        np.testing.assert_array_equal(normalised_index(eig[eig < 0], **{kind: t}, n_params=eig.size,
                                                       largest=eig[-1]), expected)
        for v in t[::4]:
            assert normalised_index(direct, **{kind: v}) == expected[list(t).index(v)]
            assert dense_index(w1[1], w2[1], x, y, **{kind: v}) == expected[list(t).index(v)]
    np.testing.assert_array_equal(RELATIVE_THRESHOLDS, ABSOLUTE_THRESHOLDS)


def test_thresholds_are_explicit(trained):
    w1, w2, x, y = trained
    calls = [lambda **k: dense_index(w1[0], w2[0], x, y, **k), lambda **k: hessian_index(w1[0], w2[0], x, y, **k),
             lambda **k: lanczos_index(w1[0], w2[0], x, y, steps=3, probes=1, **k),
             lambda **k: replica_indices(w1, w2, x, y, **k), lambda **k: normalised_index([-1.0, 2.0], **k)]
    for call in calls:
        with pytest.raises(InvalidInputError, match="exactly one threshold.*got neither"):
            call()
        with pytest.raises(InvalidInputError, match="got both"):
            call(relative=1e-4, absolute=1e-3)
        with pytest.raises(InvalidInputError, match="relative must be"):
            call(relative=0.0)  # a count of λ < 0 would count the rounding noise of the zero eigenvalues
        with pytest.raises(InvalidInputError, match="absolute must be"):
            call(absolute=-1e-3)
    with pytest.raises(InvalidInputError, match="needs largest"):
        normalised_index([-1.0], relative=1e-3, n_params=5)
    assert normalised_index([-3.0, -1.0, -1e-3, 1e-9, 2.0], absolute=[1e-2, 0.5, 2.0, 5.0]).tolist() == \
        [0.4, 0.4, 0.2, 0.0]
    assert normalised_index([-3.0, -1.0, 2.0], relative=0.5) == pytest.approx(1 / 3)  # max|λ| = 3, not 2


def test_loss_and_gradient_norm_against_numpy(trained):
    w1, w2, x, y = trained
    theta = np.concatenate([w1[0].ravel(), w2[0].ravel()])
    loss, norm = loss_and_gradient_norm(w1[0], w2[0], x, y)
    logits = np.maximum(x.astype(np.float64) @ w1[0], 0) @ w2[0]
    assert loss == pytest.approx(np.mean(logsumexp(logits, axis=1) - logits[np.arange(len(y)), y]), rel=1e-12)
    assert norm == pytest.approx(np.linalg.norm(numpy_gradient(theta, x.astype(np.float64), y, 4)), rel=1e-10)
