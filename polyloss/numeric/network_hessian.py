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
* :func:`lanczos_index` (:func:`count_below` on the Hessian-vector product): the index from products
  alone, as a :class:`CountEstimate` with an interval and a status, never a bare guess. Stochastic
  Lanczos quadrature (Ubaru, Chen and Saad 2017) with Gaussian probes v and m steps of full
  reorthogonalisation gives the Gauss rule (θ_j, τ_j²) of ``vᵀ 1{H < c} v / vᵀv`` and the estimate
  ``(N/P) Σ_p Σ_j τ_pj² 1[θ_pj < c]`` (:func:`slq_count`); each probe's value is bracketed by the
  Chebyshev–Markov–Stieltjes inequalities of its Gauss and Gauss–Radau rules (Golub and Meurant 2010,
  Ch. 6; :func:`gauss_bracket`, :func:`radau_bracket`); the number of Ritz values below c is a certain
  lower bound (Cauchy interlacing); the pooled ratio over probes is exactly Beta-distributed, which
  gives a confidence set for the integer count; :func:`structural_ceiling` caps it. When the count is
  known to be at most ``exact_limit``, ``scipy.sparse.linalg.eigsh`` on a ``LinearOperator`` counts it
  exactly (:func:`eigsh_count`). Near zero, where many eigenvalues crowd around the cut-off, the status
  is "unresolved" and :func:`hessian_index` raises :class:`~polyloss.errors.UnresolvedCountError`.
  The earlier estimator reported the bare quadrature average: near the crowd its error is a bias
  (measured: 0.098 and 0.120 at 8 and 32 probes against an exact 0.064, 2,750 parameters).

``device=``: where the Hessian-vector products run (float64; "cpu", "cuda", ...). On the CPU the
eigenvalues are numpy's (``numpy.linalg.eigvalsh``); on another device ``torch.linalg.eigvalsh`` runs
there. The Lanczos recurrence itself (vectors of length N) runs in numpy on the CPU, and its
Gaussian probes are drawn there, so a seed gives the same probes on every device.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .._random import derive_seed
from .._validate import choice, integer, real
from ..errors import InvalidInputError, SizeLimitError, UnresolvedCountError

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
# Stochastic Lanczos quadrature for the count #{i : λ_i < c}, with brackets and a confidence set.
#
# For a unit vector v, the spectral measure μ_v = Σ_i (u_iᵀv)² δ_{λ_i} has total mass 1 and
# μ_v((-∞, c)) = vᵀ 1{H < c} v. m steps of Lanczos from v (exact arithmetic; here full
# reorthogonalisation) give the Jacobi matrix T_m = S diag(θ) Sᵀ of μ_v, i.e. the m-point Gauss rule
# with nodes θ_j and weights τ_j² = S_{1j}² (Golub and Meurant 2010, Ch. 6; Ubaru, Chen and Saad 2017).
EXACT_LIMIT = 500
"""Default of ``exact_limit``: the exact (eigsh) path is taken when the count is known to be at most this."""


