"""The assumptions that turn a network's path polynomial into a spin glass, as data and transformations.

Choromanska et al. (2015), Sec. 3, reduce the network's loss to the Hamiltonian of the spherical
spin glass under the assumptions of "variable independence", "redundancy in network
parametrization" and "uniformity" (their abstract), together with Bernoulli activations
independent of the inputs, a spherical constraint on the weights and, for the hinge loss, a
Bernoulli model of the hinge. Each assumption is an :class:`Assumption` (its statement as a
sentence and in LaTeX, the paper's name for it, where it is stated, and the bib keys of
``polyloss/references.bib`` to cite) and each step of the chain is a function
``Model -> (Model, changes)`` that performs an explicit sympy transformation of the previous
expression (``xreplace`` of symbols, regrouping of terms by weight tuple, factoring of a common
scale) and returns a table of what changed. Every function checks that the steps it builds on
were applied and raises :class:`~polyloss.errors.InvalidInputError` naming the missing one
otherwise. The keys ``A1`` … ``A7`` are polyloss's own numbering, in the order its documents list
the assumptions; they are not the paper's labels.

A :class:`Model` is ``prefactor · Σ_terms``, the terms kept in a stable order with one key each
(the :class:`~polyloss.symbolic.paths.Path` before redundancy, the ordered tuple of unique-weight
indices after it) and a table ``variances`` of the centred Gaussian symbols in it.
With skips or biases, the terms of paths from a bias (no random input) move, at redundancy, to ``fixed``
(deterministic terms, keyed by their weight tuples in ``fixed_keys``); the other steps act on each degree
m = number of weights of a term separately (derived here).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import sympy

from ..errors import InvalidInputError

#: LaTeX/str names of the symbols introduced by the chain.
RHO = sympy.Symbol(r"\rho", positive=True)
C_SPHERE = sympy.Symbol("C", positive=True)


@dataclass(frozen=True)
class Assumption:
    """One named assumption of the chain (Choromanska et al. (2015), Sec. 3).

    Attributes:
        key: ``"A1"`` … ``"A7"``, polyloss's numbering (not the paper's).
        name: short name, e.g. ``"variable independence"``; ``label`` is ``"A1 variable independence"``.
        paper_name: how Choromanska et al. (2015), Sec. 3, call it. Their abstract confirms "variable
            independence", "redundancy in network parametrization" and "uniformity"; the other names
            (Bernoulli activations, independence of X and A, spherical constraint, Bernoulli hinge)
            are [unverified] against the paper's wording.
        statement: one plain sentence; ``latex``: the same as LaTeX (inline math in ``$...$``).
        reference: where it is stated, in plain text (authors, year, section or equation; a locator
            that could not be checked against the published text says "[unverified]").
        cite: the keys of ``polyloss/references.bib`` the reference names (for ``\\cite``).
    """

    key: str
    name: str
    paper_name: str
    statement: str
    latex: str
    reference: str
    cite: tuple = ("choromanska2015",)

    @property
    def label(self) -> str:
        return f"{self.key} {self.name}"


ASSUMPTIONS = (
    Assumption(
        "A1", "variable independence", "variable independence",
        "The path inputs X_{i,j} are independent standard Gaussians, one per path "
        "(in the network all paths from input i share X_i).",
        r"The path inputs $X_{i,j}$ are independent, $X_{i,j} \sim \mathcal{N}(0,1)$, one per path "
        r"(in the network every path from input $i$ carries the same $X_i$).",
        "Choromanska et al. (2015), Sec. 3 [unverified]; the expectation it leads to is their Eq. (2) [unverified]"),
    Assumption(
        "A2", "path activity", "Bernoulli activations",
        "Each path activation A_{i,j} is Bernoulli(rho), with the same rho for every path.",
        r"Each path activation is $A_{i,j} \sim \mathrm{Bernoulli}(\rho)$, $0 < \rho \le 1$, "
        r"with the same $\rho$ for every path.",
        "Choromanska et al. (2015), Sec. 3 [unverified]"),
    Assumption(
        "A3", "independence of inputs and activations", "independence of X and A",
        "The activations A are independent of the inputs X, so the expectation over A acts "
        "on each path term alone.",
        r"The activations $A$ are independent of the inputs $X$, so that "
        r"$\mathbb{E}_A[X_{i,j} A_{i,j}] = \rho\, X_{i,j}$.",
        "Choromanska et al. (2015), Sec. 3 [unverified]; the expectation it leads to is their Eq. (2) [unverified]"),
    Assumption(
        "A4", "redundancy", "redundancy in network parametrization",
        "The N weights take only Lambda distinct values w_1 ... w_Lambda, given by a weight map.",
        r"The $N$ weights take only $\Lambda$ distinct values $w_1, \dots, w_\Lambda$: a weight map "
        r"$\pi$ sends each weight $w^{(k)}_{a,b}$ to $w_{\pi(k,a,b)}$.",
        "Choromanska et al. (2015), Sec. 3 [unverified]"),
    Assumption(
        "A5", "uniformity", "uniformity",
        "Every ordered H-tuple of unique weights occurs on the same number Psi/Lambda^H of paths.",
        r"Every ordered $H$-tuple $(i_1,\dots,i_H)$ of unique weights is carried by the same number "
        r"$t_{i_1 \dots i_H} = \Psi/\Lambda^H$ of paths.",
        "Choromanska et al. (2015), Sec. 3 (the bounded-ratio reading with a constant c is polyloss's "
        "[open])"),
    Assumption(
        "A6", "spherical constraint", "spherical constraint",
        "The unique weights satisfy (1/Lambda) sum_i w_i^2 = C for a constant C > 0.",
        r"The unique weights satisfy $\frac{1}{\Lambda}\sum_{i=1}^{\Lambda} w_i^2 = C$ for a constant "
        r"$C > 0$; we write $w_i = \sqrt{C}\,\tilde w_i$ so that $\sum_i \tilde w_i^2 = \Lambda$.",
        "Choromanska et al. (2015), Sec. 3 [unverified]"),
    Assumption(
        "A7", "hinge activity", "Bernoulli hinge",
        "For the hinge loss, max(0, 1 - Y_t Y) is modelled as Z (1 - Y_t Y) with Z ~ Bernoulli(rho') "
        "independent of A.",
        r"For the hinge loss, $\max(0, 1 - Y_t Y)$ is modelled as $Z\,(1 - Y_t Y)$ with "
        r"$Z \sim \mathrm{Bernoulli}(\rho')$ independent of $A$ [open].",
        "Choromanska et al. (2015), Sec. 3, the reduction of the hinge loss [unverified: where the paper states it]"),
)

_BY_KEY = {a.key: a for a in ASSUMPTIONS}

#: A5 for paths of several lengths (skip connections): uniformity within each degree m (derived here;
#: the paper has one degree H). Not in :data:`ASSUMPTIONS`: ``assumption("A5")`` stays the paper's.
UNIFORMITY_BY_DEGREE = Assumption(
    "A5", "uniformity within each degree", "uniformity",
    "For every length m, every ordered m-tuple of unique weights occurs on the same number Psi_m/Lambda^m "
    "of the paths of length m from the inputs.",
    r"For every length $m$, every ordered $m$-tuple $(i_1,\dots,i_m)$ of unique weights is carried by the "
    r"same number $t_{i_1 \dots i_m} = \Psi_m/\Lambda^m$ of the $\Psi_m$ paths of length $m$ from the inputs.",
    "Choromanska et al. (2015), Sec. 3 [unverified], for the single degree H; within each degree: derived here")


def assumption(key: str) -> Assumption:
    """The :class:`Assumption` with ``key`` ``"A1"`` … ``"A7"``."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise InvalidInputError(f"unknown assumption {key!r}; accepted: {', '.join(_BY_KEY)}") from None


