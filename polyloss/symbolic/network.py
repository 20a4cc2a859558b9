"""ReLUNetwork: a fully connected ReLU network with one output (Choromanska et al. 2015, Sec. 3),
optionally with skip connections and biases (derived here).

Layers 0 (input) … H (output), widths ``(n_0, …, n_H)`` with ``n_H = 1``; ``W_k`` of shape
``(n_{k-1}, n_k)`` joins layer k-1 to layer k; the plain chain's output is
``Y = σ(W_H^T σ(W_{H-1}^T … σ(W_1^T X)))`` with ``σ(x) = max(0, x)`` (Choromanska et al. 2015, Sec. 3).
Sizes: ``Ψ = n_0 n_1 … n_H`` paths, ``γ = n_1 … n_H`` paths per input, ``N = Σ_k n_{k-1} n_k`` weights.

A skip ``(a, b)`` (``0 ≤ a < b ≤ H``, ``b − a ≥ 2``) adds its own matrix ``S_{a,b}`` of shape
``(n_a, n_b)`` from layer a's outputs (layer 0: the input X, not activated) into layer b's
pre-activation; ``biases=True`` gives every layer k = 1…H a bias vector ``β_k`` of length n_k:

    z_b = W_b^T h_{b-1} + Σ_{(a,b)} S_{a,b}^T h_a + β_b,   h_0 = X,  h_k = σ(z_k),  Y = σ(z_H).

Paths then have lengths m = 1…H (the number of weighted edges); ``Ψ_m`` counts the paths of length m
from the inputs (:attr:`ReLUNetwork.path_counts`), and a path from the bias of a unit of layer k
carries that bias as its first factor (:attr:`ReLUNetwork.bias_path_counts`). With no skips and no
biases everything is the plain chain above.
"""

from __future__ import annotations

import math
import numbers
import re
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


def skip_weight_symbol(a: int, b: int, i: int, j: int) -> sympy.Symbol:
    """``s^{(a→b)}_{i,j}``: the skip weight from unit i of layer a to unit j of layer b (units 1-based)."""
    return sympy.Symbol(f"s^{{({a}\\to{b})}}_{{{i},{j}}}", real=True)


def bias_symbol(k: int, j: int) -> sympy.Symbol:
    """``b^{(k)}_{j}``: the bias of unit j of layer k (1-based, as printed)."""
    return sympy.Symbol(f"b^{{({k})}}_{{{j}}}", real=True)


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


_SKIPS_ACCEPTED = ("skips must be (from_layer, to_layer) pairs with 0 <= from_layer < to_layer <= H and "
                   "to_layer - from_layer >= 2, each at most once, e.g. ((0, 2), (1, 3)) or the text '0:2,1:3'")


def parse_skips(text: str) -> tuple:
    """Read ``"0:2,1:3"`` (``from:to`` pairs separated by commas; ``""`` is no skip) as ``((0, 2), (1, 3))``.

    Only the form is checked here; :class:`ReLUNetwork` checks the layers against the widths.
    :func:`skips_text` writes the text back.
    """
    if isinstance(text, (bytes, bytearray)):
        raise InvalidInputError(f"{_SKIPS_ACCEPTED}; got bytes {text!r}: pass text (str), not bytes")
    if not isinstance(text, str):
        raise InvalidInputError(f"{_SKIPS_ACCEPTED}; got {text!r}")
    if not text.strip():
        return ()
    out = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d{1,6})\s*:\s*(\d{1,6})\s*", part)
        if m is None:
            raise InvalidInputError(f"{_SKIPS_ACCEPTED}; could not read {part.strip()!r} in {text!r}")
        out.append((int(m.group(1)), int(m.group(2))))
    return tuple(out)