@dataclasses.dataclass(frozen=True)
class CountEstimate:
    """How many eigenvalues of a symmetric N×N operator lie below a cut-off, with an interval.

    * ``status``: "exact" (eigsh found every eigenvalue below the cut; ``interval`` is a point unless an
      eigenvalue lies within its accuracy of the cut), "resolved" (a stochastic estimate whose
      confidence interval is no wider than the tolerance), or "unresolved" (the interval is wider: the
      count is *not* known to that precision; ``reason`` says whether more Lanczos steps / a dense
      Hessian or more probes would help). An unresolved estimate is not a number to use.
    * ``count``: the estimate (float; the stochastic Lanczos quadrature count, or the exact count);
      ``interval``: ``(lo, hi)`` integers holding the true count with probability at least
      ``confidence`` (exact path: with certainty, up to the solver's accuracy); ``index``,
      ``index_interval``: the same divided by ``n``.
    * ``bracket``: ``N·(R_lo, R_hi)``, the quadrature brackets pooled over probes (deterministic bounds
      on the probes' quadratic forms; their width does not shrink with more probes);
      ``interlacing``: the number of Ritz values below the cut, a certain lower bound (Cauchy interlacing).
    * ``cut``: ``(c_lo, c_hi)``, the cut-off ``c`` as an interval (a relative cut-off ``-t·max|λ|``
      with ``max|λ|`` from the extreme Ritz value and its residual; a point for an absolute one).
    """

    status: str
    method: str
    n: int
    count: float
    interval: tuple
    confidence: float
    cut: tuple
    bracket: tuple | None = None
    interlacing: int | None = None
    probes: int = 0
    steps: int = 0
    reason: str = ""

    @property
    def index(self) -> float:
        """The normalised index ``count / n``."""
        return self.count / self.n

    @property
    def index_interval(self) -> tuple:
        """``interval / n``."""
        return self.interval[0] / self.n, self.interval[1] / self.n

    @property
    def resolved(self) -> bool:
        """True unless the status is "unresolved"."""
        return self.status != "unresolved"

    def __str__(self) -> str:
        lo, hi = self.index_interval
        text = (f"{self.status}: index {self.index:.4g} (count {self.count:.6g} of {self.n}); "
                f"interval [{lo:.4g}, {hi:.4g}] (counts {self.interval[0]}..{self.interval[1]}")
        text += f", {self.confidence:.0%} confidence)" if self.method == "lanczos" else ")"
        return text + (f"; {self.reason}" if self.reason else "")


def _lanczos(matvec, n: int, v0: np.ndarray, steps: int):
    """``(alpha, beta, beta_next)``: m = min(steps, n) Lanczos steps with full reorthogonalisation (twice,
    Kahan–Parlett) from v0. ``beta_next`` is the norm of the residual after the last step (the Ritz
    residuals are ``beta_next · |s_mj|``); 0 when an invariant subspace was reached (then the Gauss
    rule *is* the spectral measure of v0, and the steps stop early)."""
    m = min(steps, n)
    basis = np.empty((m, n))
    basis[0] = v0 / np.linalg.norm(v0)
    alpha, beta = [], []
    size = 0.0
    for j in range(m):
        w = np.asarray(matvec(basis[j]), dtype=np.float64)
        a = float(w @ basis[j])
        alpha.append(a)
        q = basis[: j + 1]
        w = w - q.T @ (q @ w)
        w = w - q.T @ (q @ w)
        b = float(np.linalg.norm(w))
        size = max(size, abs(a), b)
        if not np.isfinite(b) or not np.isfinite(a):
            raise InvalidInputError("the operator returned NaN or inf (its products must be finite)")
        if b <= 1e-12 * size or j == n - 1:
            return np.array(alpha), np.array(beta), 0.0
        if j == m - 1:
            return np.array(alpha), np.array(beta), b
        beta.append(b)
        basis[j + 1] = w / b
    raise AssertionError("unreachable")  # pragma: no cover


def lanczos(matvec, n: int, v0: np.ndarray, steps: int):
    """m-step Lanczos with full reorthogonalisation: (alpha, beta) of the tridiagonal T (float64)."""
    alpha, beta, _ = _lanczos(matvec, n, np.asarray(v0, dtype=np.float64), steps)
    return alpha, beta


def gauss_rule(alpha, beta):
    """``(nodes θ, weights τ²)`` of the Gauss rule of the Jacobi matrix tridiag(beta, alpha, beta)
    (Golub–Welsch: eigenvalues, and first components of the eigenvectors squared); nodes ascending,
    weights summing to 1."""
    theta, vecs = np.linalg.eigh(np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1))
    return theta, vecs[0] ** 2


