"""Path polynomials: the exact expansion of a ReLU network into input→output paths (Eq. 1).

``Y = q Σ_{i=1}^{n_0} Σ_{j=1}^{γ} X_{i,j} A_{i,j} Π_{k=1}^{H} w^{(k)}_{i,j}``
(Choromanska et al. 2015, Eq. 1; REFERENCE §1). For fixed inputs and weights the identity is
exact when ``A_{i,j}`` is 1 exactly when every ReLU on path (i, j) is active, the output's included.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy

from ..errors import InvalidInputError, SizeLimitError
from .network import ReLUNetwork

DEFAULT_MAX_PATHS = 10**6


def activation_symbol(i: int, j: int) -> sympy.Symbol:
    """``A_{i,j}``: 1 when every ReLU on path j from input i is active (1-based, as printed)."""
    return sympy.Symbol(f"A_{{{i},{j}}}", nonnegative=True)


@dataclass(frozen=True)
class Path:
    """One input→output path.

    Attributes:
        input_index: i, 0-based input coordinate.
        index: j, 0-based index of the path among the γ paths from input i (layer-by-layer order).
        units: ``(u_1, …, u_H)``, 0-based unit visited in layers 1…H (``u_H = 0``).
        input: the symbol ``X_i``; activation: ``A_{i,j}``; weights: ``(w^{(1)}, …, w^{(H)})`` on the path.
    """

    input_index: int
    index: int
    units: tuple
    input: sympy.Symbol
    activation: sympy.Symbol
    weights: tuple

    @property
    def monomial(self) -> sympy.Expr:
        """``X_i A_{i,j} Π_k w^{(k)}``."""
        return sympy.Mul(self.input, self.activation, *self.weights)


def default_q(net: ReLUNetwork) -> sympy.Expr:
    """The normalisation ``q = Ψ^{-(H-1)/(2H)}`` (REFERENCE §1, an [open] convention: Λ = Ψ^{1/H})."""
    return sympy.Integer(net.mass) ** sympy.Rational(-(net.H - 1), 2 * net.H)


def resolve_q(net: ReLUNetwork, q) -> sympy.Expr:
    """``q="default"`` -> :func:`default_q`; a number or sympy expression -> itself (exact)."""
    if isinstance(q, str):
        if q == "default":
            return default_q(net)
        raise InvalidInputError(f'q must be "default", a number or a sympy expression; got {q!r}')
    try:
        value = sympy.sympify(q, strict=True) if not isinstance(q, sympy.Basic) else q
    except (sympy.SympifyError, TypeError):
        raise InvalidInputError(f'q must be "default", a number or a sympy expression; got {q!r}') from None
    if isinstance(q, float):
        value = sympy.nsimplify(q, rational=True) if float(q).is_integer() else sympy.Float(q)
    if value.is_number and value == 0:
        raise InvalidInputError("q must be non-zero")
    return value


def enumerate_paths(net: ReLUNetwork, *, max_paths: int = DEFAULT_MAX_PATHS) -> tuple:
    """All Ψ paths in the stable order: by input, then path, layer by layer (lexicographic units)."""
    check_size(net, max_paths)
    Ws = net.weight_matrices
    hidden = [range(n) for n in net.widths[1:]]
    paths = []
    for i in range(net.input_dim):
        X = net.input_symbols[i]
        for j, units in enumerate(itertools.product(*hidden)):
            prev = (i,) + units[:-1]
            weights = tuple(Ws[k][prev[k], units[k]] for k in range(net.H))
            paths.append(Path(i, j, tuple(units), X, activation_symbol(i + 1, j + 1), weights))
    return tuple(paths)


def check_size(net: ReLUNetwork, max_paths: int = DEFAULT_MAX_PATHS) -> None:
    """Refuse, before building anything, a network with more than ``max_paths`` paths."""
    if max_paths is None or max_paths < 1:
        raise InvalidInputError(f"max_paths must be a positive integer, got {max_paths!r}")
    if net.mass > max_paths:
        raise SizeLimitError(
            f"widths {net.widths} have Ψ = {net.mass:,} paths, so the path polynomial would have "
            f"{net.mass:,} terms of {net.H + 2} factors each ({net.mass * (net.H + 2):,} symbols); "
            f"the limit is max_paths={max_paths:,}. Raise max_paths to build it anyway."
        )


class PathPolynomial:
    """The exact path polynomial ``q Σ_paths X_i A_{i,j} Π_k w^{(k)}`` of a network (Eq. 1).

    Attributes: ``network``, ``q`` (sympy), ``paths`` (tuple of :class:`Path` in the stable order),
    ``n_paths`` (= Ψ), ``degree`` (= H, in the weights), ``expr`` (the sympy sum).
    """

    def __init__(self, network: ReLUNetwork, q, paths: tuple):
        self.network = network
        self.q = q
        self.paths = paths

    @property
    def n_paths(self) -> int:
        return len(self.paths)

    @property
    def degree(self) -> int:
        return self.network.H

    @property
    def expr(self) -> sympy.Expr:
        """``q · Σ X_i A_{i,j} Π_k w^{(k)}`` as a sympy expression (built on first use)."""
        cached = self.__dict__.get("_expr")
        if cached is None:
            cached = sympy.Mul(self.q, sympy.Add(*(p.monomial for p in self.paths)), evaluate=False)
            self.__dict__["_expr"] = cached
        return cached

    @property
    def activation_symbols(self) -> tuple:
        return tuple(p.activation for p in self.paths)

    def __repr__(self) -> str:
        return f"PathPolynomial(widths={self.network.widths}, n_paths={self.n_paths}, q={self.q})"


def path_polynomial(net, *, q="default", max_paths: int = DEFAULT_MAX_PATHS) -> PathPolynomial:
    """The path polynomial of ``net`` (a :class:`ReLUNetwork` or a widths sequence), Eq. 1.

    ``q``: ``"default"`` = ``Ψ^{-(H-1)/(2H)}`` (REFERENCE §1, open convention), or any number or
    sympy expression (``q=1`` gives the raw network output). More than ``max_paths`` paths are
    refused up front with :class:`~polyloss.errors.SizeLimitError`.
    """
    if not isinstance(net, ReLUNetwork):
        net = ReLUNetwork(net)
    q_value = resolve_q(net, q)
    return PathPolynomial(net, q_value, enumerate_paths(net, max_paths=max_paths))
