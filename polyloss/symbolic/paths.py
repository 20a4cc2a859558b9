"""Path polynomials: the exact expansion of a ReLU network into input→output paths (Eq. 1).

``Y = q Σ_{i=1}^{n_0} Σ_{j=1}^{γ} X_i A_{i,j} Π_{k=1}^{H} w^{(k)}_{i,j}``
(Choromanska et al. 2015, Sec. 3, Eq. (1), with ``X_{i,j} = X_i``). For fixed inputs and
weights the identity is exact when ``A_{i,j}`` is 1 exactly when every ReLU on path (i, j) is
active, the output's included: ``q σ(W_H^T σ(… σ(W_1^T X)))`` equals the path sum.

Paths are numbered in a stable order: by input i, then j, the units ``(u_1, …, u_H)`` visited in
layers 1…H in lexicographic order (layer 1 slowest). The structure is kept as an integer array
(:attr:`PathPolynomial.units`); the sympy expression and the :class:`Path` objects are built from
it on first use, in O(Ψ) time (no symbolic expansion).

With skip connections or biases (derived here), :func:`path_polynomial` returns a
:class:`GeneralPathPolynomial`: paths of every length m = 1…H (the number of weighted factors), paths
from a bias carrying no X, listed by length (:func:`enumerate_paths`); it equals the forward pass exactly.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import sympy

from .._validate import integer, real_array
from ..errors import InvalidInputError, SizeLimitError
from .latex import Document, escape_text, join_terms, latex_expr
from .network import ReLUNetwork, make_symbols

DEFAULT_MAX_PATHS = 10**6
DEFAULT_MAX_GENERAL_PATHS = 10**5  # with skips or biases: each path is a Python object (see check_size)
DEFAULT_MAX_TERMS = 64          # explicit text/LaTeX up to this many paths, compact Σ form above
DEFAULT_MAX_ENTRIES = 2**28     # largest (batch × Ψ) activity matrix returned (bytes, as bool)
_CHUNK_ENTRIES = 2**20          # (batch × Ψ) entries per evaluation chunk (8 MiB of float64)
_A_ASSUMPTIONS = {"nonnegative": True}


def activation_symbol(i: int, j: int) -> sympy.Symbol:
    """``A_{i,j}``: 1 when every ReLU on path j from input i is active (1-based, as printed)."""
    return sympy.Symbol(f"A_{{{i},{j}}}", **_A_ASSUMPTIONS)


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while building O(Ψ) acyclic sympy objects.

    Without this, collections triggered by the allocations rescan the growing heap and the time
    per path grows with Ψ; nothing built here forms reference cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _canonical_key(symbol: sympy.Symbol) -> tuple:
    """Sort key reproducing ``Basic.compare`` between plain Symbols (length of hashable content, then content)."""
    content = symbol._hashable_content()
    return (len(content), content)


def _sorted_like_sympy(terms, sample: int = 16) -> bool:
    """Spot check of the reproduced canonical order on evenly spaced terms (any subsequence of a
    sorted list is sorted): sympy's own ``Mul`` and ``Add`` must leave them as they are."""
    step = max(1, len(terms) // sample)
    picked = terms[::step]
    if any(sympy.Mul(*t.args).args != t.args for t in picked[:2]):
        return False
    return len(picked) < 2 or sympy.Add(*picked).args == tuple(picked)


@dataclass(frozen=True)
class Path:
    """One path to the output.

    Attributes:
        input_index: i, 0-based input coordinate (for a bias path: the 0-based unit of its bias).
        index: j, 0-based index of the path among the paths from the same source (stable order).
        units: ``(u_1, …, u_H)``, 0-based unit visited in layers 1…H (``u_H = 0``); with skips, the units
            visited after the source, in the layers ``layers``.
        input: the symbol ``X_i`` (None for a bias path: its input is the constant 1); activation: ``A_{i,j}``;
        weights: ``(w^{(1)}_{i,u_1}, w^{(2)}_{u_1,u_2}, …, w^{(H)}_{u_{H-1},u_H})`` (symbols, 1-based names);
            with skips, one symbol per edge (``w`` or ``s``), after the bias ``b^{(k)}_{u}`` on a bias path.
        layers: the layers of ``units`` (empty for the chain: 1…H).
        source_layer: 0 for a path from the input, k for a path from a bias of layer k.
    """

    input_index: int
    index: int
    units: tuple
    input: sympy.Symbol | None
    activation: sympy.Symbol
    weights: tuple
    layers: tuple = ()
    source_layer: int = 0

    @property
    def is_bias(self) -> bool:
        """True for a path from a bias (no random input)."""
        return self.source_layer > 0

    @property
    def length(self) -> int:
        """m: the number of weighted factors (its degree in the weights; the bias counts as one)."""
        return len(self.weights)

    def _factors(self) -> tuple:
        return ((self.input,) if self.input is not None else ()) + (self.activation, *self.weights)

    @property
    def monomial(self) -> sympy.Expr:
        """``X_i A_{i,j} Π_k w^{(k)}`` (no X on a bias path)."""
        return sympy.Mul(*self._factors())

    def latex(self) -> str:
        """``X_{i} A_{i,j} w^{(1)}_{…} … w^{(H)}_{…}`` in this factor order."""
        return " ".join(latex_expr(s) for s in self._factors())

    def text(self) -> str:
        """``X_i·A_i,j·w^(1)_…·…`` (plain text of the sympy names, in this factor order)."""
        from .plain import symbol_text
        return "·".join(symbol_text(s.name) for s in self._factors())


def default_q(net: ReLUNetwork) -> sympy.Expr:
    """The normalisation ``q = Ψ^{-(H-1)/(2H)}`` of Eq. (1) (Choromanska et al. 2015): polyloss's reading of
    the paper's q, an [open] convention that goes with Λ = Ψ^{1/H}."""
    return sympy.Integer(net.mass) ** sympy.Rational(-(net.H - 1), 2 * net.H)


def resolve_q(net: ReLUNetwork, q) -> sympy.Expr:
    """``q="default"`` -> :func:`default_q`; a real number or sympy expression -> itself (exact).

    Whole floats become Integers; other floats become sympy Floats. Zero, NaN, infinities and
    non-real numbers are refused.
    """
    accepted = 'q must be "default", a non-zero real number or a sympy expression'
    if isinstance(q, str):
        if q == "default":
            return default_q(net)
        raise InvalidInputError(f"{accepted}; got {q!r}")
    if isinstance(q, bool):
        raise InvalidInputError(f"{accepted}; got {q!r}")
    try:
        value = q if isinstance(q, sympy.Basic) else sympy.sympify(q, strict=True)
    except (sympy.SympifyError, TypeError):
        raise InvalidInputError(f"{accepted}; got {q!r}") from None
    if not isinstance(value, sympy.Expr):
        raise InvalidInputError(f"{accepted}; got {q!r}")
    if isinstance(value, sympy.Float) and value.is_finite and float(value).is_integer():
        value = sympy.Integer(int(value))
    if value.is_number and (value.is_zero or value.is_finite is False or value.is_real is False
                            or value is sympy.nan):
        raise InvalidInputError(f"{accepted}; got {q!r}")
    return value


def default_max_paths(net: ReLUNetwork) -> int:
    """The default path limit: :data:`DEFAULT_MAX_PATHS` (10^6) for a plain chain, whose paths are kept as
    one integer array, and :data:`DEFAULT_MAX_GENERAL_PATHS` (10^5) with skips or biases, whose paths
    :func:`enumerate_paths` builds one by one as Python objects (about 30 µs and 2 kB each, measured with
    CPython 3 and sympy: 10^6 paths would take about half a minute and over a gigabyte)."""
    return DEFAULT_MAX_PATHS if net.is_chain else DEFAULT_MAX_GENERAL_PATHS


def check_size(net: ReLUNetwork, max_paths: int = DEFAULT_MAX_PATHS) -> None:
    """Refuse, before building anything, a network with more than ``max_paths`` paths
    (:func:`path_polynomial` passes :func:`default_max_paths` unless given a limit).

    Uses only the path counts (products and sums of the widths), so it returns at once for any widths.
    """
    max_paths = integer("max_paths", max_paths, minimum=1)
    if net.mass > max_paths or net.mass + sum(net.bias_path_counts.values()) > max_paths:
        if not net.is_chain:
            total = net.mass + sum(net.bias_path_counts.values())
            raise SizeLimitError(
                f"{net.describe()} have {total:,} paths (Ψ = {net.mass:,} from the inputs), so the path "
                f"polynomial would have {total:,} terms of up to {net.H + 2} factors each, built one by one as "
                f"Python objects (about 30 µs and 2 kB each: roughly {_rough(total * 30e-6)} s and "
                f"{_rough(total * 2e-3)} MB); the limit is max_paths={max_paths:,}. "
                "Raise max_paths to build it anyway.")
        raise SizeLimitError(
            f"widths {net.widths} have Ψ = {net.mass:,} paths, so the path polynomial would have "
            f"{net.mass:,} terms of {net.H + 2} factors each ({net.mass * (net.H + 2):,} symbol slots); "
            f"the limit is max_paths={max_paths:,}. Raise max_paths to build it anyway."
        )


def _rough(x: float) -> str:
    """``x`` to two significant digits, as plain digits up to 10^15, else in e-notation."""
    return f"{float(f'{x:.2g}'):,.0f}" if 1 <= x < 1e15 else f"{x:.2g}"


class PathPolynomial:
    """The exact path polynomial ``q Σ_paths X_i A_{i,j} Π_k w^{(k)}`` of a network (Eq. 1).

    Build it with :func:`path_polynomial`. Attributes:

    - ``network`` (:class:`ReLUNetwork`), ``q`` (sympy), ``q_convention`` (``"default"`` or ``"given"``);
    - ``units``: int array ``(Ψ, H+1)``, row p = ``(i, u_1, …, u_H)`` of path p (0-based), stable order;
    - ``paths``: tuple of :class:`Path` in the same order; ``n_paths`` = Ψ; ``degree`` = H (in the weights);
    - ``activation_symbols``: ``A_{i,j}`` in path order; ``path_sum``: ``Σ X_i A_{i,j} Π_k w^{(k)}``;
      ``expr``: ``q · path_sum``, both in sympy's canonical form (equal, ``==``, to what sympy builds).
    """

    def __init__(self, network: ReLUNetwork, q: sympy.Expr, *, q_convention: str = "given"):
        self.network = network
        self.q = q
        self.q_convention = q_convention
        units = np.indices(network.widths).reshape(network.H + 1, -1).T
        units.setflags(write=False)
        self.units = units

    # --- structure ---------------------------------------------------------------------------
    @property
    def n_paths(self) -> int:
        return self.units.shape[0]

    @property
    def degree(self) -> int:
        return self.network.H

    @property
    def counts(self) -> dict:
        """``{m: Ψ_m}``: paths from the inputs by length (a chain: ``{H: Ψ}``)."""
        return {self.degree: self.n_paths}

    @property
    def bias_counts(self) -> dict:
        """``{m: count}``: paths from the biases by length (a chain has none)."""
        return {}

    @cached_property
    def activation_symbols(self) -> tuple:
        """``A_{i,j}`` for every path, in the stable order (i = 1…n_0, j = 1…γ)."""
        gamma = self.network.gamma
        names = [f"A_{{{i},{j}}}" for i in range(1, self.network.input_dim + 1) for j in range(1, gamma + 1)]
        with _gc_paused():
            return tuple(make_symbols(names, **_A_ASSUMPTIONS))

    @cached_property
    def paths(self) -> tuple:
        """Every :class:`Path`, in the stable order."""
        net = self.network
        H, gamma, table, X, A = net.H, net.gamma, net.weight_symbol_table, net.input_symbols, self.activation_symbols
        with _gc_paused():
            out = []
            for p, row in enumerate(self.units.tolist()):
                weights = tuple(table[k][row[k]][row[k + 1]] for k in range(H))
                out.append(Path(row[0], p % gamma, tuple(row[1:]), X[row[0]], A[p], weights))
            return tuple(out)

    @cached_property
    def path_sum(self) -> sympy.Expr:
        """``Σ_paths X_i A_{i,j} Π_k w^{(k)}`` in sympy's canonical form, built in O(Ψ log Ψ) without expansion.

        Each monomial's factors and the terms of the sum are put in the order ``Mul`` and ``Add``
        would give them (``Basic.compare``, reproduced by ranking the symbols once), then assembled
        with ``_from_args``: the result is ``==`` to ``Add(*[Mul(*factors) ...])`` at a fraction of its cost.
        """
        with _gc_paused():
            return self._build_path_sum()

    def _build_path_sum(self) -> sympy.Expr:
        net = self.network
        U = self.units
        X = list(net.input_symbols)
        weight_tables = net.weight_symbol_table
        W = [s for table in weight_tables for row in table for s in row]
        A = list(self.activation_symbols)
        symbols = X + W + A
        keys = [_canonical_key(s) for s in symbols]
        order = sorted(range(len(symbols)), key=keys.__getitem__)
        rank = np.empty(len(symbols), dtype=np.int64)
        rank[order] = np.arange(len(symbols))
        by_rank = np.empty(len(symbols), dtype=object)
        by_rank[:] = [symbols[r] for r in order]

        R = np.empty((self.n_paths, net.H + 2), dtype=np.int64)
        R[:, 0] = rank[U[:, 0]]
        offset = len(X)
        for k, (na, nb) in enumerate(net.weight_shapes):
            layer_rank = rank[offset:offset + na * nb].reshape(na, nb)
            R[:, k + 1] = layer_rank[U[:, k], U[:, k + 1]]
            offset += na * nb
        R[:, -1] = rank[offset:]
        R.sort(axis=1)                                 # canonical factor order within each monomial
        R = R[np.lexsort(R.T[::-1])]                   # canonical term order within the sum
        make_mul = sympy.Mul._from_args
        terms = [make_mul(tuple(row), True) for row in by_rank[R].tolist()]
        if not _sorted_like_sympy(terms):  # pragma: no cover - a sympy whose canonical order differs
            return sympy.Add(*[sympy.Mul(*t.args) for t in terms])
        if len(terms) == 1:
            return terms[0]
        return sympy.Add._from_args(tuple(terms), True)

    @cached_property
    def expr(self) -> sympy.Expr:
        """``q · Σ_paths X_i A_{i,j} Π_k w^{(k)}`` (Eq. 1), equal (``==``) to ``sympy.Mul(q, path_sum)``."""
        total, q = self.path_sum, self.q
        if q == 1:
            return total
        with _gc_paused():
            if q.is_Number:
                # sympy distributes a number over a sum: do it directly, keeping the canonical order
                # (the number is the first argument of every term and does not change their ranking).
                scaled = [sympy.Mul._from_args((q,) + t.args, True) for t in sympy.Add.make_args(total)]
                return scaled[0] if len(scaled) == 1 else sympy.Add._from_args(tuple(scaled), True)
            # Mul(q, total) without sympy's cache: a cache hit compares the whole sum with a previous,
            # equal one (same names) in O(Ψ) slow Python; flatten + _from_args is what Mul() does.
            c_part, nc_part, _ = sympy.Mul.flatten([q, total])
            return sympy.Mul._from_args(tuple(c_part + nc_part), not nc_part)

    def __repr__(self) -> str:
        return f"PathPolynomial(widths={self.network.widths}, n_paths={self.n_paths}, q={self.q})"

    # --- numbers -----------------------------------------------------------------------------
    @cached_property
    def _q_number(self):
        return float(self.q) if self.q.is_number else None

    def _q_float(self, q) -> float:
        if q is None and self._q_number is not None:
            return self._q_number
        value = self.q if q is None else resolve_q(self.network, q)
        if not value.is_number:
            raise InvalidInputError(
                f"q = {value} is symbolic; pass q=<number> to evaluate numerically (e.g. q=1)"
            )
        return float(value)

    def weight_products(self, weights) -> np.ndarray:
        """``Π_{k=1}^{H} w^{(k)}`` along every path: shape ``(Ψ,)``, stable order."""
        Ws = self.network.check_weights(weights)
        U = self.units
        out = np.ones(self.n_paths)
        for k, W in enumerate(Ws):
            out *= W[U[:, k], U[:, k + 1]]
        return out

    def _activity(self, Ws, x2) -> np.ndarray:
        on = self.network.active_units(Ws, x2)
        U = self.units
        A = on[0][:, U[:, 1]]
        for k in range(1, self.network.H):
            A &= on[k][:, U[:, k + 1]]
        return A

    def activity(self, weights, x, *, max_entries: int = DEFAULT_MAX_ENTRIES) -> np.ndarray:
        """The actual ``A_{i,j}``: True when every ReLU on the path is on (``z > 0``), output included.

        Shape ``(batch, Ψ)`` for x of shape ``(batch, n_0)``, ``(Ψ,)`` for 1-d x (bool). A matrix of
        more than ``max_entries`` entries is refused up front (:class:`SizeLimitError`).
        """
        Ws = self.network.check_weights(weights)
        x2, was_1d = self.network.check_input(x)
        entries = x2.shape[0] * self.n_paths
        max_entries = integer("max_entries", max_entries, minimum=1)
        if entries > max_entries:
            raise SizeLimitError(
                f"the activity matrix for batch {x2.shape[0]} and Ψ = {self.n_paths:,} paths has "
                f"{entries:,} entries ({entries:,} bytes as bool); the limit is max_entries={max_entries:,}. "
                "Pass fewer inputs at a time or raise max_entries."
            )
        A = self._activity(Ws, x2)
        return A[0] if was_1d else A

    def _check_activations(self, activations, batch: int) -> np.ndarray:
        A = real_array("activations", activations)
        if A.ndim == 0 or A.shape == (self.n_paths,) or A.shape == (batch, self.n_paths):
            return A
        raise InvalidInputError(
            f"activations must be a number, shape ({self.n_paths},) or ({batch}, {self.n_paths}) "
            f"(one A per path, Ψ = {self.n_paths}, batch = {batch}); got shape {A.shape}"
        )

    def evaluate(self, weights, x, activations=None, *, q=None):
        """The explicit path sum ``q Σ_paths X_i A_{i,j} Π_k w^{(k)}`` (cost ∝ batch × Ψ).

        ``activations``: ``None`` (the actual ReLU activity, :meth:`activity`; then the result equals
        ``q · network.forward``), or given A: a number (e.g. ρ), shape ``(Ψ,)`` or ``(batch, Ψ)``, 0/1 or
        real-valued. ``q``: a number to use in place of ``self.q`` (needed when ``self.q`` is symbolic).
        Returns shape ``(batch,)``, or a float for 1-d x. Memory is bounded by evaluating in chunks.
        """
        qv = self._q_float(q)
        Ws = self.network.check_weights(weights)
        x2, was_1d = self.network.check_input(x)
        batch = x2.shape[0]
        A = None if activations is None else self._check_activations(activations, batch)
        products = self.weight_products(Ws)
        out = np.empty(batch)
        step = max(1, _CHUNK_ENTRIES // self.n_paths)
        for s in range(0, batch, step):
            xb = x2[s:s + step]
            terms = self._path_inputs(xb) * products
            if A is None:
                terms *= self._activity(Ws, xb)
            else:
                terms *= A[s:s + step] if A.ndim == 2 else A
            out[s:s + step] = terms.sum(axis=1)
        out *= qv
        return float(out[0]) if was_1d else out

    def _path_inputs(self, xb) -> np.ndarray:
        """The input factor X_{i(p)} of every path for a chunk of inputs, shape ``(chunk, Ψ)``."""
        return xb[:, self.units[:, 0]]

    def evaluate_layered(self, weights, x, gates=None, *, q=None):
        """The path sum layer by layer, cost ∝ batch × N (weights) instead of batch × Ψ (paths).

        With per-unit gates ``g^{(k)}_u`` and ``A_{i,j} = Π_k g^{(k)}_{u_k}`` along the path,
        ``Σ_paths X_i A_{i,j} Π_k w^{(k)} = h_H`` where ``h_0 = x``, ``h_k = g^{(k)} ⊙ (W_k^T h_{k-1})``.
        ``gates=None`` uses the ReLU activity ``g^{(k)} = 1{z_k > 0}``, which gives ``q · forward``.
        Otherwise a list of H gates, each a number, shape ``(n_k,)`` or ``(batch, n_k)``.
        An arbitrary per-path A does not factor over units; use :meth:`evaluate` for that.
        """
        qv = self._q_float(q)
        net = self.network
        Ws = net.check_weights(weights)
        h, was_1d = net.check_input(x)
        batch = h.shape[0]
        if gates is not None:
            if not isinstance(gates, (list, tuple)) or len(gates) != net.H:
                raise InvalidInputError(
                    f"gates must be a list of {net.H} arrays (one per layer k = 1..H, shape (n_k,) or "
                    f"(batch, n_k) for widths {net.widths}); got {gates!r:.80}"
                )
            checked = []
            for k, (g, n) in enumerate(zip(gates, net.widths[1:]), start=1):
                g = real_array(f"gates[{k - 1}]", g)
                if not (g.ndim == 0 or g.shape == (n,) or g.shape == (batch, n)):
                    raise InvalidInputError(
                        f"gates[{k - 1}] (layer {k}) must be a number or have shape ({n},) or ({batch}, {n}); "
                        f"got shape {g.shape}"
                    )
                checked.append(g)
            gates = checked
        for k, W in enumerate(Ws):
            z = h @ W
            h = z * (z > 0.0) if gates is None else z * gates[k]
        out = qv * h[:, 0]
        return float(out[0]) if was_1d else out

    # --- text and LaTeX ----------------------------------------------------------------------
    def _q_latex(self) -> str:
        net = self.network
        if self.q_convention == "default":
            e = sympy.Rational(-(net.H - 1), 2 * net.H)
            return "" if e == 0 else f"{net.mass}^{{{e.p}/{e.q}}}"
        if self.q == 1:
            return ""
        tex = latex_expr(self.q)
        return rf"\left({tex}\right)" if self.q.is_Add else tex

    def _q_description(self, latex: bool) -> str:
        net = self.network
        if self.q_convention == "default":
            e = sympy.Rational(-(net.H - 1), 2 * net.H)
            if latex:
                value = "1" if e == 0 else f"{net.mass}^{{{e.p}/{e.q}}}"
                return (rf"$q = \Psi^{{-(H-1)/(2H)}} = {value}$ "
                        r"(default convention $\Lambda = \Psi^{1/H}$, marked open)")
            value = "1" if e == 0 else f"{net.mass}^({e.p}/{e.q}) ≈ {float(self.q):.6g}"
            return (f"q = Ψ^(-(H-1)/(2H)) = {value} (default convention Λ = Ψ^(1/H), polyloss's reading of the "
                    "paper's q [open])")
        value = f" ≈ {float(self.q):.6g}" if self.q.is_number and not self.q.is_Integer else ""
        return f"$q = {latex_expr(self.q)}$ (given)" if latex else f"q = {self.q}{value} (given)"

    def _facts(self, latex: bool) -> str:
        net = self.network
        if latex:
            return (rf"widths $({', '.join(map(str, net.widths))})$: $H = {net.H}$, "
                    rf"$\Psi = {net.mass}$ paths ($\gamma = {net.gamma}$ per input), $N = {net.size}$ weights, "
                    + self._q_description(True) + ".")
        return (f"widths {net.widths}: H = {net.H}, Ψ = {net.mass} paths (γ = {net.gamma} per input), "
                f"N = {net.size} weights\n" + self._q_description(False))

    def latex_terms(self, max_terms: int = DEFAULT_MAX_TERMS) -> tuple[str, list]:
        """``(lhs, terms)`` for :meth:`Document.long_equation`: the paths in the stable order, q in front.

        Above ``max_terms`` paths, a single compact term: Eq. 1 with ``n_0``, ``γ``, H filled in.
        """
        max_terms = integer("max_terms", max_terms, minimum=1)
        qtex = self._q_latex()
        if self.n_paths > max_terms:
            return "Y", [f"{qtex} {self._sum_latex()}".strip()]
        terms = [p.latex() for p in self.paths]
        if qtex and len(terms) == 1:
            terms = [f"{qtex} {terms[0]}"]
        elif qtex:
            terms[0] = rf"{qtex} \Bigl( {terms[0]}"
            terms[-1] = rf"{terms[-1]} \Bigr)"
        return "Y", terms

    def _sum_latex(self) -> str:
        """The path sum written as a sum (what :meth:`latex_terms` prints when the paths are too many)."""
        net = self.network
        return (rf"\sum_{{i=1}}^{{{net.input_dim}}} \sum_{{j=1}}^{{{net.gamma}}} X_{{i}} A_{{i,j}} "
                rf"\prod_{{k=1}}^{{{net.H}}} w^{{(k)}}_{{i,j}}")

    def latex(self, max_terms: int = DEFAULT_MAX_TERMS) -> str:
        """``Y = q ( X_{1} A_{1,1} w^{(1)}_{1,1} … + … )`` on one line, paths in the stable order."""
        lhs, terms = self.latex_terms(max_terms)
        return f"{lhs} = {join_terms(terms)}"

    def document(self, title: str | None = None, *, max_terms: int = DEFAULT_MAX_TERMS,
                 per_line: int = 3) -> Document:
        """A standalone :class:`Document` stating the network and q, with the polynomial broken over lines."""
        net = self.network
        doc = Document(title or f"Path polynomial of the ReLU network {net.widths}")
        doc.paragraph(
            r"Path expansion (Choromanska et al. 2015, Eq.~1) of the bias-free ReLU network with "
            + self._facts(True) + r" $A_{i,j} = 1$ when every ReLU on path $j$ from input $i$ is active, "
            r"the output's included; paths are listed by input, then by the units they visit, layer by layer.",
            raw=True,
        )
        lhs, terms = self.latex_terms(max_terms)
        doc.long_equation(lhs, terms, per_line=per_line, label="path-polynomial")
        return doc

    def text(self, max_terms: int = DEFAULT_MAX_TERMS) -> str:
        """Readable text: the facts (widths, H, Ψ, N, q), then one path per line in the stable order."""
        max_terms = integer("max_terms", max_terms, minimum=1)
        net = self.network
        lines = [f"Path polynomial (Eq. 1) of the ReLU network with {self._facts(False)}"]
        if self.n_paths > max_terms:
            lines.append(f"Y = q · Σ_(i=1..{net.input_dim}) Σ_(j=1..{net.gamma}) "
                         f"X_i·A_i,j·Π_(k=1..{net.H}) w^(k)_i,j")
            lines.append(f"({self.n_paths} terms; raise max_terms to list them)")
            return "\n".join(lines)
        lines.append("Y = q · (")
        for n, p in enumerate(self.paths):
            lines.append(("    " if n == 0 else "  + ") + p.text())
        lines.append(")")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text()

    def _repr_latex_(self) -> str:
        """Jupyter: ``$$ Y = q ( … ) $$``, the paths in the stable order (:meth:`latex`; the compact
        Σ form above ``DEFAULT_MAX_TERMS`` paths)."""
        from ..display import display_math

        return display_math(self.latex())


def path_counts_text(counts: dict, bias_counts: dict | None = None, *, latex: bool = False) -> str:
    """``"paths from the inputs by length m: Ψ_2 = 8, Ψ_3 = 8; from the biases: 6 of length 1, …"``
    (LaTeX with ``latex=True``) from ``{m: Ψ_m}`` and ``{m: count}`` of the bias paths (none: not mentioned)."""
    psi = "\\Psi" if latex else "Ψ"
    inputs = ", ".join(f"${psi}_{{{m}}} = {c}$" if latex else f"{psi}_{m} = {c}" for m, c in counts.items())
    text = f"paths from the inputs by length {'$m$' if latex else 'm'}: {inputs}"
    if bias_counts:
        text += "; from the biases: " + ", ".join(f"{c} of length {m}" for m, c in bias_counts.items())
    return text


def bias_activation_symbol(k: int, u: int, j: int) -> sympy.Symbol:
    """``A_{b^{(k)}_{u},j}``: 1 when every ReLU on path j from the bias of unit u of layer k is active."""
    return sympy.Symbol(f"A_{{b^{{({k})}}_{{{u}}},{j}}}", **_A_ASSUMPTIONS)


def enumerate_paths(net: ReLUNetwork) -> tuple:
    """Every path to the output of a network with skips or biases, as :class:`Path` objects.

    A path starts at an input unit i (layer 0, factor ``X_i``) or at the bias of a unit u of layer
    k ≥ 1 (factor ``b^{(k)}_u``, no X) and follows edges to higher layers: the ordinary weights
    ``w^{(b)}`` from layer b−1 to b, and the skip weights ``s^{(a→b)}``, until the output unit.
    Stable order (derived here): by length m, then paths from the inputs before those from the
    biases, then source layer and unit, then the layers and the units visited; j numbers the paths
    of each source in this order.
    """
    H, widths = net.H, net.widths
    W, S = net.weight_symbol_table, dict(zip(net.skips, net.skip_symbol_table))
    edges = {a: [(a + 1, lambda v, u, a=a: W[a][v][u])] for a in range(H)}
    for (a, b), table in S.items():
        edges[a].append((b, lambda v, u, table=table: table[v][u]))
    found = []

    def walk(layer, unit, weights, layers, units, source):
        if layer == H:
            found.append((source, tuple(weights), tuple(layers), tuple(units)))
            return
        for b, symbol in edges[layer]:
            for u in range(widths[b]):
                walk(b, u, weights + [symbol(unit, u)], layers + [b], units + [u], source)

    for i in range(widths[0]):
        walk(0, i, [], [], [], (0, i))
    for k, row in enumerate(net.bias_symbol_table, start=1):
        for u, bias in enumerate(row):
            walk(k, u, [bias], [], [], (k, u))
    found.sort(key=lambda f: (len(f[1]), f[0][0] > 0, f[0], f[2], f[3]))
    seen: dict = {}
    out = []
    for (layer, unit), weights, layers, units in found:
        j = seen.get((layer, unit), 0)
        seen[(layer, unit)] = j + 1
        if layer == 0:
            x, a = net.input_symbols[unit], activation_symbol(unit + 1, j + 1)
        else:
            x, a = None, bias_activation_symbol(layer, unit + 1, j + 1)
        out.append(Path(unit, j, units, x, a, weights, layers, layer))
    return tuple(out)


class GeneralPathPolynomial(PathPolynomial):
    """The exact path polynomial of a network with skips or biases, over paths of every length (derived here):

    ``Y = q Σ_paths X_{i(p)} A_p Π_{e ∈ p} w_e``, where a path of length m carries m weighted factors
    (edges; on a path from a bias, the bias and the edges after it) and a path from a bias has no X
    (its input is the constant 1). The identity with the forward pass is exact when ``A_p = 1``
    exactly when every ReLU on the path (its source unit included, for a bias) is active: expand
    ``z_b = W_b^T h_{b-1} + Σ S_{a,b}^T h_a + β_b`` with ``h_k = 1{z_k > 0} z_k`` down to the sources.
    Same interface as :class:`PathPolynomial`; ``units`` is None and the paths are
    :func:`enumerate_paths`.
    """

    def __init__(self, network: ReLUNetwork, q: sympy.Expr, *, q_convention: str = "given"):
        self.network = network
        self.q = q
        self.q_convention = q_convention
        self.units = None

    @cached_property
    def paths(self) -> tuple:
        return enumerate_paths(self.network)

    @property
    def n_paths(self) -> int:
        return len(self.paths)

    @property
    def degree(self) -> int:
        """The largest length of a path (H)."""
        return max(p.length for p in self.paths)

    @cached_property
    def counts(self) -> dict:
        """``{m: Ψ_m}``: paths from the inputs by length, counted on the enumerated paths."""
        out: dict = {}
        for p in self.paths:
            if not p.is_bias:
                out[p.length] = out.get(p.length, 0) + 1
        return dict(sorted(out.items()))

    @cached_property
    def bias_counts(self) -> dict:
        """``{m: count}``: paths from the biases by length, counted on the enumerated paths."""
        out: dict = {}
        for p in self.paths:
            if p.is_bias:
                out[p.length] = out.get(p.length, 0) + 1
        return dict(sorted(out.items()))

    @cached_property
    def activation_symbols(self) -> tuple:
        return tuple(p.activation for p in self.paths)

    @cached_property
    def path_sum(self) -> sympy.Expr:
        return sympy.Add(*[p.monomial for p in self.paths])

    def __repr__(self) -> str:
        net = self.network
        return (f"GeneralPathPolynomial(widths={net.widths}, skips={net.skips}, biases={net.biases}, "
                f"n_paths={self.n_paths}, q={self.q})")

    # --- numbers -----------------------------------------------------------------------------
    @cached_property
    def _tables(self):
        """Index tables: per path, the flat positions of its factors in the concatenated parameters
        (padded with a final 1), its active-unit positions among layers 1…H (padded with a final True),
        and the column of its input in ``[x, 1]``."""
        net = self.network
        offsets, start = {}, 0
        names = [("W", k) for k in range(1, net.H + 1)] + [("S", ab) for ab in net.skips] + \
                ([("b", k) for k in range(1, net.H + 1)] if net.biases else [])
        for name, shape in zip(names, net.parameter_shapes):
            offsets[name] = (start, shape[-1])
            start += int(np.prod(shape))
        unit_start = np.concatenate([[0], np.cumsum(net.widths[1:])])
        n_units = int(unit_start[-1])
        length = max(p.length for p in self.paths)
        F = np.full((self.n_paths, length), start, dtype=np.int64)
        G = np.full((self.n_paths, net.H), n_units, dtype=np.int64)
        col = np.empty(self.n_paths, dtype=np.int64)
        for n, p in enumerate(self.paths):
            factors, layer, unit = [], p.source_layer, p.input_index
            if p.is_bias:
                factors.append(offsets[("b", layer)][0] + unit)
                visited = [(layer, unit)]
            else:
                visited = []
            for b, u in zip(p.layers, p.units):
                key = ("W", b) if b == layer + 1 else ("S", (layer, b))
                off, ncol = offsets[key]
                factors.append(off + unit * ncol + u)
                visited.append((b, u))
                layer, unit = b, u
            F[n, :len(factors)] = factors
            G[n, :len(visited)] = [unit_start[b - 1] + u for b, u in visited]
            col[n] = net.input_dim if p.is_bias else p.input_index
        return F, G, col

    def weight_products(self, weights) -> np.ndarray:
        """The product of the weighted factors along every path: shape ``(n_paths,)``, stable order."""
        Ws = self.network.check_weights(weights)
        theta = np.concatenate([W.reshape(-1) for W in Ws] + [np.ones(1)])
        F, _, _ = self._tables
        return np.prod(theta[F], axis=1)

    def _activity(self, Ws, x2) -> np.ndarray:
        on = np.concatenate(self.network.active_units(Ws, x2) + [np.ones((x2.shape[0], 1), dtype=bool)], axis=1)
        _, G, _ = self._tables
        return np.all(on[:, G], axis=2)

    def _path_inputs(self, xb) -> np.ndarray:
        """The input factor of every path, X_{i(p)}, or 1 on a bias path: shape ``(chunk, Ψ)``. With it,
        :meth:`PathPolynomial.evaluate` is the explicit path sum ``q Σ_paths X_{i(p)} A_p Π_e w_e`` here too
        (with ``activations=None`` it equals ``q · network.forward``)."""
        _, _, col = self._tables
        return np.concatenate([xb, np.ones((xb.shape[0], 1))], axis=1)[:, col]

    def evaluate_layered(self, weights, x, gates=None, *, q=None):
        """Not available with skips or biases (a path's gates are no longer one per layer): use :meth:`evaluate`."""
        raise InvalidInputError("evaluate_layered is for the plain chain; with skips or biases use evaluate")

    # --- text and LaTeX ----------------------------------------------------------------------
    def _facts(self, latex: bool) -> str:
        net = self.network
        counts = path_counts_text(self.counts, self.bias_counts, latex=latex)
        if latex:
            return (rf"{escape_text(net.describe())}: $H = {net.H}$, $N = {net.size}$ weights, "
                    + counts + "; " + self._q_description(True) + ".")
        return (f"{net.describe()}: H = {net.H}, N = {net.size} weights\n" + counts + "\n"
                + self._q_description(False))

    def _sum_latex(self) -> str:
        return r"\sum_{m=1}^{H} \sum_{p:\,|p| = m} X_{i(p)}\, A_p \prod_{e \in p} w_e"

    def document(self, title: str | None = None, *, max_terms: int = DEFAULT_MAX_TERMS,
                 per_line: int = 3) -> Document:
        net = self.network
        doc = Document(title or f"Path polynomial of the ReLU network with {net.describe()}")
        doc.paragraph(
            r"Path expansion over paths of every length (derived here, after Choromanska et al. 2015, Eq.~1) of "
            r"the ReLU network with " + self._facts(True) + r" $A_p = 1$ when every ReLU on path $p$ is active, "
            r"the output's included; a path from a bias $b^{(k)}_u$ carries no input. Paths are listed by length, "
            r"those from the inputs first.", raw=True)
        lhs, terms = self.latex_terms(max_terms)
        doc.long_equation(lhs, terms, per_line=per_line, label="path-polynomial")
        return doc

    def text(self, max_terms: int = DEFAULT_MAX_TERMS) -> str:
        max_terms = integer("max_terms", max_terms, minimum=1)
        lines = [f"Path polynomial (Eq. 1, over paths of every length) of the ReLU network with {self._facts(False)}"]
        if self.n_paths > max_terms:
            lines.append("Y = q · Σ_(m=1..H) Σ_(paths p of length m) X_i(p)·A_p·Π_(e in p) w_e  (X = 1 on bias paths)")
            lines.append(f"({self.n_paths} terms; raise max_terms to list them)")
            return "\n".join(lines)
        lines.append("Y = q · (")
        length = None
        for n, p in enumerate(self.paths):
            if p.length != length:
                length = p.length
                lines.append(f"  [length {length}]")
            lines.append(("    " if n == 0 else "  + ") + p.text())
        lines.append(")")
        return "\n".join(lines)


def path_polynomial(net, *, q="default", max_paths: int | None = None) -> PathPolynomial:
    """The path polynomial of ``net`` (a :class:`ReLUNetwork` or a widths sequence), Eq. 1; a
    :class:`GeneralPathPolynomial` over paths of every length when ``net`` has skips or biases.

    ``q``: ``"default"`` = ``Ψ^{-(H-1)/(2H)}`` (polyloss's reading of the paper's q, [open]), or any non-zero
    number or sympy expression (``q=1`` gives the raw network output). More than ``max_paths``
    paths are refused up front with :class:`~polyloss.errors.SizeLimitError`, before anything is built;
    the default (None) is :func:`default_max_paths`: 10^6 paths for a plain chain, 10^5 with skips or
    biases, where every path is enumerated as a Python object.

    >>> pp = path_polynomial((2, 1), q=1)
    >>> pp.expr
    A_{1,1}*X_{1}*w^{(1)}_{1,1} + A_{2,1}*X_{2}*w^{(1)}_{2,1}
    """
    if not isinstance(net, ReLUNetwork):
        net = ReLUNetwork(net)
    check_size(net, default_max_paths(net) if max_paths is None else max_paths)
    q_value = resolve_q(net, q)
    convention = "default" if isinstance(q, str) else "given"
    if not net.is_chain:
        return GeneralPathPolynomial(net, q_value, q_convention=convention)
    return PathPolynomial(net, q_value, q_convention=convention)