def gauss_bracket(nodes, weights, cut: float, *, exact: bool = False) -> tuple:
    """``(lower, point, upper)`` for ``μ((-∞, c))`` from an m-point Gauss rule of μ.

    Chebyshev–Markov–Stieltjes inequalities (Szegő, "Orthogonal Polynomials", Thm 3.41.1 [unverified
    locator]; Golub and Meurant 2010, Ch. 6): for each node θ_j (ascending),
    ``Σ_{l<j} τ_l² ≤ μ((-∞, θ_j)) ≤ μ((-∞, θ_j]) ≤ Σ_{l≤j} τ_l²``. With J = #{θ_j < c}, monotonicity
    gives ``Σ_{l<J-1} τ_l² ≤ μ((-∞, c)) ≤ Σ_{l≤J} τ_l²`` (indices from 0: all nodes below c but the
    closest, up to and including the first node at or above c); ``point`` = ``Σ_{l<J} τ_l²`` (the
    quadrature). ``exact``: the rule is μ itself (Lanczos reached an invariant subspace).
    """
    nodes = np.asarray(nodes)
    cum = np.concatenate([[0.0], np.cumsum(weights)])  # cum[j] = Σ_{l<j}
    j = int(np.searchsorted(nodes, cut, side="left"))  # #{θ < c}
    point = cum[j]
    if exact:
        return point, point, point
    return cum[max(j - 1, 0)], point, (cum[j + 1] if j < len(nodes) else 1.0)


def radau_bracket(alpha, beta, beta_next: float, cut: float):
    """``(lower, upper)`` for ``μ((-∞, c))`` from the Gauss–Radau rule with a node prescribed at c, or
    None where it cannot be formed (c at a Gauss node, or ``beta_next == 0``).

    m Lanczos steps and the next residual norm ``β_m`` fix the moments of μ up to degree 2m. The
    (m+1)-point rule exact to that degree with one node at c is the Jacobi matrix ``J_m`` bordered by
    ``β_m`` and ``α̃ = c + δ_m``, ``(J_m - cI) δ = β_m² e_m`` (Golub 1973; Golub and Meurant 2010,
    Ch. 6). The Markov–Stieltjes inequalities for this canonical representation through c give
    ``Σ_{x_l<c} w_l ≤ μ((-∞, c)) ≤ Σ_{x_l≤c} w_l``: the bracket is as wide as the rule's weight at c,
    the Christoffel function ``1 / Σ_{k≤m} p_k(c)²`` — the most mass any measure with these moments can
    put at c. It is small when c lies in a gap of the spectrum, even next to a heavy cluster, where the
    Gauss bracket (:func:`gauss_bracket`) still spans the cluster's node.
    """
    m = len(alpha)
    if beta_next <= 0.0:
        return None
    jm = np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1)
    shifted = jm - cut * np.eye(m)
    try:
        delta = np.linalg.solve(shifted, beta_next ** 2 * np.eye(m)[-1])
    except np.linalg.LinAlgError:
        return None
    if not np.isfinite(delta).all():
        return None
    bordered = np.zeros((m + 1, m + 1))
    bordered[:m, :m] = jm
    bordered[m, m - 1] = bordered[m - 1, m] = beta_next
    bordered[m, m] = cut + delta[-1]
    nodes, vecs = np.linalg.eigh(bordered)
    weights = vecs[0] ** 2
    at = int(np.argmin(np.abs(nodes - cut)))
    size = max(np.abs(nodes).max(), abs(cut), 1e-300)
    if abs(nodes[at] - cut) > 1e-8 * size:  # the prescribed node was not reproduced: do not trust it
        return None
    lower = float(weights[:at].sum())
    return lower, lower + float(weights[at])


