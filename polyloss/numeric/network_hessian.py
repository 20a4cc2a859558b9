"""Hessian spectrum and index of a trained one-hidden-layer network (the paper's experiments section: the index of SGD's solutions).

The loss is the mean softmax cross-entropy of ``f(x) = W_2^T σ(W_1^T x)`` (``σ`` = ReLU, no biases,
``C`` = 10 classes) over n samples, as a function of ``θ = (vec W_1, vec W_2)`` (row-major),
``N = n_1 (d + C)`` parameters. The **normalised index** is the fraction of Hessian eigenvalues below a
threshold, which is always stated (there is no default):

* ``relative=t``: count ``λ < -t · max_j |λ_j|``;
* ``absolute=t``: count ``λ < -t`` (the eigenvalues are in nats per unit weight², as the loss is a mean
  over samples in nats).

``t > 0`` always: the Hessian has many exact zero eigenvalues (pixels that are 0 in every image,
dead units), which the eigenvalue solver returns as rounding noise of either sign; a count of
``λ < 0`` would include many of them (measured: more than the ceiling below, on small trained nets).

**Where the negative eigenvalues come from** (exact; tested in tests/test_network_hessian.py). With
``p_s = softmax f(x_s)`` and the residual ``r_s = p_s - e_{y_s}`` (its entries sum to 0),

    ∇²L = G + R,   G = (1/n) Σ_s J_sᵀ (diag p_s - p_s p_sᵀ) J_s,   R = (1/n) Σ_s Σ_k r_sk ∇²_θ f_k(x_s),

with ``J_s = ∂f(x_s)/∂θ`` (C × N). The Gauss–Newton part G is positive semidefinite (the softmax
Hessian ``diag p - p pᵀ`` is). ReLU has ``σ'' = 0`` away from its kink (a set of measure zero, where
autograd takes ``σ'(0) = 0`` too), so the only second derivatives of ``f_k`` are
``∂²f_k / ∂(W_1)_ij ∂(W_2)_jk = σ'(z_j) x_i`` (``z = W_1ᵀ x``): R couples column j of W_1 with row j of
W_2 and nothing else. In the parameters ``(W_1[:, j], W_2[j, :])`` it is the block
``[[0, B_j], [B_jᵀ, 0]]`` with

    B_j = (1/n) Σ_s σ'(z_sj) x_s r_sᵀ ∈ R^{d×C},   B_j 1 = 0,   so rank B_j ≤ C - 1,

whose eigenvalues are ± the singular values of B_j and zeros. Hence R has at most
``Σ_j rank B_j ≤ n_1 (C - 1)`` negative eigenvalues, and since ``G ⪰ 0``, Weyl's inequality
``λ_i(G + R) ≥ λ_i(R)`` (eigenvalues in ascending order) gives, for every ``t ≥ 0``,

    #{i : λ_i(∇²L) < -t} ≤ #{i : λ_i(R) < -t} ≤ n_1 (C - 1)   (:func:`structural_ceiling`),

a normalised index of at most ``(C - 1)/(d + C)`` = 9/110 ≈ 0.082 for 10×10 images, whatever n_1.
The same inequality bounds their size by the residuals: ``λ_min(∇²L) ≥ λ_min(R) = -max_j ‖B_j‖₂`` and
``‖r_s‖₂ ≤ √2 (1 - p_{s,y_s}) ≤ √2 ℓ_s`` (as ``1 - p ≤ -log p``), so

    λ_min(∇²L) ≥ -√2 · max_s ‖x_s‖₂ · L(θ):

the negative eigenvalues shrink at least in proportion to the training loss, while their number
need not fall. How many of them a threshold counts therefore depends on the threshold and on how
far training went: a relative threshold compares them with the largest curvature, an absolute one
with a fixed size. :func:`index_curve` gives the index over a range of thresholds of
either kind.

* :func:`hessian_spectrum`, :func:`dense_hessian`: every column ``H e_k`` as a Hessian-vector product
  (forward-over-reverse, ``torch.func.jvp`` of ``torch.func.grad``), vmapped in chunks; float64;
  refused up front when the N×N matrix and one chunk of products would exceed ``max_bytes``
  (default: half of the device's available memory). All eigenvalues, ascending (LAPACK ``syevd``).
* :func:`gauss_newton_and_residual`, :func:`residual_blocks`: G, R and the B_j from the formulas
  above in numpy (an independent computation, for the tests and the docs).
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

DENSE_CHUNK = 64  # Hessian columns per vmapped batch of products
RELATIVE_THRESHOLDS = 10.0 ** np.arange(-7.0, -0.75, 0.5)
"""Relative thresholds of the default index curve: 1e-7 … 1e-1 in half decades (of ``max |λ|``)."""
ABSOLUTE_THRESHOLDS = 10.0 ** np.arange(-7.0, -0.75, 0.5)
"""Absolute thresholds of the default index curve: 1e-7 … 1e-1 in half decades (nats per unit weight²)."""
THRESHOLD_KINDS = ("relative", "absolute")


# ------------------------------------------------------------------------------------- thresholds
def threshold(relative=None, absolute=None, *, many: bool = False):
    """``(kind, values)`` from the two keywords, exactly one of which must be given.

    ``values`` is a float (``many=False``) or a 1-D float64 array (``many=True``: a number or a list),
    each ``> 0``: a threshold of 0 would count the rounding noise of the Hessian's exact zero
    eigenvalues (pixels that are 0 in every image, dead units), which is about ``1e-16 · max|λ|`` in
    size and can be of either sign. Refused with :class:`~polyloss.errors.InvalidInputError` otherwise.
    """
    if (relative is None) == (absolute is None):
        got = "neither" if relative is None else "both"
        raise InvalidInputError("give exactly one threshold: relative=t (count eigenvalues λ < -t·max|λ|) or "
                                f"absolute=t (count λ < -t); got {got}")
    kind, value = ("relative", relative) if relative is not None else ("absolute", absolute)
    if not many:
        return kind, real(kind, value, minimum=0.0, open_minimum=True)
    try:
        values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    except (TypeError, ValueError):
        values = None
    if values is None or values.ndim != 1 or values.size == 0 or not np.isfinite(values).all() or (values <= 0).any():
        raise InvalidInputError(f"{kind} must be a number > 0 or a list of them; got {value!r}")
    return kind, values


def normalised_index(eigenvalues, *, relative=None, absolute=None, n_params: int | None = None,
                     largest: float | None = None):
    """Fraction of eigenvalues below the threshold: ``λ < -t·max|λ|`` (``relative=t``) or ``λ < -t``
    (``absolute=t``); exactly one is required. ``t`` may be a list (one fraction per threshold).

    ``eigenvalues``: the whole spectrum, or only part of it holding every eigenvalue below the
    thresholds (e.g. the negative ones); then give ``n_params`` (the number of all eigenvalues, the
    denominator) and, for a relative threshold, ``largest`` (the largest eigenvalue), so that
    ``max|λ| = max(largest, -min λ)``. Returns a float for one threshold, an array for a list.
    """
    kind, t = threshold(relative, absolute, many=True)
    scalar = np.ndim(relative if relative is not None else absolute) == 0
    eig = np.sort(np.asarray(eigenvalues, dtype=np.float64).ravel())
    if np.isnan(eig).any():
        raise InvalidInputError("eigenvalues must not contain NaN")
    n = eig.size if n_params is None else integer("n_params", n_params, minimum=max(eig.size, 1))
    if n == 0:
        raise InvalidInputError("an index needs at least one eigenvalue (or n_params)")
    if kind == "relative":
        if largest is None and n_params is not None and n_params != eig.size:
            raise InvalidInputError("a relative threshold on part of a spectrum needs largest= "
                                    "(its largest eigenvalue)")
        top = eig[-1] if largest is None else real("largest", largest)
        scale = max(top, -eig[0]) if eig.size else abs(top)
        cut = -t * scale
    else:
        cut = -t
    counts = np.searchsorted(eig, cut, side="left")  # #{λ < cut}
    values = counts / n
    return float(values[0]) if scalar else values


def index_curve(eigenvalues, kind: str = "relative", thresholds=None, *, n_params: int | None = None,
                largest: float | None = None):
    """``(thresholds, index)``: the normalised index at each threshold of one kind ("relative" or
    "absolute"; default thresholds :data:`RELATIVE_THRESHOLDS` / :data:`ABSOLUTE_THRESHOLDS`).

    Non-increasing in the threshold. ``n_params`` and ``largest`` as in :func:`normalised_index`.
    """
    choice("kind", kind, THRESHOLD_KINDS)
    if thresholds is None:
        thresholds = RELATIVE_THRESHOLDS if kind == "relative" else ABSOLUTE_THRESHOLDS
    _, thresholds = threshold(**{kind: thresholds}, many=True)
    return thresholds, normalised_index(eigenvalues, **{kind: thresholds}, n_params=n_params, largest=largest)


def structural_ceiling(n_hidden: int, n_classes: int = 10) -> int:
    """``n_1 (C - 1)``: the most eigenvalues of the Hessian that can be negative (module docstring).

    Divide by ``N = n_1 (d + C)`` for the normalised ceiling ``(C - 1)/(d + C)``.
    """
    return integer("n_hidden", n_hidden, minimum=1) * (integer("n_classes", n_classes, minimum=2) - 1)


# ------------------------------------------------------------------------------- loss and products
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


def _check_network(w1, w2, x=None, y=None):
    """Refuse (InvalidInputError, naming the argument) weights that are not real, finite and of shapes
    (d, n_1), (n_1, C); and, when given, inputs x that are not a real, finite (n, d) array with n ≥ 1,
    and labels y that are not n integers in 0 … C-1."""
    from .._validate import real_array

    w1, w2 = real_array("w1", w1), real_array("w2", w2)
    if w1.ndim != 2 or w2.ndim != 2 or w1.shape[1] != w2.shape[0]:
        raise InvalidInputError(f"w1 must be (d, n_1) and w2 (n_1, 10); got {np.shape(w1)} and {np.shape(w2)}")
    if x is not None or y is not None:
        from .data import check_images, check_labels

        x = check_images("x", x, w1.shape[0])
        check_labels("y", y, len(x), classes=w2.shape[1])


def loss_and_gradient_norm(w1, w2, x, y, *, device="cpu") -> tuple:
    """``(L(θ), ‖∇L(θ)‖₂)`` of the mean cross-entropy on (x, y), in float64."""
    import torch.func as tf

    from .._device import as_device

    _check_network(w1, w2, x, y)
    dev = as_device(device)
    theta = flatten(w1, w2, device=dev)
    grad, value = tf.grad_and_value(flat_loss(x, y, np.shape(w1)[1], np.shape(w2)[1], device=dev))(theta)
    return float(value), float(grad.norm())


def hvp_function(w1, w2, x, y, *, device="cpu"):
    """``v -> ∇²L(θ) v`` at the network (w1, w2): forward-over-reverse automatic differentiation.

    ``v`` and the product are torch vectors on ``device``.
    """
    import torch.func as tf

    from .._device import as_device

    _check_network(w1, w2, x, y)
    dev = as_device(device)
    theta = flatten(w1, w2, device=dev)
    grad = tf.grad(flat_loss(x, y, np.shape(w1)[1], np.shape(w2)[1], device=dev))

    def hvp(v):
        return tf.jvp(grad, (theta,), (v,))[1]

    return hvp, theta.numel()


# ------------------------------------------------------------------------------------ dense Hessian
def dense_bytes(w1, w2, y, *, chunk: int = DENSE_CHUNK) -> int:
    """Estimated peak memory (bytes) of :func:`dense_hessian` / :func:`hessian_spectrum`: the N×N matrix
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

    _check_network(w1, w2, x, y)
    dev = as_device(device)
    chunk = integer("chunk", chunk, minimum=1)
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


