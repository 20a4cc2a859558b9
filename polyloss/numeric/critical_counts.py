r"""Exact finite-N expected numbers of critical points of the spherical p-spin glass (ABC).

For the spherical p-spin Hamiltonian of Auffinger, Ben Arous and Černý (2013, "ABC"), which is the
model of Choromanska et al. (2015), Sec. 3, on :math:`S^{N-1}(\sqrt N)` (``N`` ↔ Λ, ``p`` ↔ H) and
:math:`B = (-\infty, u]` (energy per N at most u), the Kac–Rice identities of ABC (arXiv:1003.1129; the
identity behind their Theorems 2.5 and 2.8 [unverified: its place in the paper]) give

.. math::

    \mathbb{E}\,\mathrm{Crt}_{N,k}(u) = 2\sqrt{2/p}\,(p-1)^{N/2}\;
        \mathbb{E}_{\mathrm{GOE}_N}\big[e^{-N\frac{p-2}{2p}\lambda_k^2}\,\mathbb{1}\{\lambda_k \le c\,u\}\big],
    \qquad c = \sqrt{\tfrac{p}{2(p-1)}},

    \mathbb{E}\,\mathrm{Crt}_{N}(u) = 2N\sqrt{2/p}\,(p-1)^{N/2}
        \int_{-\infty}^{c u} e^{-N\frac{p-2}{2p}x^2}\,\rho_N(x)\,dx,

with the GOE in ABC's normalisation (``E M_ij² = (1+δ_ij)/(2N)``) and its exact one-point density ρ_N
(:func:`polyloss.numeric.goe.goe_density`). Methods of :func:`expected_critical_points`:

``"density"`` (total, any N; the default for ``k=None``)
    Composite Gauss–Legendre quadrature of the closed-form ρ_N, carried in logarithms: exact to about
    1e-12 relative, for N up to several thousand, however small or large the count (``log_value``).
``"joint"`` (N ≤ 3; the default there for an index k)
    Gauss–Legendre quadrature of the GOE joint eigenvalue density over the ordered sector with
    ``λ_k ≤ c u``; normalising constant from Mehta's integral. Exact to about 1e-12.
``"montecarlo"`` (any N)
    Plain average over GOE matrices (tridiagonal model), with its standard error. Reliable only where
    the event ``λ_k ≤ c u`` is not rare: a fraction of at least ~100/samples of the draws must hit it
    (``hits`` in the result). Below ``-E_∞`` the index-k count is exponentially small in N and plain
    Monte Carlo sees no hits; use ``"planted"``. For a mixture with ξ''(1) < ξ'(1) the weight
    ``e^{-N b λ_k²}`` (b < 0) grows with |λ_k| and the average is heavy-tailed: its standard error can
    then understate the error badly at N ≳ 10; prefer ``"joint"`` (N ≤ 3) or ``"planted"`` (k ≤ 1).
``"planted"`` (k ∈ {0, 1}, any N ≥ k + 2)
    The exact order-statistic identity: integrate the k+1 lowest eigenvalues ``x_0 < … < x_k`` on a
    grid (trapezoid rule), and average over the remaining ``N-k-1`` eigenvalues ``w`` drawn from the GOE
    of that size (variance still normalised by N):

    .. math::

        f(x_0..x_k) = \frac{N!}{(N-k-1)!}\frac{Z_{N-k-1}}{Z_N}\prod_{i<j\le k}(x_j-x_i)\,
            e^{-\frac N2\sum_i x_i^2}\;\mathbb{E}_w\Big[\prod_{i\le k,\,j}|x_i-w_j|\,
            \mathbb{1}\{\min_j w_j > x_k\}\Big].

    The exponentially small factors are integrated exactly; the Monte Carlo average is over an event
    that is typical when ``x_k`` lies below the bulk edge ``-√2``, which is where the count lives for
    ``u < -E_∞``. So this is the method for the low-energy tail (``u`` below about ``-E_∞``) and for
    the ``(1/N) log E Crt_{N,k}(u)`` curves (:func:`log_critical_points_curve`). Its grid error is
    O(h²) with h ≈ 0.004 (well under 1e-3 relative); for ``c u`` well inside the bulk the indicator
    becomes rare and the standard error grows (it is reported).

**Mixtures** (derived here). ``p`` may also be a mixture (a mapping ``{degree: a_p²}`` of weights
summing to 1, or a :class:`polyloss.mixture.Mixture`): the mixed spherical spin glass of Auffinger and
Ben Arous (2013, Ann. Probab. 41, 4214–4247, arXiv:1110.5872), ``E[L(w) L(w')] = N ξ(w·w'/N)``,
``ξ(x) = Σ_p a_p² x^p``, ξ(1) = 1; an int p is ξ = x^p and gives exactly the numbers above. Write
``ξ' = ξ'(1)``, ``ξ'' = ξ''(1)``, ``α² = ξ'' + ξ' − ξ'²`` (the variance of the degree under the
weights; 0 iff pure). Differentiating the covariance ``N ξ(w·w'/N)`` at the north pole
``w = √N e_N``, with ``u = L/N``:

* the tangential gradient has N−1 iid ``N(0, ξ')`` entries, independent of everything below;
* the tangential block of the Euclidean Hessian is ``√(2ξ'') G``, G a GOE of size N−1 normalised by N
  (``E G_ij² = (1+δ_ij)/(2N)``), independent of L, of the gradient and of the radial derivative;
* the radial term ``R = w·∇L/N`` has ``Var u = 1/N``, ``Cov(u, R) = ξ'/N``, ``Var R = (ξ'+ξ'')/N``,
  so ``R | u ~ N(ξ' u, α²/N)`` (pure: ``R = p u`` exactly, by Euler's identity ``w·∇L = pL``);
* the Riemannian Hessian is ``√(2ξ'') G − R·I``.

The Kac–Rice formula on ``S^{N-1}(√N)`` (the law at a point is the same everywhere) is

.. math::

    \mathbb{E}\,\mathrm{Crt}_{N,k}(u_0) = |S^{N-1}(\sqrt N)|\,(2\pi\xi')^{-\frac{N-1}2}\,
        \mathbb{E}\big[|\det(\sqrt{2\xi''}G - R I)|\,\mathbb{1}\{\text{index } k\}\,\mathbb{1}\{u \le u_0\}\big],
    \qquad |S^{N-1}(\sqrt N)| = \frac{2\pi^{N/2} N^{(N-1)/2}}{\Gamma(N/2)} .

With ``t = R/√(2ξ'')`` the determinant is ``(2ξ'')^{(N-1)/2} |det(G − t)|``, and putting t among the
N−1 eigenvalues of G gives ``E_{GOE_{N-1}}[|det(G−t)| 1{k eigenvalues below t}] =
Z_N/(N Z_{N-1}) e^{N t²/2} ρ_{N,k}(t)``, with ``Z_m = ∫_{ℝ^m} |Δ(λ)| e^{-N Σλ²/2} dλ``
(:func:`log_goe_normaliser`) and ``ρ_{N,k}`` the density of λ_k of GOE_N. Given R,
``u ~ N(ξ'R/(ξ'+ξ''), α²/(N(ξ'+ξ'')))``, which turns ``1{u ≤ u_0}`` into Φ; t has density
``√(Nξ''/(π(ξ'+ξ''))) e^{-Nξ'' t²/(ξ'+ξ'')}``; and Mehta's ``Z_N/Z_{N-1} = 2√2 Γ(1+N/2) N^{-N/2}``
collapses the constants (area, gradient density, normalisers) to ``2√2``:

.. math::

    \mathbb{E}\,\mathrm{Crt}_{N,k}(u_0) = 2\sqrt{\tfrac{2\xi''}{\xi'+\xi''}}\,
        \Big(\frac{\xi''}{\xi'}\Big)^{\frac{N-1}2}\;
        \mathbb{E}_{\mathrm{GOE}_N}\Big[e^{-N b \lambda_k^2}\,\Phi\Big(\frac{u_0 - m\lambda_k}{\sigma}\Big)\Big],
    \quad b = \frac{\xi''-\xi'}{2(\xi'+\xi'')},\ m = \frac{\xi'\sqrt{2\xi''}}{\xi'+\xi''},\
    \sigma^2 = \frac{\alpha^2}{N(\xi'+\xi'')},

and the total over indices replaces ``E[f(λ_k)]`` by ``N ∫ ρ_N f``. For ξ = x^p: α² = 0, ``b = (p−2)/(2p)``,
``1/m = c``, and ``Φ(·/σ)`` becomes ``1{λ_k ≤ c u_0}``: the formulas above.
:func:`polyloss.symbolic.finite_size.mixed_kac_rice_coefficients` derives the covariances above and
these coefficients in sympy from the kernel, and the tests simplify their pure reduction to 0; they
also check the counts against a Kac–Rice Monte Carlo of the random field itself and against
enumerated critical points of random mixed instances.

Each method carries Φ where the pure case has the indicator: inside the quadrature (``density``,
``joint``, with panels as narrow as Φ's transition), in the average (``montecarlo``) and on the
planted grid (``planted``, whose trapezoid error is then O((h/τ)²), τ = cσ the width of Φ in λ). At
``u_0 = ∞`` Φ ≡ 1, and the count is the pure one at the non-integer ``p = 1 + ξ''/ξ'`` (the
prefactor and ``b`` are those of that p). A degree-1 term is allowed (``ξ'' > 0`` needs a degree ≥
2); ``b < 0`` is then possible, and the λ_k weight decays like ``e^{-N ξ''λ²/(ξ'+ξ'')}``, more slowly
than the GOE's own: the quadrature ranges widen by ``√((ξ'+ξ'')/(2ξ''))`` when that exceeds 1. The
exact methods stay at about 1e-12 relative, and about 1e-10 for a mostly linear mixture such as
``{1: 0.99, 2: 0.01}`` (about 1e-6 for counts far below 1e-50). Below the bulk, Φ lets the count come
from λ_k above ``c u_0``, in Φ's tail, where the λ_k weight is larger: the ranges follow it. A planted
level so deep that its terms fall outside float64 or more than 10 below the grid's usual bottom is
NaN in :func:`log_critical_points_curve` and refused (SizeLimitError) by :func:`expected_critical_points`.

**Random streams and executors.** The Monte Carlo methods split their draws into chunks of
``_CHUNK`` (2000) GOE draws. Chunk c draws from its own generator, seeded by
``derive_seed(base, "chunk", c)`` (:func:`polyloss._random.derive_seed`), where ``base`` is the int
seed ``rng``, an integer drawn once from ``rng`` when it is a numpy Generator, or fresh entropy when
it is None. Each chunk is a task of a :class:`~polyloss.execution.Plan` that returns its partial
sums (count, mean and sum of squared deviations, in the planted method relative to the chunk's own
scale), and the sums are combined in chunk order. So ``executor=`` (None: this process; an int:
local worker processes; a :class:`~polyloss.execution.LocalWorkers`; any
``concurrent.futures.Executor``; a Dask client) changes where the work runs, never the numbers.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._random import as_generator, derive_seed
from .._validate import choice, integer, real, real_array
from ..errors import InvalidInputError, SizeLimitError
from ..mixture import Mixture, as_mixture
from . import goe

METHODS = ("auto", "density", "joint", "montecarlo", "planted")
MAX_N_DENSITY = 20_000
#: widest λ_k weight of a mixture, relative to the GOE's own (``_Law.reach``); beyond it (ξ''/(ξ'+ξ'') below
#: 5e-7) the quadrature grids, which widen with it, would not fit in memory, and the count is refused
MAX_REACH = 1e3
#: most digits of the mpmath density path (``dps``): dps = 100 at N = 10 takes about 10 s, and mpmath's
#: erfc overflows in the far tail at a few hundred digits
MAX_DPS = 100
#: largest N for the mpmath density path (its cost grows like N²: measured N = 20 at 100 digits 51 s,
#: N = 50 at 30 digits 38 s, N = 100 at 15 digits 55 s; N = 60 at 100 digits about 8 minutes)
MAX_N_MPMATH = 60
#: most GOE draws (``samples``) of the Monte Carlo methods
MAX_SAMPLES = 100_000_000
#: most work of one Monte Carlo call, in elementary terms: ``samples × max(N, 10)²`` for "montecarlo"
#: (the eigenvalues of a tridiagonal N×N matrix cost ~10-30 ns × N²), ``samples × grid points ×
#: max(N-k-1, 1)`` for "planted"; about an hour of one core. Larger calls are refused up front
#: (SizeLimitError) with the work they would need.
MAX_WORK = 1e11
_CHUNK = 2_000  # GOE draws per batch


@dataclass(frozen=True)
class CriticalCount:
    """``E Crt_{N,k}(u)`` (``k=None``: all indices) with its standard error (0 for the exact methods).

    ``p`` is the degree (an int) of a pure model, or the :class:`~polyloss.mixture.Mixture` of a mixed
    one (a mapping with one degree is the pure model and gives the int); ``mixture`` is always the Mixture.
    ``value`` may overflow to ``inf`` or underflow to 0 in float64; ``log_value`` is always finite
    when the count is positive. ``float(result)`` is ``value``.
    """

    value: float
    stderr: float
    method: str
    N: int
    p: int | Mixture
    k: int | None
    u: float
    log_value: float
    samples: int = 0
    hits: int = 0

    def __float__(self) -> float:
        return float(self.value)

    def __str__(self) -> str:
        idx = "" if self.k is None else f",{self.k}"
        err = "" if self.stderr == 0 else f" ± {self.stderr:.3g}"
        val = f"{self.value:.10g}" if isinstance(self.value, float) else str(self.value)
        model = f"p={self.p}" if isinstance(self.p, int) else f"xi={self.p.text()}"
        return f"E Crt_{{{self.N}{idx}}}(u={self.u:g}) = {val}{err} [{self.method}, {model}]"

    @property
    def mixture(self) -> Mixture:
        """The model as a :class:`~polyloss.mixture.Mixture` (``ξ(x) = x^p`` for a pure p)."""
        return self.p if isinstance(self.p, Mixture) else Mixture(((self.p, 1),))

    @property
    def log_per_N(self) -> float:
        """``(1/N) log E Crt``, the finite-N counterpart of ``Θ``."""
        return self.log_value / self.N

    def _repr_latex_(self) -> str:
        """Jupyter: ``$$ \\mathbb{E}\\,\\mathrm{Crt}_{N,k}\\bigl((-\\infty, u]\\bigr) = value \\pm stderr $$``
        with p (a mixture: ``ξ(x) = …``) and the method; a value that over- or underflows float64 is
        written ``e^{log_value}``."""
        from ..display import display_math, latex_number

        index = "" if self.k is None else f",{self.k}"
        upper = r"\infty)" if math.isinf(self.u) and self.u > 0 else f"{latex_number(self.u)}]"
        lhs = rf"\mathbb{{E}}\,\mathrm{{Crt}}_{{{self.N}{index}}}\bigl((-\infty, {upper}\bigr)"
        value = float(self.value)
        if (math.isinf(value) or value == 0.0) and math.isfinite(self.log_value):
            rhs = rf"e^{{{latex_number(self.log_value)}}}"
        else:
            rhs = latex_number(value)
        if self.stderr:
            rhs += rf" \pm {latex_number(self.stderr, 3)}"
        model = f"p = {self.p}" if isinstance(self.p, int) else rf"\xi(x) = {self.p.latex()}"
        notes = [model, rf"\text{{{self.method}}}"]
        if self.samples:
            notes.append(rf"{self.samples}\ \text{{samples}}")
        notes = r",\ ".join(notes)
        return display_math(rf"{lhs} = {rhs} \qquad ({notes})")


# --- validation ---------------------------------------------------------------------------------

def _check_common(N, p, k, u):
    N = integer("N (the sphere dimension, number of spins)", N, minimum=2)
    if isinstance(p, (Mapping, Mixture)):
        mixture = as_mixture(p, name="p (a mixture {degree: a_p^2})")
        p = mixture.degree if mixture.is_pure else mixture
    else:
        if isinstance(p, float) and p.is_integer():
            raise InvalidInputError(f"p must be an integer >= 2 (ABC's p-spin model needs an integer p) or a "
                                    f"mixture {{degree: a_p^2}}, got {p!r}")
        p = integer("p (the interaction order H; ABC's p-spin model needs an integer, or a mixture "
                    "{degree: a_p^2})", p, minimum=2)
    if k is not None:
        k = integer("k (the index)", k, minimum=0, maximum=N - 1)
    u = real("u (energy per N, the upper end of B = (-inf, u])", u, allow_inf=True)
    if isinstance(p, Mixture) and _law(p).reach > MAX_REACH:
        raise SizeLimitError(
            f"the mixture {p} has xi''(1)/(xi'(1)+xi''(1)) = {p.xi2 / (p.xi1 + p.xi2):.3g}: the weight of "
            f"lambda_k is {_law(p).reach:.3g} times wider than the GOE's own, and the quadrature grids would grow "
            f"with it (beyond memory); counts are computed for a reach up to {MAX_REACH:g} "
            f"(xi''/(xi'+xi'') >= {1 / (2 * MAX_REACH ** 2):.1g}). A mixture this close to a linear field has "
            "almost no curvature to count critical points by")
    return N, p, k, u


@dataclass(frozen=True)
class _Law:
    """What the count needs of the model ``p`` (an int or a Mixture; module docstring, "Mixtures").

    The λ_k weight is ``e^{-N b λ²}`` times the energy factor ``Φ((c u - λ)/(width/√N))``
    (``width`` = 0: the indicator ``1{λ ≤ c u}`` of the pure model), with ``c = 1/m`` and
    ``width = c √(α²/(ξ'+ξ''))``, so that ``(c u - λ)/(width/√N) = (u - mλ)/σ``. ``rate = ξ''/(ξ'+ξ'')``:
    ``e^{-N λ²/2 - N b λ²} = e^{-N rate λ²}``. For a pure p every number is computed as before the
    mixtures existed (the same floating-point operations).
    """

    p: object
    b: float
    c: float
    width: float
    rate: float
    edge_energy: float  # E_∞ = √2/c: λ_k = -√2 (the bulk edge) is the energy -E_∞

    def log_prefactor(self, N: int) -> float:
        """``log(2 √(2ξ''/(ξ'+ξ'')) (ξ''/ξ')^{(N-1)/2})``; pure: ``log(2 √(2/p) (p-1)^{N/2})``."""
        if isinstance(self.p, int):
            p = self.p
            return math.log(2.0) + 0.5 * math.log(2.0 / p) + 0.5 * N * math.log(p - 1)
        xi1, xi2 = self.p.xi1, self.p.xi2
        return math.log(2.0) + 0.5 * math.log(2.0 * xi2 / (xi1 + xi2)) + 0.5 * (N - 1) * math.log(xi2 / xi1)

    def a(self, N: int) -> float:
        """``N b``, the coefficient of ``λ_k²`` in the exponent."""
        if isinstance(self.p, int):
            return N * (self.p - 2) / (2.0 * self.p)
        return N * self.b

    @property
    def reach(self) -> float:
        """``1/√(2 min(rate, 1/2))``: how much wider than the GOE's own ``e^{-Nλ²/2}`` the λ_k weight
        is (1 for a pure model)."""
        return 1.0 / math.sqrt(2.0 * min(self.rate, 0.5))

    def tau(self, N: int) -> float:
        """The width of Φ in λ (0 for a pure model)."""
        return self.width / math.sqrt(N)

    def log_energy_factor(self, lam, cu, tau):
        """``log Φ((cu - λ)/τ)``, or ``log 1{λ ≤ cu}`` for τ = 0 (arrays broadcast)."""
        from scipy.special import log_ndtr

        lam = np.asarray(lam, dtype=float)
        cu = np.asarray(cu, dtype=float)
        if tau == 0:
            return np.where(lam <= cu, 0.0, -np.inf)
        with np.errstate(invalid="ignore"):
            z = (cu - lam) / tau
        return np.where(np.isposinf(cu), 0.0, log_ndtr(np.where(np.isposinf(cu), 0.0, z)))


def _law(p) -> _Law:
    """The :class:`_Law` of ``p``: an int (pure) or a Mixture (checked by :func:`_check_common`)."""
    if isinstance(p, int):
        return _Law(p, (p - 2) / (2.0 * p), _scale(p), 0.0, (p - 1) / p, 2 * math.sqrt((p - 1) / p))
    xi1, xi2, alpha2 = p.xi1, p.xi2, p.alpha2
    c = (xi1 + xi2) / (xi1 * math.sqrt(2.0 * xi2))
    return _Law(p, (xi2 - xi1) / (2.0 * (xi1 + xi2)), c, c * math.sqrt(alpha2 / (xi1 + xi2)),
                xi2 / (xi1 + xi2), math.sqrt(2.0) / c)


def _scale(p: int) -> float:
    """``c = √(p / (2(p-1)))``: ``λ ≤ c u`` is the GOE event of energy ``≤ u`` (pure p)."""
    return math.sqrt(p / (2.0 * (p - 1)))


def _result(log_value, stderr, method, N, p, k, u, samples=0, hits=0):
    value = math.exp(log_value) if log_value < 709 else math.inf
    return CriticalCount(value, stderr, method, N, p, k, u, log_value, samples, hits)


def _config_model(p):
    """``p`` in a plan's (JSON) configuration: the int, or :meth:`Mixture.to_config`."""
    return p if isinstance(p, int) else p.to_config()


def _model_of(config) -> object:
    p = config["p"]
    return p if isinstance(p, int) else Mixture.from_config(p, name="p")


# --- public -------------------------------------------------------------------------------------

def expected_critical_points(N, p, k=None, u=math.inf, *, method="auto", samples=20_000, rng=None,
                             dps=None, progress=False, executor=None, threads=1) -> CriticalCount:
    r"""The exact finite-N expected number of critical points ``E Crt_{N,k}((-∞, u])`` (ABC
    Theorems 2.5, 2.8 [unverified]; for a mixture the formula derived here, module docstring).

    Args:
        N: sphere dimension (number of spins, Λ), ≥ 2.
        p: interaction order (H), an integer ≥ 2 (ABC's model; the formulas need ``(p-1)^{N/2}``
            and ``p-2 ≥ 0``); or a mixture: a mapping ``{degree: a_p²}`` (weights summing to 1, a
            degree ≥ 2 among them; degree 1 allowed) or a :class:`~polyloss.mixture.Mixture`. Every
            method takes a mixture, exact where the pure case is exact (for ξ''/(ξ'+ξ'') ≥ 5e-7; a mixture
            closer to a linear field is refused with SizeLimitError, see :data:`MAX_REACH`).
        k: index (number of negative Hessian eigenvalues), 0..N-1; ``None`` counts every index.
        u: energy per N; ``B = (-∞, u]``; ``inf`` (default) counts all energies.
        method: ``"auto"`` | ``"density"`` | ``"joint"`` | ``"montecarlo"`` | ``"planted"`` (module
            docstring). ``auto``: density for the total, joint for N ≤ 3, planted for k ∈ {0, 1} and
            ``u`` below ``-E_∞`` (where plain Monte Carlo fails), montecarlo otherwise.
        samples: GOE draws for the Monte Carlo methods, 2 .. :data:`MAX_SAMPLES`. A Monte Carlo call
            whose work (:data:`MAX_WORK`) or chunk memory (half the free memory) is too large is
            refused up front with SizeLimitError, giving the size it would need.
        rng: the Monte Carlo methods' seed: an int (reproducible), a numpy Generator (one integer is
            drawn from it and used as the int seed: a generator in the same state gives the same
            result, and the generator advances by one draw), or None (fresh entropy). Chunk c of
            2000 draws uses ``derive_seed(seed, "chunk", c)`` (module docstring).
        dps: digits for the ``density`` method run in mpmath (slow; float64 is already exact to ~1e-12):
            10 .. :data:`MAX_DPS` (100), for N up to :data:`MAX_N_MPMATH` (60); only with the density method.
        progress: a tqdm bar on stderr (tasks of the Monte Carlo methods).
        executor: where the Monte Carlo chunks run (:mod:`polyloss.execution`: None for this process,
            an int for local worker processes, a ``LocalWorkers``, a ``concurrent.futures.Executor``
            or a Dask client); the result is the same bit for bit whatever runs them.
        threads: torch threads per chunk task, as for every plan (default 1; None leaves torch's
            setting). The chunks are numpy work: while torch is not loaded nothing is set.

    Returns:
        :class:`CriticalCount` (``value``, ``stderr``, ``method``, ``log_value``, ...).
    """
    N, p, k, u = _check_common(N, p, k, u)
    method = choice("method", method, METHODS)
    samples = integer("samples", samples, minimum=2, maximum=MAX_SAMPLES)
    if dps is not None:
        dps = integer("dps (digits of the mpmath density path)", dps, minimum=10, maximum=MAX_DPS)
    if threads is not None:
        threads = integer("threads", threads, minimum=1)
    if method == "auto":
        if k is None:
            method = "density"
        elif N <= 3:
            method = "joint"
        elif k <= 1 and u < -_law(p).edge_energy:
            method = "planted"
        else:
            method = "montecarlo"
    if dps is not None and method != "density":
        raise InvalidInputError(f"dps={dps} applies to method='density' only (the total, k=None); got method={method!r}")
    if method == "density":
        if k is not None:
            raise InvalidInputError(f"method='density' gives the total over all indices (k=None); got k={k}: "
                                    "use 'joint' (N <= 3), 'montecarlo' or 'planted' for one index")
        return _total_density(N, p, u, dps)
    if method == "joint":
        if N > 3:
            raise InvalidInputError(f"method='joint' integrates the joint eigenvalue density, N in 2..3; got N={N}")
        ks = range(N) if k is None else [k]
        value = sum(_joint_integral(N, p, kk, u) for kk in ks)
        return _result(math.log(value) if value > 0 else -math.inf, 0.0, "joint", N, p, k, u)
    if method == "montecarlo":
        _check_montecarlo_size(N, samples)
        return _monte_carlo(N, p, k, u, samples, _base_seed(rng), progress, executor, threads)
    if k is None or k > 1 or N < k + 2:
        raise InvalidInputError(f"method='planted' handles k = 0 or 1 with N >= k + 2; got k={k}, N={N}")
    base = _base_seed(rng)  # validated (and drawn from a Generator) even when no draw is needed
    if u == -math.inf:
        return _result(-math.inf, 0.0, "planted", N, p, k, u, samples)
    curve = _planted_curve(N, p, k, np.array([u]), samples, base, progress, executor, threads)
    if math.isnan(curve["log_value"][0]):
        raise SizeLimitError(f"planted method at N={N}, u={u}: a mixture this far in the low-energy tail is beyond "
                             "the planted grid (more than 10 below its usual bottom) or float64 (every term below "
                             "e^-700 of the draws' scale); use a smaller N or a higher u")
    return _result(curve["log_value"][0], curve["stderr"][0], "planted", N, p, k, u, samples)


def log_critical_points_curve(N, p, u, k=None, *, samples=2_000, rng=None, progress=False, executor=None,
                              threads=1) -> dict:
    r"""``(1/N) log E Crt_{N,k}(u)`` on a grid of ``u`` in one pass (for convergence figures).

    ``p``: an int or a mixture, as in :func:`expected_critical_points`.
    ``k=None``: the exact total (density method, cumulative quadrature). ``k ∈ {0, 1}``: the planted
    method with common random numbers across the grid (smooth curves); reliable for ``u`` up to a
    little above ``-E_∞`` (see the module docstring; compare ``stderr`` with ``value``). ``rng``,
    ``executor`` and ``threads`` as in :func:`expected_critical_points` (the Monte Carlo chunks are
    tasks; the curve is the same bit for bit whatever runs them).

    Returns ``{"u", "log_per_N", "value", "stderr"}`` as arrays (``stderr`` 0 for the exact total). For a
    mixture, a level whose planted terms all lie below e^-700 of the draws' scale, or that lies more than
    10 below the planted grid's usual bottom (far in the low-energy tail, beyond float64 or the grid), is
    NaN, not a number that looks like a count.
    """
    N, p, k, _ = _check_common(N, p, k, 0.0)
    u = real_array("u", u, allow_inf=True)
    if u.size == 0:
        raise InvalidInputError(f"u must hold at least one energy level, got {_short(u)}")
    if u.size > 100_000:
        raise SizeLimitError(f"u has {u.size} levels; at most 100000 levels per curve")
    samples = integer("samples", samples, minimum=2, maximum=MAX_SAMPLES)
    if threads is not None:
        threads = integer("threads", threads, minimum=1)
    if k is None:
        log_v = np.array([_total_density(N, p, float(v), None).log_value for v in u.ravel()]).reshape(u.shape)
        stderr = np.zeros_like(log_v)
    else:
        if k > 1 or N < k + 2:
            raise InvalidInputError(f"curves by index are available for k = 0 or 1 with N >= k + 2; got k={k}, N={N}")
        curve = _planted_curve(N, p, k, u.ravel(), samples, _base_seed(rng), progress, executor, threads)
        log_v, stderr = curve["log_value"].reshape(u.shape), curve["stderr"].reshape(u.shape)
    with np.errstate(over="ignore"):
        value = np.exp(log_v)
    return {"u": u, "log_per_N": log_v / N, "value": value, "stderr": stderr}


# --- density method (total) ----------------------------------------------------------------------

_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(16)


def _gauss_legendre_edges(edges: np.ndarray):
    """16-point Gauss–Legendre on every panel between consecutive ``edges``."""
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[:-1] + edges[1:])
    nodes = (mid[:, None] + half[:, None] * _GL_NODES[None, :]).ravel()
    weights = (half[:, None] * _GL_WEIGHTS[None, :]).ravel()
    return nodes, weights


def _gauss_legendre(lo: float, hi: float, panels: int):
    edges = np.linspace(lo, hi, panels + 1)
    half = 0.5 * np.diff(edges)
    mid = 0.5 * (edges[:-1] + edges[1:])
    nodes = (mid[:, None] + half[:, None] * _GL_NODES[None, :]).ravel()
    weights = (half[:, None] * _GL_WEIGHTS[None, :]).ravel()
    return nodes, weights


def _log_integrand_y(y, N, law, hi=math.inf):
    """``log[e^{-b y²} R_1(y) Φ((hi - y)/width)]`` in Mehta's variable ``y = √N x`` (``hi = √N c u``;
    pure: ``b = (p-2)/(2p)`` and no Φ, the cut at ``hi`` is the quadrature's end)."""
    out = -law.b * y * y + goe._log_r1(-np.abs(y), N)
    if law.width:
        out = out + law.log_energy_factor(y, hi, law.width)
    return out


def _window(N: int, law, hi: float):
    """``(lo, hi_q)``: where ``log integrand > max - 90`` within ``(-∞, hi]`` (pure) or on ℝ (a mixture,
    whose Φ ends the integrand smoothly), by a coarse scan of the float path."""
    reach = (3.0 * math.sqrt(N) + 30.0) * law.reach
    if law.width == 0:
        top = min(hi, reach)
        bottom = min(-reach, top - 60.0)
        coarse = np.linspace(bottom, top, 4001)
        L = _log_integrand_y(coarse, N, law, hi)
        keep = _kept(L, hi)
        step = coarse[1] - coarse[0]
        return coarse[keep[0]] - step, min(coarse[keep[-1]] + step, top)
    # a mixture: Φ ends the integrand smoothly above hi, which may lie far below the bulk; the log
    # integrand is unimodal there, and a second scan around the coarse maximum resolves Φ's tail
    top = reach
    bottom = min(-reach, hi - 60.0)
    points = np.linspace(bottom, top, 4001)
    L = _log_integrand_y(points, N, law, hi)
    j = int(np.argmax(L))
    if points[1] - points[0] > law.width / 4:
        fine = np.linspace(points[max(j - 2, 0)], points[min(j + 2, len(points) - 1)], 4001)
        points = np.concatenate([points, fine])
        order = np.argsort(points, kind="stable")
        points = points[order]
        L = np.concatenate([L, _log_integrand_y(fine, N, law, hi)])[order]
    keep = _kept(L, hi)
    return points[max(keep[0] - 1, 0)], points[min(keep[-1] + 1, len(points) - 1)]


def _kept(L: np.ndarray, hi: float) -> np.ndarray:
    """Indices where the log integrand is within 90 of its maximum; refused when the scan found no finite
    value (an energy so far below the bulk that float64 cannot place the integrand near the GOE level hi)."""
    top = L.max() if L.size else -np.inf
    keep = np.nonzero(L > top - 90.0)[0] if np.isfinite(top) else np.empty(0, dtype=int)
    if keep.size == 0:
        raise InvalidInputError(f"u lies too far below the bulk for the density method's float64 quadrature "
                                f"(the GOE level c u sqrt(N) = {hi:.3g}); its log count is about "
                                f"-N (c u)^2 b, beyond any use")
    return keep


def _panels(lo: float, hi: float, width: float, centre: float, fine: float) -> np.ndarray:
    """Panel edges on ``[lo, hi]``: at most ``width`` wide, and at most ``fine`` wide from ``centre - 12 fine``
    up (where a Φ of scale ``fine`` centred at ``centre`` falls off; at most 100000 fine panels)."""
    split = max(lo, centre - 12.0 * fine)
    if split >= hi:
        return np.linspace(lo, hi, max(8, int(math.ceil((hi - lo) / width))) + 1)
    fine = max(min(fine, width), (hi - split) / 100_000)
    below = np.linspace(lo, split, int(math.ceil((split - lo) / width)) + 1)[:-1] if split > lo else np.empty(0)
    return np.concatenate([below, np.linspace(split, hi, int(math.ceil((hi - split) / fine)) + 1)])


def _total_density(N: int, p, u: float, dps):
    if N > MAX_N_DENSITY:
        raise SizeLimitError(f"N={N} exceeds the density method's limit N <= {MAX_N_DENSITY} "
                             f"(its recurrence is O(N) per quadrature node)")
    if dps is not None and N > MAX_N_MPMATH:
        raise SizeLimitError(f"N={N} with dps={dps}: the mpmath density path is limited to N <= {MAX_N_MPMATH} "
                             "(its cost grows like N^2); leave dps=None (float64 is exact to ~1e-12)")
    if u == -math.inf:
        return _result(-math.inf, 0.0, "density", N, p, None, u)
    law = _law(p)
    hi = math.sqrt(N) * law.c * u if math.isfinite(u) else math.inf
    lo, hi_q = _window(N, law, hi)
    if dps is not None:
        return _total_density_mpmath(N, p, u, hi, lo, hi_q, dps)
    # panel width ~ half the local eigenvalue spacing π/√(2N) (R_1 ripples on that scale); a mixture's Φ
    # (width law.width in y) gets panels of its own width from 12 widths below its centre hi upwards
    width = 0.5 * math.pi / math.sqrt(2.0 * N)
    if law.width == 0 or hi == math.inf:
        nodes, weights = _gauss_legendre(lo, hi_q, max(8, int(math.ceil((hi_q - lo) / width))))
    else:
        nodes, weights = _gauss_legendre_edges(_panels(lo, hi_q, width, hi, law.width))
    Lq = _log_integrand_y(nodes, N, law, hi)
    m = Lq.max()
    log_int = m + math.log(float(np.sum(weights * np.exp(Lq - m))))
    return _result(law.log_prefactor(N) + log_int, 0.0, "density", N, p, None, u)


def _total_density_mpmath(N: int, p, u: float, hi: float, lo: float, hi_q: float, dps: int):
    """The same integral by ``mpmath.quad`` at ``dps`` digits, on the float path's window (tails included)."""
    import mpmath

    with mpmath.workdps(dps):
        if isinstance(p, int):
            a = mpmath.mpf(p - 2) / (2 * p)
            f = lambda y: mpmath.exp(-a * y * y) * goe._r1_mpmath(y, N)  # noqa: E731
            pref = 2 * mpmath.sqrt(mpmath.mpf(2) / p) * mpmath.mpf(p - 1) ** (mpmath.mpf(N) / 2)
            cut = mpmath.sqrt(N) * mpmath.sqrt(mpmath.mpf(p) / (2 * (p - 1))) * mpmath.mpf(u)
        else:
            xi1, xi2, alpha2 = (mpmath.mpf(x) for x in (p.xi1, p.xi2, p.alpha2))  # float64 weights' values
            a = (xi2 - xi1) / (2 * (xi1 + xi2))
            c = (xi1 + xi2) / (xi1 * mpmath.sqrt(2 * xi2))
            width = c * mpmath.sqrt(alpha2 / (xi1 + xi2))
            centre = mpmath.sqrt(N) * c * mpmath.mpf(u) if hi != math.inf else mpmath.inf
            if hi == math.inf:
                f = lambda y: mpmath.exp(-a * y * y) * goe._r1_mpmath(y, N)  # noqa: E731
            else:
                f = lambda y: (mpmath.exp(-a * y * y) * goe._r1_mpmath(y, N)  # noqa: E731
                               * mpmath.ncdf((centre - y) / width))
            pref = 2 * mpmath.sqrt(2 * xi2 / (xi1 + xi2)) * (xi2 / xi1) ** (mpmath.mpf(N - 1) / 2)
            cut = mpmath.inf
        points = [-mpmath.inf] + list(mpmath.linspace(mpmath.mpf(lo), mpmath.mpf(hi_q), max(8, 2 * N)))
        points.append(mpmath.inf if hi == math.inf else cut)
        if points[-1] <= points[-2]:
            points.pop(-2)
        integral = mpmath.quad(f, points)
        value = pref * integral
        log_value = float(mpmath.log(value)) if value > 0 else -math.inf
    return CriticalCount(value, 0.0, "density", N, p, None, u, log_value)


# --- joint method (N <= 3) -----------------------------------------------------------------------

def log_goe_normaliser(m: int, N: int) -> float:
    r"""``log ∫_{ℝ^m} |Δ(λ)| e^{-N/2 Σ λ²} dλ`` (Mehta's integral, γ = 1/2: ``(2π)^{m/2} Π Γ(1+j/2)/Γ(3/2)``,
    rescaled from ``e^{-x²/2}`` to ``e^{-N λ²/2}``)."""
    s = 0.5 * m * math.log(2 * math.pi) + sum(math.lgamma(1 + j / 2) - math.lgamma(1.5) for j in range(1, m + 1))
    return s - 0.5 * m * math.log(N) - 0.25 * m * (m - 1) * math.log(N)


def _joint_integral(N: int, p, k: int, u: float) -> float:
    """``2√(2/p)(p-1)^{N/2} (N!/Z_N) ∫_{λ_0<…<λ_{N-1}, λ_k ≤ cu} |Δ| e^{-N/2Σλ² - aλ_k²} dλ``
    (N ≤ 3);
    a mixture: its prefactor, ``a = N b``, and ``Φ((cu - λ_k)/τ)`` in place of the indicator."""
    law = _law(p)
    a = law.a(N)
    if u == -math.inf:
        return 0.0
    cu = law.c * u if math.isfinite(u) else math.inf
    W_other = 14.0 / math.sqrt(N)  # the other eigenvalues keep the GOE's e^{-Nλ²/2}
    W = W_other * law.reach  # λ_k's weight e^{-N rate λ²} is wider when rate < 1/2
    tau = law.tau(N)
    if tau == 0 or cu == math.inf:
        v_hi = min(cu, W)
        v_lo = min(-W, v_hi - W)
        v, wv = _gauss_legendre(v_lo, v_hi, math.ceil(12 * law.reach))
        log_phi = np.zeros_like(v)
    else:  # Φ's tail ends the range 40 widths above its centre (log Φ(-40) < -800), further when λ_k's
        # weight e^{-N rate λ²} grows steeply there (its peak in Φ's tail is 2 N rate |cu| τ widths up); panels 2 wide
        v_hi = min(cu + (40.0 + 4.0 * N * law.rate * abs(cu) * tau) * tau, W)
        v_lo = min(-W, v_hi - W)
        base = (v_hi - v_lo) / math.ceil(12 * law.reach)
        v, wv = _gauss_legendre_edges(_panels(v_lo, v_hi, base, cu, 2.0 * tau))
        log_phi = law.log_energy_factor(v, cu, tau)
    g, wg = _gauss_legendre(0.0, 1.0, 4)  # nodes on [0, 1] for the other eigenvalues
    n_below, n_above = k, N - 1 - k

    wide = law.reach > 1  # λ_k may lie far out where the others' own e^{-Nλ²/2} leaves nothing

    def others(vv):
        """Points (list of arrays) and weights for the other eigenvalues given λ_k = vv (broadcast): those
        above vv on [up, hi_end], those below on [lo_end, down] (up = down = vv; when λ_k's weight is
        wider than the GOE's, clipped to where the others' weight lives, [-W_other, W_other] and vv's side)."""
        if wide:
            up, down = np.maximum(vv, -W_other), np.minimum(vv, W_other)
            lo_end, hi_end = np.minimum(vv, 0.0) - W_other, np.maximum(vv, 0.0) + W_other
        else:
            up = down = vv
            lo_end, hi_end = vv - W_other, np.maximum(vv, 0.0) + W_other
        if n_below + n_above == 1:
            if n_above:
                y = up + (hi_end - up) * g
                return [y], wg * (hi_end - up)
            y = down - (down - lo_end) * g
            return [y], wg * (down - lo_end)
        if n_above == 2:  # vv < y < z < hi_end
            y = up + (hi_end - up) * g[:, None]
            z = y + (hi_end - y) * g[None, :]
            return [y, z], (wg[:, None] * wg[None, :]) * (hi_end - up) * (hi_end - y)
        if n_below == 2:  # lo_end < z < y < vv
            y = down - (down - lo_end) * g[:, None]
            z = y - (y - lo_end) * g[None, :]
            return [y, z], (wg[:, None] * wg[None, :]) * (down - lo_end) * (y - lo_end)
        y = down - (down - lo_end) * g[:, None]  # one below, one above (a product domain)
        z = up + (hi_end - up) * g[None, :]
        return [y, z], (wg[:, None] * wg[None, :]) * (down - lo_end) * (hi_end - up)

    total = 0.0
    for vv, w in zip(v, wv * np.exp(log_phi)):
        pts, wts = others(vv)
        lam = [np.asarray(vv, dtype=float)] + [np.asarray(q, dtype=float) for q in pts]
        lam = np.broadcast_arrays(*lam)
        vdm = np.ones_like(lam[0])
        for i in range(N):
            for j in range(i + 1, N):
                vdm = vdm * np.abs(lam[i] - lam[j])
        expo = -0.5 * N * sum(q * q for q in lam) - a * vv * vv
        total += w * float(np.sum(wts * vdm * np.exp(expo)))
    log_norm = math.lgamma(N + 1) - log_goe_normaliser(N, N)
    return math.exp(law.log_prefactor(N) + log_norm) * total


# --- Monte Carlo: chunks of draws as tasks ------------------------------------------------------

def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _memory_limit() -> int:
    from .._device import available_memory_bytes

    return available_memory_bytes("cpu") // 2


def _check_montecarlo_size(N: int, samples: int) -> None:
    """Refuse (SizeLimitError) a plain Monte Carlo call whose chunk would not fit in memory or whose
    work exceeds :data:`MAX_WORK`, before any draw."""
    draws = min(samples, _CHUNK)
    need = draws * N * 8 * 6  # diagonal, off-diagonal, eigenvalues and the weights of a chunk
    limit = _memory_limit()
    if need > limit:
        raise SizeLimitError(f"Monte Carlo at N={N}: a chunk of {draws} GOE draws needs about {need / 2**30:.1f} GiB "
                             f"({need} bytes) but the limit is {limit / 2**30:.1f} GiB (half the free memory); "
                             "use a smaller N")
    work = samples * float(max(N, 10)) ** 2
    if work > MAX_WORK:
        raise SizeLimitError(f"Monte Carlo at N={N} with {samples} samples needs about {work:.2g} terms "
                             f"(samples x N^2) of work; the limit is {MAX_WORK:.0e} (about an hour of one core): "
                             "use fewer samples or a smaller N")


def _base_seed(rng) -> int:
    """The integer that seeds every chunk: ``rng`` itself (an int), one integer drawn from a numpy
    Generator, or fresh entropy for None."""
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**62))
    if rng is None:
        return derive_seed(None)
    try:
        as_generator(rng)  # refuses anything but a non-negative int
    except InvalidInputError:
        raise InvalidInputError(f"rng must be None, a non-negative int seed or a numpy Generator; got {rng!r}") from None
    return int(rng)


