"""ReLUNetwork: a bias-free fully connected ReLU network with one output (REFERENCE §1).

Layers 0 (input) … H (output), widths ``(n_0, …, n_H)`` with ``n_H = 1``; ``W_k`` of shape
``(n_{k-1}, n_k)`` joins layer k-1 to layer k; the output is
``σ(W_H^T σ(W_{H-1}^T … σ(W_1^T X)))`` with ``σ(x) = max(0, x)`` (Choromanska et al. 2015, §3).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy

from ..errors import InvalidInputError


def weight_symbol(k: int, a: int, b: int) -> sympy.Symbol:
    """``w^{(k)}_{a,b}``: the weight from unit a of layer k-1 to unit b of layer k (1-based, as printed)."""
    return sympy.Symbol(f"w^{{({k})}}_{{{a},{b}}}", real=True)


def input_symbol(i: int) -> sympy.Symbol:
    """``X_{i}``: input coordinate i (1-based, as printed)."""
    return sympy.Symbol(f"X_{{{i}}}", real=True)


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
        accepted = ("widths must be a sequence of at least two positive integers "
                    "(n_0, ..., n_H) ending in 1, e.g. (3, 2, 1)")
        try:
            items = tuple(widths)
        except TypeError:
            raise InvalidInputError(f"{accepted}; got {widths!r}") from None
        ok = len(items) >= 2 and all(
            isinstance(n, numbers.Integral) and not isinstance(n, bool) and int(n) > 0 for n in items
        )
        if not ok or int(items[-1]) != 1:
            raise InvalidInputError(f"{accepted}; got {widths!r}")
        object.__setattr__(self, "widths", tuple(int(n) for n in items))

    # --- sizes (no expansion) ----------------------------------------------------------------
    @property
    def H(self) -> int:
        """Number of weight layers (``H-1`` hidden layers); the degree of the path polynomial."""
        return len(self.widths) - 1

    @property
    def input_dim(self) -> int:
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
        return tuple((a, b) for a, b in zip(self.widths[:-1], self.widths[1:]))

    # --- symbols -----------------------------------------------------------------------------
    @cached_property
    def weight_matrices(self) -> tuple:
        """Symbolic ``W_1 … W_H`` (sympy Matrices of ``w^{(k)}_{a,b}``), shapes ``(n_{k-1}, n_k)``."""
        return tuple(
            sympy.Matrix(a, b, lambda r, c, k=k: weight_symbol(k, r + 1, c + 1))
            for k, (a, b) in enumerate(self.weight_shapes, start=1)
        )

    @cached_property
    def input_symbols(self) -> tuple:
        """``X_1 … X_{n_0}``."""
        return tuple(input_symbol(i + 1) for i in range(self.input_dim))

    @property
    def weight_symbols(self) -> tuple:
        """All N weight symbols, layer by layer, row-major within a layer."""
        return tuple(s for W in self.weight_matrices for s in W)

    # --- numbers -----------------------------------------------------------------------------
    def check_weights(self, weights) -> list:
        """Validate ``weights`` (one array per layer, ``W_k`` of shape ``(n_{k-1}, n_k)``) -> float64 arrays."""
        if len(weights) != self.H:
            raise InvalidInputError(
                f"expected {self.H} weight matrices for widths {self.widths}, got {len(weights)}"
            )
        out = []
        for k, (W, shape) in enumerate(zip(weights, self.weight_shapes), start=1):
            W = np.asarray(W, dtype=np.float64)
            if W.shape != shape:
                raise InvalidInputError(f"W_{k} must have shape {shape} for widths {self.widths}, got {W.shape}")
            out.append(W)
        return out

    def check_input(self, x) -> tuple[np.ndarray, bool]:
        """Validate ``x`` of shape ``(n_0,)`` or ``(batch, n_0)`` -> (2-d float64 array, was_1d)."""
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1 and x.shape[0] == self.input_dim:
            return x[None, :], True
        if x.ndim == 2 and x.shape[1] == self.input_dim:
            return x, False
        raise InvalidInputError(
            f"x must have shape ({self.input_dim},) or (batch, {self.input_dim}) for widths {self.widths}, "
            f"got {x.shape}"
        )

    def activations(self, weights, x) -> list:
        """Pre-activations ``z_k = W_k^T h_{k-1}`` of every layer k = 1…H, each of shape ``(batch, n_k)``."""
        weights = self.check_weights(weights)
        h, _ = self.check_input(x)
        zs = []
        for W in weights:
            z = h @ W
            zs.append(z)
            h = np.maximum(z, 0.0)
        return zs

    def forward(self, weights, x) -> np.ndarray:
        """The plain forward pass ``σ(W_H^T σ(… σ(W_1^T x)))``: shape ``(batch,)``, or a scalar for 1-d x."""
        _, was_1d = self.check_input(x)
        out = np.maximum(self.activations(weights, x)[-1][:, 0], 0.0)
        return out[0] if was_1d else out

    def random_weights(self, rng=None, *, low: float = -1.0, high: float = 1.0) -> list:
        """Weights uniform in ``[low, high]`` (the paper's initialisation), from ``rng`` (seed or Generator)."""
        from .._random import as_generator

        gen = as_generator(rng)
        return [gen.uniform(low, high, size=shape) for shape in self.weight_shapes]
