"""Hessian index of a trained one-hidden-layer network (paper Sec. 6, the index of the solutions SGD finds).

The loss is the mean softmax cross-entropy of ``f(x) = W_2^T σ(W_1^T x)`` over a data set, as a
function of the flat parameter vector ``θ = (vec W_1, vec W_2)`` (row-major), ``N = n_1 (d + 10)``.
The normalised index is the fraction of Hessian eigenvalues that are negative,

    index(θ) = #{i : λ_i(∇²L(θ)) < -tol · max_j |λ_j|} / N,

with a relative tolerance (default 1e-4) so that the exact zero eigenvalues of ReLU networks (dead
units, the positive rescaling symmetry of each hidden unit) are not counted because of rounding.

* :func:`dense_hessian`: every column ``H e_k`` as a Hessian-vector product (forward-over-reverse,
  ``torch.func.jvp`` of ``torch.func.grad``), vmapped in chunks; float64; refused up front when the
  N×N matrix and one chunk of products would exceed ``max_bytes`` (default: half of the device's
  available memory).
* :func:`lanczos_index`: stochastic Lanczos quadrature (Ubaru, Chen & Saad 2017): for Rademacher
  probes v, m Lanczos steps (full reorthogonalisation) give T = Q diag(θ) Q^T and the quadrature
  ``v^T 1{H < -t} v / v^T v ≈ Σ_j Q_{0j}^2 1{θ_j < -t}``, averaged over probes. Only Hessian-vector
  products are needed (memory O(N m)); validated against the dense count on small networks.

``device=``: where the Hessian-vector products run (float64; "cpu", "cuda", ...). On the CPU the
eigenvalues are numpy's (``numpy.linalg.eigvalsh``); on another device ``torch.linalg.eigvalsh`` runs
there. The Lanczos recurrence itself (vectors of length N) runs in numpy on the CPU, and its
Rademacher probes are drawn there, so a seed gives the same probes on every device.
"""

from __future__ import annotations

import numpy as np

from .._random import derive_seed
from .._validate import choice, integer, real
from ..errors import InvalidInputError, SizeLimitError

DEFAULT_TOL = 1e-4
DENSE_CHUNK = 64  # Hessian columns per vmapped batch of products


def flat_loss(x, y, n_hidden: int, n_classes: int = 10, *, device="cpu"):
    """``θ -> mean cross-entropy`` on (x, y) for a network of width n_hidden; θ = (vec W_1, vec W_2)."""
    import torch

    x = torch.as_tensor(np.asarray(x), dtype=torch.float64).to(device)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long).to(device)
    d = x.shape[1]

    def loss(theta):
        w1 = theta[: d * n_hidden].reshape(d, n_hidden)
        w2 = theta[d * n_hidden:].reshape(n_hidden, n_classes)
        return torch.nn.functional.cross_entropy(torch.relu(x @ w1) @ w2, y)

    return loss


def flatten(w1, w2, *, device="cpu"):
    """θ = (vec W_1, vec W_2) as a float64 torch vector on ``device``."""
    import torch

    return torch.cat([torch.as_tensor(np.asarray(w1), dtype=torch.float64).reshape(-1),
                      torch.as_tensor(np.asarray(w2), dtype=torch.float64).reshape(-1)]).to(device)


def hvp_function(w1, w2, x, y, *, device="cpu"):
    """``v -> ∇²L(θ) v`` at the network (w1, w2): forward-over-reverse automatic differentiation.

    ``v`` and the product are torch vectors on ``device``.
    """
    import torch.func as tf

    from .._device import as_device

    dev = as_device(device)
    theta = flatten(w1, w2, device=dev)
    grad = tf.grad(flat_loss(x, y, np.shape(w1)[1], np.shape(w2)[1], device=dev))

    def hvp(v):
        return tf.jvp(grad, (theta,), (v,))[1]

    return hvp, theta.numel()


def dense_bytes(w1, w2, y, *, chunk: int = DENSE_CHUNK) -> int:
    """Estimated peak memory (bytes) of :func:`dense_hessian` / :func:`dense_index`: the N×N matrix
    twice (its transpose while symmetrising; the eigenvalue solver's copy), and one chunk of
    products (the chunk's unit vectors and the per-sample intermediates of forward-over-reverse)."""
    n_params = int(np.size(w1) + np.size(w2))
    return 2 * n_params * n_params * 8 + chunk * len(y) * (np.shape(w1)[-1] + 10) * 8 * 6 + 2 * chunk * n_params * 8


def _max_bytes(max_bytes, device) -> int:
    from .._device import available_memory_bytes

    if max_bytes is None:
        return available_memory_bytes(device) // 2
    return integer("max_bytes", max_bytes, minimum=1)