def _chunk_generator(config: dict, task) -> np.random.Generator:
    return np.random.default_rng(derive_seed(config["seed"], "chunk", task.args["chunk"]))


def _run_chunks(name: str, function, config: dict, samples: int, executor, threads, progress) -> list:
    """``function`` on chunks of ``_CHUNK`` draws (chunk c: ``derive_seed(seed, "chunk", c)``), as an
    in-memory plan; the pieces in chunk order."""
    from ..execution import Plan, Task

    sizes = [min(_CHUNK, samples - lo) for lo in range(0, samples, _CHUNK)]
    tasks = [Task(f"chunk={c}", {"chunk": c, "draws": n}, cost=float(n)) for c, n in enumerate(sizes)]
    if "torch" not in sys.modules:
        # the chunks are numpy work: with torch not loaded there is no torch setting to hold, and
        # importing torch only to set it would cost a second or two (the numbers are the same)
        threads = None
    plan = Plan(name, function, config, tasks, threads=threads, cost_unit="GOE draws")
    pieces = plan.run(executor, progress=progress)
    return [pieces[t.key] for t in tasks]


def _combine(parts):
    """Count, mean and sum of squared deviations of the union of samples, from those of its parts (in
    the order given: Chan, Golub & LeVeque's pairwise update), elementwise for arrays."""
    n, mean, m2 = 0, 0.0, 0.0
    for n_c, mean_c, m2_c in parts:
        total = n + n_c
        delta = mean_c - mean
        mean = mean + delta * (n_c / total)
        m2 = m2 + m2_c + delta * delta * (n * n_c / total)
        n = total
    return n, mean, m2


