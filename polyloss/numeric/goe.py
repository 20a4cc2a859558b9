r"""The Gaussian Orthogonal Ensemble at finite N, in the normalisation of Auffinger, Ben Arous and Černý (2013).

GOE here: N×N real symmetric M with independent centred Gaussian entries, ``E M_ij² = (1+δ_ij)/(2N)``
(matrix density ∝ ``exp(-N tr M² / 2)``, semicircle on ``[-√2, √2]``); eigenvalues
``λ_0 ≤ … ≤ λ_{N-1}``; ``ρ_N`` the mean spectral density, a probability density.

* :func:`goe_tridiagonal` / :func:`goe_eigenvalues`: batched, seeded sampling by the Dumitriu–Edelman
  tridiagonal model (J. Math. Phys. 43, 5830 (2002)): diagonal ``N(0, 1/N)``, off-diagonal
  ``χ_{N-j} / √(2N)``, j = 1..N-1, which has the same eigenvalue law as the dense GOE.
* :func:`goe_density` / :func:`goe_log_density`: the exact ρ_N (Mehta, *Random Matrices*, 3rd ed., §7.2,
  eqs. 7.2.32–7.2.33), for Mehta's weight ``e^{-y²/2}`` and ``y = √N x``:

  .. math::

     R_1(y) = \sum_{k=0}^{N-1} \varphi_k(y)^2
            + \sqrt{N/2}\,\varphi_{N-1}(y)\,(\varepsilon\varphi_N)(y)
            + \mathbb{1}\{N \text{ odd}\}\,\frac{\varphi_{N-1}(y)}{\int \varphi_{N-1}},
     \qquad \rho_N(x) = R_1(\sqrt N x)/\sqrt N,

  with Hermite functions ``φ_k(y) = (2^k k! √π)^{-1/2} H_k(y) e^{-y²/2}`` and
  ``(εf)(y) = ½∫ sgn(y-t) f(t) dt``. The float64 path runs the three-term recurrences for ``φ_k`` and
  ``I_k(y) = ∫_{-∞}^y φ_k`` (``I_{k+1} = √(k/(k+1)) I_{k-1} - √(2/(k+1)) φ_k``) on values carried with a
  per-point logarithmic scale, so it neither underflows in the tails nor overflows for N up to
  several thousand; it evaluates at ``y ≤ 0`` (where both recurrences add terms of one sign in the tail)
  and uses ``ρ_N(-x) = ρ_N(x)``. ``dps=`` runs the same formulas in mpmath at that precision.
* :func:`kth_eigenvalue_statistics`: mean, standard deviation and standard error of ``λ_k`` by Monte Carlo.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._random import as_generator
from .._validate import integer, real_array
from ..errors import InvalidInputError, SizeLimitError

#: most matrix entries (batch × N × N) materialised at once by the dense paths
MAX_DENSE_ENTRIES = 50_000_000
#: most numbers (size × N) the tridiagonal samplers draw in one call (8 bytes each, ~4 arrays: 16 GiB)
MAX_TRIDIAGONAL_ENTRIES = 500_000_000
#: largest N of the exact density (its recurrences take N steps per point)
MAX_N_DENSITY = 20_000
#: most digits of the mpmath density (``dps``) and most points × N of that slow path
MAX_DPS = 100
MAX_MPMATH_WORK = 10_000_000
#: most work of :func:`kth_eigenvalue_statistics`, ``samples × max(N, 10)²`` (about an hour of one core)
MAX_WORK = 1e11
_DENSE_EIG_MAX_N = 48  # below this, batched dense eigvalsh beats a Python loop over tridiagonal solves


def goe_tridiagonal(N: int, size: int = 1, *, rng=None) -> tuple[np.ndarray, np.ndarray]:
    """``(diagonal, off_diagonal)`` of ``size`` tridiagonal GOE models, shapes ``(size, N)`` and ``(size, N-1)``.

    Dumitriu–Edelman β = 1, scaled to ``E M_ij² = (1+δ_ij)/(2N)``: ``a_i ~ N(0, 1/N)``,
    ``b_j ~ χ_{N-j} / √(2N)`` for j = 1..N-1.
    """
    N = integer("N", N, minimum=1)
    size = integer("size", size, minimum=1)
    _check_tridiagonal(N, size)
    gen = as_generator(rng)
    diag = gen.standard_normal((size, N)) / math.sqrt(N)
    dof = np.arange(N - 1, 0, -1, dtype=np.float64)
    off = np.sqrt(gen.chisquare(dof, size=(size, N - 1))) / math.sqrt(2 * N)
    return diag, off


def goe_dense(N: int, size: int = 1, *, rng=None) -> np.ndarray:
    """``size`` dense GOE matrices, shape ``(size, N, N)``: ``(A + Aᵀ)/(2√N)`` with A standard Gaussian."""
    N = integer("N", N, minimum=1)
    size = integer("size", size, minimum=1)
    _check_dense(N, size)
    gen = as_generator(rng)
    A = gen.standard_normal((size, N, N))
    return (A + np.swapaxes(A, 1, 2)) / (2 * math.sqrt(N))


def goe_eigenvalues(N: int, size: int = 1, *, rng=None) -> np.ndarray:
    """Sorted eigenvalues of ``size`` GOE matrices (tridiagonal model), shape ``(size, N)``."""
    diag, off = goe_tridiagonal(N, size, rng=rng)
    return tridiagonal_eigenvalues(diag, off)


def tridiagonal_eigenvalues(diag: np.ndarray, off: np.ndarray) -> np.ndarray:
    """Sorted eigenvalues of a batch of symmetric tridiagonal matrices (rows of ``diag``, ``off``).

    ``diag`` (size, N) and ``off`` (size, N-1) (or one matrix as 1-d arrays): finite real numbers.
    """
    diag = np.atleast_2d(real_array("diag", diag))
    off = np.atleast_2d(real_array("off", off))
    if diag.ndim != 2 or diag.shape[1] == 0 or diag.shape[0] == 0:
        raise InvalidInputError(f"diag must have shape (size, N) with N >= 1, got {diag.shape}")
    size, N = diag.shape
    if N > 1 and off.shape != (size, N - 1):
        raise InvalidInputError(f"off must have shape ({size}, {N - 1}) for diag of shape {diag.shape}, got {off.shape}")
    if N == 1:
        return diag.copy()
    if N <= _DENSE_EIG_MAX_N:
        out = np.empty((size, N))
        chunk = max(1, MAX_DENSE_ENTRIES // (N * N))
        idx = np.arange(N)
        for start in range(0, size, chunk):
            d, e = diag[start:start + chunk], off[start:start + chunk]
            T = np.zeros((len(d), N, N))
            T[:, idx, idx] = d
            T[:, idx[:-1], idx[1:]] = e
            T[:, idx[1:], idx[:-1]] = e
            out[start:start + chunk] = np.linalg.eigvalsh(T)
        return out
    from scipy.linalg import eigvalsh_tridiagonal

    return np.stack([eigvalsh_tridiagonal(d, e) for d, e in zip(diag, off)])


def _check_tridiagonal(N: int, size: int) -> None:
    entries = size * N
    if entries > MAX_TRIDIAGONAL_ENTRIES:
        raise SizeLimitError(
            f"{size} tridiagonal GOE models of size N={N} need {entries} numbers, about "
            f"{4 * 8 * entries / 2**30:.1f} GiB with their eigenvalues; the limit is {MAX_TRIDIAGONAL_ENTRIES} "
            "numbers per call: draw in smaller batches")


def _check_dense(N: int, size: int) -> None:
    entries = size * N * N
    if entries > MAX_DENSE_ENTRIES:
        raise SizeLimitError(
            f"size={size} dense {N}x{N} GOE matrices need {entries * 8 / 2**30:.1f} GiB; the limit is "
            f"{MAX_DENSE_ENTRIES * 8 / 2**30:.1f} GiB: use goe_eigenvalues (tridiagonal) or a smaller batch"
        )


# --- exact mean spectral density ----------------------------------------------------------------

_PI_QUARTER = math.pi ** -0.25
_RESCALE = 1e150


def _log_hermite_integral(n: int) -> float:
    """``log ∫_ℝ φ_n`` for even n: ``√2 π^{1/4} Π_{j=1}^{n/2} √((2j-1)/(2j))``."""
    j = np.arange(1, n // 2 + 1, dtype=np.float64)
    return 0.5 * math.log(2) + 0.25 * math.log(math.pi) + 0.5 * float(np.sum(np.log((2 * j - 1) / (2 * j))))


def _log_r1(y: np.ndarray, N: int) -> np.ndarray:
    """``log R_1(y)`` for Mehta's weight, vectorised over ``y ≤ 0`` (scaled recurrences)."""
    from scipy.special import erfcx

    y = np.asarray(y, dtype=np.float64)
    log_scale = -0.5 * y * y  # φ_k = φ̃_k e^{log_scale}, I_k likewise, S = S̃ e^{2 log_scale}
    phi_prev = np.zeros_like(y)
    phi = np.full_like(y, _PI_QUARTER)
    i_prev = np.zeros_like(y)  # I_{-1}: multiplied by 0 in the first step
    i_cur = _PI_QUARTER * math.sqrt(2 * math.pi) * 0.5 * erfcx(-y / math.sqrt(2))  # I_0
    S = phi * phi
    # invariant at the top of step n: phi = φ_n, phi_prev = φ_{n-1}, i_cur = I_n, i_prev = I_{n-1}
    for n in range(0, N):
        phi_next = math.sqrt(2.0 / (n + 1)) * y * phi - math.sqrt(n / (n + 1)) * phi_prev
        i_next = math.sqrt(n / (n + 1)) * i_prev - math.sqrt(2.0 / (n + 1)) * phi
        phi_prev, phi, i_prev, i_cur = phi, phi_next, i_cur, i_next
        if n + 1 < N:
            S = S + phi * phi
        big = np.abs(phi) > _RESCALE
        if big.any():
            f = np.where(big, np.abs(phi), 1.0)
            phi, phi_prev, i_cur, i_prev = phi / f, phi_prev / f, i_cur / f, i_prev / f
            S = S / (f * f)
            log_scale = log_scale + np.log(f)
    # now phi = φ_N, phi_prev = φ_{N-1}, i_cur = I_N
    phi_nm1 = phi_prev
    A = S + math.sqrt(N / 2) * phi_nm1 * i_cur  # times e^{2 log_scale}
    if N % 2 == 0:
        C = -math.sqrt(N / 2) * 0.5 * math.exp(_log_hermite_integral(N))
    else:
        C = math.exp(-_log_hermite_integral(N - 1))
    B = phi_nm1 * C  # times e^{log_scale}
    with np.errstate(divide="ignore"):
        la = log_scale + np.log(np.abs(A))
        lb = np.log(np.abs(B))
    m = np.maximum(la, lb)
    m = np.where(np.isfinite(m), m, 0.0)
    val = np.sign(A) * np.exp(la - m) + np.sign(B) * np.exp(lb - m)
    with np.errstate(divide="ignore", invalid="ignore"):
        return log_scale + m + np.log(val)