def hessian_spectrum(w1, w2, x, y, *, max_bytes: int | None = None, chunk: int = DENSE_CHUNK,
                     device="cpu") -> np.ndarray:
    """All N eigenvalues of the exact Hessian at (w1, w2), float64, ascending.

    The dense Hessian of :func:`dense_hessian` (same memory rule), then ``numpy.linalg.eigvalsh`` on
    the CPU or ``torch.linalg.eigvalsh`` on another device.
    """
    import torch

    from .._device import as_device

    dev = as_device(device)
    h = _dense_tensor(w1, w2, x, y, max_bytes=max_bytes, chunk=chunk, device=dev)
    if dev.type == "cpu":
        return np.linalg.eigvalsh(h.numpy())
    return torch.linalg.eigvalsh(h).cpu().numpy()


def dense_index(w1, w2, x, y, *, relative=None, absolute=None, max_bytes: int | None = None,
                device="cpu") -> float:
    """Fraction of eigenvalues of the exact Hessian below ``-relative · max|λ|`` or ``-absolute``
    (exactly one of the two)."""
    kind, t = threshold(relative, absolute)
    return normalised_index(hessian_spectrum(w1, w2, x, y, max_bytes=max_bytes, device=device), **{kind: t})


# ------------------------------------------------------------------------- G + R, independently
def _parts(w1, w2, x, y):
    _check_network(w1, w2, x, y)
    w1, w2 = np.asarray(w1, dtype=np.float64), np.asarray(w2, dtype=np.float64)
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y)
    z = x @ w1
    active = (z > 0).astype(np.float64)  # σ'(z), with σ'(0) = 0 as autograd takes it
    logits = (z * active) @ w2
    p = np.exp(logits - logits.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    residual = p.copy()
    residual[np.arange(len(y)), y] -= 1.0
    return w1, w2, x, z, active, p, residual


def residual_blocks(w1, w2, x, y) -> np.ndarray:
    """The blocks ``B_j = (1/n) Σ_s σ'(z_sj) x_s r_sᵀ`` of the residual part R, shape (n_1, d, C) (numpy)."""
    _, _, x, _, active, _, residual = _parts(w1, w2, x, y)
    return np.einsum("si,sj,sk->jik", x, active, residual) / len(x)


def gauss_newton_and_residual(w1, w2, x, y, *, chunk: int = 256) -> tuple:
    """``(G, R)``, the dense Gauss–Newton and residual parts of the Hessian (N×N, float64 numpy), from
    the formulas of the module docstring (hand-written Jacobians, not automatic differentiation).

    ``G + R`` is the Hessian of the mean cross-entropy. Memory: two N×N matrices and ``chunk`` samples'
    Jacobians (``chunk · C · N`` numbers).
    """
    w1, w2, x, z, active, p, residual = _parts(w1, w2, x, y)
    n, d = x.shape
    n1, c = w2.shape
    big = d * n1
    g = np.zeros((big + n1 * c, big + n1 * c))
    eye = np.eye(c)
    for a in range(0, n, chunk):
        s = slice(a, min(a + chunk, n))
        m = s.stop - s.start
        jac = np.zeros((m, c, big + n1 * c))
        # ∂f_k/∂(W_1)_ij = x_i σ'(z_j) (W_2)_jk;  ∂f_k/∂(W_2)_jk' = δ_kk' σ(z_j)
        jac[:, :, :big] = np.einsum("si,sj,jk->skij", x[s], active[s], w2).reshape(m, c, big)
        jac[:, :, big:] = np.einsum("sj,kl->skjl", z[s] * active[s], eye).reshape(m, c, n1 * c)
        soft = np.einsum("sk,kl->skl", p[s], eye) - np.einsum("sk,sl->skl", p[s], p[s])  # diag p - p pᵀ
        g += np.einsum("skn,skm->nm", jac, np.einsum("skl,slm->skm", soft, jac), optimize=True)
    g /= n
    r = np.zeros_like(g)
    blocks = np.einsum("si,sj,sk->jik", x, active, residual) / n
    for j in range(n1):
        rows = np.arange(d) * n1 + j  # (W_1)_ij in vec W_1 (row-major)
        cols = big + j * c + np.arange(c)  # (W_2)_jk
        r[np.ix_(rows, cols)] = blocks[j]
        r[np.ix_(cols, rows)] = blocks[j].T
    return g, r


# ------------------------------------------------------------------------------------------ Lanczos
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


def lanczos_index(w1, w2, x, y, *, relative=None, absolute=None, steps: int = 80, probes: int = 8,
                  seed=None, device="cpu") -> float:
    """Stochastic Lanczos quadrature estimate of the normalised index at a stated threshold.

    ``relative=t``: below ``-t · max|θ|`` over the Ritz values θ (which approach the extreme
    eigenvalues quickly), the rule of :func:`dense_index`; ``absolute=t``: below ``-t``. Exactly one.
    Statistical error about ``1/sqrt(probes · N)`` plus the quadrature's resolution near zero (shrinks
    as ``steps`` grows).
    """
    import torch

    from .._device import as_device

    kind, t = threshold(relative, absolute)
    steps = integer("steps", steps, minimum=2)
    probes = integer("probes", probes, minimum=1)
    _check_network(w1, w2)
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
    cut = -t * max(np.abs(th).max() for th in nodes) if kind == "relative" else -t
    return float(np.mean([w[th < cut].sum() for th, w in zip(nodes, weights)]))


def hessian_index(w1, w2, x, y, *, relative=None, absolute=None, method: str = "auto",
                  max_bytes: int | None = None, seed=None, device="cpu", **lanczos_options) -> float:
    """Normalised Hessian index of one network at a stated threshold (``relative=`` or ``absolute=``,
    exactly one; :func:`normalised_index`); ``method`` "dense", "lanczos" or "auto" (dense if it fits).

    "auto" is dense when :func:`dense_bytes` is within ``max_bytes`` (default: half of the device's
    available memory, so the choice can differ between machines; pass ``max_bytes`` or ``method`` for
    a choice that does not).
    """
    from .._device import as_device

    kind, t = threshold(relative, absolute)
    choice("method", method, ("auto", "dense", "lanczos"))
    _check_network(w1, w2, x, y)
    dev = as_device(device)
    if method == "dense" or method == "auto" and dense_bytes(w1, w2, y) <= _max_bytes(max_bytes, dev):
        return dense_index(w1, w2, x, y, **{kind: t}, max_bytes=max_bytes, device=dev)
    return lanczos_index(w1, w2, x, y, **{kind: t}, seed=seed, device=dev, **lanczos_options)


def replica_indices(w1, w2, x, y, *, relative=None, absolute=None, method: str = "auto", progress: bool = False,
                    device="cpu", **options) -> np.ndarray:
    """Normalised index of every replica at a stated threshold: w1 (R, d, n_1), w2 (R, n_1, 10) -> (R,)."""
    import sys

    from tqdm.auto import tqdm

    kind, t = threshold(relative, absolute)
    out = [hessian_index(w1[r], w2[r], x, y, **{kind: t}, method=method, device=device, **options)
           for r in tqdm(range(len(w1)), desc="Hessian index", file=sys.stderr, disable=not progress)]
    return np.array(out)


__all__ = ["dense_hessian", "hessian_spectrum", "dense_index", "dense_bytes", "lanczos_index", "hessian_index",
           "replica_indices", "hvp_function", "normalised_index", "index_curve", "threshold", "structural_ceiling",
           "gauss_newton_and_residual", "residual_blocks", "loss_and_gradient_norm", "RELATIVE_THRESHOLDS",
           "ABSOLUTE_THRESHOLDS"]