def _montecarlo_chunk(config: dict, task) -> dict:
    """One chunk of the plain Monte Carlo: ``f = Σ_{k} e^{-a λ_k²} 1{λ_k ≤ c u}`` over its GOE draws
    (a mixture: ``Φ((cu - λ_k)/τ)`` for the indicator; a hit is still ``λ_k ≤ c u``)."""
    N, k, u = config["N"], config["k"], config["u"]
    law = _law(_model_of(config))
    a = law.a(N)
    cu = law.c * u if math.isfinite(u) else u
    lam = goe.goe_eigenvalues(N, task.args["draws"], rng=_chunk_generator(config, task))
    lam_k = lam if k is None else lam[:, [k]]
    inside = lam_k <= cu
    if law.width == 0:
        f = np.sum(np.exp(-a * lam_k * lam_k) * inside, axis=1)
    else:
        f = np.sum(np.exp(-a * lam_k * lam_k + law.log_energy_factor(lam_k, cu, law.tau(N))), axis=1)
    mean = f.mean()
    return {"draws": np.int64(len(f)), "mean": np.float64(mean), "m2": np.float64(np.sum((f - mean) ** 2)),
            "hits": np.int64(np.count_nonzero(inside.any(axis=1)))}


def _monte_carlo(N, p, k, u, samples, seed, progress, executor, threads):
    config = {"kind": "critical_counts_montecarlo", "N": N, "p": _config_model(p), "k": k, "u": float(u),
              "seed": seed}
    parts = _run_chunks(f"GOE Monte Carlo N={N}", _montecarlo_chunk, config, samples, executor, threads, progress)
    n, mean, m2 = _combine((int(r["draws"]), float(r["mean"]), float(r["m2"])) for r in parts)
    hits = sum(int(r["hits"]) for r in parts)
    var = max(m2, 0.0) / (n - 1)
    log_pref = _law(p).log_prefactor(N)
    pref = math.exp(log_pref)
    value_log = log_pref + math.log(mean) if mean > 0 else -math.inf
    return _result(value_log, pref * math.sqrt(var / n), "montecarlo", N, p, k, u, n, hits)


