"""From a network to the spherical H-spin glass: the assumption chain as an explicit derivation.

``derive_hamiltonian(net)`` starts from the exact path polynomial of a concrete network (Eq. 1 of
Choromanska et al. 2015) and applies the assumptions of their Sec. 3 one at a time, each as a sympy
transformation of the previous expression (:mod:`polyloss.symbolic.assumptions`), arriving at

    L_{Λ,H}(w̃) = Λ^{-(H-1)/2} Σ_{i_1..i_H=1}^{Λ} X̂_{i_1..i_H} w̃_{i_1} … w̃_{i_H},   Σ_i w̃_i² = Λ,

with ``X̂`` iid N(0,1) over ordered tuples (Choromanska et al. 2015, Sec. 3, the spherical spin glass of
Auffinger, Ben Arous and Černý 2013; the paper writes X for X̂), and, for the
absolute and hinge losses, at ``C_1 + C_2 · L_{Λ,H}(w̃)`` with the constants shown.

Conventions (each an **[open]** choice, stated in the generated documents too):

* ``Lambda=None`` → ``Λ = Ψ^{1/H}`` when that is an integer, else the nearest integer to it (at
  least 1, at most N); then the factor left in front of ``L_{Λ,H}`` is ``ρ C^{H/2} · q Λ^{(H-1)/2}
  · √(Ψ/Λ^H)``, which is ``ρ C^{H/2}`` exactly when ``Λ^H = Ψ`` and q is the default.
* Default weight map ("diagonal"): ``w^{(k)}_{a,b} ↦ w_{1 + (a+b) mod Λ}`` (a, b 0-based unit
  indices). The ordered tuple of path (i, u_1, …, u_{H-1}) is then ``(i+u_1, u_1+u_2, …, u_{H-1})
  mod Λ``, a bijection when Λ divides n_0 … n_{H-1}, so uniformity holds exactly there. When this
  map leaves a unique weight unused (Λ close to N), the "cyclic" map ``n-th weight ↦ w_{1 + n mod Λ}``
  (weights in layer order, row-major) is used instead.
* Couplings are indexed by ordered tuples in layer order ``(π(w^{(1)}), …, π(w^{(H)}))``.
* The uniformity constant is ``c = max_t max(t/t̄, t̄/t)``, ``t̄ = Ψ/Λ^H`` (``∞`` if a tuple never occurs).
* Labels: ``Y_t = ±S`` with ``S = sup |Y|`` for the absolute loss, ``Y_t = ±1`` for the hinge loss.

Skip connections and biases (derived here): paths then have several lengths m, and
:func:`derive_mixed_hamiltonian` carries the chain, with uniformity imposed within each degree, to the
mixed spherical spin glass of Auffinger and Ben Arous (2013), ``E[L(w̃)L(w̃')] = Λ ξ(w̃·w̃'/Λ)`` with
``ξ(x) = Σ_m C^m Ψ_m x^m / Σ_m C^m Ψ_m`` (:func:`xi_expression`, :func:`network_mixture`), plus a
deterministic polynomial from the bias paths that is not part of the mixture.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import sympy

from .._validate import choice, integer, positive_rational, real_array
from ..errors import InvalidInputError, SizeLimitError
from . import assumptions as A
from .formula import Formula
from .network import ReLUNetwork
from .paths import check_size, path_polynomial

DEFAULT_MAX_PATHS = 4096
DEFAULT_MAX_TUPLES = 4096
LOSSES = ("absolute", "hinge", None)

S_SUP = sympy.Symbol("S", positive=True)
Y_T = sympy.Symbol("Y_{t}", real=True)
RHO_HINGE = sympy.Symbol(r"\rho'", positive=True)
EXPECTED_Y = sympy.Symbol(r"\mathbb{E}_A[Y]", real=True)
PAPER = "Choromanska et al. (2015)"
SPIN_GLASS = "Auffinger, Ben Arous and Černý (2013)"


# --- inputs ----------------------------------------------------------------------------------
def default_Lambda(net: ReLUNetwork) -> int:
    """Λ = Ψ^{1/H} when an integer, else the nearest integer to it, clipped to 1 … N ([open])."""
    root = round(net.mass ** (1.0 / net.H))
    for r in (root - 1, root, root + 1):
        if r >= 1 and r ** net.H == net.mass:
            return r
    return min(max(root, 1), net.size)


def _diagonal_map(net: ReLUNetwork, Lambda: int) -> tuple:
    # w^{(k)}_{a,b} and s^{(a'→b')}_{a,b} -> 1 + (a+b) mod Λ; a bias b^{(k)}_{j} -> 1 + j mod Λ (0-based)
    return tuple(1 + sum(index) % Lambda for shape in net.parameter_shapes for index in np.ndindex(*shape))


def default_weight_map(net: ReLUNetwork, Lambda: int) -> tuple:
    """The default map (1-based unique-weight index per weight, in ``net.weight_symbols`` order)."""
    diagonal = _diagonal_map(net, Lambda)
    if len(set(diagonal)) == Lambda:
        return diagonal
    return tuple(1 + n % Lambda for n in range(net.size))


def resolve_weight_map(net: ReLUNetwork, weight_map, Lambda) -> tuple:
    """(indices per weight in ``net.weight_symbols`` order, Λ, description) from the user's input.

    ``weight_map``: None (default map), a sequence of N integers in 1…Λ, or a mapping from each
    weight (its sympy symbol or its name, e.g. ``"w^{(1)}_{1,2}"``) to an integer in 1…Λ.
    Every unique weight 1…Λ must be used.
    """
    N, symbols = net.size, net.weight_symbols
    if Lambda is not None:
        Lambda = integer("Lambda", Lambda, minimum=1)
        if Lambda > N:
            raise InvalidInputError(
                f"Lambda = {Lambda} unique weights do not fit: widths {net.widths} have only N = {N} "
                f"weights; accepted: 1 <= Lambda <= {N}")
    if weight_map is None:
        Lambda = default_Lambda(net) if Lambda is None else Lambda
        indices = default_weight_map(net, Lambda)
        kind = "diagonal" if indices == _diagonal_map(net, Lambda) else "cyclic"
        text = ("default diagonal map w^{(k)}_{a,b} -> w_{1 + (a+b) mod Lambda}" if kind == "diagonal"
                else "default cyclic map: n-th weight (layer order) -> w_{1 + n mod Lambda}")
        return indices, Lambda, text
    if isinstance(weight_map, Mapping):
        by_name = {str(s): s for s in symbols}
        keys = {}
        unknown = []
        for key, value in weight_map.items():
            sym = key if key in set(symbols) else by_name.get(str(key))
            if sym is None:
                unknown.append(str(key))
            else:
                keys[sym] = value
        if unknown:
            raise InvalidInputError(
                f"weight_map names unknown weights {unknown}; widths {net.widths} have the N = {N} "
                f"weights {', '.join(by_name)}")
        missing = [str(s) for s in symbols if s not in keys]
        if missing:
            raise InvalidInputError(
                f"weight_map must give a unique weight for all N = {N} weights of widths {net.widths}; "
                f"missing: {', '.join(missing)}")
        values = [keys[s] for s in symbols]
        text = "user weight map"
    else:
        try:
            values = list(weight_map)
        except TypeError:
            raise InvalidInputError(
                f"weight_map must be None, a sequence of N integers or a mapping weight -> integer; "
                f"got {weight_map!r}") from None
        if len(values) != N:
            raise InvalidInputError(
                f"weight_map has {len(values)} entries but widths {net.widths} have N = {N} weights "
                "(one 1-based unique-weight index per weight, in layer order, row-major)")
        text = "user weight map"
    ok = all(isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in values)
    if not ok:
        raise InvalidInputError(f"weight_map values must be integers >= 1 (1-based unique weights); got {values}")
    values = tuple(int(v) for v in values)
    top = max(values)
    if Lambda is None:
        Lambda = top
    elif top > Lambda:
        raise InvalidInputError(f"weight_map uses unique weight {top} but Lambda = {Lambda}; accepted: 1..{Lambda}")
    unused = sorted(set(range(1, Lambda + 1)) - set(values))
    if unused:
        raise InvalidInputError(
            f"weight_map leaves unique weights {unused} unused, so there are not Lambda = {Lambda} "
            "distinct weights; use every index 1..Lambda")
    return values, Lambda, text


# --- the derivation --------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One step of the derivation.

    Attributes: ``name``; ``assumptions`` (tuple of :class:`~polyloss.symbolic.assumptions.Assumption`,
    empty for a step that only rewrites); ``summary`` (what the step does, one sentence);
    ``before`` / ``after`` (sympy; ``before`` is None for the first); ``lhs`` (LaTeX of what ``after``
    equals); ``changes`` (what changed: replaced symbols, variances, multiplicities, checks);
    ``equation`` (where the paper states it, as plain text: authors, year, section or equation,
    "[unverified]" where the locator could not be checked); ``model`` (the structured form, or
    None); ``cite`` (the keys of ``polyloss/references.bib`` that ``equation`` names).
    """

    name: str
    assumptions: tuple
    summary: str
    before: sympy.Expr | None
    after: sympy.Expr
    lhs: str
    changes: dict = field(default_factory=dict)
    equation: str = ""
    model: A.Model | None = None
    cite: tuple = ()