def _beta_count_interval(n: int, probes: int, r_lo: float, r_hi: float, confidence: float) -> tuple:
    """Integers k with ``Beta(Pk/2, P(N-k)/2)`` compatible with ``R ∈ [r_lo, r_hi]`` at the level.

    For Gaussian probes v_p, ``Σ_p v_pᵀ 1{H<c} v_p ~ χ²_{Pk}`` and the rest ``~ χ²_{P(N-k)}``,
    independent, so the pooled ratio ``R = Σ_p v_pᵀ 1{H<c} v_p / Σ_p ‖v_p‖²`` is exactly
    ``Beta(Pk/2, P(N-k)/2)``. The set {k : F_k(r_hi) ≥ α/2 and 1 - F_k(r_lo⁻) ≥ α/2} holds the true k with
    probability ≥ 1 - α whenever ``r_lo ≤ R ≤ r_hi`` (a Clopper–Pearson-style inversion); F_k is
    stochastically increasing in k, so the set is an interval, found by bisection.
    """
    from scipy.stats import beta as beta_dist

    half = (1.0 - confidence) / 2

    def cdf_hi(k):  # P(R ≤ r_hi | k)
        if k == 0:
            return 1.0
        if k == n:
            return 1.0 if r_hi >= 1.0 else 0.0
        return float(beta_dist.cdf(r_hi, probes * k / 2, probes * (n - k) / 2))

    def sf_lo(k):  # P(R ≥ r_lo | k)
        if k == 0:
            return 1.0 if r_lo <= 0.0 else 0.0
        if k == n:
            return 1.0
        return float(beta_dist.sf(r_lo, probes * k / 2, probes * (n - k) / 2))

    lo, hi = 0, n  # smallest k with sf_lo(k) ≥ half (sf_lo increasing; sf_lo(n) = 1)
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if sf_lo(mid) >= half else (mid + 1, hi)
    k_lo = lo
    lo, hi = 0, n  # largest k with cdf_hi(k) ≥ half (cdf_hi decreasing; cdf_hi(0) = 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if cdf_hi(mid) >= half else (lo, mid - 1)
    return k_lo, lo