def _skip_pairs(skips) -> list:
    """The form check shared by :func:`skips_text` and :class:`ReLUNetwork`: ``skips`` (pairs, or text
    for :func:`parse_skips`) as a list of ``(a, b)`` int pairs, in the given order; the layers are not checked."""
    if isinstance(skips, (str, bytes, bytearray)):
        skips = parse_skips(skips)
    try:
        items = list(skips)
    except TypeError:
        raise InvalidInputError(f"{_SKIPS_ACCEPTED}; got {skips!r}") from None
    out = []
    for pair in items:
        try:
            a, b = pair
        except (TypeError, ValueError):
            hint = ""
            if len(items) == 2 and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in items):
                hint = f"; did you mean ({tuple(items)!r},)?"
            raise InvalidInputError(f"{_SKIPS_ACCEPTED}; got the entry {pair!r} in {skips!r}{hint}") from None
        if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) for v in (a, b)):
            raise InvalidInputError(f"{_SKIPS_ACCEPTED}; the entry {pair!r} is not a pair of integers")
        out.append((int(a), int(b)))
    return out


def skips_text(skips) -> str:
    """``((0, 2), (1, 3))`` -> ``"0:2,1:3"`` (``()`` -> ``""``), in the given order: the text that
    :func:`parse_skips` (and ``polyloss derive --skips``) reads back as the same pairs."""
    return ",".join(f"{a}:{b}" for a, b in _skip_pairs(skips))


