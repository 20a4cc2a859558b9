"""Hessian index of a trained one-hidden-layer network (REFERENCE §6, "Index check"; paper Sec. 6).

The loss is the mean softmax cross-entropy of ``f(x) = W_2^T σ(W_1^T x)`` over a data set, as a
function of the flat parameter vector ``θ = (vec W_1, vec W_2)`` (row-major), ``N = n_1 (d + 10)``.
The normalised index is the fraction of Hessian eigenvalues that are negative,

    index(θ) = #{i : λ_i(∇²L(θ)) < -tol · max_j |λ_j|} / N,

with a relative tolerance (default 1e-4) so that the exact zero eigenvalues of ReLU networks (dead
units, the positive rescaling symmetry of each hidden unit) are not counted because of rounding.

* :func:`dense_hessian`: every column ``H e_k`` as a Hessian-vector product (forward-over-reverse,
  ``torch.func.jvp`` of ``torch.func.grad``), vmapped in chunks; float64; refused up front when the
  N×N matrix would exceed ``max_bytes``.
* :func:`lanczos_index`: stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017): for Rademacher
  probes v, m Lanczos steps (full reorthogonalisation) give T = Q diag(θ) Q^T and the quadrature
  ``v^T 1{H < -t} v / v^T v ≈ Σ_j Q_{0j}^2 1{θ_j < -t}``, averaged over probes. Only Hessian-vector
  products are needed (memory O(N m)); validated against the dense count on small networks.
"""

from __future__ import annotations

import numpy as np

from .._random import derive_seed
from .._validate import choice, integer, real
from ..errors import InvalidInputError, SizeLimitError

DEFAULT_TOL = 1e-4
MAX_DENSE_BYTES = 2 * 2**30


def flat_loss(x, y, n_hidden: int, n_classes: int = 10):
    """``θ -> mean cross-entropy`` on (x, y) for a network of width n_hidden; θ = (vec W_1, vec W_2)."""
    import torch

    x = torch.as_tensor(np.asarray(x), dtype=torch.float64)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    d = x.shape[1]

    def loss(theta):
        w1 = theta[: d * n_hidden].reshape(d, n_hidden)
        w2 = theta[d * n_hidden:].reshape(n_hidden, n_classes)
        return torch.nn.functional.cross_entropy(torch.relu(x @ w1) @ w2, y)

    return loss


def flatten(w1, w2):
    """θ = (vec W_1, vec W_2) as a float64 torch vector."""
    import torch

    return torch.cat([torch.as_tensor(np.asarray(w1), dtype=torch.float64).reshape(-1),
                      torch.as_tensor(np.asarray(w2), dtype=torch.float64).reshape(-1)])


def hvp_function(w1, w2, x, y):
    """``v -> ∇²L(θ) v`` at the network (w1, w2): forward-over-reverse automatic differentiation."""
    import torch.func as tf

    theta = flatten(w1, w2)
    grad = tf.grad(flat_loss(x, y, np.shape(w1)[1], np.shape(w2)[1]))

    def hvp(v):
        return tf.jvp(grad, (theta,), (v,))[1]

    return hvp, theta.numel()


def dense_hessian(w1, w2, x, y, *, max_bytes: int = MAX_DENSE_BYTES, chunk: int = 64) -> np.ndarray:
    """The exact N×N Hessian of the mean cross-entropy at (w1, w2), float64 numpy (symmetrised)."""
    import torch

    n_params = int(np.size(w1) + np.size(w2))
    need = n_params * n_params * 8 + chunk * len(y) * (np.shape(w1)[1] + 10) * 8 * 6
    if need > max_bytes:
        raise SizeLimitError(f"a dense Hessian of {n_params} parameters needs about {need / 2**30:.2f} GiB "
                             f"(limit {max_bytes / 2**30:.2f} GiB); use method='lanczos'")
    hvp, n = hvp_function(w1, w2, x, y)
    eye = torch.eye(n, dtype=torch.float64)
    cols = [torch.func.vmap(hvp)(eye[a:a + chunk]) for a in range(0, n, chunk)]
    h = torch.cat(cols).numpy()
    return (h + h.T) / 2