def _planted_grid(N: int, law, u: np.ndarray, size_only: bool = False) -> dict:
    """The grid of the planted method for the levels ``u``: nodes ``x``, trapezoid weights, ``c u``
    (``size_only``: just ``{"M": number of nodes}``, nothing allocated). A mixture's grid reaches 14
    widths of Φ (and more in the far tail) above the highest ``c u`` (log Φ(-14) < -100), further down when its λ_k weight decays
    more slowly than ``e^{-Nλ²/2}`` (``law.reach``), and :func:`_planted_margin` below the lowest
    ``c u`` (Φ does not cut the weight off below ``c u`` as the indicator does), but at most 10 below
    the pure grid's bottom: a lower level is left unresolved (NaN), not truncated."""
    cu = law.c * np.clip(np.asarray(u, dtype=float), -1e6, 1e6)
    tau = law.tau(N)
    # above c u, Φ's tail: 14 widths (log Φ(-14) < -100), and more where the λ_k weight e^{-N rate λ²}
    # grows steeply (the product peaks 2 N rate |cu| τ widths above cu)
    top = float(min(np.max(cu + (14.0 + 4.0 * N * law.rate * np.abs(cu) * tau) * tau), math.sqrt(2) + 2.0))
    bottom = -(math.sqrt(2) + 2.0 + 12.0 / math.sqrt(N) * law.reach)
    if top <= bottom:
        bottom = top - 12.0 / math.sqrt(N) * law.reach - 2.0
    if law.width:
        bottom = min(bottom, max(float(np.min(cu)) - _planted_margin(N, law), bottom - 10.0))
    h = min(0.004, 0.02 / math.sqrt(N))
    M = int(math.ceil((top - bottom) / h)) + 1
    if size_only:
        return {"M": M}
    x = np.linspace(bottom, top, M)
    trap = np.full(M, x[1] - x[0])
    trap[0] = trap[-1] = 0.5 * (x[1] - x[0])
    return {"x": x, "trap": trap, "cu": cu}


