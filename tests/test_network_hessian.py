"""Hessian index of trained networks: dense Hessian against finite differences of a numpy gradient,
the Lanczos estimate against the dense count, size refusal."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import logsumexp, softmax

from polyloss.errors import InvalidInputError, SizeLimitError
from polyloss.numeric.data import embedded_mnist
from polyloss.numeric.network_hessian import (
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