# --- the state transformed by the chain ------------------------------------------------------
@dataclass(frozen=True)
class Model:
    """``prefactor · Σ terms``: the network output (or its model) at some point of the chain.

    ``keys[n]`` says where ``terms[n]`` comes from: a Path before redundancy, the ordered tuple of
    1-based unique-weight indices after it. ``variances`` maps each centred Gaussian symbol to its
    variance. ``applied`` lists the steps done so far (assumption keys and ``"normalised"``).
    """

    prefactor: sympy.Expr
    terms: tuple
    keys: tuple
    weights: tuple
    variances: dict = field(default_factory=dict)
    applied: tuple = ()
    fixed: tuple = ()
    fixed_keys: tuple = ()

    @property
    def expr(self) -> sympy.Expr:
        """``prefactor · (Σ terms + Σ fixed)`` as one sympy expression (the structure kept)."""
        return sympy.Mul(self.prefactor, sympy.Add(*self.terms, *self.fixed), evaluate=False)

    @property
    def sum(self) -> sympy.Expr:
        return sympy.Add(*self.terms, *self.fixed)

    @property
    def degrees(self) -> tuple:
        """The lengths m of the random terms' tuples (after redundancy; keys are tuples), increasing."""
        return tuple(sorted({len(t) for t in self.keys}))