class Derivation:
    """The ordered steps from a network to the spin-glass Hamiltonian (see :func:`derive_hamiltonian`).

    Attributes: ``network``, ``Lambda``, ``weight_map`` (1-based unique index per weight, in
    ``network.weight_symbols`` order), ``weight_map_text``, ``rho``, ``loss``, ``steps``,
    ``hamiltonian`` (a :class:`Formula` of ``(w̃_1..w̃_Λ, X̂ in lexicographic tuple order)``),
    ``prefactor`` (K with ``E_A[Y] = K · L_{Λ,H}``), ``C1``, ``C2`` (the loss constants; 0 and K
    without a loss), ``multiplicities``, ``c``, ``weights`` (w̃), ``couplings`` (X̂), ``tuples``.
    From :func:`derive_mixed_hamiltonian` also: ``mixed`` (True), ``C``, ``xi`` (ξ(x), sympy),
    ``mixture_weights`` ``{m: a_m²}``, ``path_counts`` ``{m: Ψ_m}``, ``bias_path_counts``, ``bias_term``
    (D(w̃), sympy), ``degree_scales`` ``{m: a_m Λ^{-(m-1)/2}}``.
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    # --- access ---------------------------------------------------------------------------
    def __iter__(self):
        return iter(self.steps)

    def __len__(self):
        return len(self.steps)

    def __getitem__(self, key):
        if isinstance(key, str):
            for s in self.steps:
                if s.name == key:
                    return s
            raise KeyError(f"no step named {key!r}; steps: {[s.name for s in self.steps]}")
        return self.steps[key]

    def __repr__(self):
        net = self.network
        extra = "" if net.is_chain else f", skips={net.skips}, biases={net.biases}"
        return (f"Derivation(widths={net.widths}{extra}, Lambda={self.Lambda}, H={net.H}, "
                f"loss={self.loss!r}, steps={len(self.steps)})")

    #: Jupyter prints a step's expression up to this many characters of LaTeX, and names it above.
    MAX_DISPLAY_LATEX = 5000

    def _repr_markdown_(self) -> str:
        """Jupyter: one paragraph per step (its name, assumptions and summary), then its result
        ``$$ lhs = after $$``; an expression longer than :attr:`MAX_DISPLAY_LATEX` characters of LaTeX is
        not printed (its length is)."""
        from ..display import display_math, markdown_escape
        from .latex import latex_expr

        net = self.network
        loss = "no loss" if self.loss is None else f"the {self.loss} loss"
        out = [f"Derivation of the spherical spin-glass Hamiltonian (Choromanska et al. 2015, Sec. 3) of the "
               f"ReLU network with widths {markdown_escape(net.widths)}: $H = {net.H}$, $\\Lambda = {self.Lambda}$, "
               f"{loss}; {len(self.steps)} steps."]
        for i, step in enumerate(self.steps, start=1):
            used = ", ".join(a.key for a in step.assumptions)
            out.append(f"**{i}. {markdown_escape(step.name)}**" + (f" ({used})" if used else "")
                       + f": {markdown_escape(step.summary)}")
            tex = latex_expr(step.after)
            if len(tex) <= self.MAX_DISPLAY_LATEX:
                out.append(display_math(f"{step.lhs} = {tex}"))
            else:
                out.append(f"${step.lhs}$ = an expression of {len(tex)} characters of LaTeX, not shown "
                           f"(`derivation[{i - 1}].after`).")
        return "\n\n".join(out) + "\n"

    # --- derived facts --------------------------------------------------------------------
    def covariance(self):
        """``(E[L(w̃) L(w̃')], w̃, w̃')``: ``Σ_s ∂_s L(w̃) ∂_s L(w̃') Var(s)`` over the independent couplings.

        Computed from the Hamiltonian and the variance table of the last model, not written down;
        it should equal ``Λ (w̃·w̃'/Λ)^H``, the covariance of the spherical pure H-spin glass
        (Auffinger, Ben Arous and Černý 2013; Choromanska et al. 2015, Sec. 3), and for a derivation
        from :func:`derive_mixed_hamiltonian` (``.mixed``) ``Λ ξ(w̃·w̃'/Λ)`` with ``ξ`` = ``.xi``, the
        covariance of the mixed spherical spin glass (Auffinger and Ben Arous 2013; derived here).
        """
        L = self.hamiltonian.expr
        other = tuple(sympy.Symbol(rf"\tilde{{w}}'_{{{a}}}", real=True) for a in range(1, self.Lambda + 1))
        swap = dict(zip(self.weights, other))
        total = sympy.Integer(0)
        for x in self.couplings:
            d = sympy.diff(L, x)
            total += d * d.xreplace(swap) * self.coupling_variances[x]
        return sympy.expand(total), self.weights, other

    def evaluate(self, w, X) -> np.ndarray:
        """``L_{Λ,H}(w̃)`` in float64 from the compiled Hamiltonian.

        ``w``: shape ``(Λ,)`` or ``(batch, Λ)``; ``X``: the couplings, shape ``(Λ,)*H`` (``X[i_1-1, …]``
        is ``X̂_{i_1..i_H}``) or ``(Λ^H,)`` in lexicographic order. For a mixture (``.mixed``, paths of
        several lengths m) ``X`` is flat: one value per coupling in the order of ``.couplings`` (the
        degrees m in increasing order, each as its ``Λ^m`` tuples in lexicographic order, ``.tuples``),
        ``Σ_m Λ^m`` values in all; ``L`` is then ``L_{Λ,ξ}`` and C must be a number.

        Both must be finite real numbers: None, text, complex values (never cast), NaN and ±inf are
        refused with InvalidInputError naming the argument, and so is a zero row of ``w`` (it has no
        direction, so it is no point of the sphere ``Σ w̃² = Λ``) and an empty batch.
        """
        w = real_array("w", w)
        X = real_array("X", X).reshape(-1)
        if w.ndim not in (1, 2) or w.shape[-1] != self.Lambda or X.size != len(self.couplings):
            entries = (f"{self.Lambda}^{self.network.H}" if self.network.is_chain
                       else f"{len(self.couplings)} (one per coupling, in the order of .couplings)")
            raise InvalidInputError(
                f"w must have shape ({self.Lambda},) or (batch, {self.Lambda}) (Lambda = {self.Lambda}) and X "
                f"{entries} entries; got w of shape {w.shape} and X of size {X.size}")
        if len(self.hamiltonian.parameters) != self.Lambda + len(self.couplings):
            raise InvalidInputError("C is symbolic in this derivation: derive it with C=<number> to evaluate")
        if w.ndim == 2 and w.shape[0] == 0:
            raise InvalidInputError(f"w must hold at least one point, got shape {w.shape}")
        zero = ~np.any(w != 0, axis=-1)
        if np.any(zero):
            row = "" if w.ndim == 1 else f" (row {int(np.flatnonzero(zero)[0])})"
            raise InvalidInputError(f"w{row} is the zero vector, which is no point of the sphere "
                                    f"sum w^2 = Lambda = {self.Lambda}")
        fn = self.hamiltonian.compile("numpy")
        return np.asarray(fn(*np.moveaxis(w, -1, 0), *X), dtype=np.float64)


def derive_hamiltonian(net, *, loss="absolute", Lambda=None, weight_map=None, rho=A.RHO,
                       q="default", max_paths: int = DEFAULT_MAX_PATHS,
                       max_tuples: int = DEFAULT_MAX_TUPLES) -> Derivation:
    """Derive the spherical spin-glass Hamiltonian of ``net`` step by step (Choromanska et al. 2015, Sec. 3).

    Args:
        net: a :class:`ReLUNetwork` or a widths sequence.
        loss: ``"absolute"`` (``C_1 = S``, ``C_2 = -Y_t K/S``), ``"hinge"`` (``C_1 = ρ'``,
            ``C_2 = -ρ' Y_t K``, uses A7) or ``None`` (stop at ``E_A[Y] = K · L_{Λ,H}``).
        Lambda: number of unique weights, 1 … N (default: see the module docstring, [open]).
        weight_map: None (default map), N integers in 1…Λ in ``net.weight_symbols`` order, or a
            mapping weight (symbol or name) -> integer.
        rho: the activation probability ρ: a sympy symbol (default ``\\rho``) or a number in (0, 1].
        q: the network's normalisation, as in :func:`~polyloss.symbolic.paths.path_polynomial`.
        max_paths: networks with more paths are refused up front (:class:`SizeLimitError`).
        max_tuples: likewise for more than this many ordered tuples Λ^H.

    Returns: a :class:`Derivation` whose steps are: path polynomial (Eq. 1); expectation over
    activations (A2, A3); independent path inputs (A1, Eq. (2) [unverified]); redundancy (A4); uniformity (A5);
    unit-variance couplings; spherical constraint (A6); the Hamiltonian; the loss (A7 for hinge).
    A network with skips or biases goes through :func:`derive_mixed_hamiltonian` instead.
    """
    if not isinstance(net, ReLUNetwork):
        net = ReLUNetwork(net)
    if not net.is_chain:
        return derive_mixed_hamiltonian(net, loss=loss, Lambda=Lambda, weight_map=weight_map, rho=rho, q=q,
                                        max_paths=max_paths, max_tuples=max_tuples)
    choice("loss", loss, LOSSES)
    rho = A.check_rho(rho)
    max_paths = integer("max_paths", max_paths, minimum=1)
    max_tuples = integer("max_tuples", max_tuples, minimum=1)
    check_size(net, max_paths)
    indices, Lambda, map_text = resolve_weight_map(net, weight_map, Lambda)
    H = net.H
    if Lambda ** H > max_tuples:
        raise SizeLimitError(
            f"Lambda = {Lambda} and H = {H} give Lambda^H = {Lambda ** H:,} ordered weight tuples, each a "
            f"term of the Hamiltonian; the limit is max_tuples={max_tuples:,}. Choose a smaller Lambda, or raise "
            "max_tuples to derive it anyway")
    index_of = dict(zip(net.weight_symbols, indices))
    steps = []

    def add(name, assumptions_, summary, model, lhs, changes, equation, cite=("choromanska2015",)):
        before = steps[-1].after if steps else None
        steps.append(Step(name, tuple(A.assumption(k) for k in assumptions_), summary, before,
                          model.expr, lhs, changes, equation, model, cite))

    pp = path_polynomial(net, q=q, max_paths=max_paths)
    m = A.network_model(pp)
    add("path polynomial", (), "The exact network output as a sum over its Psi input-output paths, "
        "A_{i,j} = 1 when every ReLU on the path is active.", m, "Y",
        {"q": pp.q, "paths": pp.n_paths}, f"{PAPER}, Eq. (1) [unverified]")
    m, ch = A.expectation_over_activations(m, rho)
    add("expectation over activations", ("A2", "A3"), "Take the expectation over the activations: "
        "each A_{i,j} becomes rho (linearity, A independent of X).", m, r"\mathbb{E}_A[Y]", ch,
        f"{PAPER}, Sec. 3 [unverified]")
    m, ch = A.independent_path_inputs(m)
    add("independent path inputs", ("A1",), "Give every path its own input X_{i,j}, independent N(0,1).",
        m, r"\mathbb{E}_A[Y]", ch, f"{PAPER}, Sec. 3 and Eq. (2) [unverified]")
    m, ch = A.redundancy(m, index_of, Lambda)
    ch = {"weight map rule": map_text, **ch}
    add("redundancy", ("A4",), "Replace each weight by its unique weight and regroup the sum by the ordered "
        "tuple of unique weights on each path; X_{(t)} sums the path inputs of tuple t, variance t.",
        m, r"\mathbb{E}_A[Y]", ch, f"{PAPER}, Sec. 3 [unverified]")
    multiplicities = dict(ch["multiplicities"])
    m, ch = A.uniformity(m, Lambda, H)
    add("uniformity", ("A5",), "Measure how far the multiplicities are from uniform (ratio c), then impose "
        "t = Psi/Lambda^H on every ordered tuple.", m, r"\mathbb{E}_A[Y]", ch, f"{PAPER}, Sec. 3 [unverified]")
    c, tbar = ch["c"], ch["uniform multiplicity"]
    m, ch = A.unit_variance(m)
    add("unit-variance couplings", (), "Normalise the couplings to unit variance (no new assumption): "
        "X_{(t)} = sqrt(Psi/Lambda^H) Xhat_t.", m, r"\mathbb{E}_A[Y]", ch, "", ())
    m, ch = A.spherical_constraint(m)
    add("spherical constraint", ("A6",), "Impose the spherical constraint and rescale the weights: "
        "w_i = sqrt(C) wtilde_i, sum_i wtilde_i^2 = Lambda.", m, r"\mathbb{E}_A[Y]", ch, f"{PAPER}, Sec. 3 [unverified]")

    # the Hamiltonian: pull the common coefficient out of the terms and Λ^{-(H-1)/2} into L
    cores, commons = [], set()
    for t, term in zip(m.keys, m.terms):
        core = A.coupling_symbol(t) * sympy.Mul(*(m.weights[i - 1] for i in t))
        common, rest = term.as_independent(*core.free_symbols, as_Add=False)
        if rest != core:  # pragma: no cover - the chain builds every term as coefficient * core
            raise AssertionError(f"term {term} is not a multiple of {core}")
        cores.append(core)
        commons.add(common)
    if len(commons) != 1:
        raise AssertionError(f"terms do not share one coefficient: {commons}")  # pragma: no cover
    common = commons.pop()
    scale = sympy.Integer(Lambda) ** sympy.Rational(-(H - 1), 2)
    L_expr = sympy.Mul(scale, sympy.Add(*cores), evaluate=False)
    K = sympy.simplify(sympy.powsimp(m.prefactor * common / scale, force=True))
    couplings = tuple(A.coupling_symbol(t) for t in m.keys)
    ham = Formula("hamiltonian", L_expr, tuple(m.weights) + couplings,
                  lhs=r"L_{\Lambda,H}(\tilde w)",
                  reference=f"{PAPER}, Sec. 3 [unverified]; {SPIN_GLASS}: spherical {H}-spin glass, Lambda = {Lambda}",
                  cite=("choromanska2015", "auffinger2013"),
                  description=f"spherical {H}-spin glass Hamiltonian of widths {net.widths}")
    weight_set = set(m.weights)
    degrees = {sum(e for b, e in core.as_powers_dict().items() if b in weight_set) for core in cores}
    exact = sympy.simplify(K * scale - m.prefactor * common) == 0
    hm = A.Model(K * scale, tuple(cores), m.keys, m.weights, m.variances, m.applied + ("hamiltonian",))
    steps.append(Step("Hamiltonian", (), "Identify the spherical spin-glass Hamiltonian: "
                      "E_A[Y] = K L_{Lambda,H}(wtilde) with L = Lambda^{-(H-1)/2} sum Xhat wtilde...wtilde.",
                      steps[-1].after, sympy.Mul(K, L_expr, evaluate=False), r"\mathbb{E}_A[Y]",
                      {"K": K, "factoring exact": exact, "homogeneous": len(degrees) == 1,
                       "degree": max(degrees), "terms": len(cores)},
                      f"{PAPER}, Sec. 3 [unverified]; {SPIN_GLASS}", hm, ("choromanska2015", "auffinger2013")))
    C1, C2 = sympy.Integer(0), K
    if loss is not None:
        template = (S_SUP - Y_T / S_SUP * EXPECTED_Y if loss == "absolute"
                    else RHO_HINGE * (1 - Y_T * EXPECTED_Y))
        # the loss is affine in E_A[Y] = K L: reduce with L as one symbol, then read C_1 and C_2 off
        L_sym = sympy.Symbol(r"L_{\Lambda,H}", real=True)
        full = sympy.expand(template.xreplace({EXPECTED_Y: K * L_sym}))
        C1 = sympy.simplify(full.xreplace({L_sym: 0}))
        C2 = sympy.simplify(sympy.diff(full, L_sym))
        exact = sympy.expand(full - C1 - C2 * L_sym) == 0
        if loss == "absolute":
            summary = ("Absolute loss: with Y_t = +-S and |Y| <= S, |Y_t - Y| = S - (Y_t/S) Y, so "
                       "E_A|Y_t - Y| = S - (Y_t/S) E_A[Y] = C_1 + C_2 L.")
            used, lhs = (), r"\mathcal{L}^{a}_{\Lambda,H}(\tilde w)"
        else:
            summary = ("Hinge loss: max(0, 1 - Y_t Y) modelled as Z (1 - Y_t Y), Z ~ Bernoulli(rho') "
                       "independent of A, so E[...] = rho' (1 - Y_t E_A[Y]) = C_1 + C_2 L.")
            used, lhs = ("A7",), r"\mathcal{L}^{h}_{\Lambda,H}(\tilde w)"
        steps.append(Step(f"{loss} loss", tuple(A.assumption(k) for k in used), summary, steps[-1].after,
                          sympy.Add(C1, sympy.Mul(C2, L_expr, evaluate=False), evaluate=False), lhs,
                          {"template": template, "C_1": C1, "C_2": C2, "reduction exact": exact},
                          f"{PAPER}, Sec. 3 [unverified]", None, ("choromanska2015",)))
    return Derivation(network=net, Lambda=Lambda, weight_map=tuple(indices), weight_map_text=map_text,
                      rho=rho, loss=loss, steps=tuple(steps), hamiltonian=ham, prefactor=K, C1=C1, C2=C2,
                      multiplicities=multiplicities, c=c, uniform_multiplicity=tbar,
                      weights=tuple(m.weights), couplings=couplings, tuples=tuple(m.keys),
                      coupling_variances=dict(m.variances), q=pp.q,
                      hamiltonian_model=A.Model(scale, tuple(cores), m.keys, m.weights, m.variances))


# --- paths of several lengths: the mixed spherical spin glass (derived here) -----------------
X_VAR = sympy.Symbol("x", real=True)
MIXED_SPIN_GLASS = "Auffinger and Ben Arous (2013)"


def _network(net) -> ReLUNetwork:
    return net if isinstance(net, ReLUNetwork) else ReLUNetwork(net)


def xi_expression(net, x=None, C=None) -> sympy.Expr:
    """``ξ(x) = Σ_m C^m Ψ_m x^m / Σ_m C^m Ψ_m`` from the path counts ``Ψ_m`` of ``net`` (derived here).

    With Ψ_m paths of length m from the inputs, uniformity within each degree (``t = Ψ_m/Λ^m``), unit
    couplings and ``‖w‖² = ΛC``, the random part of ``E_A[Y]`` has covariance
    ``q²ρ² Σ_m C^m Ψ_m (w·w'/(ΛC))^m``, i.e. ``K² Λ ξ(w·w'/(ΛC))`` with ``K = qρ √(Σ_m C^m Ψ_m / Λ)``
    (:func:`derive_mixed_hamiltonian` carries this out term by term). ``C`` is the symbol ``C`` unless
    given; a plain chain gives ``x^H``. The mixed model of Auffinger and Ben Arous (2013).

    ``x``: None (the real symbol ``x``), a sympy symbol or expression, a finite real number, or a variable
    name such as ``"t"`` (made a real symbol). Other text is refused, never evaluated.
    """
    net = _network(net)
    x = _xi_variable(x)
    C = A.C_SPHERE if C is None else positive_rational("C", C, exact=False)
    counts = net.path_counts
    Z = sympy.Add(*[C ** m * c for m, c in counts.items()])
    return sympy.Add(*[C ** m * c * x ** m / Z for m, c in counts.items()])


def _xi_variable(x):
    accepted = "x must be a number, a sympy symbol/expression or a variable name"
    if x is None:
        return X_VAR
    if isinstance(x, sympy.Expr):
        return x
    if isinstance(x, str):
        if not x.isidentifier():
            raise InvalidInputError(f"{accepted}; got {x!r}")
        return sympy.Symbol(x, real=True)
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise InvalidInputError(f"{accepted}; got {x!r}")
    if not np.isfinite(float(x)):
        raise InvalidInputError(f"{accepted} (a finite one); got {x!r}")
    return sympy.Rational(x.numerator, x.denominator) if isinstance(x, numbers.Rational) else sympy.Float(float(x))


def network_mixture(net, C=1):
    """The mixture ``{m: a_m²}``, ``a_m² = C^m Ψ_m / Σ_k C^k Ψ_k``, of ``net`` as a :class:`~polyloss.mixture.Mixture`
    with exact Fraction weights (derived here; see :func:`xi_expression`).

    ``C`` (the spherical constant, ``‖w‖² = ΛC``): a positive int, Fraction or float (read as its
    decimal text). A plain chain gives the pure mixture of degree H; a network with H = 1 is linear
    in its weights and is refused (a mixture needs a degree ≥ 2).
    """
    from fractions import Fraction

    from ..mixture import as_mixture

    net = _network(net)
    Cr = positive_rational("C", C)
    Cf = Fraction(int(Cr.p), int(Cr.q))
    counts = net.path_counts
    Z = sum(Cf ** m * c for m, c in counts.items())
    return as_mixture({m: Cf ** m * c / Z for m, c in counts.items()}, name=f"the mixture of {net.describe()}")


def derive_mixed_hamiltonian(net, *, loss=None, Lambda=None, weight_map=None, rho=A.RHO, C=A.C_SPHERE,
                             q="default", max_paths: int = DEFAULT_MAX_PATHS,
                             max_tuples: int = DEFAULT_MAX_TUPLES) -> Derivation:
    """The assumption chain over paths of every length, down to the mixed spherical spin glass (derived here).

    Same arguments as :func:`derive_hamiltonian`, plus ``C`` (the spherical constant: the symbol C, or a
    positive number). Works for any network, a plain chain included (where it gives the pure Hamiltonian
    of :func:`derive_hamiltonian` exactly). Steps: path polynomial over paths of every length; expectation
    over activations (A2, A3; bias paths too); independent path inputs (A1; bias paths keep the constant 1);
    redundancy (A4; bias paths add up to a deterministic polynomial); uniformity within each degree
    (:data:`~polyloss.symbolic.assumptions.UNIFORMITY_BY_DEGREE`); unit-variance couplings (one scale
    ``√(Ψ_m/Λ^m)`` per degree); spherical constraint (A6; ``C^{m/2}`` per degree); then

        E_A[Y] = K L(w̃) + D(w̃),   L(w̃) = Σ_m a_m Λ^{-(m-1)/2} Σ_{i_1..i_m} X̂_{i_1..i_m} w̃_{i_1} … w̃_{i_m},

    ``a_m² = C^m Ψ_m / Z``, ``Z = Σ_m C^m Ψ_m``, ``K = qρ √(Z/Λ)``, so that
    ``E[L(w̃) L(w̃')] = Λ ξ(w̃·w̃'/Λ)``, ``ξ(x) = Σ_m a_m² x^m``: the mixed spherical spin glass of
    Auffinger and Ben Arous (2013). ``D`` (q times the bias paths' terms) is a fixed polynomial of
    degree at most H in w̃ with no random coefficient: it shifts the mean of ``E_A[Y]`` and has no
    covariance, so it is not part of the mixture and does not enter ξ. Both the factoring and the
    covariance ``Λ ξ`` are checked by sympy (``changes["factoring exact"]``, ``["covariance exact"]``).
    """
    net = _network(net)
    choice("loss", loss, LOSSES)
    rho = A.check_rho(rho)
    C = C if isinstance(C, sympy.Symbol) else positive_rational("C", C)
    max_paths = integer("max_paths", max_paths, minimum=1)
    max_tuples = integer("max_tuples", max_tuples, minimum=1)
    check_size(net, max_paths)
    indices, Lambda, map_text = resolve_weight_map(net, weight_map, Lambda)
    n_tuples = sum(Lambda ** m for m in net.path_counts)
    if n_tuples > max_tuples:
        raise SizeLimitError(
            f"Lambda = {Lambda} and the path lengths {tuple(net.path_counts)} give {n_tuples:,} ordered weight "
            f"tuples, each a term of the Hamiltonian; the limit is max_tuples={max_tuples:,}. Choose a smaller "
            "Lambda, or raise max_tuples to derive it anyway")
    index_of = dict(zip(net.weight_symbols, indices))
    steps = []

    def add(name, assumptions_, summary, model, lhs, changes, equation, cite=("choromanska2015",)):
        before = steps[-1].after if steps else None
        steps.append(Step(name, tuple(assumptions_), summary, before, model.expr, lhs, changes, equation,
                          model, cite))

    key = A.assumption
    pp = path_polynomial(net, q=q, max_paths=max_paths)
    m = A.network_model(pp)
    add("path polynomial", (), "The exact network output as a sum over its paths of every length m; a path "
        "from a bias carries no input, A = 1 when every ReLU on the path is active.", m, "Y",
        {"q": pp.q, "paths": pp.n_paths, "path counts": dict(net.path_counts),
         "bias path counts": dict(net.bias_path_counts)},
        f"{PAPER}, Eq. (1) [unverified], over paths of every length: derived here")
    m, ch = A.expectation_over_activations(m, rho)
    add("expectation over activations", (key("A2"), key("A3")), "Take the expectation over the activations: "
        "each A becomes rho, on the bias paths too (linearity, A independent of X).", m, r"\mathbb{E}_A[Y]", ch,
        f"{PAPER}, Sec. 3 [unverified]")
    m, ch = A.independent_path_inputs(m)
    add("independent path inputs", (key("A1"),), "Give every path from an input its own input X_{i,j}, "
        "independent N(0,1); a path from a bias keeps the constant input 1.", m, r"\mathbb{E}_A[Y]", ch,
        f"{PAPER}, Sec. 3 and Eq. (2) [unverified]")
    m, ch = A.redundancy(m, index_of, Lambda)
    ch = {"weight map rule": map_text, **ch}
    add("redundancy", (key("A4"),), "Replace each weight by its unique weight and regroup by the ordered tuple "
        "of unique weights on each path; X_{(t)} sums the inputs of the t paths of tuple t (variance t); "
        "the bias paths of a tuple add up to a deterministic term.", m, r"\mathbb{E}_A[Y]", ch,
        f"{PAPER}, Sec. 3 [unverified]")
    multiplicities = dict(ch["multiplicities"])
    psi = {}
    for t, n in multiplicities.items():
        psi[len(t)] = psi.get(len(t), 0) + n
    psi = dict(sorted(psi.items()))
    if psi != dict(net.path_counts):  # a free self-check: the multiplicities recount Ψ_m path by path
        raise AssertionError(f"internal error: the tuple multiplicities of {net.describe()} add up to {psi} paths "
                             f"by length, but the recursion ReLUNetwork.path_counts gives {dict(net.path_counts)}")
    m, ch = A.uniformity(m, Lambda, net.H)
    add("uniformity", (A.UNIFORMITY_BY_DEGREE,), "Within each degree m, impose t = Psi_m/Lambda^m on every "
        "ordered m-tuple (after measuring the ratio c).", m, r"\mathbb{E}_A[Y]", ch,
        f"{PAPER}, Sec. 3 [unverified], within each degree: derived here")
    c, tbar = ch["c"], ch["uniform multiplicity"]
    m, ch = A.unit_variance(m)
    add("unit-variance couplings", (), "Normalise the couplings to unit variance (no new assumption): "
        "X_{(t)} = sqrt(Psi_m/Lambda^m) Xhat_t for a tuple of length m.", m, r"\mathbb{E}_A[Y]", ch, "", ())
    m, ch = A.spherical_constraint(m, C)
    add("spherical constraint", (key("A6"),), "Impose the spherical constraint: w_i = sqrt(C) wtilde_i, "
        "sum_i wtilde_i^2 = Lambda; a term of degree m gains C^(m/2).", m, r"\mathbb{E}_A[Y]", ch,
        f"{PAPER}, Sec. 3 [unverified]")

    # the mixed Hamiltonian: per degree, the common coefficient of X̂_t w̃_t must be K a_m Λ^{-(m-1)/2}
    Z = sympy.factor(sympy.Add(*[C ** k * n for k, n in psi.items()]))
    a2 = {k: sympy.cancel(C ** k * n / Z) for k, n in psi.items()}
    K = sympy.powsimp(pp.q * rho * sympy.sqrt(Z / Lambda), force=True)
    cores, coefficients = [], {}
    for t, term in zip(m.keys, m.terms):
        core = A.coupling_symbol(t) * sympy.Mul(*(m.weights[i - 1] for i in t))
        common, rest = term.as_independent(*core.free_symbols, as_Add=False)
        if rest != core:  # pragma: no cover - the chain builds every term as coefficient * core
            raise AssertionError(f"term {term} is not a multiple of {core}")
        cores.append(core)
        coefficients.setdefault(len(t), set()).add(m.prefactor * common)
    scale = {k: sympy.sqrt(a2[k]) * sympy.Integer(Lambda) ** sympy.Rational(-(k - 1), 2) for k in psi}
    exact = all(len(v) == 1 for v in coefficients.values()) and all(
        sympy.simplify(K * scale[k] - next(iter(v))) == 0 for k, v in coefficients.items())
    by_degree = [sympy.Mul(scale[k], sympy.Add(*[core for core in cores if _degree(core, m.weights) == k]),
                           evaluate=False) for k in psi]
    L_expr = sympy.Add(*by_degree, evaluate=False) if len(by_degree) > 1 else by_degree[0]
    D = sympy.expand(m.prefactor * sympy.Add(*m.fixed))
    couplings = tuple(A.coupling_symbol(t) for t in m.keys)
    extra = (C,) if isinstance(C, sympy.Symbol) else ()
    pure = len(psi) == 1
    H = net.H
    ham = Formula("hamiltonian", L_expr, tuple(m.weights) + couplings + extra,
                  lhs=r"L_{\Lambda,H}(\tilde w)" if pure else r"L_{\Lambda,\xi}(\tilde w)",
                  reference=(f"{SPIN_GLASS}: spherical {H}-spin glass" if pure else
                             f"{MIXED_SPIN_GLASS}: mixed spherical spin glass") + f", Lambda = {Lambda}; derived here",
                  cite=("auffinger2013",) if pure else ("auffinger2013mixed",),
                  description=f"the spin-glass Hamiltonian of {net.describe()}")
    xi = sympy.Add(*[a2[k] * X_VAR ** k for k in psi])
    hm = A.Model(sympy.Integer(1), tuple(cores), m.keys, m.weights, m.variances)
    derivation = Derivation(network=net, Lambda=Lambda, weight_map=tuple(indices), weight_map_text=map_text,
                            rho=rho, loss=loss, steps=(), hamiltonian=ham, prefactor=K, C1=sympy.Integer(0), C2=K,
                            multiplicities=multiplicities, c=c, uniform_multiplicity=tbar,
                            weights=tuple(m.weights), couplings=couplings, tuples=tuple(m.keys),
                            coupling_variances=dict(m.variances), q=pp.q, hamiltonian_model=hm, mixed=True,
                            C=C, xi=xi, mixture_weights=a2, path_counts=psi,
                            bias_path_counts=dict(net.bias_path_counts), bias_term=D, degree_scales=scale)
    covariance_exact = None
    if len(couplings) <= MAX_COVARIANCE_COUPLINGS:
        cov, w1, w2 = derivation.covariance()
        overlap = sympy.Add(*[u * v for u, v in zip(w1, w2)]) / Lambda
        covariance_exact = sympy.cancel(cov - Lambda * xi.xreplace({X_VAR: overlap})) == 0
    bias_degrees = tuple(sorted({len(t) for t in m.fixed_keys}))
    after = sympy.Add(sympy.Mul(K, sympy.Symbol(ham.lhs), evaluate=False), D, evaluate=False) if D != 0 \
        else sympy.Mul(K, sympy.Symbol(ham.lhs), evaluate=False)
    steps.append(Step("mixed Hamiltonian", (), "Identify the mixed spherical spin glass: E_A[Y] = K L(wtilde) + "
                      "D(wtilde), L with covariance Lambda xi(wtilde.wtilde'/Lambda), xi(x) = sum_m a_m^2 x^m, "
                      "a_m^2 = C^m Psi_m / sum_k C^k Psi_k; D, from the bias paths, is a fixed polynomial with no "
                      "random coefficient: it shifts the mean, has no covariance, and is not part of the mixture.",
                      steps[-1].after, after, r"\mathbb{E}_A[Y]",
                      {"K": K, "xi": xi, "weights": a2, "Z": Z, "path counts": psi, "factoring exact": exact,
                       "covariance exact": covariance_exact, "bias term": D, "bias degrees": bias_degrees,
                       "terms": len(cores), "degree scales": scale},
                      f"{MIXED_SPIN_GLASS}; the identification with the network: derived here", hm,
                      ("auffinger2013mixed",)))
    C1, C2 = sympy.Integer(0), K
    if loss is not None:
        template = (S_SUP - Y_T / S_SUP * EXPECTED_Y if loss == "absolute"
                    else RHO_HINGE * (1 - Y_T * EXPECTED_Y))
        L_sym = sympy.Symbol(r"L_{\Lambda,\xi}", real=True)
        full = sympy.expand(template.xreplace({EXPECTED_Y: K * L_sym + D}))
        C1 = sympy.expand(full.xreplace({L_sym: 0}))
        C2 = sympy.simplify(sympy.diff(full, L_sym))
        red = sympy.expand(full - C1 - C2 * L_sym) == 0
        used = (key("A7"),) if loss == "hinge" else ()
        lhs = r"\mathcal{L}^{a}_{\Lambda,\xi}(\tilde w)" if loss == "absolute" else r"\mathcal{L}^{h}_{\Lambda,\xi}(\tilde w)"
        steps.append(Step(f"{loss} loss", used, "The loss is affine in E_A[Y] = K L + D: C_1 + C_2 L, with the bias "
                          "polynomial D inside C_1 (a deterministic function of the weights).", steps[-1].after,
                          sympy.Add(C1, sympy.Mul(C2, sympy.Symbol(ham.lhs), evaluate=False), evaluate=False), lhs,
                          {"template": template, "C_1": C1, "C_2": C2, "reduction exact": red},
                          f"{PAPER}, Sec. 3 [unverified]", None, ("choromanska2015",)))
    derivation.steps = tuple(steps)
    derivation.C1, derivation.C2 = C1, C2
    return derivation


#: the covariance of the mixed Hamiltonian is checked by sympy up to this many couplings
MAX_COVARIANCE_COUPLINGS = 400


def _degree(core, weights) -> int:
    powers = core.as_powers_dict()
    return int(sum(powers.get(w, 0) for w in weights))