def slq_count(matvec, n: int, *, relative=None, absolute=None, steps: int = 80, probes: int = 8,
              confidence: float = 0.95, tolerance: float = 0.02, ceiling: int | None = None,
              seed=None) -> CountEstimate:
    """Stochastic Lanczos quadrature for ``k = #{i : λ_i < c}`` of a symmetric operator, with an interval.

    ``matvec``: ``v -> H v`` (numpy float64 vectors of length ``n``). The cut-off: ``absolute=t`` is
    ``c = -t``; ``relative=t`` is ``c = -t · max|λ|`` (exactly one, ``t > 0``). For each of ``probes``
    Gaussian probes ``v_p ~ N(0, I_N)`` (not Rademacher: the interval below needs Gaussian probes),
    ``steps`` Lanczos steps with full reorthogonalisation give the Gauss rule (θ_j, τ_j²) of
    ``μ_p = Σ_i (u_iᵀ v_p)² δ_{λ_i} / ‖v_p‖²``, and

    * the estimate ``k̂ = N · Σ_p ‖v_p‖² Σ_j τ_{pj}² 1[θ_{pj} < c] / Σ_p ‖v_p‖²`` — Ubaru, Chen and
      Saad (2017)'s ``(N/P) Σ_p Σ_j τ_{pj}² 1[θ_{pj} < c]`` with each probe weighted by ``‖v_p‖²``
      (``≈ N``), so that the pooled ratio has an exact distribution;
    * the per-probe bracket of :func:`gauss_bracket` intersected with that of :func:`radau_bracket`
      (Chebyshev–Markov–Stieltjes inequalities of the Gauss and the Gauss–Radau rule), pooled the same
      way: ``R_lo ≤ R ≤ R_hi`` surely (``bracket = N·(R_lo, R_hi)``);
    * the interval: the integers k compatible with ``R ~ Beta(Pk/2, P(N-k)/2)`` and ``R ∈ [R_lo, R_hi]``
      at level ``confidence`` (:func:`_beta_count_interval`; coverage ≥ ``confidence`` exactly, not
      asymptotically; assumptions: Gaussian probes, the brackets of exact-arithmetic Lanczos, which
      full reorthogonalisation reproduces to rounding), intersected with the certain bounds
      ``interlacing ≤ k`` (Cauchy interlacing: ``T_m = QᵀHQ`` with orthonormal Q, so
      ``λ_j ≤ θ_j``, and j Ritz values below c mean at least j eigenvalues below c) and ``k ≤ ceiling``
      (when given, e.g. :func:`structural_ceiling`). If the certain lower bound exceeds the statistical
      upper end, the certain bound wins (the interval becomes that point).

    A relative cut-off uses ``max|λ| ∈ [L, L + r]``: L the largest |Ritz value| over all probes (a
    lower bound: Ritz values lie in [λ_min, λ_max]) and r its residual ``β_m |s_{mj}|`` (an eigenvalue
    lies within r of it; assumed to be the extreme one, which Lanczos finds first, Kaniel–Paige–Saad).
    The count is bracketed over that range of cut-offs.

    ``status`` "resolved" when ``(hi - lo)/N ≤ tolerance``, else "unresolved" (never a guess): near
    zero, where many eigenvalues crowd around the cut-off, a Gauss node there carries the weight of the
    whole crowd and the bracket cannot shrink without many more steps (``reason`` says so); when the
    bracket is narrow and the interval wide, more probes help.
    """
    from .._random import as_generator

    kind, t = threshold(relative, absolute)
    n = integer("n", n, minimum=1)
    steps = integer("steps", steps, minimum=2)
    probes = integer("probes", probes, minimum=1)
    confidence = real("confidence", confidence, minimum=0.0, maximum=1.0, open_minimum=True)
    if confidence >= 1.0:
        raise InvalidInputError(f"confidence must be < 1 (a level such as 0.95), got {confidence!r}")
    tolerance = real("tolerance", tolerance, minimum=0.0, maximum=1.0, open_minimum=True)
    if ceiling is not None:
        ceiling = integer("ceiling", ceiling, minimum=0, maximum=n)
    rng = as_generator(derive_seed(0 if seed is None else seed, "slq-gauss"))
    rules, norms, scale, resid = [], [], 0.0, 0.0
    for _ in range(probes):
        v = rng.standard_normal(n)
        alpha, beta, beta_next = _lanczos(matvec, n, v, steps)
        exhausted = beta_next == 0.0
        theta, vecs = np.linalg.eigh(np.diag(alpha) + np.diag(beta, 1) + np.diag(beta, -1))
        rules.append((theta, vecs[0] ** 2, exhausted, (alpha, beta, beta_next)))
        norms.append(float(v @ v))
        j = int(np.argmax(np.abs(theta)))
        if abs(theta[j]) > scale:  # the extreme Ritz value and its residual β_m |s_mj|
            scale = float(abs(theta[j]))
            resid = abs(beta_next * vecs[-1, j])
    if kind == "relative":
        cut_lo, cut_hi = -t * (scale + resid), -t * scale
    else:
        cut_lo = cut_hi = -t
    weights = np.array(norms) / np.sum(norms)
    lows, points, highs, interlaced = [], [], [], 0
    slack = 64 * np.finfo(float).eps * max(steps, 1) * max(scale, 1e-300)
    for theta, w, exhausted, recurrence in rules:
        low = gauss_bracket(theta, w, cut_lo, exact=exhausted)[0]
        high = gauss_bracket(theta, w, cut_hi, exact=exhausted)[2]
        radau_lo, radau_hi = radau_bracket(*recurrence, cut_lo), radau_bracket(*recurrence, cut_hi)
        if radau_lo is not None:  # both brackets hold: keep the tighter ends
            low = max(low, radau_lo[0])
        if radau_hi is not None:
            high = min(high, radau_hi[1])
        lows.append(low)
        points.append(gauss_bracket(theta, w, 0.5 * (cut_lo + cut_hi), exact=exhausted)[1])
        highs.append(max(high, low))
        interlaced = max(interlaced, int(np.searchsorted(theta, cut_lo - slack, side="left")))
    r_lo = float(np.clip(weights @ np.array(lows) - 1e-12, 0.0, 1.0))
    r_hi = float(np.clip(weights @ np.array(highs) + 1e-12, 0.0, 1.0))
    r_pt = float(weights @ np.array(points))
    k_lo, k_hi = _beta_count_interval(n, probes, r_lo, r_hi, confidence)
    if ceiling is not None:
        k_hi = min(k_hi, ceiling)
    k_lo = max(k_lo, interlaced)
    k_hi = max(k_hi, k_lo)
    width = (k_hi - k_lo) / n
    if width <= tolerance:
        status, reason = "resolved", ""
    else:
        status = "unresolved"
        quadrature = r_hi - r_lo
        if quadrature > tolerance / 2:
            reason = (f"the quadrature bracket alone spans {quadrature:.3g} of the index at {steps} steps: "
                      "many eigenvalues lie close to the cut-off; more steps, the exact path (eigsh) or a dense "
                      "Hessian can resolve it, more probes cannot")
        else:
            reason = (f"the sampling interval at {probes} probes is wider than the tolerance {tolerance:g}; "
                      "more probes narrow it")
    return CountEstimate(status=status, method="lanczos", n=n, count=n * r_pt, interval=(k_lo, k_hi),
                         confidence=confidence, cut=(cut_lo, cut_hi), bracket=(n * r_lo, n * r_hi),
                         interlacing=interlaced, probes=probes, steps=steps, reason=reason)