def _planted_margin(N: int, law) -> float:
    """How far below a mixture's ``c u`` the planted grid must reach."""
    return 12.0 / math.sqrt(N) * law.reach + 2.0


def _planted_chunk(config: dict, task) -> dict:
    """One chunk of the planted estimator at every level: per-draw values in units of ``e^{(k+1) shift}``
    with this chunk's own ``shift`` (the largest finite ``log h`` of its draws; ``-inf`` when none).

    A mixture's weight ``e^{-a x²}`` may grow outwards (``a < 0`` when ξ'' < ξ'), so its values are
    carried relative to the largest ``log h - a x²`` instead (k = 0), or half of that plus half the
    largest ``log h`` (k = 1: one weighted and one plain planted eigenvalue)."""
    N, k = config["N"], config["k"]
    law = _law(_model_of(config))
    grid = _planted_grid(N, law, np.asarray(config["u"], dtype=float))
    x, trap, cu = grid["x"], grid["trap"], grid["cu"]
    M = len(x)
    a = law.a(N)
    m = N - k - 1  # eigenvalues drawn by Monte Carlo
    n = task.args["draws"]
    if m > 0:
        lam = goe.goe_eigenvalues(m, n, rng=_chunk_generator(config, task)) * math.sqrt(m / N)  # GOE_m, variance 1/N
        w_min = lam[:, 0]
        logprod = np.zeros((n, M))
        for j in range(m):
            logprod += np.log(np.abs(x[None, :] - lam[:, [j]]))
    else:
        w_min = np.full(n, np.inf)
        logprod = np.zeros((n, M))
    ok = x[None, :] < w_min[:, None]
    log_h = np.where(ok, -0.5 * N * x * x + logprod, -np.inf)  # one planted eigenvalue at x
    finite = np.isfinite(log_h)
    if not finite.any():
        zeros = np.zeros(len(cu))
        return {"draws": np.int64(n), "shift": np.float64(-np.inf), "mean": zeros, "m2": zeros.copy(),
                "unresolved": np.zeros(len(cu), dtype=bool)}
    shift = float(np.max(log_h[finite]))
    if law.width:  # a mixture (module docstring); its values are combined with Φ below
        weighted = np.where(finite, log_h - a * x * x, -np.inf)
        top = float(np.max(weighted[finite]))
        if k == 0:
            f = np.exp(weighted - top) * trap
            shift = top
        else:
            hs = np.exp(np.where(finite, log_h - shift, -np.inf)) * trap
            c0 = np.cumsum(hs, axis=1) - hs
            c1 = np.cumsum(hs * x, axis=1) - hs * x
            f = np.exp(weighted - top) * trap * np.maximum(x * c0 - c1, 0.0)
            shift = 0.5 * (shift + top)
        log_phi = law.log_energy_factor(x[:, None], cu[None, :], law.tau(N))
        with np.errstate(divide="ignore"):
            best = np.max(np.log(f.mean(axis=0))[:, None] + log_phi, axis=0)
        vals = f @ np.exp(log_phi)  # Σ_x f(x) Φ((cu - x)/τ) at every level
        mean = vals.mean(axis=0)
        # a level whose every term is below e^-700 of the draws' scale is beyond float64 (not a zero count),
        # and one too far below the grid is cut off
        unresolved = (best < -700.0) | (cu - _planted_margin(N, law) < x[0] - 1e-9)
        return {"draws": np.int64(n), "shift": np.float64(shift), "mean": mean,
                "m2": np.sum((vals - mean) ** 2, axis=0), "unresolved": unresolved}
    if k == 0:
        f = np.exp(log_h - a * x * x - shift) * trap
    else:
        # inner ∫_{x0<x1} (x1-x0) e^{-N/2 x0²} Π|x0-w| dx0 by the trapezoid rule (cumulative sums)
        hs = np.exp(np.where(finite, log_h - shift, -np.inf)) * trap
        c0 = np.cumsum(hs, axis=1) - hs
        c1 = np.cumsum(hs * x, axis=1) - hs * x
        inner = np.maximum(x * c0 - c1, 0.0)
        f = hs * inner * np.exp(-a * x * x)
    cum = np.cumsum(f, axis=1)
    # linear interpolation of every row at the levels c u (0 below the grid, the last value above it)
    j = np.clip(np.searchsorted(x, cu, side="right") - 1, 0, M - 2)
    t = np.clip((cu - x[j]) / (x[j + 1] - x[j]), 0.0, 1.0)
    vals = cum[:, j] * (1.0 - t) + cum[:, j + 1] * t
    vals[:, cu < x[0]] = 0.0
    mean = vals.mean(axis=0)
    return {"draws": np.int64(n), "shift": np.float64(shift), "mean": mean, "m2": np.sum((vals - mean) ** 2, axis=0),
            "unresolved": np.zeros(len(cu), dtype=bool)}


