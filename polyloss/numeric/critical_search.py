"""All critical points of small spherical spin-glass instances, and Monte Carlo counts over instances.

The model (Choromanska et al. 2015, Sec. 3; Auffinger, Ben Arous and Černý 2013): ``L(w) = Λ^{-(H-1)/2} Σ_{i_1..i_H} X_{i_1..i_H} w_{i_1} … w_{i_H}`` on the
sphere ``‖w‖² = Λ``, or a mixture ``L = Σ_p a_p L_p`` of such fields of several degrees (Auffinger and
Ben Arous 2013, arXiv:1110.5872; :class:`~polyloss.numeric.spinglass.SphericalSpinGlass` with ``H`` a
mapping ``{p: a_p²}``); energies are quoted per Λ, ``u = L/Λ``. A critical point is a zero of the
Riemannian gradient ``P∇L`` (``P = I - w wᵀ/Λ``); its index is the number of negative eigenvalues of
the Riemannian Hessian ``P(∇²L - (w·∇L/Λ) I)P`` on the (Λ-1)-dimensional tangent space.

* Λ = 2, exactly: on ``w = √2 (cos θ, sin θ)`` a field of degree p is a binary form of degree p in
  ``(cos θ, sin θ)``, so ``L(θ) = Σ_{|k| ≤ P} c_k e^{ikθ}`` is a trigonometric polynomial of degree
  ``P = max p`` (the largest degree of a mixture; P = H when pure). Its ``2P + 1`` coefficients are
  read off exactly (to rounding) by a discrete Fourier transform of ``L`` at ``4(P+1)`` equally spaced
  angles (no aliasing below half that number). ``dL/dθ = Σ i k c_k e^{ikθ}`` vanishes exactly where
  ``z = e^{iθ}`` is a root of modulus 1 of the polynomial ``q(z) = Σ_k i k c_k z^{k+P}`` of degree
  ``2P`` (``numpy.roots``), polished by Newton in θ; so an instance has at most ``2P`` critical
  points. The index is 1 where ``d²L/dθ² < 0`` (a maximum), else 0.
* Λ ≥ 3: Riemannian Newton from many random starts, ``(P Hess P + w wᵀ/Λ) v = -P∇L``,
  ``w ← √Λ (w+v)/‖w+v‖``, on the model's Euclidean gradient and Hessian; converged points are
  deduplicated and, when every degree has the same parity, closed under the symmetry
  ``L(-w) = (-1)^H L(w)`` (critical points come in ± pairs; a mixture of odd and even degrees has no
  such symmetry, and its points are only deduplicated).
  (The step is that of ``optimisers.refine``; the search keeps its own loop because converged starts
  leave the batch and it stops after 5 steps without a new convergence: 1.5-2.7× faster over the
  default starts, see benchmarks/bench_critical_search.py.)
  Every instance is checked against the Morse relation (the Morse inequalities become an equality
  for the alternating sum: a Morse function on a closed manifold has ``Σ_k (-1)^k Crt_k`` equal to its
  Euler characteristic) ``Σ_k (-1)^k Crt_k = χ(S^{Λ-1}) = 1 + (-1)^{Λ-1}``.

A generic pure instance has at most ``2((H-1)^Λ - 1)/(H-2)`` critical points (``2Λ`` for H = 2), twice the
number of eigenvectors of a generic symmetric tensor (Cartwright & Sturmfels, *The number of eigenvalues
of a tensor*, Linear Algebra Appl. 438 (2013)); a mixture has the bound of :func:`max_critical_points`
(derived here). That bound sizes the default number of starts and refuses instances too large to
enumerate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from .. import _validate as V
from .._random import as_generator, derive_seed
from ..errors import InvalidInputError, SizeLimitError
from ..mixture import Mixture, as_mixture

__all__ = ["CriticalPoints", "CountStatistics", "critical_points", "count_statistics", "max_critical_points"]

DEGENERACY_TOL = 1e-8   # |tangent Hessian eigenvalue| below this makes an instance degenerate (no Morse count)
_MAX_POINTS = 2000      # critical_points' default refusal bound (count_statistics uses the default)
#: upper limits of the counts (so that no call runs for ever): ``max_points`` and ``starts`` of
#: :func:`critical_points`, its ``max_iter``, and the ``instances`` of :func:`count_statistics`
MAX_POINTS_LIMIT = 100_000
MAX_STARTS = 10_000_000
MAX_NEWTON_ITER = 10_000
MAX_INSTANCES = 1_000_000


# --- result objects -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CriticalPoints:
    """The critical points of one instance.

    Attributes:
        Lambda, H: the instance's size and degree (an int for a pure model, the
            :class:`~polyloss.mixture.Mixture` for a mixed one).
        points: (n, Λ) float64 array, each row with ``‖w‖² = Λ``, sorted by energy.
        energies: (n,) energies per Λ, ``u = L(w)/Λ``.
        indices: (n,) int, number of negative tangent-Hessian eigenvalues.
        method: ``"trigonometric"`` (Λ = 2, exact) or ``"newton"`` (Λ ≥ 3, many starts).
        starts: starts used (0 for the exact method); converged: starts that reached a critical point.
        min_hits: fewest starts that reached any one ± pair (1 hints that some points may be missed).
        max_gradient: largest ``‖P∇L‖`` over the points; min_abs_eigenvalue: smallest ``|λ|`` of the
            tangent Hessians (non-degeneracy margin).
        morse_sum, morse_expected: ``Σ_k (-1)^k Crt_k`` and ``χ(S^{Λ-1}) = 1 + (-1)^{Λ-1}``.
    """

    Lambda: int
    H: int | Mixture
    points: np.ndarray
    energies: np.ndarray
    indices: np.ndarray
    method: str
    starts: int = 0
    converged: int = 0
    min_hits: int = 0
    max_gradient: float = 0.0
    min_abs_eigenvalue: float = math.inf
    morse_sum: int = 0
    morse_expected: int = 0

    def __len__(self) -> int:
        return len(self.energies)

    @property
    def morse_ok(self) -> bool:
        """True when the instance is non-degenerate and satisfies the Morse relation."""
        return self.morse_sum == self.morse_expected and self.min_abs_eigenvalue > DEGENERACY_TOL

    def counts(self, u: float = math.inf) -> np.ndarray:
        """``Crt_k(u)`` for k = 0 … Λ-1: the number of critical points of index k with energy ``≤ u``."""
        u = V.real("u", u, allow_inf=True)
        return np.bincount(self.indices[self.energies <= u], minlength=self.Lambda)[: self.Lambda]

    def __repr__(self) -> str:
        return (f"CriticalPoints(Lambda={self.Lambda}, H={self.H}, n={len(self)}, "
                f"counts by index={self.counts().tolist()}, method={self.method!r}, "
                f"morse_ok={self.morse_ok})")

    def _repr_markdown_(self) -> str:
        """Jupyter: the instance and its checks, then per index k the count ``Crt_k`` and the lowest
        and highest energy per Λ."""
        from ..display import markdown_table

        morse = (rf"$\sum_k (-1)^k \mathrm{{Crt}}_k = {self.morse_sum}$, "
                 rf"$\chi(S^{{{self.Lambda - 1}}}) = {self.morse_expected}$")
        head = (f"{len(self)} critical points of one spherical spin glass, $\\Lambda = {self.Lambda}$, "
                f"{_setting_tex(self.H)} (method {self.method}); {morse} "
                f"({'Morse relation holds' if self.morse_ok else 'Morse check FAILED'}); "
                f"largest $\\lVert P\\nabla L\\rVert = {self.max_gradient:.2e}$, smallest $|\\lambda| = "
                f"{self.min_abs_eigenvalue:.2e}$.")
        rows = []
        for k, count in enumerate(self.counts()):
            u = self.energies[self.indices == k]
            rows.append([k, int(count)] + ([f"{u.min():.6f}", f"{u.max():.6f}"] if u.size else ["—", "—"]))
        table = markdown_table(["index $k$", r"$\mathrm{Crt}_k$", "lowest $u$", "highest $u$"], rows)
        return head + "\n\n" + table + "\n"

    def to_dataframe(self):
        """One row per critical point, by energy: columns ``u`` (energy per Λ), ``index``, then the
        coordinates ``w_1`` … ``w_Λ``. Needs pandas (``pip install pandas``)."""
        from ..display import dataframe

        columns = ["u", "index"] + [f"w_{i}" for i in range(1, self.Lambda + 1)]
        rows = [[float(u), int(k), *map(float, w)] for u, k, w in zip(self.energies, self.indices, self.points)]
        return dataframe(rows, columns)


@dataclass(frozen=True)
class CountStatistics:
    """Monte Carlo means of ``Crt_{Λ,k}(u)`` over random instances.

    Attributes:
        Lambda, H, seed: the setting (``H``: an int for pure models, the Mixture for mixed ones;
            ``seed`` is the base seed; instance i uses derived seeds).
        levels: (m,) energy levels u (per Λ); counts are of points with energy ``≤ u``.
        counts: (n, m, Λ) int, per accepted instance, level and index.
        mean, stderr: (m, Λ) sample mean and its standard error ``s/√n`` per level and index.
        total_mean, total_stderr: (m,) the same for ``Crt_Λ(u) = Σ_k Crt_{Λ,k}(u)``.
        rejected: instance numbers that failed the Morse check (reported, not counted).
    """

    Lambda: int
    H: int | Mixture
    seed: int
    levels: np.ndarray
    counts: np.ndarray
    rejected: tuple = field(default=())

    @property
    def instances(self) -> int:
        return self.counts.shape[0]

    @property
    def mean(self) -> np.ndarray:
        return self.counts.mean(axis=0)

    @property
    def stderr(self) -> np.ndarray:
        return _stderr(self.counts)

    @property
    def total_mean(self) -> np.ndarray:
        return self.counts.sum(axis=2).mean(axis=0)

    @property
    def total_stderr(self) -> np.ndarray:
        return _stderr(self.counts.sum(axis=2))

    def _repr_markdown_(self) -> str:
        """Jupyter: the setting, then per level u the mean ± standard error of ``Crt_{Λ,k}(u)`` for each
        index k and of the total."""
        from ..display import markdown_table

        head = (rf"Mean number of critical points $\mathrm{{Crt}}_{{\Lambda,k}}(u)$ of energy per $\Lambda$ at most "
                rf"$u$, over {self.instances} random instances ($\Lambda = {self.Lambda}$, {_setting_tex(self.H)}, "
                f"seed {self.seed}); mean ± standard error"
                + (f"; {len(self.rejected)} instances failed the Morse check and are not counted"
                   if self.rejected else "") + ".")
        mean, err = self.mean, self.stderr
        rows = [[f"{u:g}"] + [f"{mean[i, k]:.4g} ± {err[i, k]:.2g}" for k in range(self.Lambda)]
                + [f"{self.total_mean[i]:.4g} ± {self.total_stderr[i]:.2g}"] for i, u in enumerate(self.levels)]
        header = ["$u$"] + [f"$k = {k}$" for k in range(self.Lambda)] + ["all $k$"]
        return head + "\n\n" + markdown_table(header, rows) + "\n"

    def to_dataframe(self):
        """One row per level: index ``u``; columns ``mean_k`` and ``stderr_k`` for each index k = 0 … Λ-1,
        then ``total_mean`` and ``total_stderr``. Needs pandas (``pip install pandas``)."""
        from ..display import dataframe

        columns = ["u"] + [f"{stat}_{k}" for k in range(self.Lambda) for stat in ("mean", "stderr")]
        mean, err = self.mean, self.stderr
        rows = [[float(u)] + [float(v) for k in range(self.Lambda) for v in (mean[i, k], err[i, k])]
                + [float(self.total_mean[i]), float(self.total_stderr[i])] for i, u in enumerate(self.levels)]
        return dataframe(rows, columns + ["total_mean", "total_stderr"], index="u")


def _setting_tex(H) -> str:
    """``$H = 3$`` for a pure degree, ``$\\xi(x) = …$`` for a mixture (Markdown with LaTeX)."""
    return f"$H = {H}$" if not isinstance(H, Mixture) else f"$\\xi(x) = {H.latex()}$"


def _as_given(mixture: Mixture):
    """What results hold as ``H``: the int degree of a pure model, the Mixture itself otherwise."""
    return mixture.degree if mixture.is_pure else mixture


def _stderr(x: np.ndarray) -> np.ndarray:
    n = x.shape[0]
    return x.std(axis=0, ddof=1) / math.sqrt(n) if n > 1 else np.full(x.shape[1:], math.nan)


# --- sizes ----------------------------------------------------------------------------------------

def max_critical_points(Lambda: int, H) -> int:
    """Most critical points a generic instance can have.

    Pure degree H: ``2((H-1)^Λ - 1)/(H-2)``; ``2Λ`` for H = 2. Twice the number of eigenvectors of a
    generic symmetric tensor (Cartwright and Sturmfels (2013), Theorem 1.2 [unverified]); every
    critical point ``±w`` is such an eigenvector.

    Mixture ``{p: a_p²}`` of largest degree d (derived here):

    * Λ = 2: ``2d``. ``L(θ)`` on ``w = √2(cos θ, sin θ)`` is a trigonometric polynomial of degree d,
      and ``dL/dθ`` vanishes at the roots of modulus 1 of a polynomial of degree 2d in ``z = e^{iθ}``
      (module docstring); this equals the pure bound at H = d.
    * d = 2 (a quadratic and a linear field): ``2Λ``. With ``L = h·w + wᵀAw``, ``∇L = μw`` gives
      ``w = -(2A - μ)^{-1} h`` when μ/2 is no eigenvalue of A (generic h), and ``‖w‖² = Λ`` is then a
      polynomial equation of degree 2Λ in μ (Σ_i h_i²/(2a_i - μ)² = Λ in the eigenbasis of A).
    * d ≥ 3: ``2(d-1)^Λ``, Bézout's bound for the Lagrange system ``∂_i L(w) - μ w_i = 0``
      (i = 1..Λ, degree d-1 ≥ 2 each) and ``‖w‖² = Λ`` (degree 2) in the Λ + 1 unknowns ``(w, μ)``: a
      nondegenerate critical point is an isolated solution, and the number of isolated solutions is
      at most the product of the degrees. (It exceeds the pure count; whether the pure count also
      bounds mixtures is not used here.)
    """
    Lambda = V.integer("Lambda", Lambda, minimum=2)
    mixture = as_mixture(H, name="H")
    d = mixture.max_degree
    if mixture.is_pure:
        return 2 * Lambda if d == 2 else 2 * ((d - 1) ** Lambda - 1) // (d - 2)
    if Lambda == 2:
        return 2 * d
    return 2 * Lambda if d == 2 else 2 * (d - 1) ** Lambda


def _default_starts(Lambda: int, H) -> int:
    return max(200, 16 * max_critical_points(Lambda, H))


def _check_size(Lambda: int, H, max_points: int, caller: str) -> None:
    mixture = as_mixture(H, name="H")
    bound = max_critical_points(Lambda, mixture)
    if bound > max_points:
        formula = "2((H-1)^Λ-1)/(H-2)" if mixture.is_pure else "the bound of max_critical_points"
        raise SizeLimitError(
            f"{caller}: Lambda={Lambda}, H={mixture} is too large to enumerate: a generic instance has up to "
            f"{bound} critical points ({formula}), which needs about {_default_starts(Lambda, mixture)} "
            f"Newton starts; the limit is max_points={max_points}. Use a smaller Λ (or raise max_points)."
        )


# --- public entry point ---------------------------------------------------------------------------

def critical_points(model, *, starts: int | None = None, seed=None, tol: float = 1e-10,
                    max_points: int = _MAX_POINTS, max_iter: int = 40) -> CriticalPoints:
    """All critical points of one spin-glass instance ``model`` (a ``SphericalSpinGlass``, pure or mixed).

    Λ = 2 is solved exactly (roots of ``dL/dθ``); Λ ≥ 3 by Riemannian Newton from ``starts`` random
    points (default ``max(200, 16 × max_critical_points(Λ, H))``), seeded by ``seed``
    (None | int | numpy Generator). Every returned point has ``‖P∇L‖ < tol`` and ``‖w‖² = Λ``.

    Instances whose generic bound :func:`max_critical_points` exceeds ``max_points`` are refused with
    :class:`~polyloss.errors.SizeLimitError` (the enumeration would run for hours).

    The result's ``morse_ok`` says whether ``Σ_k (-1)^k Crt_k = χ(S^{Λ-1}) = 1 + (-1)^{Λ-1}`` (Morse theory) holds on
    a non-degenerate Hessian spectrum; an instance that fails it is incompletely enumerated or degenerate.
    The check cannot see a missed ± pair when Λ is even and H odd (the pair's indices k and Λ-1-k cancel);
    ``min_hits`` (fewest starts that reached a pair) and a rerun with more starts are the guards there.
    Measured: default and 4× starts gave the same count on all 460 instances tried (Λ = 3…5, H = 3, 4).

    Returns a :class:`CriticalPoints` (numpy arrays: ``points``, ``energies`` per Λ, ``indices``;
    ``counts(u)``; diagnostics).
    """
    from .spinglass import SphericalSpinGlass

    if not isinstance(model, SphericalSpinGlass):
        raise InvalidInputError(f"model must be a SphericalSpinGlass; got {model!r}"[:200])
    if getattr(model, "dtype", torch.float64) != torch.float64:
        raise InvalidInputError(f"critical_points needs a float64 model (gradients to 1e-10); got dtype "
                                f"{model.dtype}: build it with SphericalSpinGlass(..., dtype=torch.float64)")
    Lambda = V.integer("model.Lambda", model.Lambda, minimum=2)
    mixture = as_mixture(model.mixture, name="model.mixture")
    tol = V.real("tol", tol, minimum=0.0, open_minimum=True)
    max_points = V.integer("max_points", max_points, minimum=1, maximum=MAX_POINTS_LIMIT)
    max_iter = V.integer("max_iter", max_iter, minimum=1, maximum=MAX_NEWTON_ITER)
    if starts is not None:
        starts = V.integer("starts", starts, minimum=1, maximum=MAX_STARTS)
    _check_size(Lambda, mixture, max_points, "critical_points")
    n_starts = starts or _default_starts(Lambda, mixture)
    if Lambda > 2:  # the Newton batch: the starts and, per step, their Λ×Λ systems (about 8 matrices)
        need = n_starts * (8 * Lambda * Lambda + 8 * Lambda) * 8
        limit = getattr(model, "memory_limit", need)
        if need > limit:
            raise SizeLimitError(f"critical_points: {n_starts} Newton starts at Lambda={Lambda} need about "
                                 f"{need / 2**30:.2f} GiB ({need} bytes) but the model's memory limit is "
                                 f"{limit / 2**30:.2f} GiB; use fewer starts")
    if Lambda == 2:
        return _circle_critical_points(model, tol=tol)
    return _newton_critical_points(model, starts=n_starts, rng=as_generator(seed),
                                   tol=tol, max_iter=max_iter)


# --- Λ = 2: exact roots of a trigonometric polynomial ---------------------------------------------

def _fourier_coefficients(model) -> np.ndarray:
    """``c_k``, k = -P..P, of ``L(θ) = Σ_k c_k e^{ikθ}`` on ``w = √2 (cos θ, sin θ)`` (P = largest degree).

    A trigonometric polynomial of degree P is fixed by its values at ``n = 4(P+1) > 2P + 1`` equally
    spaced angles: ``c_k = (1/n) Σ_j L(θ_j) e^{-ikθ_j}`` exactly (the frequencies ``|k| ≤ P`` do not alias).
    """
    P = model.H
    n = 4 * (P + 1)
    theta = 2 * math.pi * np.arange(n) / n
    w = torch.as_tensor(math.sqrt(2.0) * np.stack([np.cos(theta), np.sin(theta)], axis=1), dtype=torch.float64,
                        device=getattr(model, "device", "cpu"))
    values = _to_numpy(model._ham(w)).reshape(-1)
    c = np.fft.fft(values) / n
    return np.concatenate([c[n - P:], c[:P + 1]])              # k = -P … -1, 0 … P


def _series_at(coef: np.ndarray, theta: np.ndarray, order: int) -> np.ndarray:
    """The ``order``-th derivative in θ of ``Σ_{k=-P}^{P} c_k e^{ikθ}`` (real part) at ``theta``."""
    P = (len(coef) - 1) // 2
    k = np.arange(-P, P + 1)
    return np.real(np.exp(1j * np.outer(theta, k)) @ ((1j * k) ** order * coef))


def _circle_critical_points(model, *, tol: float) -> CriticalPoints:
    coef = _fourier_coefficients(model)
    P = (len(coef) - 1) // 2
    k = np.arange(-P, P + 1)
    d1 = 1j * k * coef                                           # coefficients of dL/dθ
    scale = max(np.abs(coef).max(), 1e-300)
    if not np.any(np.abs(d1) > 1e-14 * scale):                   # dL/dθ ≡ 0: every point is critical
        return _finish(model, np.zeros((0, 2)), np.zeros(0), np.zeros(0, dtype=np.int64), method="trigonometric",
                       starts=0, converged=0, min_hits=0, min_abs_eig=0.0)
    # q(z) = Σ_k d1_k z^{k+P}, highest power first; zero end coefficients only add roots at 0 or ∞
    q = d1[::-1]
    nz = np.flatnonzero(np.abs(q) > 1e-14 * scale)
    roots = np.roots(q[nz[0]:nz[-1] + 1])
    near = roots[np.abs(np.abs(roots) - 1.0) < 1e-3]             # polishing decides which are real angles
    theta = np.angle(near)
    for _ in range(8):                                           # Newton polishing in θ
        d2 = _series_at(coef, theta, 2)
        step = np.where(d2 != 0, _series_at(coef, theta, 1) / np.where(d2 != 0, d2, 1.0), 0.0)
        theta = theta - np.clip(step, -0.1, 0.1)
    theta = np.mod(theta, 2 * math.pi)
    keep = np.abs(_series_at(coef, theta, 1)) < tol             # dL/dθ = √2 ‖P∇L‖; a complex pair fails this
    theta = _unique_angles(theta[keep])
    w = math.sqrt(2.0) * np.stack([np.cos(theta), np.sin(theta)], axis=1)
    d2 = _series_at(coef, theta, 2)                              # = 2 × tangent Hessian eigenvalue
    indices = (d2 < 0).astype(np.int64)
    wt = torch.as_tensor(w, dtype=torch.float64, device=getattr(model, "device", "cpu"))
    energies = _to_numpy(model._ham(wt)).reshape(-1) / 2.0 if len(w) else np.zeros(0)
    return _finish(model, w, energies, indices, method="trigonometric", starts=0, converged=0, min_hits=0,
                   min_abs_eig=float(np.abs(d2).min() / 2.0) if len(d2) else math.inf)


def _unique_angles(theta: np.ndarray, gap: float = 1e-8) -> np.ndarray:
    if len(theta) == 0:
        return theta
    theta = np.sort(theta)
    keep = np.concatenate([[True], np.diff(theta) > gap])
    theta = theta[keep]
    if len(theta) > 1 and theta[-1] - theta[0] > 2 * math.pi - gap:
        theta = theta[:-1]
    return theta


# --- Λ ≥ 3: many-start Riemannian Newton ----------------------------------------------------------

def _newton_critical_points(model, *, starts: int, rng: np.random.Generator, tol: float,
                            max_iter: int) -> CriticalPoints:
    Lambda = model.Lambda
    dtype = torch.float64
    w0 = rng.standard_normal((starts, Lambda))
    w = torch.as_tensor(w0 * (math.sqrt(Lambda) / np.linalg.norm(w0, axis=1, keepdims=True)), dtype=dtype,
                        device=getattr(model, "device", "cpu"))
    w, _ = _newton(model, w, max_iter=max_iter, tol=tol)
    gnorm = _riemannian_gradient(model, w).norm(dim=1)
    ok = torch.isfinite(gnorm) & (gnorm < tol)
    found = w[ok]
    converged = int(found.shape[0])
    # dedupe the converged points together with their antipodes when every degree has one parity
    # (L(-w) = (-1)^H L(w)): the set is closed under w -> -w and a cluster's size counts the starts that
    # reached w or -w; a mixture of odd and even degrees has no such symmetry
    symmetric = len({p % 2 for p in model.mixture.degrees}) == 1
    both = torch.cat([found, -found]) if symmetric else found
    reps, hits = _cluster(both, radius=1e-6 * math.sqrt(Lambda))
    w = both[reps]
    ham = _to_numpy(model._ham(w)).reshape(-1) if len(w) else np.zeros(0)
    eig = torch.linalg.eigvalsh(model._hess(w)) if len(w) else torch.zeros(0, Lambda - 1, dtype=dtype)
    indices = _to_numpy((eig < 0).sum(dim=1)).astype(np.int64)
    min_abs = float(eig.abs().min()) if eig.numel() else math.inf
    return _finish(model, _to_numpy(w), ham / Lambda, indices, method="newton", starts=starts,
                   converged=converged, min_hits=int(hits.min()) if len(hits) else 0, min_abs_eig=min_abs)


def _riemannian_gradient(model, w: torch.Tensor) -> torch.Tensor:
    g = model._egrad(w)
    return g - w * (w * g).sum(dim=1, keepdim=True) / model.Lambda


def _newton_step(model, w: torch.Tensor):
    """One Riemannian Newton step on ``‖w‖² = Λ`` and the gradient norm before it.

    Solve ``(P(∇²L - μI)P + w wᵀ/Λ) v = -P∇L`` with ``μ = w·∇L/Λ``: the added ``w wᵀ/Λ`` acts as the
    identity on the normal direction, so ``v`` is tangent. The step is capped at length ``√Λ/2`` (a
    singular system falls back to ``v = -P∇L``) and followed by the retraction ``w ← √Λ (w+v)/‖w+v‖``.
    """
    Lambda = w.shape[1]
    eye = torch.eye(Lambda, dtype=w.dtype, device=w.device)
    ge = model._egrad(w)
    A = model._ehess(w)
    mu = (w * ge).sum(dim=1) / Lambda
    ww = w[:, :, None] * w[:, None, :] / Lambda
    P = eye - ww
    g = ge - mu[:, None] * w
    M = P @ (A - mu[:, None, None] * eye) @ P + ww
    v, info = torch.linalg.solve_ex(M, -g)
    bad = (info != 0) | ~torch.isfinite(v).all(dim=1)
    v = torch.where(bad[:, None], -g, v)
    v = v * torch.clamp(0.5 * math.sqrt(Lambda) / torch.clamp(v.norm(dim=1, keepdim=True), min=1e-300), max=1.0)
    w = w + v
    return w * (math.sqrt(Lambda) / w.norm(dim=1, keepdim=True)), g.norm(dim=1)


def _newton(model, w: torch.Tensor, *, max_iter: int, tol: float, patience: int = 5):
    """Newton from every row of ``w`` until ``‖P∇L‖ < tol`` (then two polishing steps).

    Rows that have converged leave the batch. The search stops after ``max_iter`` steps, or once
    ``patience`` consecutive steps brought no new start to convergence (the rest wander chaotically).
    Returns the final points and the mask of converged rows.
    """
    w = w.clone()
    active = torch.ones(len(w), dtype=torch.bool, device=w.device)
    quiet = 0
    for _ in range(max_iter):
        idx = active.nonzero()[:, 0]
        if len(idx) == 0:
            break
        x = w[idx]
        step, gnorm = _newton_step(model, x)
        done = gnorm < tol
        w[idx] = torch.where(done[:, None], x, step)
        active[idx[done]] = False
        quiet = 0 if bool(done.any()) else quiet + 1
        if quiet >= patience:
            break
    converged = ~active
    if bool(converged.any()):
        x = w[converged]
        for _ in range(2):
            x, _ = _newton_step(model, x)
        w[converged] = x
    return w, converged


def _cluster(w: torch.Tensor, *, radius: float):
    """Representatives (first member) of the clusters of rows within ``radius``, and each cluster's size."""
    if len(w) == 0:
        return torch.zeros(0, dtype=torch.long), np.zeros(0, dtype=np.int64)
    close = torch.cdist(w, w) < radius
    first = close.to(torch.int8).argmax(dim=1)              # first member of each row's cluster
    reps = torch.unique(first)
    hits = np.array([int((first == r).sum()) for r in reps.tolist()], dtype=np.int64)
    return reps, hits


# --- shared finishing: checks and sorting ---------------------------------------------------------

def _finish(model, w: np.ndarray, energies: np.ndarray, indices: np.ndarray, *, method: str, starts: int,
            converged: int, min_hits: int, min_abs_eig: float) -> CriticalPoints:
    Lambda = model.Lambda
    w = np.asarray(w, dtype=np.float64).reshape(-1, Lambda)
    order = np.lexsort((indices, energies))
    w, energies, indices = w[order], np.asarray(energies, dtype=np.float64)[order], indices[order]
    if len(w):
        wt = torch.as_tensor(w, dtype=torch.float64, device=getattr(model, "device", "cpu"))
        max_grad = float(np.linalg.norm(_to_numpy(model.gradient(wt)).reshape(len(w), Lambda), axis=1).max())
    else:
        max_grad = 0.0
    morse = int(sum((-1) ** int(k) for k in indices))
    return CriticalPoints(
        Lambda=Lambda, H=_as_given(model.mixture), points=w, energies=energies, indices=indices, method=method, starts=starts,
        converged=converged, min_hits=min_hits, max_gradient=max_grad, min_abs_eigenvalue=min_abs_eig,
        morse_sum=morse, morse_expected=1 + (-1) ** (Lambda - 1),
    )


def _to_numpy(x) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


# --- Monte Carlo over instances -------------------------------------------------------------------

def count_statistics(Lambda: int, H, instances: int, *, seed=None, levels=(math.inf,), starts=None,
                     directory=None, progress: bool = False, chunk: int = 50, threads: int | None = 1,
                     executor=None) -> CountStatistics:
    """Mean ``Crt_{Λ,k}(u)`` over ``instances`` random couplings, per index k and energy level u.

    ``seed``: None | int | numpy Generator, the base seed (kept in the result's ``seed``; a Generator
    gives one integer drawn from it, None fresh entropy). Instance i is
    ``SphericalSpinGlass(Λ, H, seed=derive_seed(seed, "instance", i))``, enumerated by
    :func:`critical_points` with starts seeded by ``derive_seed(seed, "starts", i)``. Instances failing
    the Morse check are listed in ``rejected`` and left out of the means. Compare with the exact
    finite-N expectation ``E Crt_{N,k}(u)`` (the Kac–Rice identity of Auffinger, Ben Arous and Černý
    2013, arXiv:1003.1129 [unverified: its place in the paper]; ``N ↔ Λ``, ``p ↔ H``).

    ``H``: an int degree (pure) or a mixture ``{p: a_p²}`` / :class:`~polyloss.mixture.Mixture`; the
    instances are then mixed models ``SphericalSpinGlass(Λ, mixture, seed=...)`` (compare with the mixed
    Kac–Rice count derived here, :mod:`polyloss.numeric.critical_counts`). The result's ``H`` is the int or
    the Mixture.

    The instances are enumerated in chunks of ``chunk``, each a task ``instances={first}-{last}`` of a
    :class:`~polyloss.execution.Plan` run by ``executor`` (None: this process; an int: local worker
    processes; a :class:`~polyloss.execution.LocalWorkers`; any ``concurrent.futures.Executor``; a
    Dask client). Every instance is rebuilt from its own seeds, so the counts are the same bit for bit
    whatever runs them. ``directory``: a run folder (:class:`~polyloss.store.RunStore`); finished
    chunks are saved atomically and skipped on a rerun. ``progress``: a tqdm bar of chunks on stderr.
    ``threads``: torch intra-op threads per chunk (torch's setting is restored afterwards; ``None``
    leaves it). The work is thousands of tiny batched operations, for which extra threads only wait on
    each other: on a loaded 2-core machine one thread ran Λ = 3, H = 3 about 12× faster than two.
    """
    from ..execution import Plan, Task

    Lambda = V.integer("Lambda", Lambda, minimum=2)
    mixture = as_mixture(H, name="H")
    instances = V.integer("instances", instances, minimum=1, maximum=MAX_INSTANCES)
    chunk = V.integer("chunk", chunk, minimum=1)
    if starts is not None:
        starts = V.integer("starts", starts, minimum=1, maximum=MAX_STARTS)
    if threads is not None:
        threads = V.integer("threads", threads, minimum=1)
    lv = V.real_array("levels", levels, allow_inf=True).reshape(-1)
    if lv.size == 0:
        raise InvalidInputError(f"levels must hold at least one energy level u, got {levels!r}")
    if seed is None:
        seed = derive_seed(None)
    elif isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**62))                             # a base seed drawn from the generator
    seed = V.integer("seed (None, an int >= 0 or a numpy Generator)", seed, minimum=0)
    _check_size(Lambda, mixture, _MAX_POINTS, "count_statistics")    # before any task starts
    config = {"kind": "critical_point_counts", "Lambda": Lambda, "H": mixture.to_config(),
              "instances": instances, "seed": seed, "starts": starts, "chunk": chunk}
    sizes = {lo: min(chunk, instances - lo) for lo in range(0, instances, chunk)}
    tasks = [Task(f"instances={lo}-{lo + n - 1}", {"first": lo, "instances": n}, cost=float(n))
             for lo, n in sizes.items()]
    plan = Plan(f"critical points Λ={Lambda} H={mixture}", _count_chunk_task, config, tasks, folder=directory,
                threads=threads, cost_unit="instances")
    pieces = plan.run(executor, progress=progress)
    data = [pieces[t.key] for t in tasks]
    energies, indices, owner = (np.concatenate([d[name] for d in data]) for name in ("energy", "index", "instance"))
    accepted = np.concatenate([d["accepted"] for d in data]).astype(bool)
    good = np.flatnonzero(accepted)
    counts = np.zeros((len(good), lv.size, Lambda), dtype=np.int64)
    row = np.full(instances, -1)
    row[good] = np.arange(len(good))
    for j, u in enumerate(lv):
        sel = (energies <= u) & (row[owner] >= 0)
        np.add.at(counts[:, j, :], (row[owner[sel]], indices[sel]), 1)
    return CountStatistics(Lambda=Lambda, H=_as_given(mixture), seed=seed, levels=lv, counts=counts,
                           rejected=tuple(int(i) for i in np.flatnonzero(~accepted)))


def _count_chunk_task(config: dict, task) -> dict:
    """Task of :func:`count_statistics`: enumerate instances ``first … first + instances - 1``."""
    from .spinglass import SphericalSpinGlass

    lo = task.args["first"]
    numbers = range(lo, lo + task.args["instances"])
    return _enumerate_chunk(SphericalSpinGlass, config["Lambda"], Mixture.from_config(config["H"]), numbers,
                            config["seed"], config["starts"])


def _enumerate_chunk(model_class, Lambda, H, numbers, seed, starts) -> dict:
    energies, indices, owner, accepted = [], [], [], []
    for i in numbers:
        model = model_class(Lambda, H, seed=derive_seed(seed, "instance", i))
        result = critical_points(model, starts=starts, seed=derive_seed(seed, "starts", i))
        energies.append(result.energies)
        indices.append(result.indices)
        owner.append(np.full(len(result), i, dtype=np.int64))
        accepted.append(result.morse_ok)
    return {"energy": np.concatenate(energies), "index": np.concatenate(indices),
            "instance": np.concatenate(owner), "accepted": np.array(accepted, dtype=bool)}