def eigsh_count(matvec, n: int, *, relative=None, absolute=None, bound: int = EXACT_LIMIT, start: int = 8,
                seed=None, largest: float | None = None, maxiter: int = 100,
                max_products: int | None = None) -> CountEstimate:
    """The exact count ``#{i : λ_i < c}`` from the smallest eigenvalues (``scipy.sparse.linalg.eigsh``,
    ARPACK's implicitly restarted Lanczos, ``which='SA'``, on a ``LinearOperator`` of ``matvec``).

    Asks for ``k = start`` eigenvalues, doubling (up to ``bound + 1``) while all of them lie below the
    cut-off: the count is complete once the largest of them is at or above it. Starting small matters:
    a Hessian has a large cluster of (exactly) zero eigenvalues, and asking ARPACK for many of them does
    not converge. A relative cut-off ``c = -t·max|λ|`` takes ``max|λ| = max(λ_max, -λ_min)`` with
    ``λ_max`` from one more ``eigsh`` (``which='LA'``) unless ``largest`` is given. Eigenvalues within
    ``1e-10 · max|λ|`` of the cut are in the interval but not in ``count``. Status "exact"; "unresolved"
    when ARPACK does not converge within ``maxiter`` restarts or ``max_products`` products (default
    ``2n + 2000``: beyond about 2n a dense Hessian, n products, is the cheaper exact count), or the
    count exceeds ``bound``.
    Assumption: eigenvalues below the cut are simple, or ARPACK's restarts found every copy (a Krylov
    space from one vector holds one direction per distinct eigenvalue, so an exactly repeated
    eigenvalue can be undercounted; generic Hessians have none). Small operators (n ≤ 2k + 2, where
    ARPACK cannot run) are made dense column by column.
    """
    from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh

    from .._random import as_generator

    kind, t = threshold(relative, absolute)
    n = integer("n", n, minimum=1)
    bound = integer("bound", bound, minimum=0, maximum=n)
    start = integer("start", start, minimum=1)
    maxiter = integer("maxiter", maxiter, minimum=1)
    budget = 2 * n + 2000 if max_products is None else integer("max_products", max_products, minimum=1)
    rng = as_generator(derive_seed(0 if seed is None else seed, "eigsh"))
    used = [0]

    class _OverBudget(Exception):
        pass

    def counted(v):
        used[0] += 1
        if used[0] > budget:
            raise _OverBudget
        return np.asarray(matvec(np.asarray(v, dtype=np.float64).ravel()))

    op = LinearOperator((n, n), matvec=counted, dtype=np.float64)
    k = min(start, bound + 1, n)
    top = None if largest is None else real("largest", largest)

    def unresolved(reason):
        return CountEstimate(status="unresolved", method="eigsh", n=n, count=float("nan"), interval=(0, n),
                             confidence=1.0, cut=(float("nan"),) * 2, reason=reason)

    while True:
        complete = n <= 2 * k + 2
        if complete:
            dense = np.column_stack([np.asarray(matvec(e)) for e in np.eye(n)])
            vals = np.linalg.eigvalsh((dense + dense.T) / 2)
            top = vals[-1] if top is None else top
        else:
            vals, failure = None, None
            for ncv in (None, min(n, 4 * k + 20)):  # ARPACK's default basis, then a larger one
                try:
                    vals = np.sort(eigsh(op, k=k, which="SA", v0=rng.standard_normal(n), tol=0, ncv=ncv,
                                         maxiter=maxiter, return_eigenvectors=False))
                    if kind == "relative" and top is None:
                        top = float(eigsh(op, k=1, which="LA", v0=rng.standard_normal(n), tol=0, maxiter=maxiter,
                                          return_eigenvectors=False)[0])
                    break
                except (ArpackNoConvergence, ArpackError) as exc:
                    failure = exc
                except _OverBudget:
                    return unresolved(f"eigsh needed more than {budget} products for k={k} (the budget "
                                      "max_products; a dense Hessian needs n)")
            if vals is None:
                return unresolved(f"eigsh did not converge for k={k} within {maxiter} restarts ({failure})")
        if not np.isfinite(vals).all():
            raise InvalidInputError("the operator returned NaN or inf (its products must be finite)")
        scale = max(abs(float(top if top is not None else vals[-1])), -float(vals[0]), 0.0)
        cut = -t * scale if kind == "relative" else -t
        if complete or vals[-1] >= cut:
            break
        if k > bound:
            return unresolved(f"more than {bound} eigenvalues lie below the cut-off (the bound of the exact path)")
        k = min(2 * k, bound + 1, n)
    accuracy = 1e-10 * max(scale, abs(cut))
    count = int(np.searchsorted(vals, cut, side="left"))
    lo = int(np.searchsorted(vals, cut - accuracy, side="left"))
    hi = int(np.searchsorted(vals, cut + accuracy, side="left"))
    reason = "" if lo == hi else f"{hi - lo} eigenvalue(s) within {accuracy:.2g} of the cut-off"
    return CountEstimate(status="exact", method="dense" if complete else "eigsh", n=n,
                         count=float(count), interval=(lo, hi), confidence=1.0, cut=(cut, cut), reason=reason)


