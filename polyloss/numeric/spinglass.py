"""The spherical H-spin glass of the paper (Choromanska et al. 2015, Sec. 3), pure or mixed, batched over replicas, in torch.

Pure Hamiltonian (the paper's Sec. 3 after the assumption chain [equation number unverified]; ABC's ``H_{N,p}`` with ``N = Λ``, ``p = H``)::

    L(w) = Λ^{-(H-1)/2} Σ_{i_1..i_H = 1}^{Λ} X_{i_1..i_H} w_{i_1} ⋯ w_{i_H},   ‖w‖² = Λ,

``X`` iid N(0, 1) over *ordered* tuples, so ``E[L(w) L(w')] = Λ (w·w'/Λ)^H``. Energies are read per
Λ, ``u = L/Λ`` (:meth:`SphericalSpinGlass.energy`); :func:`convert_energy` maps to the other
conventions in use (ABC's total ``H_{N,p}``, the authors' code, symmetric or sorted couplings).

Mixed Hamiltonian (Auffinger and Ben Arous 2013, Ann. Probab. 41, arXiv:1110.5872): for a mixture
``ξ(x) = Σ_p a_p² x^p`` with ``ξ(1) = 1`` (:class:`polyloss.mixture.Mixture`; ``H`` given as a mapping
``{p: a_p²}``)::

    L(w) = Σ_p a_p L_p(w),   L_p independent pure p-spin glasses as above (degree 1: L_1 = Σ_i X_i w_i),

so ``E[L(w) L(w')] = Λ Σ_p a_p² (w·w'/Λ)^p = Λ ξ(w·w'/Λ)``. A pure model is the one-component
mixture; each component keeps the storage below, and the model sums their energies, gradients and
Hessians. Euler's relation ``w·∇L_p = p L_p`` holds per component only: the energy is
``L = Σ_p w·∇(a_p L_p)/p``, and the radial term ``w·∇L/Λ`` of the Riemannian Hessian is no longer a
multiple of the energy.

Storage (per component of degree H). Only the symmetrisation ``S = sym(X)`` matters. With ``c = Λ^{-(H-1)/2}`` the Euclidean
gradient is ``∂_i L = c H Σ_J n_J S_{i,J} w^J`` over multisets ``J`` of size ``H-1`` (``n_J`` its number
of orderings, ``w^J = Π_{j∈J} w_j``). The model stores the packed matrix

    M[J, i] = a_H c H n_J S_{i,J}        (rows: the C(Λ+H-2, H-1) multisets J, in colex order; a_H = 1 when pure),

so the gradient of a batch is one matrix product ``∇L = f(w) @ M`` with features ``f_J(w) = w^J``,
and ``L = w·∇L / H`` (Euler). For H = 3 the rows are the pairs j ≤ k: half of the dense (Λ², Λ).

Sampling without a Λ^H temporary (``sampler="direct"``, the default): for each multiset ``K`` of size
H the coefficient ``Y_K = Σ_{t ∈ orbit(K)} X_t`` is a sum of ``n_K = H!/Π_j m_j!`` iid N(0, 1), hence
N(0, n_K); it is drawn once and written to the H' entries ``M[K∖{i}, i] = c m_i(K) Y_K`` (one per
distinct ``i ∈ K``). ``sampler="dense"`` draws the Λ^H ordered tensor and symmetrises it (same law;
for tests and small Λ). A mixture draws each degree from its own seed,
``derive_seed(seed, "couplings", "degree", p)``; a pure model draws from ``derive_seed(seed, "couplings")``.

Riemannian quantities on the sphere of radius √Λ (Auffinger, Ben Arous and Černý 2013): gradient
``P ∇L`` with ``P = I - w w^T/Λ``; Hessian ``P (∇²L - (w·∇L/Λ) I) P`` on the (Λ-1)-dimensional tangent space
(``w·∇L = H L`` for a pure model only); index = number of negative tangent eigenvalues.

Shapes: every method takes ``w`` of shape ``(B, Λ)`` (a batch of replicas) and returns a leading
batch axis; a single point of shape ``(Λ,)`` gives results without the batch axis.

Devices. Every tensor of a model (couplings, index tables) lives on its ``device``
(:func:`polyloss._device.as_device`); random numbers (couplings, SGD pieces, starting points) are
drawn on the CPU with a seeded ``torch.Generator`` in float64 and then moved there, so a seed gives
the same couplings on every device and results agree across devices up to the arithmetic (the
rounding of matrix products). The default memory limit is half of the device's own free memory
(:func:`polyloss._device.available_memory_bytes`: MemAvailable on the CPU, the GPU's free memory
on CUDA).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from .._device import as_device, available_memory_bytes
from .._random import derive_seed
from .._validate import choice, integer, real_array
from ..errors import InvalidInputError, SizeLimitError
from ..mixture import Mixture, as_mixture

__all__ = ["SphericalSpinGlass", "coupling_bytes", "largest_Lambda", "convert_energy", "CONVENTIONS",
           "MAX_H", "MAX_PIECES"]

#: largest degree H: the index tables hold multiset orderings up to H! in int64 (21! overflows it)
MAX_H = 20
#: most pieces :meth:`SphericalSpinGlass.split` makes (the authors' P is of order 10; each piece has its
#: own generator and matrix, and SGD with P pieces takes 500 P steps by default)
MAX_PIECES = 10_000

_CHUNK_BYTES = 1 << 27  # 128 MiB working blocks for the Hessian
_FEATURE_BYTES = 1 << 23  # 8 MiB of monomial features per block of the gradient product
_SAMPLER_BYTES = 1 << 23  # 8 MiB of temporaries per block of the direct sampler
_SPLIT_ELEMENTS = 1 << 15  # elements per block of split()'s arithmetic (a few blocks stay in the L2 cache)


# ----------------------------------------------------------------------------------------- sizes
def _n_multisets(n: int, r: int) -> int:
    """Number of multisets of size r from n values, C(n + r - 1, r) (0 for r < 0)."""
    return math.comb(n + r - 1, r) if r >= 0 else 0


def _mixture(H) -> Mixture:
    """``H`` (an int degree, a mapping {p: a_p²} or a Mixture) as a Mixture, degrees at most MAX_H."""
    return as_mixture(H, name="H")


def coupling_bytes(Lambda: int, H, dtype=torch.float64) -> int:
    """Bytes of the packed couplings: C(Λ+H-2, H-1) · Λ entries (H = 3: Λ²(Λ+1)/2).

    ``H`` may be a mixture ({p: a_p²} or a Mixture): the sum of the bytes of its degrees (degree 1: Λ).
    """
    Lambda = integer("Lambda", Lambda, minimum=1)
    mixture = _mixture(H)
    size = torch.empty((), dtype=dtype).element_size()
    return sum(_n_multisets(Lambda, p - 1) * Lambda for p in mixture.degrees) * size


def largest_Lambda(H, memory_bytes: int, dtype=torch.float64) -> int:
    """The largest Λ whose packed couplings fit in ``memory_bytes`` (computed from :func:`coupling_bytes`;
    ``H`` an int degree or a mixture)."""
    H = _mixture(H)
    memory_bytes = integer("memory_bytes", memory_bytes, minimum=1, maximum=2**80)
    lo, hi = 1, 2
    while coupling_bytes(hi, H, dtype) <= memory_bytes:
        lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if coupling_bytes(mid, H, dtype) <= memory_bytes else (lo, mid)
    return lo


def _check_size(what: str, nbytes: int, limit: int) -> None:
    if nbytes > limit:
        raise SizeLimitError(
            f"{what} would need {nbytes / 2**30:.2f} GiB ({nbytes} bytes) but the memory limit is "
            f"{limit / 2**30:.2f} GiB; use a smaller Lambda, dtype=torch.float32, or pass memory_limit=")


def _float_dtype(name: str, dtype):
    if dtype not in (torch.float64, torch.float32):
        raise InvalidInputError(f"{name} must be torch.float64 or torch.float32, got {dtype!r}")
    return dtype


# ----------------------------------------------------------------------------------- conventions
CONVENTIONS = {
    "per_lambda": "u = L/Λ, L = Λ^{-(H-1)/2} Σ_{ordered} X w^H, X iid N(0,1) (polyloss; the paper's figures)",
    "total": "L itself (ABC's H_{N,p}; for H = 3 also the value printed by the authors' code, Σ X w³/Λ)",
    "authors": "Λ^{-1} Σ_{ordered} X w^H = Λ^{(H-3)/2} L (the authors' code formula, written for H = 3)",
    "symmetric": "(Λ^{-(H-1)/2}/H!) Σ_{ordered} J w^H, J symmetric, N(0,1) per distinct tuple: L/√(H!)",
    "sorted": "Λ^{-(H-1)/2} Σ_{i_1<…<i_H} J w^H, J iid N(0,1): L/√(H!) (exact without repeated indices)",
}
#: the conventions a mixed model has (the others are defined through one pure degree H)
MIXTURE_CONVENTIONS = ("per_lambda", "total")


def _convention_factor(name: str, Lambda: int, H: int) -> float:
    """Multiplier taking the total ``L`` of this library to the value in convention ``name``."""
    if name == "per_lambda":
        return 1.0 / Lambda
    if name == "total":
        return 1.0
    if name == "authors":
        return Lambda ** ((H - 3) / 2)
    return 1.0 / math.sqrt(math.factorial(H))  # symmetric, sorted


def convert_energy(value, *, from_: str = "per_lambda", to: str = "total", Lambda: int, H):
    """Convert an energy between the conventions of :data:`CONVENTIONS`.

    The couplings of the "symmetric" and "sorted" conventions are ``J = √(H!) sym(X)`` of the
    ordered iid tensor ``X`` (iid N(0,1) on distinct tuples), which gives ``L/√(H!)`` exactly for
    "symmetric" and, for "sorted", exactly when X vanishes on tuples with a repeated index (to
    relative order 1/Λ in law otherwise). Works on floats, numpy arrays and tensors.

    ``H`` may be a mixture ({p: a_p²} or a Mixture): it has only the conventions "per_lambda" and
    "total" (``u = L/Λ``); "authors", "symmetric" and "sorted" are defined through one degree H and are
    refused for it.
    """
    choice("from_", from_, tuple(CONVENTIONS))
    choice("to", to, tuple(CONVENTIONS))
    Lambda = integer("Lambda", Lambda, minimum=1)
    mixture = _mixture(H)
    if not mixture.is_pure:
        for arg, name in (("from_", from_), ("to", to)):
            if name not in MIXTURE_CONVENTIONS:
                raise InvalidInputError(
                    f"{arg}={name!r} is a convention of a pure degree H; the mixture H={mixture} has only "
                    f"{' and '.join(map(repr, MIXTURE_CONVENTIONS))} (u = L/Lambda and L itself)")
    H = mixture.max_degree
    factor = _convention_factor(to, Lambda, H) / _convention_factor(from_, Lambda, H)
    if torch.is_tensor(value):
        if value.is_complex():
            raise InvalidInputError(f"value must be real energies, got a complex tensor ({value.dtype})")
        if bool(torch.isnan(value).any()):
            raise InvalidInputError("value must not contain NaN (an energy is a real number)")
        return value * factor
    arr = real_array("value", value, allow_inf=True)  # refuses None, text, complex and NaN
    return float(arr) * factor if arr.ndim == 0 and not isinstance(value, np.ndarray) else arr * factor


# ------------------------------------------------------------------------- one degree of the field
class _Component:
    """One degree p of the field, ``a_p L_p``: the packed matrix ``M[J, i] = a_p c p n_J S_{i,J}`` and its
    index tables (colex multisets). A pure model has one component with ``a_p = 1``.

    Degree 1 (a linear field ``Σ_i X_i w_i``, only inside a mixture) has one row (the empty multiset),
    features ``f = 1`` and a zero Hessian.
    """

    def __init__(self, Lambda: int, p: int, weight, dtype, device):
        self.Lambda, self.p, self.dtype, self.device = Lambda, p, dtype, device
        self.weight = weight  # a_p² as given (1 for a pure model)
        self.amplitude = math.sqrt(float(weight))  # a_p
        self.scale = Lambda ** (-(p - 1) / 2)  # c = Λ^{-(p-1)/2}
        self.M = None
        self._build_index()

    def with_matrix(self, M: torch.Tensor) -> "_Component":
        """The same degree (sharing the index tables) with couplings ``M`` (its dtype becomes M's)."""
        other = object.__new__(_Component)
        other.__dict__.update(self.__dict__)
        other.M, other.dtype = M, M.dtype
        return other

    # ---------------------------------------------------------------------------- structure
    def _build_index(self):
        """Colex enumeration of multisets of size r = 1..p-1: row = (parent row at r-1, last element)."""
        Lam, dev, H = self.Lambda, self.device, self.p
        self._parent, self._last = [None], [None]
        for r in range(1, H):
            counts = torch.tensor([_n_multisets(v + 1, r - 1) for v in range(Lam)], dtype=torch.int64)
            last = torch.repeat_interleave(torch.arange(Lam), counts)
            starts = torch.cumsum(counts, 0) - counts
            parent = torch.arange(int(counts.sum())) - torch.repeat_interleave(starts, counts)
            self._parent.append(parent.to(dev))
            self._last.append(last.to(dev))
        self._binom = torch.tensor([[math.comb(x, k) for k in range(H + 1)]
                                    for x in range(Lam + H + 1)], dtype=torch.int64, device=dev)

    def _elements(self, r: int, rows: torch.Tensor) -> torch.Tensor:
        """The sorted elements (len(rows), r) of the multisets ``rows`` of size r."""
        out = torch.empty((rows.numel(), r), dtype=torch.int64, device=self.device)
        p = rows
        for level in range(r, 0, -1):
            out[:, level - 1] = self._last[level][p]
            p = self._parent[level][p]
        return out

    def _rank(self, sorted_elements: torch.Tensor) -> torch.Tensor:
        """Colex rank of sorted multisets (..., r): Σ_t C(a_t + t, t + 1)."""
        r = sorted_elements.shape[-1]
        rank = torch.zeros(sorted_elements.shape[:-1], dtype=torch.int64, device=self.device)
        for t in range(r):
            rank += self._binom[sorted_elements[..., t] + t, t + 1]
        return rank

    def _orderings(self, sorted_elements: torch.Tensor) -> torch.Tensor:
        """Number of distinct orderings r!/Π m_j! of sorted multisets (..., r), float64."""
        r = sorted_elements.shape[-1]
        denom = torch.ones(sorted_elements.shape[:-1], dtype=torch.float64, device=self.device)
        run = torch.ones_like(denom)
        for t in range(1, r):
            same = sorted_elements[..., t] == sorted_elements[..., t - 1]
            run = torch.where(same, run + 1, torch.ones_like(run))
            denom = denom * torch.where(same, run, torch.ones_like(run))
        return math.factorial(r) / denom

    @property
    def n_rows(self) -> int:
        """Number of packed rows, C(Λ+p-2, p-1)."""
        return _n_multisets(self.Lambda, self.p - 1)

    @property
    def feature_rows(self) -> int:
        """Rows of the Hessian's features, C(Λ+p-3, p-2) (0 for degree 1)."""
        return _n_multisets(self.Lambda, self.p - 2)

    @property
    def nbytes(self) -> int:
        return self.M.numel() * self.M.element_size()

    # ------------------------------------------------------------------------------ couplings
    def _pack_dense(self, X: torch.Tensor) -> torch.Tensor:
        """M[J, i] = a_p c p n_J sym(X)_{J, i} from an ordered tensor X (Λ,)*p."""
        S = _symmetrise(X)
        r = self.p - 1
        E = self._elements(r, torch.arange(self.n_rows, device=self.device))
        gathered = S[tuple(E[:, t] for t in range(r))] if r else S.unsqueeze(0)
        n_J = self._orderings(E).to(self.dtype)
        M = (self.scale * self.p) * n_J[:, None] * gathered
        return M if self.weight == 1 else self.amplitude * M

    def _sample_packed(self, seed: int, variance: float) -> torch.Tensor:
        """Packed couplings of an ordered model with iid N(0, variance) X (times a_p), drawn per multiset K."""
        return self._sample_packed_many([seed], variance)[0]

    def _sample_packed_many(self, seeds, variance: float) -> list:
        """One packed coupling matrix per seed (each as :meth:`_sample_packed` alone would draw it).

        The multisets, multiplicities and target entries of a block are worked out once and serve
        every seed; each seed has its own generator, read in the same blocks, so the numbers do not
        depend on how many matrices are drawn together. The weight a_p² multiplies the variance.
        """
        Lam, H, r = self.Lambda, self.p, self.p - 1
        variance = variance * self.weight
        Ms = [torch.zeros((self.n_rows, Lam), dtype=self.dtype, device=self.device) for _ in seeds]
        flats = [M.view(-1) for M in Ms]
        gens = [torch.Generator().manual_seed(seed) for seed in seeds]
        # multisets K = J ∪ {v} (v = max K) in order of v, then of J; fixed-size blocks of that order
        counts = torch.tensor([_n_multisets(v + 1, r) for v in range(Lam)], dtype=torch.int64, device=self.device)
        ends = torch.cumsum(counts, 0)
        total = int(ends[-1])
        block = max(1, _SAMPLER_BYTES // (8 * 6 * H))  # temporaries ~ 48 H bytes per multiset
        for s0 in range(0, total, block):
            size = min(block, total - s0)
            idx = torch.arange(s0, s0 + size, device=self.device)
            v = torch.searchsorted(ends, idx, right=True)
            row = idx - (ends[v] - counts[v])
            K = torch.cat([self._elements(r, row), v[:, None]], 1)  # sorted multisets of size H
            mult = (K[:, :, None] == K[:, None, :]).sum(-1).to(torch.float64)  # m_{K_p}(K), exact
            scale = self.scale * torch.sqrt(self._orderings(K) * variance)  # sd of Y_K: c √(n_K var)
            # colex rank of K minus position p: Σ_{t<p} C(K_t + t, t+1) + Σ_{t>p} C(K_t + t - 1, t);
            # a repeated value writes the same number to the same entry twice (no masking needed)
            keep = [self._binom[K[:, t] + t, t + 1] for t in range(H)]
            shift = [self._binom[K[:, t] + t - 1, t] for t in range(H)]
            targets = []
            for p in range(H):
                rank = sum(keep[t] for t in range(p)) + sum(shift[t] for t in range(p + 1, H))
                targets.append(rank * Lam + K[:, p])
            for flat, gen in zip(flats, gens):
                Y = scale * torch.randn(size, generator=gen, dtype=torch.float64).to(self.device)
                for p in range(H):
                    flat.index_copy_(0, targets[p], (mult[:, p] * Y).to(self.dtype))
        return Ms

    def dense(self) -> torch.Tensor:
        """The symmetric ordered-tuple tensor S = sym(X) of shape (Λ,)*p (without the factor a_p)."""
        Lam, r = self.Lambda, self.p - 1
        grids = torch.meshgrid(*([torch.arange(Lam, device=self.device)] * self.p), indexing="ij")
        t = torch.stack([g.reshape(-1) for g in grids], 1)
        J = torch.sort(t[:, :r], dim=1).values
        rows = self._rank(J) if r else torch.zeros(t.shape[0], dtype=torch.int64, device=self.device)
        n_J = self._orderings(J).to(self.dtype)
        S = self.M[rows, t[:, r]] / (self.scale * self.p * n_J)
        S = S if self.weight == 1 else S / self.amplitude
        return S.reshape((Lam,) * self.p)

    # ----------------------------------------------------------------------------- evaluation
    def _features(self, wT: torch.Tensor, r: int) -> torch.Tensor:
        """f_J(w) = Π_{j∈J} w_j for all multisets J of size r, laid out (C(Λ+r-1, r), B) from wT = wᵀ (Λ, B).

        Row gathers of contiguous replicas are the cache-friendly way round; the product uses f.T.
        """
        f = torch.ones((1, wT.shape[1]), dtype=wT.dtype, device=wT.device)
        for level in range(1, r + 1):
            f = f.index_select(0, self._parent[level])
            f.mul_(wT.index_select(0, self._last[level]))
        return f

    def _egrad(self, w: torch.Tensor) -> torch.Tensor:
        """∇(a_p L_p)(w) = f(w) @ M, (B, Λ)."""
        B, r = w.shape[0], self.p - 1
        wT = w.T.contiguous()
        step = max(1, max(_FEATURE_BYTES, self.nbytes // 64) // (2 * B * self.M.element_size()))
        if step >= self.n_rows:
            return self._features(wT, r).T @ self.M
        # blocks of rows keep the feature temporaries small beside the couplings
        f_prev = self._features(wT, r - 1)
        parent, last = self._parent[r], self._last[r]
        g = torch.zeros((B, self.Lambda), dtype=self.dtype, device=self.device)
        for start in range(0, self.n_rows, step):
            f = f_prev.index_select(0, parent[start:start + step])
            f.mul_(wT.index_select(0, last[start:start + step]))
            g.addmm_(f.T, self.M[start:start + step])
        return g

    def _ehess(self, w: torch.Tensor):
        """∇²(a_p L_p)(w), (B, Λ, Λ), or None for degree 1 (a linear field has none).

        ∂_l ∂_i L = Σ_{J'} w^{J'} m_l(J'+l) M[J'+l, i] over multisets J' of size p-2, in blocks of J'.
        """
        if self.p < 2:
            return None
        Lam, B, r = self.Lambda, w.shape[0], self.p - 2
        f = self._features(w.T.contiguous(), r).T  # (B, n2)
        n2 = f.shape[1]
        out = torch.zeros((B, Lam * Lam), dtype=self.dtype, device=self.device)
        step = max(1, _CHUNK_BYTES // (Lam * Lam * self.M.element_size()))
        ell = torch.arange(Lam, device=self.device)
        for start in range(0, n2, step):
            rows = torch.arange(start, min(n2, start + step), device=self.device)
            Jp = self._elements(r, rows)  # (ch, r)
            K = torch.cat([Jp[:, None, :].expand(-1, Lam, -1),
                           ell[None, :, None].expand(rows.numel(), -1, 1)], 2)
            K = torch.sort(K, dim=2).values  # (ch, Λ, r+1)
            mult = (1 + (Jp[:, :, None] == ell[None, None, :]).sum(1)).to(self.dtype)  # (ch, Λ)
            G = self.M[self._rank(K)] * mult[..., None]  # (ch, Λ, Λ)
            out += f[:, start:start + rows.numel()] @ G.reshape(rows.numel(), Lam * Lam)
        return out.reshape(B, Lam, Lam)


# --------------------------------------------------------------------------------------- model
class SphericalSpinGlass:
    """Spherical spin glass on ‖w‖² = Λ: pure, ``L(w) = Λ^{-(H-1)/2} Σ X_{i_1..i_H} w_{i_1}⋯w_{i_H}``, or
    mixed, ``L = Σ_p a_p L_p`` with independent pure components (``E[L(w)L(w')] = Λ ξ(w·w'/Λ)``).

    Parameters
    ----------
    Lambda : int
        Dimension Λ ≥ 2 (ABC's N).
    H : int, mapping or Mixture
        An int H ≥ 2 is the pure H-spin glass (ABC's p). A mapping ``{p: a_p²}`` of positive weights
        summing to 1 (or a :class:`polyloss.mixture.Mixture`, see :func:`polyloss.mixture.as_mixture`)
        is the mixture ``ξ(x) = Σ_p a_p² x^p``; degree 1 (a linear field) is allowed in it.
    seed : None or int
        Seed of the couplings (``None``: fresh entropy; the seed used is kept in ``self.seed``). A
        mixture draws degree p from ``derive_seed(seed, "couplings", "degree", p)``.
    couplings : tensor of shape (Λ,)*H, optional
        An ordered-tuple tensor X to use instead of sampling (it is symmetrised; L is unchanged). For a
        mixture, a mapping ``{p: X_p}`` with one tensor of shape (Λ,)*p per degree of the mixture
        (``L = Σ_p a_p Λ^{-(p-1)/2} Σ X_p w^p``).
    dtype : torch.float64 or torch.float32, of the stored couplings (drawn in float64, then rounded).
    device : "cpu", "cuda", "cuda:N", "mps" or a torch.device (checked by :func:`polyloss._device.as_device`:
        a device this machine lacks is refused with InvalidInputError). Random numbers are drawn on the
        CPU and moved there.
    sampler : "direct" (no Λ^H temporary) or "dense" (ordered tensor, then symmetrised; same law).
    memory_limit : int, optional
        Bytes allowed for the couplings (default: half of the device's free memory,
        :func:`polyloss._device.available_memory_bytes`); SizeLimitError beyond it.
    degree_streams : bool
        Draw degree p from ``derive_seed(seed, "couplings", "degree", p)`` even for a pure model, as a
        mixture always does: then models of one seed that share a degree share its couplings (scaled by
        a_p), pure or mixed (common random numbers across mixtures). Default False: a pure model keeps
        its historical stream ``derive_seed(seed, "couplings")``.

    Attributes: ``mixture`` (a :class:`~polyloss.mixture.Mixture`, the one-entry ``{H: 1}`` when pure)
    and ``H``: the degree of a pure model; for a mixture its largest degree (``mixture.max_degree``),
    which fixes the polynomial degree of L (critical-point bounds), not its covariance.
    """

    def __init__(self, Lambda, H, *, seed=None, couplings=None, dtype=torch.float64, device="cpu",
                 sampler="direct", memory_limit=None, degree_streams=False):
        self.Lambda = integer("Lambda", Lambda, minimum=2)
        self.mixture = _mixture(H)
        if not isinstance(degree_streams, bool):
            raise InvalidInputError(f"degree_streams must be True or False, got {degree_streams!r}")
        self.degree_streams = degree_streams
        self.H = self.mixture.max_degree
        _float_dtype("dtype", dtype)
        choice("sampler", sampler, ("direct", "dense"))
        self.dtype, self.device = dtype, as_device(device)
        self.seed = derive_seed(None) if seed is None else integer("seed", seed, minimum=0)
        self.memory_limit = (int(0.5 * available_memory_bytes(self.device)) if memory_limit is None
                             else integer("memory_limit", memory_limit, minimum=1))
        need = coupling_bytes(self.Lambda, self.mixture, dtype)
        _check_size(f"the packed couplings for Lambda={self.Lambda}, H={self.mixture} ({dtype})", need,
                    self.memory_limit)
        comps = [_Component(self.Lambda, p, w, dtype, self.device) for p, w in self.mixture.weights]
        if couplings is not None:
            given = self._given_couplings(couplings)
            self.sampler = "given"
            for c in comps:
                c.M = c._pack_dense(given[c.p])
        elif sampler == "dense":
            self.sampler = "dense"
            self._check_dense("the dense ordered couplings")
            for c in comps:
                gen = torch.Generator().manual_seed(derive_seed(self.seed, "couplings", "dense", *self._keys(c.p)))
                X = torch.randn((self.Lambda,) * c.p, generator=gen, dtype=torch.float64)
                c.M = c._pack_dense(X.to(dtype=dtype, device=self.device))
        else:
            self.sampler = "direct"
            for c in comps:
                c.M = c._sample_packed(derive_seed(self.seed, "couplings", *self._keys(c.p)), variance=1.0)
        self._components = comps

    def _keys(self, p: int) -> tuple:
        """Keys that make the seed of degree p: none for a pure model (its stream is the historical one)
        unless ``degree_streams``."""
        return () if self.mixture.is_pure and not self.degree_streams else ("degree", p)

    def _given_couplings(self, couplings) -> dict:
        """``couplings`` as {p: checked ordered tensor (Λ,)*p} for every degree p of the mixture."""
        if self.mixture.is_pure:
            given = {self.H: couplings}
        else:
            if not isinstance(couplings, dict) or sorted(couplings) != list(self.mixture.degrees):
                raise InvalidInputError(
                    f"couplings of the mixture H={self.mixture} must be a dict {{p: X_p}} with one ordered "
                    f"tensor of shape (Lambda,)*p for each degree p in {self.mixture.degrees}; got "
                    f"{_short(couplings)}")
            given = couplings
        out = {}
        for p, value in given.items():
            name = "couplings" if self.mixture.is_pure else f"couplings[{p}]"
            X = _real_tensor(name, value, self.dtype, self.device)
            if tuple(X.shape) != (self.Lambda,) * p:
                raise InvalidInputError(f"{name} must have shape {(self.Lambda,) * p} "
                                        f"(ordered tuples, Lambda^{p}), got {tuple(X.shape)}")
            _check_finite(name, X)
            out[p] = X
        return out

    # ---------------------------------------------------------------------------- structure
    def _pure(self, what: str) -> _Component:
        """The only component of a pure model (InvalidInputError for a mixture, naming ``what``)."""
        if not self.mixture.is_pure:
            raise InvalidInputError(f"{what} is defined for a pure model; H={self.mixture} is a mixture of degrees "
                                    f"{self.mixture.degrees}, which stores one packed matrix per degree")
        return self._components[0]

    @property
    def M(self) -> torch.Tensor:
        """The packed coupling matrix of a pure model (a mixture has one per degree: :meth:`packed`)."""
        return self._pure("model.M").M

    def packed(self) -> dict:
        """``{p: M_p}``: the packed matrix of each degree, ``M_p[J, i] = a_p c_p p n_J S^{(p)}_{i,J}``."""
        return {c.p: c.M for c in self._components}

    @property
    def scale(self) -> float:
        """c = Λ^{-(H-1)/2} of a pure model."""
        return self._pure("model.scale").scale

    def _elements(self, r: int, rows: torch.Tensor) -> torch.Tensor:
        """The sorted elements (len(rows), r) of the multisets ``rows`` of size r (pure model)."""
        return self._pure("_elements")._elements(r, rows)

    def _sample_packed(self, seed: int, variance: float) -> torch.Tensor:
        """Packed couplings of an ordered model with iid N(0, variance) X (pure model)."""
        return self._pure("_sample_packed")._sample_packed(seed, variance)

    @property
    def n_rows(self) -> int:
        """Number of packed rows, C(Λ+H-2, H-1) (a mixture: summed over its degrees)."""
        return sum(c.n_rows for c in self._components)

    @property
    def nbytes(self) -> int:
        return sum(c.nbytes for c in self._components)

    @property
    def _itemsize(self) -> int:
        return torch.empty((), dtype=self.dtype).element_size()

    @property
    def _feature_rows(self) -> int:
        """Largest Hessian feature count over the degrees, C(Λ+H-3, H-2)."""
        return max(c.feature_rows for c in self._components)

    def __repr__(self):
        return (f"SphericalSpinGlass(Lambda={self.Lambda}, H={self.mixture}, seed={self.seed}, "
                f"sampler={self.sampler!r}, dtype={self.dtype}, {self.nbytes / 2**20:.1f} MiB)")

    def _with_components(self, comps, **changes) -> "SphericalSpinGlass":
        """A model sharing this one's settings and index tables, with components ``comps``."""
        other = object.__new__(SphericalSpinGlass)
        other.__dict__.update(self.__dict__)
        other.__dict__.update(changes)
        other._components = comps
        return other

    # ------------------------------------------------------------------------------ couplings
    def _check_dense(self, what):
        nbytes = sum(self.Lambda ** p for p in self.mixture.degrees) * 8 * 2
        _check_size(f"{what} for Lambda={self.Lambda}, H={self.mixture}", nbytes, self.memory_limit)

    def dense_couplings(self):
        """The symmetric ordered-tuple tensor S = sym(X) of shape (Λ,)*H (for tests; refused when large).

        ``L(w) = Λ^{-(H-1)/2} Σ_{ordered} S w^H`` holds exactly; with ``couplings=X`` given, S = sym(X).
        A mixture gives ``{p: S_p}``, one tensor per degree, with ``L = Σ_p a_p Λ^{-(p-1)/2} Σ S_p w^p``.
        """
        self._check_dense("dense_couplings()")
        if self.mixture.is_pure:
            return self._components[0].dense()
        return {c.p: c.dense() for c in self._components}

    def resample(self, seed=None) -> "SphericalSpinGlass":
        """A new instance with fresh couplings (direct sampler), sharing this one's index tables (cheap)."""
        seed = derive_seed(None) if seed is None else integer("seed", seed, minimum=0)
        comps = [c.with_matrix(c._sample_packed(derive_seed(seed, "couplings", *self._keys(c.p)), variance=1.0))
                 for c in self._components]
        return self._with_components(comps, seed=seed, sampler="direct")

    def split(self, P, *, seed=None, dtype=None) -> list["SphericalSpinGlass"]:
        """P models whose couplings sum to this one's, each with ordered couplings iid N(0, 1/P).

        The authors' SGD (the paper's experiments section, their code ``sgd.lua``) uses P independent Gaussian pieces
        ``X^{(s)}`` of variance 1/P whose sum is the instance. Conditional Gaussian construction:
        piece ``s = M/P + Z_s - mean(Z)``, ``Z_s`` iid with the law of a model of variance 1/P; the
        pieces are then jointly distributed as the ``X^{(s)}`` given their sum ``M``. A mixture splits
        every degree so (``Z_s`` of degree p from ``derive_seed(seed, "degree", p, s)``).

        ``seed``: of the ``Z_s`` (default derived from the model's seed). ``dtype``: of the pieces
        returned (default the model's); they are computed in the model's dtype and rounded, one at a
        time (``split(P, dtype=torch.float32)`` of a float64 model gives float32 pieces that sum to
        the float64 couplings to float32 rounding). Memory: the P pieces (checked against
        ``memory_limit``) and two blocks of working space; the arithmetic runs in blocks of
        ``_SPLIT_ELEMENTS`` entries, in place. At most :data:`MAX_PIECES` pieces (InvalidInputError
        beyond); each also holds a generator (about 8 KiB, counted in the memory check).
        """
        P = integer("P (the number of coupling pieces)", P, minimum=1, maximum=MAX_PIECES)
        out_dtype = self.dtype if dtype is None else _float_dtype("dtype", dtype)
        _check_size(f"{P} SGD pieces of Lambda={self.Lambda}, H={self.mixture}", (P + 1) * self.nbytes + P * 8192,
                    self.memory_limit)
        base = derive_seed(self.seed, "pieces") if seed is None else integer("seed", seed, minimum=0)
        parts = []  # per component: its P pieces
        for c in self._components:
            keys = self._keys(c.p)
            Z = c._sample_packed_many([derive_seed(base, *keys, s) for s in range(P)], variance=1.0 / P)
            _split_in_place(c.M, Z, P)
            part = []
            for s in range(P):  # the float64 matrix is released as soon as it is copied
                part.append(c.with_matrix(Z[s].to(out_dtype)))
                Z[s] = None
            parts.append(part)
        pieces = []
        for s in range(P):
            pieces.append(self._with_components([part[s] for part in parts], sampler=f"piece {s + 1}/{P}",
                                                dtype=out_dtype))
        return pieces

    def astype(self, dtype) -> "SphericalSpinGlass":
        """The same instance with couplings rounded to ``dtype`` (sharing the index tables)."""
        dtype = _float_dtype("dtype", dtype)
        if dtype == self.dtype:
            return self
        return self._with_components([c.with_matrix(c.M.to(dtype)) for c in self._components], dtype=dtype)


    # ------------------------------------------------------------------------------- evaluation
    # Public methods check their points once (:meth:`_as_batch`: real, finite, nonzero rows, the right
    # shape, a size that fits); the underscored batch methods (``_egrad``, ``_rgrad``, ``_proj``, ...)
    # take a checked (B, Λ) tensor and check nothing, for the loops of the optimisers and the search.
    def _as_batch(self, w, name: str = "w"):
        """``w`` as a checked (B, Λ) tensor of the model's dtype and device, and whether it was one point.

        Refused with InvalidInputError naming ``name``: None, text, complex numbers (never cast), a
        wrong shape, an empty batch, NaN or ±inf (also after rounding to a float32 model), and a zero
        (or underflowing / overflowing) row, which has no direction on the sphere ‖w‖² = Λ.
        """
        w = _real_tensor(name, w, self.dtype, self.device)
        if w.ndim == 1:
            w, single = w.unsqueeze(0), True
        else:
            single = False
        if w.ndim != 2 or w.shape[1] != self.Lambda:
            raise InvalidInputError(f"{name} must have shape (B, {self.Lambda}) or ({self.Lambda},), "
                                    f"got {tuple(w.shape)}")
        if w.shape[0] == 0:
            raise InvalidInputError(f"{name} must hold at least one point (B >= 1), got shape {tuple(w.shape)}")
        _check_points(name, w)
        return w, single

    def _check_batch_size(self, what: str, B: int, floats_per_point: int, extra: int = 0) -> None:
        """Refuse (SizeLimitError) work on B points needing ``floats_per_point`` floats each, before it starts."""
        _check_size(f"{what} of {B} points (Lambda={self.Lambda}, H={self.mixture})",
                    B * floats_per_point * self._itemsize + extra, self.memory_limit)

    def _gradient_floats(self, vectors: int) -> int:
        """Floats per point of a gradient: the features and ``vectors`` (B, Λ) arrays (one more per extra degree)."""
        return self._feature_rows + (vectors + len(self._components) - 1) * self.Lambda

    def euclidean_gradient(self, w) -> torch.Tensor:
        """∇L(w) = Σ_p f_p(w) @ M_p, shape (B, Λ): one matrix product per degree for the whole batch."""
        w, single = self._as_batch(w)
        self._check_batch_size("the gradient", w.shape[0], self._gradient_floats(2))
        g = _check_result("the Euclidean gradient", self._egrad(w), self.dtype)
        return g[0] if single else g

    def _egrad(self, w: torch.Tensor) -> torch.Tensor:
        comps = self._components
        g = comps[0]._egrad(w)
        for c in comps[1:]:
            g = g + c._egrad(w)
        return g

    def hamiltonian(self, w) -> torch.Tensor:
        """L(w) (total, not per Λ), shape (B,); computed as Σ_p w·∇(a_p L_p)/p (Euler's identity per degree)."""
        w, single = self._as_batch(w)
        self._check_batch_size("L(w)", w.shape[0], self._gradient_floats(2))
        L = _check_result("L(w)", self._ham(w), self.dtype)
        return L[0] if single else L

    def _ham(self, w: torch.Tensor) -> torch.Tensor:
        comps = self._components
        L = (w * comps[0]._egrad(w)).sum(1) / comps[0].p
        for c in comps[1:]:
            L = L + (w * c._egrad(w)).sum(1) / c.p
        return L

    def energy(self, w) -> torch.Tensor:
        """Energy per Λ, u = L(w)/Λ (the quantity the paper's histograms show), shape (B,)."""
        return self.hamiltonian(w) / self.Lambda

    def energy_and_gradient(self, w):
        """(u, Riemannian gradient) from one matrix product per degree; shapes (B,), (B, Λ)."""
        w, single = self._as_batch(w)
        self._check_batch_size("the gradient", w.shape[0], self._gradient_floats(3))
        u, rg = self._energy_grad(w)
        _check_result("the energy", u, self.dtype)
        _check_result("the gradient", rg, self.dtype)
        return (u[0], rg[0]) if single else (u, rg)

    def _energy_grad(self, w: torch.Tensor):
        comps = self._components
        g = comps[0]._egrad(w)
        u = (w * g).sum(1) / (comps[0].p * self.Lambda)
        for c in comps[1:]:
            g_p = c._egrad(w)
            u = u + (w * g_p).sum(1) / (c.p * self.Lambda)
            g = g + g_p
        return u, _project_tangent(w, g)

    def gradient(self, w) -> torch.Tensor:
        """Riemannian gradient P ∇L with P = I - w w^T/‖w‖² (= I - w w^T/Λ on the sphere), (B, Λ)."""
        w, single = self._as_batch(w)
        self._check_batch_size("the gradient", w.shape[0], self._gradient_floats(3))
        g = _check_result("the gradient", self._rgrad(w), self.dtype)
        return g[0] if single else g

    def _rgrad(self, w: torch.Tensor) -> torch.Tensor:
        return _project_tangent(w, self._egrad(w))

    def euclidean_hessian(self, w) -> torch.Tensor:
        """∇²L(w), (B, Λ, Λ): ∂_l ∂_i L = Σ_{J'} w^{J'} m_l(J'+l) M[J'+l, i] over multisets J' of size H-2
        (summed over the degrees p ≥ 2 of a mixture; degree 1 has none).

        Computed in blocks of J' as dense products (no Λ^H tensor): B Λ² C(Λ+H-3, H-2) multiply-adds.
        Refused up front (SizeLimitError) when the B Λ² result would not fit in ``memory_limit``.
        """
        w, single = self._as_batch(w)
        self._check_hessian_size("the Euclidean Hessian", w.shape[0], 2)
        out = _check_result("the Euclidean Hessian", self._ehess(w), self.dtype)
        return out[0] if single else out

    def _check_hessian_size(self, what: str, B: int, copies: int) -> None:
        self._check_batch_size(what, B, copies * self.Lambda ** 2 + self._feature_rows + self.Lambda,
                               extra=3 * _CHUNK_BYTES)

    def _ehess(self, w: torch.Tensor) -> torch.Tensor:
        out = None
        for c in self._components:
            A = c._ehess(w)
            if A is not None:
                out = A if out is None else out + A
        return out

    def hessian(self, w, *, basis: str = "tangent") -> torch.Tensor:
        """Riemannian Hessian of L (Auffinger, Ben Arous and Černý 2013): P (∇²L - (w·∇L/Λ) I) P.

        ``basis="tangent"``: (B, Λ-1, Λ-1), the matrix in the orthonormal tangent basis given by the
        first Λ-1 columns of the Householder reflection Q(w) that maps w/‖w‖ to ±e_Λ (see
        :meth:`tangent_basis`). ``basis="ambient"``: the (B, Λ, Λ) projected matrix, whose normal
        direction is removed (w is an eigenvector with eigenvalue exactly 0 in exact arithmetic).
        Refused up front (SizeLimitError) when its B Λ² working matrices would not fit in ``memory_limit``
        (:meth:`index` works in chunks instead).
        """
        choice("basis", basis, ("tangent", "ambient"))
        w, single = self._as_batch(w)
        self._check_hessian_size("the Riemannian Hessian", w.shape[0], 5)
        out = _check_result("the Hessian", self._hess(w, basis), self.dtype)
        return out[0] if single else out

    def _hess(self, w: torch.Tensor, basis: str = "tangent") -> torch.Tensor:
        A = self._ehess(w)
        s = (w * self._egrad(w)).sum(1) / (w * w).sum(1)  # w·∇L/Λ on the sphere (not H L/Λ for a mixture)
        A = A - s[:, None, None] * torch.eye(self.Lambda, dtype=self.dtype, device=self.device)
        if basis == "ambient":
            n = w / w.norm(dim=1, keepdim=True)
            An = torch.einsum("bij,bj->bi", A, n)
            nAn = (n * An).sum(1)
            return (A - n[:, :, None] * An[:, None, :] - An[:, :, None] * n[:, None, :]
                    + nAn[:, None, None] * n[:, :, None] * n[:, None, :])
        v, a = _householder(w)
        y = torch.einsum("bij,bj->bi", A, v)
        vy = (v * y).sum(1)
        QAQ = (A - a[:, None, None] * (v[:, :, None] * y[:, None, :] + y[:, :, None] * v[:, None, :])
               + (a * a * vy)[:, None, None] * v[:, :, None] * v[:, None, :])
        return QAQ[:, :-1, :-1]

    def tangent_basis(self, w) -> torch.Tensor:
        """Orthonormal basis U (B, Λ, Λ-1) of the tangent space at w: columns 1..Λ-1 of Q(w)."""
        w, single = self._as_batch(w)
        self._check_batch_size("the tangent bases", w.shape[0], 2 * self.Lambda ** 2)
        v, a = _householder(w)
        Q = torch.eye(self.Lambda, dtype=self.dtype, device=self.device) - a[:, None, None] * v[:, :, None] * v[:, None, :]
        U = Q[:, :, :-1]
        return U[0] if single else U

    def index(self, w) -> torch.Tensor:
        """Number of negative eigenvalues of the tangent Hessian, (B,) int64.

        Meaningful at critical points; eigenvalues are counted when strictly negative in floating point,
        so at a (near-)degenerate critical point (an eigenvalue ≈ 0) the count is not robust. Any number
        of points: the Hessians are formed in chunks of about 128 MiB.
        """
        w, single = self._as_batch(w)
        k = self._index(w)
        return k[0] if single else k

    def _index_chunk(self) -> int:
        per_point = (6 * self.Lambda ** 2 + self._feature_rows) * self._itemsize
        return max(1, _CHUNK_BYTES // per_point)

    def _index(self, w: torch.Tensor) -> torch.Tensor:
        step = self._index_chunk()
        _check_size(f"the Hessians of a chunk of {min(step, w.shape[0])} points (Lambda={self.Lambda})",
                    min(step, w.shape[0]) * (6 * self.Lambda ** 2 + self._feature_rows)
                    * self._itemsize + 3 * _CHUNK_BYTES, self.memory_limit)
        return torch.cat([(torch.linalg.eigvalsh(_check_result("the Hessian", self._hess(w[s:s + step]), self.dtype))
                           < 0).sum(1) for s in range(0, w.shape[0], step)])

    def project(self, w) -> torch.Tensor:
        """Retraction to the sphere: w √Λ / ‖w‖ (a zero vector has no direction and is refused)."""
        w, single = self._as_batch(w)
        w = self._proj(w)
        return w[0] if single else w

    def _proj(self, w: torch.Tensor) -> torch.Tensor:
        return w * (math.sqrt(self.Lambda) / w.norm(dim=1, keepdim=True))

    def random_points(self, B, *, generator=None, seed=None) -> torch.Tensor:
        """B points uniform on the sphere of radius √Λ, (B, Λ); ``generator`` (torch) or ``seed``.

        Refused up front (SizeLimitError) when the B Λ draws would not fit in ``memory_limit``.
        """
        B = integer("B", B, minimum=1)
        _check_size(f"random_points(B={B}) at Lambda={self.Lambda}", B * self.Lambda * (16 + 2 * self._itemsize),
                    self.memory_limit)
        if generator is None:
            generator = torch.Generator().manual_seed(
                derive_seed(None) if seed is None else integer("seed", seed, minimum=0))
        elif seed is not None:
            raise InvalidInputError("pass either generator= or seed=, not both")
        elif not isinstance(generator, torch.Generator):
            raise InvalidInputError(f"generator must be a torch.Generator, got {generator!r}")
        z = torch.randn((B, self.Lambda), generator=generator, dtype=torch.float64)
        return self._proj(z.to(dtype=self.dtype, device=self.device))


# ----------------------------------------------------------------------------------- helpers
def _split_in_place(M: torch.Tensor, Z: list, P: int) -> None:
    """Z_s ← M/P + Z_s - (Σ_s Z_s)/P for every s, in blocks of ``_SPLIT_ELEMENTS`` entries, in place.

    The same operations, in the same order, as on whole matrices: mean = (((0 + Z_0) + Z_1) + ...)/P.
    """
    flat_M, flat_Z = M.view(-1), [z.view(-1) for z in Z]
    n, step = flat_M.numel(), _SPLIT_ELEMENTS
    total = torch.empty(min(step, n), dtype=M.dtype, device=M.device)
    share = torch.empty_like(total)
    for b0 in range(0, n, step):
        b1 = min(n, b0 + step)
        mean, m_over_P = total[:b1 - b0], share[:b1 - b0]
        mean.zero_()
        for z in flat_Z:
            mean.add_(z[b0:b1])
        mean.div_(P)
        torch.div(flat_M[b0:b1], P, out=m_over_P)
        for z in flat_Z:
            z[b0:b1].add_(m_over_P).sub_(mean)


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _real_tensor(name: str, value, dtype, device) -> torch.Tensor:
    """``value`` (a tensor, array, sequence or number) as a real tensor of ``dtype`` on ``device``.

    None, text and complex numbers are refused with InvalidInputError naming ``name`` (complex is not
    cast: torch and numpy would drop the imaginary part); values are not checked for NaN here.
    """
    if torch.is_tensor(value):
        if value.is_complex():
            raise InvalidInputError(f"{name} must be real numbers, got a complex tensor ({value.dtype}); complex "
                                    "input is refused, not cast (the imaginary part would be lost)")
        return value.to(dtype=dtype, device=device)
    arr = real_array(name, value, allow_inf=True)  # None, text, complex, ragged and NaN refused, named
    return torch.from_numpy(arr).to(dtype=dtype, device=device)


def _check_finite(name: str, t: torch.Tensor) -> None:
    if not bool(torch.isfinite(t).all()):
        bad = torch.nonzero(~torch.isfinite(t))[0].tolist()
        raise InvalidInputError(f"{name} must be finite: entry {tuple(bad)} is {t[tuple(bad)].item()!r}"
                                + (" (after rounding to float32)" if t.dtype == torch.float32 else ""))


def _check_result(what: str, out: torch.Tensor, dtype) -> torch.Tensor:
    """``out`` itself, or InvalidInputError when finite points gave a non-finite value (overflow)."""
    if not bool(torch.isfinite(out).all()):
        raise InvalidInputError(f"{what} at w overflows {dtype} (w is finite, but far from the sphere "
                                "||w||^2 = Lambda: project the points first, or use a float64 model)")
    return out


def _check_points(name: str, w: torch.Tensor) -> None:
    """Finite entries and rows of finite nonzero norm, in one pass and one device synchronisation."""
    norms = torch.linalg.vector_norm(w, dim=1)  # NaN or inf in a row makes its norm NaN or inf
    if bool(((norms > 0) & (norms < math.inf)).all()):
        return
    _check_finite(name, w)
    row = int(torch.nonzero(~((norms > 0) & torch.isfinite(norms)))[0, 0])
    if float(norms[row]) == 0.0:
        what = ("the zero vector" if not bool((w[row] != 0).any())
                else "a vector whose norm underflows to 0")
        raise InvalidInputError(f"{name}: point {row} is {what}, which has no direction: it cannot be "
                                f"projected onto the sphere ||w||^2 = Lambda (every point needs a nonzero norm)")
    raise InvalidInputError(f"{name}: point {row} has a norm that overflows {w.dtype} (largest entry "
                            f"{float(w[row].abs().max()):.3g}); scale it down")


def _symmetrise(X: torch.Tensor) -> torch.Tensor:
    """sym(X) = mean of X over all permutations of its axes."""
    import itertools

    perms = list(itertools.permutations(range(X.ndim)))
    S = torch.zeros_like(X)
    for p in perms:
        S += X.permute(p)
    return S / len(perms)


def _project_tangent(w: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """P g with P = I - w w^T/‖w‖²."""
    return g - w * ((w * g).sum(1) / (w * w).sum(1))[:, None]


def _householder(w: torch.Tensor):
    """v, a = 2/‖v‖² with Q = I - a v v^T symmetric orthogonal, Q (w/‖w‖) = ∓e_Λ (no cancellation)."""
    n = w / w.norm(dim=1, keepdim=True)
    sign = torch.where(n[:, -1] >= 0, 1.0, -1.0).to(w.dtype)
    v = n.clone()
    v[:, -1] += sign
    return v, 2.0 / (v * v).sum(1)