def _planted_curve(N, p, k, u, samples, seed, progress, executor, threads):
    """The planted estimator at every ``u`` of an array, with per-u standard errors (common draws).

    Each chunk reports its values relative to its own scale ``e^{(k+1) shift_c}``; they are brought to
    the common scale ``S = max_c shift_c`` (factors ``e^{(k+1)(shift_c - S)} ≤ 1``, exact up to
    rounding) and combined in chunk order, so the estimator is the plain average over all draws.
    """
    m = N - k - 1
    u = np.asarray(u, dtype=float)
    if np.all(u == -np.inf):
        return {"log_value": np.full(u.shape, -np.inf), "stderr": np.zeros(u.shape)}
    law = _law(p)
    M = _planted_grid(N, law, u, size_only=True)["M"]
    if M * min(samples, _CHUNK) * max(m, 1) > 4e8:
        raise SizeLimitError(f"planted method: a {M}-point grid x {min(samples, _CHUNK)} draws x {m} eigenvalues "
                             "is over 4e8 terms per batch; use fewer samples or a smaller N")
    need = 10 * M * min(samples, _CHUNK) * 8 + 8 * M * len(u)
    if need > _memory_limit():
        raise SizeLimitError(f"planted method: a chunk needs about {need / 2**30:.1f} GiB ({need} bytes) for its "
                             f"{M}-point grid and {len(u)} levels; the limit is {_memory_limit() / 2**30:.1f} GiB")
    work = float(samples) * M * max(m, 1)
    if work > MAX_WORK:
        raise SizeLimitError(f"planted method: {samples} samples x a {M}-point grid x {max(m, 1)} eigenvalues is "
                             f"about {work:.2g} terms of work; the limit is {MAX_WORK:.0e} (about an hour of one "
                             "core): use fewer samples")
    log_const = (law.log_prefactor(N) + math.lgamma(N + 1) - math.lgamma(N - k)
                 + log_goe_normaliser(m, N) - log_goe_normaliser(N, N))
    config = {"kind": "critical_counts_planted", "N": N, "p": _config_model(p), "k": k, "u": [float(v) for v in u],
              "seed": seed}
    parts = _run_chunks(f"planted N={N} k={k}", _planted_chunk, config, samples, executor, threads, progress)
    shifts = [float(r["shift"]) for r in parts]
    common = max((s for s in shifts if math.isfinite(s)), default=0.0)
    scaled = []
    for r, s in zip(parts, shifts):
        factor = math.exp((k + 1) * (s - common)) if math.isfinite(s) else 0.0
        scaled.append((int(r["draws"]), r["mean"] * factor, r["m2"] * (factor * factor)))
    n, mean, m2 = _combine(scaled)
    se = np.sqrt(np.maximum(m2, 0.0) / (n - 1)) / math.sqrt(n)
    unit = log_const + common * (k + 1)
    with np.errstate(divide="ignore"):
        log_value = unit + np.log(mean)
    log_value = np.where(u == -np.inf, -np.inf, log_value)
    with np.errstate(over="ignore", invalid="ignore"):
        stderr = np.where(mean > 0, np.exp(log_value) * se / np.where(mean > 0, mean, 1.0), 0.0)
    unresolved = np.logical_or.reduce([np.asarray(r["unresolved"], dtype=bool) for r in parts]) & (u != -np.inf)
    if unresolved.any():  # a mixture's level whose terms all fell below float64 in some chunk: not a number
        log_value = np.where(unresolved, np.nan, log_value)
        stderr = np.where(unresolved, np.nan, stderr)
    return {"log_value": log_value, "stderr": stderr}


__all__ = ["expected_critical_points", "log_critical_points_curve", "CriticalCount", "log_goe_normaliser"]