def count_below(matvec, n: int, *, relative=None, absolute=None, method: str = "auto", steps: int = 80,
                probes: int = 8, confidence: float = 0.95, tolerance: float = 0.02,
                exact_limit: int = EXACT_LIMIT, ceiling: int | None = None, seed=None) -> CountEstimate:
    """``#{i : λ_i < c}`` of a symmetric operator from products ``v -> H v`` alone, never a guess.

    ``method``: "lanczos" (:func:`slq_count`, an estimate with a confidence interval), "exact"
    (:func:`eigsh_count`, ``k`` up to ``min(exact_limit, ceiling)``), or "auto": the Lanczos estimate
    first, then the exact path whenever its interval's upper end is at most ``exact_limit``, starting
    from the interval's lower end; if the exact path does not converge, the Lanczos estimate stands.
    The result's ``status`` is "exact", "resolved" or "unresolved" (:class:`CountEstimate`).
    """
    choice("method", method, ("auto", "lanczos", "exact"))
    exact_limit = integer("exact_limit", exact_limit, minimum=0)
    kind, t = threshold(relative, absolute)
    n = integer("n", n, minimum=1)
    if ceiling is not None:
        ceiling = integer("ceiling", ceiling, minimum=0, maximum=n)
    if method == "exact":
        return eigsh_count(matvec, n, **{kind: t}, bound=min(exact_limit, n if ceiling is None else ceiling),
                           seed=seed)
    est = slq_count(matvec, n, **{kind: t}, steps=steps, probes=probes, confidence=confidence,
                    tolerance=tolerance, ceiling=ceiling, seed=seed)
    if method == "auto" and est.interval[1] <= exact_limit:
        exact = eigsh_count(matvec, n, **{kind: t}, bound=est.interval[1], start=est.interval[0] + 1, seed=seed)
        if exact.status == "exact":
            return exact
        return dataclasses.replace(est, reason=(est.reason + "; " if est.reason else "") + exact.reason)
    return est