def _check_skips(skips, H: int) -> tuple:
    """Skips as a sorted tuple of ``(a, b)`` int pairs, or InvalidInputError saying what is wrong."""
    out = []
    for a, b in _skip_pairs(skips):
        if not 0 <= a < b <= H:
            raise InvalidInputError(f"{_SKIPS_ACCEPTED}; got ({a}, {b}), but the layers are 0..H = 0..{H}")
        if b - a == 1:
            raise InvalidInputError(f"{_SKIPS_ACCEPTED}; got ({a}, {b}): layers {a} and {b} are already "
                                    "joined by the ordinary weights W")
        if (a, b) in out:
            raise InvalidInputError(f"{_SKIPS_ACCEPTED}; ({a}, {b}) is given twice")
        out.append((a, b))
    return tuple(sorted(out))


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
    """A ReLU network with widths ``(n_0, …, n_H)``, ``n_H = 1``; bias-free and a plain chain by default.

    ``skips``: ``(from_layer, to_layer)`` pairs (or text ``"0:2,1:3"``), ``0 ≤ from < to ≤ H``,
    ``to − from ≥ 2``, each once (kept sorted); ``biases``: True gives layers 1…H a bias vector.

    >>> net = ReLUNetwork((3, 2, 1))
    >>> net.H, net.mass, net.gamma, net.size
    (2, 6, 2, 8)
    >>> ReLUNetwork((2, 2, 2, 1), skips="0:2,1:3").path_counts
    {2: 8, 3: 8}
    """

    widths: tuple
    skips: tuple = ()
    biases: bool = False

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
        object.__setattr__(self, "skips", _check_skips(self.skips, len(items) - 1))
        if not isinstance(self.biases, (bool, np.bool_)):
            raise InvalidInputError(f"biases must be True or False; got {self.biases!r}")
        object.__setattr__(self, "biases", bool(self.biases))

    @property
    def is_chain(self) -> bool:
        """True for the paper's network: no skip connection and no bias."""
        return not self.skips and not self.biases

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
        """Ψ: the total number of input→output paths (``n_0 n_1 … n_H`` for a chain; ``Σ_m Ψ_m`` with skips)."""
        if not self.skips:
            return math.prod(self.widths)
        return sum(self.path_counts.values())

    @property
    def gamma(self) -> int:
        """γ: the number of paths from each input (``n_1 … n_H`` for a chain; every input has as many)."""
        if not self.skips:
            return math.prod(self.widths[1:])
        return self.mass // self.input_dim

    def sources(self, layer: int) -> tuple:
        """The layers whose outputs feed ``layer`` (1…H): ``layer − 1`` and the skips into it, increasing."""
        return tuple(sorted([layer - 1] + [a for a, b in self.skips if b == layer]))

    def _count_paths(self, from_bias: bool) -> dict:
        # P_b[m]: paths of m weighted factors ending at one given unit of layer b (every unit of a
        # layer has as many): P_b[m] = Σ_{a feeding b} n_a P_a[m-1] (+1 at m = 1 for b's own bias).
        P = [dict() if from_bias else {0: 1}]
        for b in range(1, self.H + 1):
            counts: dict = {1: 1} if from_bias else {}
            for a in self.sources(b):
                for m, c in P[a].items():
                    counts[m + 1] = counts.get(m + 1, 0) + self.widths[a] * c
            P.append(counts)
        return dict(sorted(P[self.H].items()))

    @cached_property
    def path_counts(self) -> dict:
        """``{m: Ψ_m}``: the number of input→output paths with m weighted edges (m = 1…H), derived here
        by the recursion ``P_b(m) = Σ_{a → b} n_a P_a(m−1)``, ``P_0(0) = 1``; a chain has ``{H: Ψ}``."""
        if not self.skips:
            return {self.H: math.prod(self.widths)}
        return self._count_paths(False)

    @cached_property
    def bias_path_counts(self) -> dict:
        """``{m: count}``: paths from a bias to the output with m weighted factors, the bias included
        (``{}`` without biases); a bias of layer k starts paths of at most ``H − k + 1`` factors."""
        return self._count_paths(True) if self.biases else {}

    @property
    def size(self) -> int:
        """N: the number of weights ``Σ_{i=0}^{H-1} n_i n_{i+1}``, plus ``n_a n_b`` per skip and ``Σ_{k≥1} n_k``
        with biases."""
        return sum(math.prod(shape) for shape in self.parameter_shapes)

    @property
    def weight_shapes(self) -> tuple:
        """``((n_0, n_1), …, (n_{H-1}, n_H))``: the shape of each ``W_k``."""
        return tuple((a, b) for a, b in zip(self.widths[:-1], self.widths[1:]))

    @property
    def skip_shapes(self) -> tuple:
        """``(n_a, n_b)`` for each skip ``(a, b)``, in :attr:`skips` order."""
        return tuple((self.widths[a], self.widths[b]) for a, b in self.skips)

    @property
    def bias_shapes(self) -> tuple:
        """``((n_1,), …, (n_H,))`` with biases, else ``()``."""
        return tuple((n,) for n in self.widths[1:]) if self.biases else ()

    @property
    def parameter_shapes(self) -> tuple:
        """The shapes of all parameter arrays, in the order :meth:`check_weights` takes them:
        ``W_1 … W_H``, then one ``S_{a,b}`` per skip, then ``β_1 … β_H`` (a chain: :attr:`weight_shapes`)."""
        return self.weight_shapes + self.skip_shapes + self.bias_shapes

    @property
    def parameter_names(self) -> tuple:
        """``("W_1", …, "W_H", "S_0->2", …, "b_1", …)``: the names of the parameter arrays."""
        return (tuple(f"W_{k}" for k in range(1, self.H + 1)) + tuple(f"S_{a}->{b}" for a, b in self.skips)
                + (tuple(f"b_{k}" for k in range(1, self.H + 1)) if self.biases else ()))

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

    @cached_property
    def skip_symbol_table(self) -> tuple:
        """``table[n][i][j] = s^{(a→b)}_{i+1,j+1}`` for the n-th skip ``(a, b)``."""
        return tuple(tuple(tuple(skip_weight_symbol(a, b, i, j) for j in range(1, self.widths[b] + 1))
                           for i in range(1, self.widths[a] + 1)) for a, b in self.skips)

    @cached_property
    def bias_symbol_table(self) -> tuple:
        """``table[k-1][j] = b^{(k)}_{j+1}`` with biases, else ``()``."""
        if not self.biases:
            return ()
        return tuple(tuple(bias_symbol(k, j) for j in range(1, n + 1)) for k, n in enumerate(self.widths[1:], 1))

    @property
    def weight_symbols(self) -> tuple:
        """All N parameter symbols: the weights layer by layer, row-major within a layer, then the skip
        weights (skip by skip, row-major), then the biases (layer by layer)."""
        return (tuple(s for table in self.weight_symbol_table for row in table for s in row)
                + tuple(s for table in self.skip_symbol_table for row in table for s in row)
                + tuple(s for row in self.bias_symbol_table for s in row))

    # --- numbers -----------------------------------------------------------------------------
    @property
    def skips_text(self) -> str:
        """The skips as text, ``"0:2,1:3"`` (``""`` for none): :func:`skips_text`."""
        return skips_text(self.skips)

    def describe(self) -> str:
        """``widths (…)``, with the skips (``skips 0:2,1:3``) and ", biases" when there are any (for messages
        and titles)."""
        extra = (f", skips {self.skips_text}" if self.skips else "") + (", biases" if self.biases else "")
        return f"widths {self.widths}{extra}"

    def check_weights(self, weights) -> list:
        """Validate ``weights`` -> float64 arrays: a list of H arrays, ``W_k`` of shape ``(n_{k-1}, n_k)``,
        followed by one ``S_{a,b}`` of shape ``(n_a, n_b)`` per skip and, with biases, ``β_1 … β_H`` of
        shapes ``(n_k,)`` (:attr:`parameter_shapes`, :attr:`parameter_names`)."""
        shapes, names = self.parameter_shapes, self.parameter_names
        if isinstance(weights, np.ndarray) or not isinstance(weights, (list, tuple)):
            raise InvalidInputError(
                f"weights must be a list of {len(shapes)} arrays of shapes {list(shapes)} "
                f"for {self.describe()}; got {type(weights).__name__}"
            )
        if len(weights) != len(shapes):
            raise InvalidInputError(
                f"weights must be a list of {len(shapes)} arrays of shapes {list(shapes)} "
                f"for {self.describe()}; got {len(weights)} arrays"
            )
        out = []
        for name, W, shape in zip(names, weights, shapes):
            W = real_array(name, W)
            if W.shape != shape:
                raise InvalidInputError(f"{name} must have shape {shape} for {self.describe()}, got {W.shape}")
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
        """Pre-activations ``z_k = W_k^T h_{k-1}`` (``+ Σ_{(a,k)} S_{a,k}^T h_a + β_k`` with skips and
        biases) of every layer k = 1…H, each of shape ``(batch, n_k)``.

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
        zs, hs = [], [h]
        skips = dict(zip(self.skips, weights[self.H:self.H + len(self.skips)]))
        biases = weights[self.H + len(self.skips):]
        for k, W in enumerate(weights[:self.H], start=1):
            with np.errstate(over="ignore", invalid="ignore"):
                z = h @ W
                for a in self.sources(k)[:-1]:
                    z = z + hs[a] @ skips[(a, k)]
                if biases:
                    z = z + biases[k - 1]
            zs.append(z)
            h = np.maximum(z, 0.0)
            hs.append(h)
        if not all(np.isfinite(z).all() for z in zs):
            raise InvalidInputError(f"the forward pass through {self.describe()} overflows float64 (the largest "
                                    f"|x| is {x_max:.3g}, "
                                    f"the largest |w| {max(float(np.abs(W).max()) for W in weights):.3g}); "
                                    "rescale x or the weights")
        return zs

    def active_units(self, weights, x) -> list:
        """``[z_k > 0 for k = 1…H]``: which ReLUs are on (σ(0) = 0 counts as off), each ``(batch, n_k)`` bool."""
        return [z > 0.0 for z in self.activations(weights, x)]

    def forward(self, weights, x, *, max_bytes: int | None = None):
        """The plain forward pass ``σ(W_H^T σ(… σ(W_1^T x)))`` (``Y = σ(z_H)`` with skips and biases, as in the
        module docstring): shape ``(batch,)``, or a float for 1-d x.

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
        check_fits(8 * self.size, f"the {self.size} float64 weights of {self.describe()}", max_bytes=max_bytes,
                   advice="use smaller widths")
        return [gen.uniform(low, high, size=shape) for shape in self.parameter_shapes]