def network_model(pp) -> Model:
    """The exact path polynomial (Eq. 1) as a :class:`Model`: ``q · Σ_paths X_i A_{i,j} Π_k w^{(k)}``."""
    return Model(pp.q, tuple(p.monomial for p in pp.paths), tuple(pp.paths),
                 tuple(pp.network.weight_symbols))


def _require(model: Model, step: str, *needed: str, absent: tuple = ()) -> None:
    done = set(model.applied)
    for key in needed:
        if key not in done:
            name = _BY_KEY[key].label if key in _BY_KEY else key
            raise InvalidInputError(
                f"step {step!r} needs {name} to be applied first; applied so far: "
                f"{', '.join(model.applied) or 'none'}"
            )
    for key in absent:
        if key in done:
            name = _BY_KEY[key].label if key in _BY_KEY else key
            raise InvalidInputError(f"step {step!r} must come before {name}, which is already applied")


def check_rho(rho) -> sympy.Expr:
    """ρ as a sympy object: a symbol (kept symbolic) or a number in (0, 1] (floats made exact)."""
    if isinstance(rho, sympy.Symbol):
        return rho
    text = f"rho must be a number in (0, 1] or a sympy Symbol; got {rho!r}"
    if isinstance(rho, bool):
        raise InvalidInputError(text)
    try:
        value = sympy.Rational(repr(float(rho))) if isinstance(rho, float) else sympy.sympify(rho, strict=True)
    except (sympy.SympifyError, TypeError, ValueError):
        raise InvalidInputError(text) from None
    if not value.is_number or not value.is_real or not (0 < value <= 1):
        raise InvalidInputError(text)
    return value


def path_input_symbol(i: int, j: int) -> sympy.Symbol:
    """``X_{i,j}``: the input carried by path j from input i (1-based), after A1."""
    return sympy.Symbol(f"X_{{{i},{j}}}", real=True)


def unique_weight_symbol(a: int) -> sympy.Symbol:
    """``w_a``: the a-th unique weight (1-based), after A4."""
    return sympy.Symbol(f"w_{{{a}}}", real=True)


def rescaled_weight_symbol(a: int) -> sympy.Symbol:
    r"""``\tilde w_a``: the a-th unique weight on the sphere ``Σ \tilde w^2 = Λ``, after A6."""
    return sympy.Symbol(rf"\tilde{{w}}_{{{a}}}", real=True)


def grouped_coupling_symbol(t: tuple) -> sympy.Symbol:
    """``X_{(i_1,…,i_H)}``: the sum of the path inputs carrying the ordered weight tuple t (variance t)."""
    return sympy.Symbol(f"X_{{({','.join(map(str, t))})}}", real=True)


def coupling_symbol(t: tuple) -> sympy.Symbol:
    r"""``\hat X_{i_1,…,i_H}``: the unit-variance coupling of tuple t (the paper writes X)."""
    return sympy.Symbol(rf"\hat{{X}}_{{{','.join(map(str, t))}}}", real=True)


def variance(linear, variances: dict) -> sympy.Expr:
    """Var of a linear form ``Σ a_s s`` in independent centred symbols: ``Σ a_s² Var(s)``."""
    linear = sympy.expand(linear)
    out, rest = sympy.Integer(0), linear
    for s, var in variances.items():
        a = linear.coeff(s)
        if a.free_symbols & set(variances):
            raise InvalidInputError(f"not a linear form in the Gaussian symbols: {linear}")
        out += a ** 2 * var
        rest -= a * s
    if sympy.expand(rest).free_symbols & set(variances):
        raise InvalidInputError(f"not a linear form in the Gaussian symbols: {linear}")
    return out if out.is_number else sympy.simplify(out)