def lanczos_index(w1, w2, x, y, *, relative=None, absolute=None, steps: int = 80, probes: int = 8,
                  confidence: float = 0.95, tolerance: float = 0.02, method: str = "auto",
                  exact_limit: int = EXACT_LIMIT, seed=None, device="cpu") -> CountEstimate:
    """The Hessian index of one network from Hessian-vector products alone (:func:`count_below`): a
    :class:`CountEstimate` whose ``index`` is the normalised index, ``index_interval`` its interval and
    ``status`` "exact", "resolved" or "unresolved" (then it is not a number to use).

    ``relative=t``: count ``λ < -t · max|λ|``; ``absolute=t``: ``λ < -t``; exactly one, as in
    :func:`dense_index`. The count is at most :func:`structural_ceiling` (Weyl's inequality, module
    docstring), which bounds the interval and, when within ``exact_limit`` (default 500), sends
    ``method="auto"`` straight to the exact path (``eigsh``, ``which='SA'``). ``method="lanczos"``: the
    stochastic Lanczos quadrature estimate with its interval (:func:`slq_count`: Gaussian probes, full
    reorthogonalisation, Chebyshev–Markov–Stieltjes brackets, Cauchy interlacing, an exact Beta
    confidence set), ``"exact"``: eigsh only.

    The older version of this function returned the bare quadrature average (Rademacher probes): its
    error near zero, where the Gauss node next to the cut-off carries the weight of the crowd of
    near-zero eigenvalues, is a bias that more probes do not remove (measured: 0.098 and 0.120 at 8 and
    32 probes against an exact 0.064 on 2,750 parameters).
    """
    import torch

    from .._device import as_device

    kind, t = threshold(relative, absolute)
    _check_network(w1, w2)
    dev = as_device(device)
    hvp, n = hvp_function(w1, w2, x, y, device=dev)

    def matvec(v):
        return hvp(torch.as_tensor(np.ascontiguousarray(v), dtype=torch.float64).to(dev)).cpu().numpy()

    ceiling = min(structural_ceiling(np.shape(w1)[1], np.shape(w2)[1]), n)
    return count_below(matvec, n, **{kind: t}, method=method, steps=steps, probes=probes, confidence=confidence,
                       tolerance=tolerance, exact_limit=exact_limit, ceiling=ceiling, seed=seed)


def hessian_index(w1, w2, x, y, *, relative=None, absolute=None, method: str = "auto",
                  max_bytes: int | None = None, seed=None, device="cpu", **lanczos_options) -> float:
    """Normalised Hessian index of one network at a stated threshold (``relative=`` or ``absolute=``,
    exactly one; :func:`normalised_index`); ``method`` "dense", "lanczos" or "auto" (dense if it fits).

    "auto" is dense when :func:`dense_bytes` is within ``max_bytes`` (default: half of the device's
    available memory, so the choice can differ between machines; pass ``max_bytes`` or ``method`` for
    a choice that does not). Otherwise :func:`lanczos_index` (``lanczos_options``: ``steps``, ``probes``,
    ``confidence``, ``tolerance``, ``exact_limit``, its ``method``): its exact count, or its estimate
    when resolved; an unresolved one raises :class:`~polyloss.errors.UnresolvedCountError` (holding the
    estimate and its interval) rather than return a number that is not known.
    """
    from .._device import as_device

    kind, t = threshold(relative, absolute)
    choice("method", method, ("auto", "dense", "lanczos"))
    _check_network(w1, w2, x, y)
    dev = as_device(device)
    if method == "dense" or method == "auto" and dense_bytes(w1, w2, y) <= _max_bytes(max_bytes, dev):
        return dense_index(w1, w2, x, y, **{kind: t}, max_bytes=max_bytes, device=dev)
    est = lanczos_index(w1, w2, x, y, **{kind: t}, seed=seed, device=dev, **lanczos_options)
    if not est.resolved:
        raise UnresolvedCountError(f"the Hessian index at {kind}={t:g} is not resolved from Hessian-vector "
                                   f"products: {est}", estimate=est)
    return est.index


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
           "CountEstimate", "count_below", "slq_count", "eigsh_count", "gauss_bracket", "radau_bracket", "gauss_rule",
           "replica_indices", "hvp_function", "normalised_index", "index_curve", "threshold", "structural_ceiling",
           "gauss_newton_and_residual", "residual_blocks", "loss_and_gradient_norm", "RELATIVE_THRESHOLDS",
           "ABSOLUTE_THRESHOLDS"]
