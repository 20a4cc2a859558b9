"""ReLUNetwork: a bias-free fully connected ReLU network with one output (Choromanska et al. 2015, Sec. 3).

Layers 0 (input) … H (output), widths ``(n_0, …, n_H)`` with ``n_H = 1``; ``W_k`` of shape
``(n_{k-1}, n_k)`` joins layer k-1 to layer k; the output is
``Y = σ(W_H^T σ(W_{H-1}^T … σ(W_1^T X)))`` with ``σ(x) = max(0, x)`` (Choromanska et al. 2015, Sec. 3).
Sizes: ``Ψ = n_0 n_1 … n_H`` paths, ``γ = n_1 … n_H`` paths per input, ``N = Σ_k n_{k-1} n_k`` weights.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy

from .._validate import real_array
from ..errors import InvalidInputError

_ACCEPTED = "widths must be at least two positive integers (n_0, ..., n_H) ending in n_H = 1, e.g. (3, 2, 1)"


def weight_symbol(k: int, a: int, b: int) -> sympy.Symbol:
    """``w^{(k)}_{a,b}``: the weight from unit a of layer k-1 to unit b of layer k (1-based, as printed)."""
    return sympy.Symbol(f"w^{{({k})}}_{{{a},{b}}}", real=True)


def input_symbol(i: int) -> sympy.Symbol:
    """``X_{i}``: input coordinate i (1-based, as printed)."""
    return sympy.Symbol(f"X_{{{i}}}", real=True)


def make_symbols(names, **assumptions) -> list:
    """``[Symbol(name, **assumptions) for name in names]`` for many distinct names, about 5x faster.

    Builds each symbol as sympy's own uncached constructor (``Symbol.__xnew__``) does, sharing the
    canonical assumptions that ``Symbol._canonical_assumptions`` caches, but without the per-call
    cache lookups. The first symbol is checked against ``Symbol(...)`` (``==``, hash, assumptions);
    if this sympy version differs, plain ``Symbol`` is used for all.
    """
    names = list(names)
    if not names:
        return []
    try:
        kb, orig, canonical = sympy.Symbol._canonical_assumptions(**assumptions)
        assumptions0 = tuple(sorted(canonical.items()))
        new = sympy.Basic.__new__

        def make(name):
            obj = new(sympy.Symbol)
            obj.name = name
            obj._assumptions = kb
            obj._assumptions_orig = orig
            obj._assumptions0 = assumptions0
            return obj

        first, reference = make(names[0]), sympy.Symbol(names[0], **assumptions)
        ok = (first == reference and hash(first) == hash(reference)
              and first.assumptions0 == reference.assumptions0)
    except Exception:  # pragma: no cover - a sympy without these internals
        ok = False
    if not ok:  # pragma: no cover
        return [sympy.Symbol(name, **assumptions) for name in names]
    return [first] + [make(name) for name in names[1:]]


def _widths_problem(items: tuple) -> str | None:
    if len(items) < 2:
        return f"it has {len(items)} entr{'y' if len(items) == 1 else 'ies'}"
    for n in items:
        if not isinstance(n, numbers.Integral) or isinstance(n, bool):
            return f"{n!r} is not an integer"
        if int(n) <= 0:
            return f"{int(n)} is not positive"
    if int(items[-1]) != 1:
        return f"its last entry is {int(items[-1])} but n_H must be 1 (one output)"
    return None


@dataclass(frozen=True)
class ReLUNetwork:
    """A bias-free ReLU network with widths ``(n_0, …, n_H)``, ``n_H = 1``.

    >>> net = ReLUNetwork((3, 2, 1))
    >>> net.H, net.mass, net.gamma, net.size
    (2, 6, 2, 8)
    """

    widths: tuple

    def __post_init__(self):
        widths = self.widths
        try:
            items = tuple(widths) if not isinstance(widths, (str, bytes)) else None
        except TypeError:
            items = None
        problem = "not a sequence of integers" if items is None else _widths_problem(items)
        if problem:
            raise InvalidInputError(f"{_ACCEPTED}; got {widths!r}: {problem}")
        object.__setattr__(self, "widths", tuple(int(n) for n in items))

    # --- sizes (products and sums of the widths; nothing is expanded) ------------------------
    @property
    def H(self) -> int:
        """Number of weight layers (``H-1`` hidden layers); the degree of the path polynomial in the weights."""
        return len(self.widths) - 1

    @property
    def input_dim(self) -> int:
        """``n_0 = d``."""
        return self.widths[0]

    @property
    def mass(self) -> int:
        """Ψ = n_0 n_1 … n_H: the total number of input→output paths."""
        return math.prod(self.widths)

    @property
    def gamma(self) -> int:
        """γ = n_1 … n_H: the number of paths from each input."""
        return math.prod(self.widths[1:])

    @property
    def size(self) -> int:
        """N = Σ_{i=0}^{H-1} n_i n_{i+1}: the number of weights."""
        return sum(a * b for a, b in zip(self.widths[:-1], self.widths[1:]))

    @property
    def weight_shapes(self) -> tuple:
        """``((n_0, n_1), …, (n_{H-1}, n_H))``: the shape of each ``W_k``."""
        return tuple((a, b) for a, b in zip(self.widths[:-1], self.widths[1:]))

    # --- symbols -----------------------------------------------------------------------------
    @cached_property
    def weight_symbol_table(self) -> tuple:
        """``table[k-1][a][b] = w^{(k)}_{a+1,b+1}`` as nested tuples (cheaper than Matrices)."""
        tables = []
        for k, (na, nb) in enumerate(self.weight_shapes, start=1):
            flat = make_symbols((f"w^{{({k})}}_{{{a},{b}}}" for a in range(1, na + 1) for b in range(1, nb + 1)),
                                real=True)
            tables.append(tuple(tuple(flat[a * nb:(a + 1) * nb]) for a in range(na)))
        return tuple(tables)

    @cached_property
    def weight_matrices(self) -> tuple:
        """Symbolic ``W_1 … W_H`` (sympy Matrices of ``w^{(k)}_{a,b}``), shapes ``(n_{k-1}, n_k)``."""
        return tuple(sympy.Matrix(rows) for rows in self.weight_symbol_table)

    @cached_property
    def input_symbols(self) -> tuple:
        """``X_1 … X_{n_0}``."""
        return tuple(make_symbols((f"X_{{{i}}}" for i in range(1, self.input_dim + 1)), real=True))

    @property
    def weight_symbols(self) -> tuple:
        """All N weight symbols, layer by layer, row-major within a layer."""
        return tuple(s for table in self.weight_symbol_table for row in table for s in row)

    # --- numbers -----------------------------------------------------------------------------
    def check_weights(self, weights) -> list:
        """Validate ``weights`` (a list of H arrays, ``W_k`` of shape ``(n_{k-1}, n_k)``) -> float64 arrays."""
        if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
            raise InvalidInputError(
                f"weights must be a list of {self.H} arrays of shapes {list(self.weight_shapes)} "
                f"for widths {self.widths}; got {type(weights).__name__}"
            )
        if len(weights) != self.H:
            raise InvalidInputError(
                f"weights must be a list of {self.H} arrays of shapes {list(self.weight_shapes)} "
                f"for widths {self.widths}; got {len(weights)} arrays"
            )
        out = []
        for k, (W, shape) in enumerate(zip(weights, self.weight_shapes), start=1):
            W = real_array(f"W_{k}", W)
            if W.shape != shape:
                raise InvalidInputError(f"W_{k} must have shape {shape} for widths {self.widths}, got {W.shape}")
            out.append(W)
        return out

    def check_input(self, x) -> tuple[np.ndarray, bool]:
        """Validate ``x`` of shape ``(n_0,)`` or ``(batch, n_0)`` -> (2-d float64 array, was_1d)."""
        x = real_array("x", x)
        if x.ndim == 1 and x.shape[0] == self.input_dim:
            return x[None, :], True
        if x.ndim == 2 and x.shape[1] == self.input_dim:
            return x, False
        raise InvalidInputError(
            f"x must have shape ({self.input_dim},) or (batch, {self.input_dim}) for widths {self.widths}, "
            f"got {x.shape}"
        )

    def activation_bytes(self, batch: int) -> int:
        """Estimated peak memory (bytes) of :meth:`activations` on ``batch`` inputs: the float64 input,
        and every layer's pre-activation ``z_k`` and output ``h_k``, ``8 · batch · (n_0 + 2 Σ_{k≥1} n_k)``."""
        return 8 * int(batch) * (self.widths[0] + 2 * sum(self.widths[1:]))

    def activations(self, weights, x, *, max_bytes: int | None = None) -> list:
        """Pre-activations ``z_k = W_k^T h_{k-1}`` of every layer k = 1…H, each of shape ``(batch, n_k)``.

        ``h_0 = x`` and ``h_k = σ(z_k)``; x is taken as 2-d (a 1-d x is a batch of one). An empty batch,
        x of shape ``(0, n_0)``, gives arrays of shape ``(0, n_k)``. Refused up front
        (:class:`~polyloss.errors.SizeLimitError`) when :meth:`activation_bytes` exceeds ``max_bytes``
        (default: half of the available memory); complex, NaN or infinite x or weights are refused
        (:class:`~polyloss.errors.InvalidInputError`), and so is a product that overflows float64.
        """
        from .._device import check_fits

        weights = self.check_weights(weights)
        h, _ = self.check_input(x)
        x_max = float(np.abs(h).max()) if h.size else 0.0
        check_fits(self.activation_bytes(h.shape[0]), f"the forward pass of {h.shape[0]} inputs through widths "
                   f"{self.widths}", max_bytes=max_bytes, advice="pass the inputs in smaller batches")
        zs = []
        for W in weights:
            with np.errstate(over="ignore", invalid="ignore"):
                z = h @ W
            zs.append(z)
            h = np.maximum(z, 0.0)
        if not all(np.isfinite(z).all() for z in zs):
            raise InvalidInputError(f"the forward pass through widths {self.widths} overflows float64 (the largest "
                                    f"|x| is {x_max:.3g}, "
                                    f"the largest |w| {max(float(np.abs(W).max()) for W in weights):.3g}); "
                                    "rescale x or the weights")
        return zs

    def active_units(self, weights, x) -> list:
        """``[z_k > 0 for k = 1…H]``: which ReLUs are on (σ(0) = 0 counts as off), each ``(batch, n_k)`` bool."""
        return [z > 0.0 for z in self.activations(weights, x)]

    def forward(self, weights, x, *, max_bytes: int | None = None):
        """The plain forward pass ``σ(W_H^T σ(… σ(W_1^T x)))``: shape ``(batch,)``, or a float for 1-d x.

        x of shape ``(n_0,)`` or ``(batch, n_0)``; an empty batch ``(0, n_0)`` gives an empty array
        (shape ``(0,)``), as numpy's vectorised functions do. Bad input (complex, NaN, inf, None, a
        string, a wrong shape) is refused with :class:`~polyloss.errors.InvalidInputError` naming the
        argument; sizes as in :meth:`activations`.
        """
        _, was_1d = self.check_input(x)
        out = np.maximum(self.activations(weights, x, max_bytes=max_bytes)[-1][:, 0], 0.0)
        return float(out[0]) if was_1d else out

    def random_weights(self, rng=None, *, low: float = -1.0, high: float = 1.0, max_bytes: int | None = None) -> list:
        """Weights uniform in ``[low, high]`` (the paper's initialisation), from ``rng`` (seed or Generator).

        ``low < high``, both finite. Refused up front (:class:`~polyloss.errors.SizeLimitError`) when the
        ``8 N`` bytes of the N float64 weights exceed ``max_bytes`` (default: half of the available memory).
        """
        from .._device import check_fits
        from .._random import as_generator
        from .._validate import real

        low = real("low", low)
        high = real("high", high)
        if not low < high:
            raise InvalidInputError(f"low must be < high; got low={low!r}, high={high!r}")
        if not np.isfinite(high - low):
            raise InvalidInputError(f"high - low must be finite in float64; got low={low!r}, high={high!r}")
        gen = as_generator(rng)
        check_fits(8 * self.size, f"the {self.size} float64 weights of widths {self.widths}", max_bytes=max_bytes,
                   advice="use smaller widths")
        return [gen.uniform(low, high, size=shape) for shape in self.weight_shapes]