# --- the steps -------------------------------------------------------------------------------
def expectation_over_activations(model: Model, rho=RHO):
    """A2 + A3: ``E_A[Y]``: each ``A_{i,j}`` (Bernoulli(ρ), independent of X) replaced by ρ.

    ``E_A[Y] = q Σ_i Σ_j X_i ρ Π_k w^{(k)}_{i,j}`` (Eq. (2) of Choromanska et al. 2015 [unverified], before
    A1); exact by linearity.
    """
    _require(model, "expectation over activations", absent=("A2", "A4"))
    rho = check_rho(rho)
    replaced = {p.activation: rho for p in model.keys}
    terms = tuple(t.xreplace(replaced) for t in model.terms)
    changes = {"replaced": f"A_{{i,j}} -> {rho} in all {len(terms)} path terms",
               "law": f"A_{{i,j}} ~ Bernoulli({rho}), independent of X", "rho": rho}
    return replace(model, terms=terms, applied=model.applied + ("A2", "A3")), changes


def independent_path_inputs(model: Model):
    """A1: the input ``X_i`` of path (i, j) replaced by its own ``X_{i,j} ~ N(0,1)``, all independent.

    ``E_A[Y] = q Σ_i Σ_j X_{i,j} ρ Π_k w^{(k)}_{i,j}`` (Eq. (2) of Choromanska et al. 2015 [unverified]).
    """
    _require(model, "independent path inputs", absent=("A1", "A4"))
    terms, variances = [], dict(model.variances)
    for p, term in zip(model.keys, model.terms):
        if p.input is None:  # a path from a bias: its input is the constant 1, not random
            terms.append(term)
            continue
        x = path_input_symbol(p.input_index + 1, p.index + 1)
        terms.append(term.xreplace({p.input: x}))
        variances[x] = sympy.Integer(1)
    changes = {"replaced": f"X_i -> X_{{i,j}} in all {len(terms)} path terms",
               "law": "X_{i,j} ~ N(0, 1), independent"}
    return replace(model, terms=tuple(terms), variances=variances, applied=model.applied + ("A1",)), changes


def redundancy(model: Model, index_of: dict, Lambda: int):
    """A4: every weight ``w^{(k)}_{a,b}`` replaced by its unique weight ``w_{π(k,a,b)}``; the sum regrouped.

    Paths carrying the same ordered tuple ``(π(w^{(1)}), …, π(w^{(H)}))`` merge into one term whose
    coupling ``X_{(i_1..i_H)} = Σ X_{i,j}`` has variance ``t_{i_1..i_H}`` (the multiplicity):
    ``E_A[Y] = q Σ_{tuples} X_{(i_1..i_H)} ρ w_{i_1} … w_{i_H}``. The regrouping is checked exact
    (``expand`` of the difference after substituting the definitions back is 0).

    Paths of several lengths: the tuples are ordered by length, then lexicographically. Paths from a
    bias carry no random input: those with the same tuple t add up to the deterministic term
    ``n_t ρ w_{i_1} … w_{i_m}`` (``n_t`` of them), kept in ``fixed`` (derived here).
    """
    _require(model, "redundancy", "A1", "A2", absent=("A4",))
    unique = tuple(unique_weight_symbol(a) for a in range(1, Lambda + 1))
    sub = {w: unique[index_of[w] - 1] for w in model.weights}
    groups: dict = {}
    fixed_groups: dict = {}
    substituted = []
    for p, term in zip(model.keys, model.terms):
        t = tuple(index_of[w] for w in p.weights)
        new = term.xreplace(sub)
        substituted.append(new)
        if p.input is None:
            fixed_groups.setdefault(t, []).append(new)
            continue
        x = path_input_symbol(p.input_index + 1, p.index + 1)
        groups.setdefault(t, []).append((x, new))
    fixed_keys = tuple(sorted(fixed_groups, key=lambda t: (len(t), t)))
    fixed = tuple(sympy.Add(*fixed_groups[t]) for t in fixed_keys)
    terms, keys, variances, definitions, multiplicity = [], [], {}, {}, {}
    for t in sorted(groups, key=lambda t: (len(t), t)):
        members = groups[t]
        coupling = grouped_coupling_symbol(t)
        x0, term0 = members[0]
        terms.append(term0.xreplace({x0: coupling}))
        keys.append(t)
        definitions[coupling] = sympy.Add(*(x for x, _ in members))
        variances[coupling] = variance(definitions[coupling], {x: model.variances[x] for x, _ in members})
        multiplicity[t] = len(members)
    exact = sympy.expand(sympy.Add(*terms, *fixed).xreplace(definitions) - sympy.Add(*substituted)) == 0
    changes = {"weight map": {str(w): index_of[w] for w in model.weights},
               "definitions": definitions, "multiplicities": multiplicity,
               "variances": dict(variances), "regrouping exact": exact, "Lambda": Lambda}
    if fixed:
        changes["bias multiplicities"] = {t: len(fixed_groups[t]) for t in fixed_keys}
    new = Model(model.prefactor, tuple(terms), tuple(keys), unique, variances, model.applied + ("A4",),
                fixed, fixed_keys)
    return new, changes