def _dense_tensor(w1, w2, x, y, *, max_bytes, chunk: int, device):
    """The symmetrised N×N Hessian as a float64 torch tensor on ``device``."""
    import torch

    from .._device import as_device

    dev = as_device(device)
    limit = _max_bytes(max_bytes, dev)
    need = dense_bytes(w1, w2, y, chunk=chunk)
    if need > limit:
        n_params = int(np.size(w1) + np.size(w2))
        raise SizeLimitError(f"a dense Hessian of {n_params} parameters needs about {need / 2**30:.2f} GiB "
                             f"(limit {limit / 2**30:.2f} GiB on {dev}"
                             f"{', half of its available memory' if max_bytes is None else ''}); "
                             "use method='lanczos'")
    hvp, n = hvp_function(w1, w2, x, y, device=dev)
    h = torch.empty((n, n), dtype=torch.float64, device=dev)
    for a in range(0, n, chunk):  # columns H e_k, k = a … a + m - 1 (H is symmetric: rows as well)
        m = min(chunk, n - a)
        units = torch.zeros((m, n), dtype=torch.float64, device=dev)
        units[torch.arange(m, device=dev), torch.arange(a, a + m, device=dev)] = 1.0
        h[a:a + m] = torch.func.vmap(hvp)(units)
    return h.add_(h.T.clone()).div_(2)  # (H + H^T) / 2, entry by entry


def dense_hessian(w1, w2, x, y, *, max_bytes: int | None = None, chunk: int = DENSE_CHUNK,
                  device="cpu") -> np.ndarray:
    """The exact N×N Hessian of the mean cross-entropy at (w1, w2), float64 numpy (symmetrised).

    Computed on ``device``; refused up front when :func:`dense_bytes` exceeds ``max_bytes``
    (default: half of the device's available memory).
    """
    return _dense_tensor(w1, w2, x, y, max_bytes=max_bytes, chunk=chunk, device=device).cpu().numpy()


def dense_index(w1, w2, x, y, *, tol: float = DEFAULT_TOL, max_bytes: int | None = None, device="cpu") -> float:
    """Fraction of eigenvalues of the exact Hessian below ``-tol · max|λ|``."""
    import torch

    from .._device import as_device

    dev = as_device(device)
    h = _dense_tensor(w1, w2, x, y, max_bytes=max_bytes, chunk=DENSE_CHUNK, device=dev)
    if dev.type == "cpu":
        eig = np.linalg.eigvalsh(h.numpy())
    else:
        eig = torch.linalg.eigvalsh(h).cpu().numpy()
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
                  seed=None, device="cpu") -> float:
    """Stochastic Lanczos quadrature estimate of the normalised index (fraction of negative eigenvalues).

    The threshold is ``-tol · max|θ|`` over the Ritz values θ (which approach the extreme eigenvalues
    quickly), the same rule as :func:`dense_index`. Statistical error about ``1/sqrt(probes · N)``
    plus the quadrature's resolution near zero (shrinks as ``steps`` grows).
    """
    import torch

    from .._device import as_device

    steps = integer("steps", steps, minimum=2)
    probes = integer("probes", probes, minimum=1)
    tol = real("tol", tol, minimum=0.0)
    hvp, n = hvp_function(w1, w2, x, y, device=device)
    dev = as_device(device)

    def matvec(v):
        return hvp(torch.as_tensor(v).to(dev)).cpu().numpy()

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
                  max_bytes: int | None = None, seed=None, device="cpu", **lanczos_options) -> float:
    """Normalised Hessian index of one network; ``method`` "dense", "lanczos" or "auto" (dense if it fits).

    "auto" is dense when :func:`dense_bytes` is within ``max_bytes`` (default: half of the device's
    available memory, so the choice can differ between machines; pass ``max_bytes`` or ``method`` for
    a choice that does not).
    """
    from .._device import as_device

    choice("method", method, ("auto", "dense", "lanczos"))
    if np.ndim(w1) != 2 or np.ndim(w2) != 2 or np.shape(w1)[1] != np.shape(w2)[0]:
        raise InvalidInputError(f"w1 must be (d, n_1) and w2 (n_1, 10); got {np.shape(w1)} and {np.shape(w2)}")
    dev = as_device(device)
    if method == "dense" or method == "auto" and dense_bytes(w1, w2, y) <= _max_bytes(max_bytes, dev):
        return dense_index(w1, w2, x, y, tol=tol, max_bytes=max_bytes, device=dev)
    return lanczos_index(w1, w2, x, y, tol=tol, seed=seed, device=dev, **lanczos_options)


def replica_indices(w1, w2, x, y, *, method: str = "auto", progress: bool = False, device="cpu",
                    **options) -> np.ndarray:
    """Normalised index of every replica: w1 (R, d, n_1), w2 (R, n_1, 10) -> array (R,)."""
    import sys

    from tqdm.auto import tqdm

    out = [hessian_index(w1[r], w2[r], x, y, method=method, device=device, **options)
           for r in tqdm(range(len(w1)), desc="Hessian index", file=sys.stderr, disable=not progress)]
    return np.array(out)


__all__ = ["dense_hessian", "dense_index", "dense_bytes", "lanczos_index", "hessian_index", "replica_indices",
           "hvp_function"]