def dense_index(w1, w2, x, y, *, tol: float = DEFAULT_TOL, max_bytes: int = MAX_DENSE_BYTES) -> float:
    """Fraction of eigenvalues of the exact Hessian below ``-tol · max|λ|``."""
    eig = np.linalg.eigvalsh(dense_hessian(w1, w2, x, y, max_bytes=max_bytes))
    return float(np.mean(eig < -tol * np.abs(eig).max()))


def lanczos(matvec, n: int, v0: np.ndarray, steps: int):
    """m-step Lanczos with full reorthogonalisation: (alpha, beta) of the tridiagonal T (float64)."""
    q = v0 / np.linalg.norm(v0)
    basis = [q]
    alpha, beta = [], []
    for j in range(min(steps, n)):
        w = matvec(basis[-1])
        a = float(w @ basis[-1])
        alpha.append(a)
        Q = np.array(basis)
        w = w - Q.T @ (Q @ w)
        w = w - Q.T @ (Q @ w)  # twice is enough (Kahan–Parlett)
        b = float(np.linalg.norm(w))
        if j == min(steps, n) - 1 or b < 1e-12 * max(1.0, abs(a)):
            break
        beta.append(b)
        basis.append(w / b)
    return np.array(alpha), np.array(beta)


def lanczos_index(w1, w2, x, y, *, steps: int = 80, probes: int = 8, tol: float = DEFAULT_TOL,
                  seed=None) -> float:
    """Stochastic Lanczos quadrature estimate of the normalised index (fraction of negative eigenvalues).

    The threshold is ``-tol · max|θ|`` over the Ritz values θ (which approach the extreme eigenvalues
    quickly), the same rule as :func:`dense_index`. Statistical error about ``1/sqrt(probes · N)``
    plus the quadrature's resolution near zero (shrinks as ``steps`` grows).
    """
    import torch

    steps = integer("steps", steps, minimum=2)
    probes = integer("probes", probes, minimum=1)
    tol = real("tol", tol, minimum=0.0)
    hvp, n = hvp_function(w1, w2, x, y)

    def matvec(v):
        return hvp(torch.as_tensor(v)).numpy()

    rng = np.random.default_rng(derive_seed(0 if seed is None else seed, "slq"))
    nodes, weights = [], []
    for _ in range(probes):
        alpha, beta = lanczos(matvec, n, rng.choice([-1.0, 1.0], size=n), steps)
        theta, vecs = np.linalg.eigh(np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1))
        nodes.append(theta)
        weights.append(vecs[0] ** 2)
    scale = max(np.abs(t).max() for t in nodes)
    return float(np.mean([w[t < -tol * scale].sum() for t, w in zip(nodes, weights)]))


def hessian_index(w1, w2, x, y, *, method: str = "auto", tol: float = DEFAULT_TOL,
                  max_bytes: int = MAX_DENSE_BYTES, seed=None, **lanczos_options) -> float:
    """Normalised Hessian index of one network; ``method`` "dense", "lanczos" or "auto" (dense if it fits)."""
    choice("method", method, ("auto", "dense", "lanczos"))
    if np.ndim(w1) != 2 or np.ndim(w2) != 2 or np.shape(w1)[1] != np.shape(w2)[0]:
        raise InvalidInputError(f"w1 must be (d, n_1) and w2 (n_1, 10); got {np.shape(w1)} and {np.shape(w2)}")
    if method == "dense" or method == "auto" and _dense_fits(w1, w2, y, max_bytes):
        return dense_index(w1, w2, x, y, tol=tol, max_bytes=max_bytes)
    return lanczos_index(w1, w2, x, y, tol=tol, seed=seed, **lanczos_options)


def _dense_fits(w1, w2, y, max_bytes) -> bool:
    n = int(np.size(w1) + np.size(w2))
    return n * n * 8 + 64 * len(y) * (np.shape(w1)[1] + 10) * 48 <= max_bytes


def replica_indices(w1, w2, x, y, *, method: str = "auto", progress: bool = False, **options) -> np.ndarray:
    """Normalised index of every replica: w1 (R, d, n_1), w2 (R, n_1, 10) -> array (R,)."""
    import sys

    from tqdm.auto import tqdm

    out = [hessian_index(w1[r], w2[r], x, y, method=method, **options)
           for r in tqdm(range(len(w1)), desc="Hessian index", file=sys.stderr, disable=not progress)]
    return np.array(out)


__all__ = ["dense_hessian", "dense_index", "lanczos_index", "hessian_index", "replica_indices", "hvp_function"]