def uniformity(model: Model, Lambda: int, H: int):
    """A5: report how far the multiplicities are from uniform, then impose ``t = Ψ/Λ^H`` on all Λ^H tuples.

    ``c = max_t max(t/t̄, t̄/t)`` with ``t̄ = Ψ/Λ^H`` over all ordered tuples (``c = ∞`` when a tuple
    never occurs; ``c = 1`` iff uniform). This bounded-ratio reading of the paper's constant is an
    **[open]** choice. Imposing A5 gives every tuple a term (missing ones added) and every coupling
    the variance t̄.

    Terms of several degrees (skips): the same within each degree m (:data:`UNIFORMITY_BY_DEGREE`):
    ``t̄_m = Ψ_m/Λ^m`` on all Λ^m tuples of length m, c the largest ratio over all degrees; then
    ``"Psi"`` and ``"uniform multiplicity"`` are ``{m: …}`` mappings. ``fixed`` terms are left as they are.
    """
    _require(model, "uniformity", "A4", absent=("A5",))
    actual = {t: variance_of(model, t) for t in model.keys}
    degrees = model.degrees or (H,)
    by_key = dict(zip(model.keys, model.terms))
    terms, keys, variances, table, added, ratios, psis, tbars = [], [], {}, {}, 0, [], {}, {}
    for m in degrees:
        psi = sum(v for t, v in actual.items() if len(t) == m)
        tbar = sympy.Rational(psi, Lambda ** m)
        psis[m], tbars[m] = psi, tbar
        all_tuples = list(itertools.product(range(1, Lambda + 1), repeat=m))
        part = {t: int(actual.get(t, 0)) for t in all_tuples}
        table.update(part)
        ratios += [sympy.oo if t == 0 else max(sympy.Rational(t) / tbar, tbar / t) for t in part.values()]
        t0 = next(t for t in model.keys if len(t) == m)
        core0 = grouped_coupling_symbol(t0) * sympy.Mul(*(model.weights[i - 1] for i in t0))
        coefficient = sympy.cancel(by_key[t0] / core0)
        for t in all_tuples:
            coupling = grouped_coupling_symbol(t)
            if t in by_key:
                terms.append(by_key[t])
            else:
                terms.append(coefficient * coupling * sympy.Mul(*(model.weights[i - 1] for i in t)))
                added += 1
            keys.append(t)
            variances[coupling] = tbar
    single = len(degrees) == 1
    changes = {"multiplicities": table, "Psi": psis[degrees[0]] if single else psis,
               "uniform multiplicity": tbars[degrees[0]] if single else tbars, "c": max(ratios),
               "tuples added": added, "tuples": len(keys)}
    return replace(model, terms=tuple(terms), keys=tuple(keys), variances=variances,
                   applied=model.applied + ("A5",)), changes


def variance_of(model: Model, t: tuple) -> sympy.Expr:
    return model.variances[grouped_coupling_symbol(t)]


