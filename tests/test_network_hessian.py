"""Hessian index of trained networks: dense Hessian against finite differences of a numpy gradient,
the Lanczos estimate against the dense count, size refusal (from the device's memory), devices."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.numeric.data import embedded_mnist
from polyloss.numeric.network_hessian import (
    dense_bytes,
    dense_hessian,
    dense_index,
    hessian_index,
    lanczos,
    lanczos_index,
    replica_indices,
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
        exact = dense_index(w1[r], w2[r], x, y)
        assert 0 < exact < 0.2  # a trained net: a few small negative directions
        est = lanczos_index(w1[r], w2[r], x, y, steps=100, probes=6, seed=r)
        # 6 probes of N = 440 (tol 1e-4 of max|λ|): the quadrature error is below 0.01 (checked by hand
        # at 150 steps, which agrees with 100 to 1e-4); the probe noise ~ sqrt(i(1-i)/(probes N)) < 0.003
        assert abs(est - exact) < 0.01, (r, est, exact)


def test_auto_method_switches_to_lanczos_when_dense_does_not_fit(trained):
    w1, w2, x, y = trained
    with pytest.raises(SizeLimitError, match="440 parameters"):
        dense_hessian(w1[0], w2[0], x, y, max_bytes=10**5)
    auto = hessian_index(w1[0], w2[0], x, y, max_bytes=10**5, steps=30, probes=2, seed=0)
    assert auto == lanczos_index(w1[0], w2[0], x, y, steps=30, probes=2, seed=0)
    np.testing.assert_allclose(replica_indices(w1, w2, x, y, method="dense"),
                               [dense_index(w1[r], w2[r], x, y) for r in range(2)])
    with pytest.raises(InvalidInputError, match="method must be one of"):
        hessian_index(w1[0], w2[0], x, y, method="exact")
    with pytest.raises(InvalidInputError, match=r"\(4, 3\)"):
        hessian_index(w1[0][:3].T, w2[0], x, y)


def test_the_dense_limit_is_half_of_the_device_memory(trained, monkeypatch):
    import polyloss._device as device

    w1, w2, x, y = trained
    need = dense_bytes(w1[0], w2[0], y)
    assert need >= 2 * 440 * 440 * 8  # the N×N matrix and its transpose while symmetrising
    monkeypatch.setattr(device, "available_memory_bytes", lambda dev="cpu": 2 * need - 2)  # half: 1 byte short
    with pytest.raises(SizeLimitError, match="half of its available memory"):
        dense_hessian(w1[0], w2[0], x, y)
    auto = hessian_index(w1[0], w2[0], x, y, steps=30, probes=2, seed=0)
    assert auto == lanczos_index(w1[0], w2[0], x, y, steps=30, probes=2, seed=0)
    monkeypatch.setattr(device, "available_memory_bytes", lambda dev="cpu": 2 * need)
    assert hessian_index(w1[0], w2[0], x, y) == dense_index(w1[0], w2[0], x, y, max_bytes=need)


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="checks the refusal of a missing GPU")
def test_a_missing_gpu_is_refused(trained):
    w1, w2, x, y = trained
    for call in (dense_hessian, lanczos_index, hessian_index):
        with pytest.raises(InvalidInputError, match="cuda"):
            call(w1[0], w2[0], x, y, device="cuda")
    with pytest.raises(InvalidInputError, match="cuda"):
        replica_indices(w1, w2, x, y, device="cuda")


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_hessian_agrees_with_the_cpu(trained):
    w1, w2, x, y = trained
    np.testing.assert_allclose(dense_hessian(w1[0], w2[0], x, y, device="cuda"), dense_hessian(w1[0], w2[0], x, y),
                               atol=1e-12, rtol=1e-10)
    for r in range(2):  # the count may move by an eigenvalue at the threshold's edge
        assert abs(dense_index(w1[r], w2[r], x, y, device="cuda") - dense_index(w1[r], w2[r], x, y)) <= 1 / 440
        est = lanczos_index(w1[r], w2[r], x, y, steps=40, probes=2, seed=r, device="cuda")
        assert est == pytest.approx(lanczos_index(w1[r], w2[r], x, y, steps=40, probes=2, seed=r), abs=1e-6)


def _peak_allocated(fn) -> int:
    """Peak of the bytes torch holds allocated on the CPU while ``fn`` runs, from its profiler's memory record."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        fn()
    events = sorted((e.start_ns(), e.nbytes()) for e in prof.profiler.kineto_results.events()
                    if e.name() == "[memory]")
    level = peak = 0
    for _, nbytes in events:
        level += nbytes
        peak = max(peak, level)
    return peak


@pytest.mark.parametrize("width, samples", [(4, 200), (20, 100), (3, 1500)])
def test_dense_memory_estimate_bounds_what_torch_allocates(width, samples):
    ds = embedded_mnist()
    rng = np.random.default_rng(width)
    w1, w2 = rng.uniform(-1, 1, (100, width)), rng.uniform(-1, 1, (width, 10))
    x, y = ds.x_train[:samples], ds.y_train[:samples]
    peak = _peak_allocated(lambda: dense_index(w1, w2, x, y))
    assert 0 < peak <= dense_bytes(w1, w2, y) <= 4 * peak