def _r1_mpmath(y, N: int):
    """``R_1(y)`` in mpmath at the working precision (the same formulas, no scaling needed)."""
    import mpmath

    y = mpmath.mpf(y)
    if y > 0:
        y = -y
    phi_prev, phi = mpmath.mpf(0), mpmath.pi ** mpmath.mpf(-0.25) * mpmath.exp(-y * y / 2)
    i_prev = mpmath.mpf(0)
    i_cur = mpmath.pi ** mpmath.mpf(-0.25) * mpmath.sqrt(2 * mpmath.pi) * mpmath.ncdf(y)
    S = phi * phi
    for n in range(N):
        phi_next = mpmath.sqrt(mpmath.mpf(2) / (n + 1)) * y * phi - mpmath.sqrt(mpmath.mpf(n) / (n + 1)) * phi_prev
        i_next = mpmath.sqrt(mpmath.mpf(n) / (n + 1)) * i_prev - mpmath.sqrt(mpmath.mpf(2) / (n + 1)) * phi
        phi_prev, phi, i_prev, i_cur = phi, phi_next, i_cur, i_next
        if n + 1 < N:
            S += phi * phi
    if N % 2 == 0:
        full = mpmath.sqrt(2) * mpmath.pi ** mpmath.mpf(0.25) * mpmath.fprod(
            mpmath.sqrt(mpmath.mpf(2 * j - 1) / (2 * j)) for j in range(1, N // 2 + 1))
        extra = -mpmath.sqrt(mpmath.mpf(N) / 2) * phi_prev * full / 2
    else:
        full = mpmath.sqrt(2) * mpmath.pi ** mpmath.mpf(0.25) * mpmath.fprod(
            mpmath.sqrt(mpmath.mpf(2 * j - 1) / (2 * j)) for j in range(1, (N - 1) // 2 + 1))
        extra = phi_prev / full
    return S + mpmath.sqrt(mpmath.mpf(N) / 2) * phi_prev * i_cur + extra


def goe_log_density(x, N: int) -> np.ndarray:
    """``log ρ_N(x)``, exact (float64), vectorised; finite far into the tails (``ρ_N`` itself underflows)."""
    N = integer("N", N, minimum=1, maximum=MAX_N_DENSITY)
    x = real_array("x", x, allow_inf=True)
    if x.size * N > 4 * MAX_TRIDIAGONAL_ENTRIES:
        raise SizeLimitError(f"goe_log_density: {x.size} points x N={N} recurrence steps is over "
                             f"{4 * MAX_TRIDIAGONAL_ENTRIES} steps; use fewer points")
    y = -np.abs(x) * math.sqrt(N)
    out = _log_r1(y, N) - 0.5 * math.log(N)
    return np.where(np.isinf(x), -np.inf, out)


def goe_density(x, N: int, *, dps: int | None = None):
    """The exact mean spectral density ``ρ_N(x)`` of the N×N GOE (in the normalisation of the module docstring).

    ``∫ ρ_N = 1``; ``ρ_N → (1/π)√(2 - x²)`` as N → ∞. Without ``dps``: float64 array (vectorised).
    With ``dps``: an mpmath number (scalar ``x``) or list, computed at ``dps`` digits.
    """
    N = integer("N", N, minimum=1, maximum=MAX_N_DENSITY)
    if dps is None:
        return np.exp(goe_log_density(x, N))
    import mpmath

    dps = integer("dps", dps, minimum=5, maximum=MAX_DPS)
    arr = real_array("x", x, allow_inf=True)
    if arr.size * N > MAX_MPMATH_WORK:
        raise SizeLimitError(f"goe_density with dps: {arr.size} points x N={N} is over {MAX_MPMATH_WORK} mpmath "
                             "recurrence steps; use fewer points, a smaller N or dps=None")
    scalar = arr.ndim == 0
    xs = [float(arr)] if scalar else [float(v) for v in arr.ravel()]
    with mpmath.workdps(dps):
        sq = mpmath.sqrt(N)
        vals = [_r1_mpmath(sq * mpmath.mpf(v), N) / sq for v in xs]
    return vals[0] if scalar else vals


# --- order statistics by Monte Carlo ----------------------------------------------------------

@dataclass(frozen=True)
class EigenvalueStatistics:
    """Monte Carlo statistics of ``λ_k`` over ``samples`` GOE matrices."""

    N: int
    k: int
    samples: int
    mean: float
    std: float
    stderr: float

    def _repr_latex_(self) -> str:
        """Jupyter: ``$$ \\mathbb{E}\\,\\lambda_k = mean \\pm stderr, \\quad \\mathrm{sd}(\\lambda_k) = std $$``
        with N and the number of samples (λ_k the k-th smallest eigenvalue, k from 0)."""
        from ..display import display_math, latex_number

        k = self.k
        return display_math(
            rf"\mathbb{{E}}\,\lambda_{{{k}}} = {latex_number(self.mean, 6)} \pm {latex_number(self.stderr, 2)},"
            rf"\quad \mathrm{{sd}}(\lambda_{{{k}}}) = {latex_number(self.std, 6)}"
            rf"\qquad (\text{{GOE}},\ N = {self.N},\ {self.samples}\ \text{{samples}})")


def kth_eigenvalue_statistics(N: int, k: int, samples: int = 10_000, *, rng=None) -> EigenvalueStatistics:
    """Mean, standard deviation and standard error of the k-th smallest GOE eigenvalue (Monte Carlo)."""
    N = integer("N", N, minimum=1)
    k = integer("k", k, minimum=0, maximum=N - 1)
    samples = integer("samples", samples, minimum=2)
    work = samples * float(max(N, 10)) ** 2
    if work > MAX_WORK:
        raise SizeLimitError(f"kth_eigenvalue_statistics: {samples} samples at N={N} is about {work:.2g} terms "
                             f"(samples x N^2) of work; the limit is {MAX_WORK:.0e}: use fewer samples")
    lam = goe_eigenvalues(N, samples, rng=rng)[:, k]
    std = float(lam.std(ddof=1))
    return EigenvalueStatistics(N, k, samples, float(lam.mean()), std, std / math.sqrt(samples))


__all__ = [
    "goe_tridiagonal",
    "goe_dense",
    "goe_eigenvalues",
    "tridiagonal_eigenvalues",
    "goe_density",
    "goe_log_density",
    "kth_eigenvalue_statistics",
    "EigenvalueStatistics",
]