def unit_variance(model: Model):
    """Normalisation (no new assumption): ``X_{(t)} = √t̄ · X̂_t`` with ``X̂_t ~ N(0,1)``; √t̄ factored out.

    Needs A5 (one common variance t̄). The variance of each ``X̂_t = X_{(t)}/√t̄`` is computed from
    the variance table (``t̄/t̄ = 1``) and the factoring is checked exact.

    Several degrees (one variance ``t̄_m`` per degree), or deterministic ``fixed`` terms: each term keeps its own ``√t̄_m`` (nothing is
    factored out) and ``"scale"`` is ``{m: √t̄_m}``.
    """
    _require(model, "unit-variance couplings", "A5", absent=("normalised",))
    scales = {t: sympy.sqrt(variance_of(model, t)) for t in model.keys}
    if len(model.degrees) > 1 or model.fixed:
        terms = tuple(term.xreplace({grouped_coupling_symbol(t): scales[t] * coupling_symbol(t)})
                      for t, term in zip(model.keys, model.terms))
        variances = {coupling_symbol(t): variance(grouped_coupling_symbol(t) / scales[t],
                                                  {grouped_coupling_symbol(t): variance_of(model, t)})
                     for t in model.keys}
        by_degree = {len(t): scales[t] for t in model.keys}
        changes = {"scale": dict(sorted(by_degree.items())), "variances": variances}
        return replace(model, terms=terms, variances=variances, applied=model.applied + ("normalised",)), changes
    s = scales[model.keys[0]]
    if any(v != s for v in scales.values()):
        raise InvalidInputError("unit-variance couplings need one common coupling variance (A5 uniformity)")
    scaled = [term.xreplace({grouped_coupling_symbol(t): s * coupling_symbol(t)})
              for t, term in zip(model.keys, model.terms)]
    terms = tuple(term.xreplace({grouped_coupling_symbol(t): coupling_symbol(t)})
                  for t, term in zip(model.keys, model.terms))
    exact = all(sympy.expand(s * a - b) == 0 for a, b in zip(terms, scaled))  # term by term
    variances = {coupling_symbol(t): variance(grouped_coupling_symbol(t) / s,
                                              {grouped_coupling_symbol(t): variance_of(model, t)})
                 for t in model.keys}
    changes = {"scale": s, "variances": variances, "factoring exact": exact}
    return replace(model, prefactor=model.prefactor * s, terms=terms, variances=variances,
                   applied=model.applied + ("normalised",)), changes


def spherical_constraint(model: Model, C=C_SPHERE):
    r"""A6: ``(1/Λ) Σ w_i² = C``; ``w_i = √C \tilde w_i`` so that ``Σ \tilde w_i² = Λ``.

    Each term is homogeneous of degree H in the weights, so ``C^{H/2}`` factors out; the factor is
    read off from the first term and the factoring checked exact for all terms.

    Terms of several degrees, or deterministic ``fixed`` terms (skips, biases): a term of degree m
    keeps its own ``C^{m/2}`` (nothing is factored out) and ``"factor"`` is ``{m: C^{m/2}}``.
    """
    _require(model, "spherical constraint", "A4", absent=("A6",))
    tilde = tuple(rescaled_weight_symbol(a) for a in range(1, len(model.weights) + 1))
    to_sphere = {w: sympy.sqrt(C) * v for w, v in zip(model.weights, tilde)}
    if len(model.degrees) > 1 or model.fixed:
        terms = tuple(t.xreplace(to_sphere) for t in model.terms)
        fixed = tuple(t.xreplace(to_sphere) for t in model.fixed)
        lengths = sorted(set(model.degrees) | {len(t) for t in model.fixed_keys})
        changes = {"substitution": r"w_i -> sqrt(C) \tilde{w}_i",
                   "factor": {m: C ** sympy.Rational(m, 2) for m in lengths},
                   "constraint": r"sum_i \tilde{w}_i^2 = Lambda"}
        return replace(model, terms=terms, fixed=fixed, weights=tilde, applied=model.applied + ("A6",)), changes
    scaled = [t.xreplace({w: sympy.sqrt(C) * v for w, v in zip(model.weights, tilde)}) for t in model.terms]
    terms = tuple(t.xreplace(dict(zip(model.weights, tilde))) for t in model.terms)
    factor = sympy.simplify(scaled[0] / terms[0])
    exact = all(sympy.expand(factor * a - b) == 0 for a, b in zip(terms, scaled))  # term by term
    changes = {"substitution": r"w_i -> sqrt(C) \tilde{w}_i", "factor": factor, "factoring exact": exact,
               "constraint": r"sum_i \tilde{w}_i^2 = Lambda"}
    return replace(model, prefactor=model.prefactor * factor, terms=terms, weights=tilde,
                   applied=model.applied + ("A6",)), changes
