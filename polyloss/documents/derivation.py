"""A derivation in print: plain text, its LaTeX document, and the general derivation.

:func:`derivation_text` writes every step of a :class:`~polyloss.symbolic.hamiltonian.Derivation` as
plain text (Unicode symbols through :func:`polyloss.symbolic.plain.plain_text`, no LaTeX macros and no
Python reprs); :func:`derivation_document` writes it as a LaTeX appendix (every expression in math mode,
every source a ``\\cite`` of ``references.bib``). :func:`general_document` is the same chain in Σ
notation for any widths (``theory/derivation_general.tex``), :func:`example_document` the chain on the
widths (2, 2, 2, 1) (``theory/derivation_example.tex``).
"""

from __future__ import annotations

import re

import sympy

from ..symbolic import assumptions as A
from ..symbolic.hamiltonian import RHO_HINGE, S_SUP, Y_T, Derivation, Step, derive_hamiltonian
from ..symbolic.latex import Document, escape_text, join_terms
from ..symbolic.paths import path_counts_text
from ..symbolic.plain import plain_text
from . import citations as cite


def tex(expr) -> str:
    """LaTeX of a sympy expression with the powers of the derivation folded: ``C^{3/2}``, not
    ``C^{\\frac{3}{2}}``."""
    return sympy.latex(sympy.sympify(expr), fold_frac_powers=True)


# --- what each step says ---------------------------------------------------------------------
_SUMMARY_LATEX = {
    "path polynomial": r"The network output is written exactly as a sum over its $\Psi$ input--output paths, "
                       r"where $A_{i,j} = 1$ when every ReLU on path $(i,j)$ is active and $0$ otherwise.",
    "expectation over activations": r"We take the expectation over the activations: by linearity, and since $A$ "
                                    r"is independent of $X$, every $A_{i,j}$ is replaced by $\rho$.",
    "independent path inputs": r"Every path receives its own input: $X_i \to X_{i,j}$, the $X_{i,j}$ independent "
                               r"standard Gaussians.",
    "redundancy": r"Each weight is replaced by its unique weight, and the sum is regrouped by the ordered tuple "
                  r"$(i_1,\dots,i_H)$ of unique weights along each path. The coupling $X_{(i_1\dots i_H)}$ is the "
                  r"sum of the inputs of the $t_{i_1\dots i_H}$ paths that carry the tuple, so its variance is "
                  r"$t_{i_1\dots i_H}$.",
    "uniformity": r"The multiplicities are compared with their mean $\bar t = \Psi/\Lambda^H$ through the ratio $c$ "
                  r"(Section~\ref{sec:conventions}); then $t_{i_1\dots i_H} = \bar t$ is imposed on all $\Lambda^H$ ordered tuples, "
                  r"tuples carried by no path being added.",
    "unit-variance couplings": r"A normalisation, with no new assumption: $X_{(i_1\dots i_H)} = \sqrt{\bar t}\,"
                               r"\hat X_{i_1\dots i_H}$ with $\hat X_{i_1\dots i_H} \sim \mathcal{N}(0,1)$, and "
                               r"$\sqrt{\bar t}$ is factored out.",
    "spherical constraint": r"The weights are rescaled to the sphere, $w_i = \sqrt{C}\,\tilde w_i$ with "
                            r"$\sum_i \tilde w_i^2 = \Lambda$; every term has degree $H$, so $C^{H/2}$ factors out.",
    "Hamiltonian": r"The common factor $K$ of $\mathbb{E}_A[Y] = K\,L_{\Lambda,H}(\tilde w)$ is pulled out of the "
                   r"sum, and what remains is the Hamiltonian "
                   r"of the spherical spin glass, $L_{\Lambda,H}(\tilde w) = \Lambda^{-(H-1)/2}$ times "
                   r"$\sum \hat X_{i_1\dots i_H}\, \tilde w_{i_1}\cdots\tilde w_{i_H}$.",
    "absolute loss": r"With labels $Y_t = \pm S$ and $|Y| \le S$ one has $|Y_t - Y| = S - (Y_t/S)\,Y$, hence "
                     r"$\mathbb{E}_A|Y_t - Y| = S - (Y_t/S)\,\mathbb{E}_A[Y]$.",
    "hinge loss": r"The hinge loss $\max(0, 1 - Y_t Y)$ is modelled as $Z\,(1 - Y_t Y)$ with "
                  r"$Z \sim \mathrm{Bernoulli}(\rho')$ independent of $A$, so its expectation is "
                  r"$\rho' (1 - Y_t\, \mathbb{E}_A[Y])$.",
}

_SUMMARY_TEXT = {
    "path polynomial": "The network output, exactly, as a sum over its Ψ input–output paths; A_i,j = 1 when "
                       "every ReLU on path (i, j) is active, else 0.",
    "expectation over activations": "Expectation over the activations: every A_i,j becomes ρ (linearity; "
                                    "A independent of X).",
    "independent path inputs": "Every path gets its own input: X_i → X_i,j, independent standard Gaussians.",
    "redundancy": "Each weight becomes its unique weight; the sum is regrouped by the ordered tuple "
                  "(i_1, …, i_H) of unique weights along each path. X_(i_1…i_H) sums the inputs of the "
                  "t_(i_1…i_H) paths carrying the tuple: its variance is t_(i_1…i_H).",
    "uniformity": "The multiplicities are compared with their mean t̄ = Ψ/Λ^H (ratio c), then t = t̄ is "
                  "imposed on all Λ^H ordered tuples (tuples carried by no path are added).",
    "unit-variance couplings": "Normalisation, no new assumption: X_(i_1…i_H) = √t̄ · X̂_(i_1…i_H), "
                               "X̂ ~ N(0, 1); √t̄ is factored out.",
    "spherical constraint": "Rescaling to the sphere: w_i = √C · w̃_i with Σ_i w̃_i² = Λ; every term has "
                            "degree H, so C^(H/2) factors out.",
    "Hamiltonian": "The common factor is pulled out: E_A[Y] = K · L(w̃), "
                   "L(w̃) = Λ^(−(H−1)/2) Σ X̂_(i_1…i_H) w̃_i_1 ⋯ w̃_i_H.",
    "absolute loss": "With Y_t = ±S and |Y| ≤ S, |Y_t − Y| = S − (Y_t/S)·Y, so "
                     "E_A|Y_t − Y| = S − (Y_t/S)·E_A[Y] = C_1 + C_2·L.",
    "hinge loss": "max(0, 1 − Y_t·Y) is modelled as Z·(1 − Y_t·Y), Z ~ Bernoulli(ρ') independent of A, "
                  "so its expectation is ρ'·(1 − Y_t·E_A[Y]) = C_1 + C_2·L.",
}

_WORDS = (("rho'", "ρ'"), ("+-", "±"), ("->", "→"), ("<=", "≤"), ("sum_i", "Σ_i"), (" - ", " − "),
          ("...", "…"))
_NAMES = {"rho": "ρ", "Psi": "Ψ", "Lambda": "Λ", "wtilde": "w̃", "Xhat": "X̂", "sqrt": "√"}


def plain_words(text: str) -> str:
    """A sentence written with ASCII names (``rho``, ``Lambda``, ``X_{i,j}``) in Unicode (ρ, Λ, X_i,j)."""
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    for word, uni in _WORDS:
        text = text.replace(word, uni)
    return re.sub(r"(?<![A-Za-z])(" + "|".join(_NAMES) + r")(?![A-Za-z])", lambda m: _NAMES[m.group(1)], text)


# --- facts of a step, as (LaTeX, plain text) pairs -----------------------------------------------
_SHOW_TERMS = 24


def _checked(what: str, ok: bool) -> tuple:
    if ok:
        return f"the {what} is exact (checked by sympy)", f"the {what} is exact (checked by sympy)"
    return rf"\textbf{{the {what} is not exact}} (sympy)", f"the {what} is NOT exact (sympy)"


def step_facts(step: Step, derivation: Derivation) -> list:
    """What a step changed or checked, each as a ``(LaTeX, plain text)`` pair, in the step's order."""
    ch, out = step.changes, []
    rho = derivation.rho
    if step.name == "path polynomial":
        out.append((rf"Here $q = {tex(ch['q'])}$ and the sum has ${ch['paths']}$ terms.",
                    f"q = {plain_text(ch['q'])}; {ch['paths']} path terms"))
    elif step.name == "expectation over activations":
        if rho.is_number:
            out.append((rf"Here $\rho = {tex(rho)}$.", f"ρ = {plain_text(rho)}"))
    elif step.name == "redundancy":
        defs = ch.get("definitions", {})
        if defs and len(defs) <= _SHOW_TERMS:
            out.append(("The couplings are " + ", ".join(rf"${tex(k)} = {tex(v)}$" for k, v in defs.items()) + ".",
                        "couplings: " + ", ".join(f"{plain_text(k)} = {plain_text(v)}" for k, v in defs.items())))
        mult = ch.get("multiplicities", {})
        if mult and len(mult) <= 64:
            out.append(("Their multiplicities are " + ", ".join(
                rf"$t_{{{''.join(map(str, t))}}} = {n}$" for t, n in mult.items()) + ".",
                "multiplicities: " + ", ".join(f"t_{''.join(map(str, t))} = {n}" for t, n in mult.items())))
        var = ch.get("variances", {})
        if var and len(set(var.values())) == 1:
            v = next(iter(var.values()))
            out.append((rf"All ${len(var)}$ variances equal ${tex(v)}$.", f"all {len(var)} variances = {plain_text(v)}"))
        out.append(_checked("regrouping", ch["regrouping exact"]))
    elif step.name == "uniformity":
        tbar, c, added, total = ch["uniform multiplicity"], ch["c"], ch["tuples added"], ch["tuples"]
        out.append((rf"Here $\bar t = \Psi/\Lambda^H = {tex(tbar)}$ and $c = {tex(c)}$.",
                    f"t̄ = Ψ/Λ^H = {plain_text(tbar)}; c = {plain_text(c)}"))
        if added:
            out.append((rf"${added}$ of the $\Lambda^H = {total}$ ordered tuples are carried by no path and are added.",
                        f"{added} of the Λ^H = {total} ordered tuples are carried by no path and are added"))
        else:
            out.append((rf"All $\Lambda^H = {total}$ ordered tuples are carried by some path.",
                        f"all Λ^H = {total} ordered tuples are carried by some path"))
    elif step.name == "unit-variance couplings":
        out.append((rf"Here $\sqrt{{\bar t}} = {tex(ch['scale'])}$.", f"√t̄ = {plain_text(ch['scale'])}"))
        out.append(_checked("factoring", ch["factoring exact"]))
    elif step.name == "spherical constraint":
        out.append((rf"The factor is $C^{{H/2}} = {tex(ch['factor'])}$.", f"C^(H/2) = {plain_text(ch['factor'])}"))
        out.append(_checked("factoring", ch["factoring exact"]))
    elif step.name == "Hamiltonian":
        homogeneous = ch["homogeneous"]
        out.append((rf"The Hamiltonian is {'' if homogeneous else 'not '}homogeneous of degree "
                    rf"${ch['degree']}$ in $\tilde w$ and has ${ch['terms']}$ terms (checked by sympy).",
                    f"L is {'' if homogeneous else 'NOT '}homogeneous of degree {ch['degree']} in w̃, "
                    f"{ch['terms']} terms (checked by sympy)"))
        out.append(_checked("factoring", ch["factoring exact"]))
    elif step.model is None and "template" in ch:  # the loss
        out.append(("", f"expected loss before the reduction: {plain_text(ch['template'])}"))
        out.append(_checked("reduction", ch["reduction exact"]))
    return out


def map_rule_latex(rule: str, net=None) -> str:
    """The weight map's rule in LaTeX; with ``net`` (a network with skips or biases) also the rules for the
    skip weights and the biases."""
    if "diagonal" in rule:
        skip = r"$ and $s^{(a'\to b')}_{a,b}" if net is not None and net.skips else ""
        bias = (r", and a bias $b^{(k)}_j \mapsto w_{1 + j \bmod \Lambda}$" if net is not None and net.biases
                else "")
        return (rf"the default diagonal map $w^{{(k)}}_{{a,b}}{skip} \mapsto w_{{1 + (a+b) \bmod \Lambda}}${bias}, "
                r"with $a, b$ counted from $0$")
    if "cyclic" in rule:
        return r"the default cyclic map: the $n$-th weight in layer order $\mapsto w_{1 + n \bmod \Lambda}$"
    return "a map given by the user"


def map_rule_text(rule: str, net=None) -> str:
    """The weight map's rule in plain text; with ``net`` (a network with skips or biases) also the rules for
    the skip weights and the biases (as the LaTeX conventions state them)."""
    if "diagonal" in rule:
        skip = " and s^(a'→b')_a,b" if net is not None and net.skips else ""
        bias = ", a bias b^(k)_j ↦ w_(1 + j mod Λ)" if net is not None and net.biases else ""
        return f"default diagonal map w^(k)_a,b{skip} ↦ w_(1 + (a+b) mod Λ){bias}, a, b counted from 0"
    if "cyclic" in rule:
        return "default cyclic map: the n-th weight in layer order ↦ w_(1 + n mod Λ)"
    return "given by the user"


# --- plain text -------------------------------------------------------------------------------
def _shown(terms) -> list:
    """The terms to print: all of them, or the first ones, a placeholder (None) and the last one."""
    terms = list(terms)
    return terms if len(terms) <= _SHOW_TERMS else terms[:_SHOW_TERMS - 2] + [None] + terms[-1:]


def _model_text(m: A.Model) -> str:
    every = m.terms + m.fixed
    terms = [plain_text(t) if t is not None else f"… ({len(every)} terms in all)" for t in _shown(every)]
    body = terms[0] + "".join(f" − {t[1:]}" if t.startswith("−") else f" + {t}" for t in terms[1:])
    return body if m.prefactor == 1 else f"{plain_text(m.prefactor)}·({body})"


def _lhs_text(step: Step) -> str:
    return {"Y": "Y"}.get(step.lhs, "E_A[Y]" if step.model is not None else "E_A[loss]")


def _result_text(step: Step) -> str:
    if step.name == "Hamiltonian":
        return f"E_A[Y] = {plain_text(step.changes['K'])} · L(w̃)"
    if step.model is None:
        return (f"E_A[loss] = C_1 + C_2·L(w̃), C_1 = {plain_text(step.changes['C_1'])}, "
                f"C_2 = {plain_text(step.changes['C_2'])}")
    return f"{_lhs_text(step)} = {_model_text(step.model)}"


def _rho_text(rho) -> str:
    return "ρ symbolic" if not rho.is_number else f"ρ = {plain_text(rho)}"


def _step_head_text(n: int, step, summaries: dict) -> list:
    """A step's first lines in plain text: a blank line, its name and sources, its assumptions, its summary."""
    _, sources = step_sources(step)
    lines = ["", f"Step {n}. {step.name}" + (f"  [{sources}]" if sources else "")]
    lines += [f"  assumes {a.label}: {plain_words(a.statement)}" for a in step.assumptions]
    lines.append("  " + summaries.get(step.name, plain_words(step.summary)))
    return lines


def derivation_text(derivation: Derivation) -> str:
    """Every step of the derivation as plain text (what ``polyloss derive --steps`` prints)."""
    d, net = derivation, derivation.network
    if getattr(d, "mixed", False):
        return mixed_text(d)
    lines = [f"Derivation for the network {net.widths}: H = {net.H} weight layers, Ψ = {net.mass} paths, "
             f"N = {net.size} weights, Λ = {d.Lambda} unique weights, {_rho_text(d.rho)}, "
             f"loss: {d.loss or 'none'}",
             f"weight map ({map_rule_text(d.weight_map_text)}), unique weight of each weight in layer order: "
             + ", ".join(map(str, d.weight_map))]
    for n, step in enumerate(d.steps, start=1):
        lines += _step_head_text(n, step, _SUMMARY_TEXT)
        lines.append("  " + _result_text(step))
        for _, fact in step_facts(step, d):
            if fact:
                lines.append(f"  {fact}")
    lines.append("")
    lines.append(f"Hamiltonian: L(w̃) = {_model_text(d.hamiltonian_model)}, Σ_i w̃_i² = Λ = {d.Lambda}, "
                 "X̂ independent N(0, 1)")
    return "\n".join(lines)


# --- LaTeX ------------------------------------------------------------------------------------
def _model_terms_latex(m: A.Model) -> list:
    terms = [tex(t) if t is not None else r"\cdots" for t in _shown(m.terms + m.fixed)]
    if m.prefactor != 1:
        terms[0] = tex(m.prefactor) + r" \Big( " + terms[0]
        terms[-1] = terms[-1] + r" \Big)"
    return terms


def _render_step(doc: Document, step: Step, label: str) -> None:
    if step.model is not None and step.name != "Hamiltonian":
        doc.long_equation(step.lhs, _model_terms_latex(step.model), per_line=3, label=label)
        if len(step.model.terms + step.model.fixed) > _SHOW_TERMS:
            doc.paragraph(rf"The sum has ${len(step.model.terms + step.model.fixed)}$ terms in all.", raw=True)
    elif step.name == "Hamiltonian":
        doc.equation(rf"{step.lhs} = {tex(step.changes['K'])}\; L_{{\Lambda,H}}(\tilde w)", label=label)
    else:
        ch = step.changes
        doc.equation(rf"{step.lhs} = C_1 + C_2\, L_{{\Lambda,H}}(\tilde w), \qquad C_1 = {tex(ch['C_1'])}, "
                     rf"\quad C_2 = {tex(ch['C_2'])}", label=label)


def _uses(step: Step) -> str:
    if not step.assumptions:
        return ""
    names = [a.key for a in step.assumptions]
    return "This step uses assumption" + ("s " if len(names) > 1 else " ") + " and ".join(names) + ". "


def assumption_sources_latex(a) -> str:
    """Where an assumption is stated, in LaTeX with ``\\cite``."""
    if a.reference:
        return cite.reference_latex(a.reference, getattr(a, "cite", ()) or ())
    return cite.latex(cite.assumption_sources(a))


def step_sources(step: Step) -> tuple:
    """Where a step comes from: ``(LaTeX, plain text)``, from the step's own reference when it has one."""
    if step.equation:
        return cite.reference_latex(step.equation, getattr(step, "cite", ()) or ()), step.equation
    sources = cite.STEP_SOURCES.get(step.name, ())
    return cite.latex(sources), cite.text(sources)


def _in_text(name: str) -> str:
    """A name in running text, its one-letter symbols in math: "independence of $X$ and $A$"."""
    return re.sub(r"\b([A-Z])\b", r"$\1$", escape_text(name))


def assumption_list(doc: Document, items) -> None:
    """The assumptions as a labelled list (A1 … A7, polyloss's numbering), each with its sources."""
    rows = []
    for a in items:
        paper = "" if a.paper_name == a.name else f" (in the paper: {_in_text(a.paper_name)})"
        rows.append(rf"\item[{a.key}] \textit{{{escape_text(a.name.capitalize())}}}{paper} --- "
                    rf"{assumption_sources_latex(a)}. {a.latex}")
    doc.raw(r"\begin{description}" + "\n" + "\n".join(rows) + "\n" + r"\end{description}")


def derivation_document(derivation: Derivation) -> Document:
    """The whole derivation as a :class:`Document`: assumptions, every step, the final Hamiltonian."""
    d, net = derivation, derivation.network
    if getattr(d, "mixed", False):
        return mixed_document(d)
    doc = Document(f"From the network {net.widths} to the spherical {net.H}-spin glass")
    doc.comment = "Generated by polyloss (polyloss.documents.derivation); do not edit."
    rho = (r"the activation probability $\rho$ is kept as a symbol" if not d.rho.is_number
           else rf"the activation probability is $\rho = {tex(d.rho)}$")
    doc.paragraph(
        rf"We follow the network with widths $({', '.join(map(str, net.widths))})$ (so $H = {net.H}$ weight "
        rf"layers, $\Psi = {net.mass}$ input--output paths and $N = {net.size}$ weights) through the "
        rf"assumptions of {cite.PAPER.latex()} to the spherical spin glass {cite.SPIN_GLASS.latex()}, "
        rf"with $\Lambda = {d.Lambda}$ unique weights; {rho}. Each step below is an explicit sympy "
        "transformation of the expression before it, and each equation is the complete expression at that "
        "point.", raw=True)
    _weight_map_paragraph(doc, d)
    doc.section("Assumptions")
    assumption_list(doc, [a for a in A.ASSUMPTIONS if a.key != "A7" or d.loss == "hinge"])
    _conventions(doc, d.loss)
    doc.section("Derivation")
    for n, step in enumerate(d.steps, start=1):
        doc.section(f"Step {n}: {step.name[0].upper() + step.name[1:]}", level=2)
        sources, _ = step_sources(step)
        summary = _SUMMARY_LATEX.get(step.name, escape_text(step.summary))
        doc.paragraph(cite.attach(_uses(step) + summary, sources, ":"), raw=True)
        _render_step(doc, step, label=f"step{n}")
        facts = [fact for fact, _ in step_facts(step, d) if fact]
        if facts:
            doc.paragraph(" ".join(f[0].upper() + f[1:] + ("" if f.endswith(".") else ".") for f in facts),
                          raw=True)
    doc.section("Result")
    doc.paragraph("The Hamiltonian of the spherical spin glass, with the rescaled weights $\\tilde w_i$ and "
                  "the couplings $\\hat X_{i_1\\dots i_H}$ in lexicographic order of their indices:", raw=True)
    doc.long_equation(d.hamiltonian.lhs, _model_terms_latex(d.hamiltonian_model), per_line=4, label="hamiltonian")
    doc.paragraph(rf"with $\sum_i \tilde w_i^2 = \Lambda = {d.Lambda}$ and the $\hat X$ independent "
                  r"$\mathcal{N}(0,1)$ (the paper writes $X$). Its covariance, computed from the variances of the "
                  r"couplings, is $\mathbb{E}[L(\tilde w) L(\tilde w')] = \Lambda\,(\tilde w\cdot \tilde w'/\Lambda)^H$, "
                  rf"that of the spherical $H$-spin glass {cite.SPIN_GLASS.latex()}.", raw=True)
    return doc


def _weight_map_paragraph(doc: Document, d: Derivation) -> None:
    rule = "Weight map: " + map_rule_latex(d.weight_map_text, d.network)
    if d.network.size > 64:
        doc.paragraph(rule + ".", raw=True)
        return
    cells = [rf"${tex(w)} \mapsto w_{{{i}}}$" for w, i in zip(d.network.weight_symbols, d.weight_map)]
    doc.paragraph(rule + "; here " + ", ".join(cells) + ".", raw=True)


# --- theory/ documents -----------------------------------------------------------------------
EXAMPLE_WIDTHS = (2, 2, 2, 1)

_CONVENTIONS = [
    r"The normalisation is $q = \Psi^{-(H-1)/(2H)}$ and, by default, $\Lambda = \Psi^{1/H}$ when this is an "
    r"integer, else the nearest integer between $1$ and $N$ [open].",
    r"The default weight map is diagonal: $w^{(k)}_{a,b} \mapsto w_{1 + (a+b) \bmod \Lambda}$, with unit "
    r"indices $a, b$ counted from $0$. The ordered tuple of the path through the units $(i, u_1, \dots, "
    r"u_{H-1})$ is then $(i+u_1, u_1+u_2, \dots, u_{H-1}) \bmod \Lambda$, a bijection when $\Lambda$ divides "
    r"$n_0, \dots, n_{H-1}$. If this map leaves a unique weight unused, the cyclic map (the $n$-th weight in "
    r"layer order goes to $w_{1 + n \bmod \Lambda}$) is used instead [open].",
    r"Couplings are indexed by ordered tuples in layer order, $(\pi(w^{(1)}_{i,j}), \dots, \pi(w^{(H)}_{i,j}))$; "
    r"the sum runs over all $\Lambda^H$ ordered tuples, with independent unit-variance couplings.",
    r"The distance from uniformity is $c = \max_{i_1 \dots i_H} \max(t_{i_1\dots i_H}/\bar t,\ "
    r"\bar t/t_{i_1\dots i_H})$ with $\bar t = \Psi/\Lambda^H$: $c = \infty$ if a tuple is carried by no path, "
    r"and $c = 1$ if and only if the multiplicities are uniform [open].",
    r"The keys A1, A2, \dots{} of the assumptions are polyloss's numbering, not the labels of the paper.",
]


_LABELS = {
    "absolute": r"Labels are $Y_t = \pm S$ with $S = \sup|Y|$ [open].",
    "hinge": r"Labels are $Y_t = \pm 1$ [open].",
    "both": r"Labels are $Y_t = \pm S$ with $S = \sup|Y|$ for the absolute loss, and $Y_t = \pm 1$ for the "
            r"hinge loss [open].",
}


def _conventions(doc: Document, loss: str | None = "both") -> None:
    """The conventions polyloss chose where the paper leaves a choice open; labels only for ``loss``."""
    doc.section("Conventions")
    doc.raw(r"\label{sec:conventions}")
    items = _CONVENTIONS[:-1] + ([_LABELS[loss]] if loss else []) + _CONVENTIONS[-1:]
    doc.raw("\\begin{itemize}\n" + "\n".join(rf"\item {c}" for c in items) + "\n\\end{itemize}")


def general_document() -> Document:
    """``theory/derivation_general.tex``: the derivation in Σ notation for any widths, H and Λ.

    The prefactor K and the loss constants are computed here with sympy from the general symbols
    (q, ρ, Ψ, Λ, H, C), not typed in.
    """
    q, rho, Psi, Lam, H, C = sympy.symbols(r"q \rho \Psi \Lambda H C", positive=True)
    K = sympy.powsimp(q * rho * sympy.sqrt(Psi / Lam ** H) * C ** (H / 2) * Lam ** ((H - 1) / 2), force=True)
    K_conv = sympy.simplify(sympy.powsimp(
        K.subs(q, Psi ** (-(H - 1) / (2 * H))).subs(Psi, Lam ** H), force=True))
    EY, Lsym = sympy.symbols(r"\mathbb{E}_A[Y] L_{\Lambda\,H}")
    L_tex = r"L_{\Lambda,H}(\tilde w)"

    def affine(template) -> str:
        """``C_1 + C_2 L`` of a loss affine in E_A[Y] = K L, constants read off by sympy."""
        full = sympy.expand(template.subs(EY, K_conv * Lsym))
        C1, C2 = full.subs(Lsym, 0), sympy.diff(full, Lsym)
        return join_terms([tex(C1), tex(C2) + rf"\, {L_tex}"])

    doc = Document("From a ReLU network to the spherical $H$-spin glass: the general derivation")
    doc.comment = "Generated by polyloss (polyloss.documents.derivation); do not edit: run `polyloss theory`."
    doc.paragraph(
        rf"We use the notation of {cite.PAPER.latex()}: a ReLU network without biases has widths "
        r"$(n_0, \dots, n_H)$ with $n_H = 1$, $\gamma = n_1 \cdots n_H$ paths from each input, "
        r"$\Psi = n_0 n_1 \cdots n_H$ input--output paths and $N = \sum_{k=0}^{H-1} n_k n_{k+1}$ weights. "
        r"Each step below is carried out by polyloss as a sympy transformation of the previous expression; "
        r"a companion document shows every step on a concrete network.", raw=True)
    doc.section("Assumptions")
    assumption_list(doc, A.ASSUMPTIONS)
    _conventions(doc)
    doc.section("Derivation")
    # the sources of the steps, as the derivation itself records them (one source of truth)
    s = {step.name: step_sources(step)[0] for step in derive_hamiltonian(EXAMPLE_WIDTHS, loss="hinge").steps}
    doc.section("Step 1: path polynomial (exact)", level=2)
    doc.paragraph(cite.attach(r"With $A_{i,j} = 1$ when every ReLU on path $(i,j)$ is active and $0$ otherwise, "
                              r"the output of the network is exactly", s["path polynomial"], ":"), raw=True)
    doc.equation(r"Y = q \sum_{i=1}^{n_0} \sum_{j=1}^{\gamma} X_i\, A_{i,j} \prod_{k=1}^{H} w^{(k)}_{i,j}.",
                 label="g-eq1")
    doc.section("Step 2: expectation over activations", level=2)
    doc.paragraph(cite.attach(r"By assumptions A2 and A3, taking the expectation over the activations replaces "
                              r"every $A_{i,j}$ by $\rho$", s["expectation over activations"], ":"), raw=True)
    doc.equation(r"\mathbb{E}_A[Y] = q \sum_{i=1}^{n_0} \sum_{j=1}^{\gamma} X_i\, \rho \prod_{k=1}^{H} "
                 r"w^{(k)}_{i,j}.", label="g-ea")
    doc.section("Step 3: independent path inputs", level=2)
    doc.paragraph(cite.attach(r"By assumption A1, $X_i \to X_{i,j} \sim \mathcal{N}(0,1)$, independent for every path",
                              s["independent path inputs"], ":"), raw=True)
    doc.equation(r"\mathbb{E}_A[Y] = q \sum_{i=1}^{n_0} \sum_{j=1}^{\gamma} X_{i,j}\, \rho \prod_{k=1}^{H} "
                 r"w^{(k)}_{i,j}.", label="g-eq2")
    doc.section("Step 4: redundancy", level=2)
    doc.paragraph(r"By assumption A4, a weight map $\pi$ sends each of the $N$ weights to one "
                  r"of $\Lambda$ unique weights. Path $(i,j)$ carries the ordered tuple "
                  r"$(\pi(w^{(1)}_{i,j}), \dots, \pi(w^{(H)}_{i,j}))$; if $t_{i_1 \dots i_H}$ paths carry "
                  r"$(i_1,\dots,i_H)$, then $\sum t = \Psi$, and their inputs add up to the coupling "
                  r"$X_{(i_1 \dots i_H)} = \sum_{(i,j) \mapsto (i_1 \dots i_H)} X_{i,j} \sim "
                  r"\mathcal{N}(0, t_{i_1 \dots i_H})$. Hence" + (f"~{s['redundancy']}" if s["redundancy"] else ""),
                  raw=True)
    doc.equation(r"\mathbb{E}_A[Y] = q \sum_{i_1, \dots, i_H = 1}^{\Lambda} X_{(i_1 \dots i_H)}\, \rho\, "
                 r"w_{i_1} \cdots w_{i_H}.", label="g-red")
    doc.section("Step 5: uniformity", level=2)
    doc.paragraph(r"The multiplicities are compared with their mean $\bar t = \Psi/\Lambda^H$ through $c$ "
                  r"(Section~\ref{sec:conventions}). Assumption A5 then imposes $t_{i_1\dots i_H} = \bar t$ on "
                  r"every ordered tuple, so that $X_{(i_1 \dots i_H)} \sim \mathcal{N}(0, \Psi/\Lambda^H)$ for "
                  r"all $\Lambda^H$ tuples.", raw=True)
    doc.section("Step 6: unit-variance couplings", level=2)
    doc.paragraph(r"Writing $X_{(i_1 \dots i_H)} = \sqrt{\Psi/\Lambda^H}\; \hat X_{i_1 \dots i_H}$ with "
                  r"$\hat X_{i_1 \dots i_H} \sim \mathcal{N}(0,1)$ (a normalisation, not an assumption),", raw=True)
    doc.equation(r"\mathbb{E}_A[Y] = q \rho \sqrt{\Psi/\Lambda^H} \sum_{i_1, \dots, i_H = 1}^{\Lambda} "
                 r"\hat X_{i_1 \dots i_H}\, w_{i_1} \cdots w_{i_H}.", label="g-norm")
    doc.section("Step 7: spherical constraint", level=2)
    doc.paragraph(cite.attach(r"Assumption A6, $\frac{1}{\Lambda}\sum_{i=1}^{\Lambda} w_i^2 = C$, is written "
                              r"$w_i = \sqrt{C}\, \tilde w_i$ with $\sum_i \tilde w_i^2 = \Lambda$", s["spherical constraint"],
                              "; every term has degree $H$ in the weights, so"), raw=True)
    doc.equation(r"\mathbb{E}_A[Y] = q \rho \sqrt{\Psi/\Lambda^H}\, C^{H/2} \sum_{i_1, \dots, i_H = 1}^{\Lambda} "
                 r"\hat X_{i_1 \dots i_H}\, \tilde w_{i_1} \cdots \tilde w_{i_H}.", label="g-sph")
    doc.section("Step 8: the Hamiltonian", level=2)
    doc.paragraph(rf"The Hamiltonian of the spherical $H$-spin glass {cite.SPIN_GLASS.latex()} is", raw=True)
    doc.equation(r"L_{\Lambda,H}(\tilde w) = \Lambda^{-(H-1)/2} \sum_{i_1, \dots, i_H = 1}^{\Lambda} "
                 r"\hat X_{i_1 \dots i_H}\, \tilde w_{i_1} \cdots \tilde w_{i_H}, \qquad "
                 r"\sum_i \tilde w_i^2 = \Lambda,", label="g-ham")
    doc.paragraph(r"so that $\mathbb{E}_A[Y] = K\, L_{\Lambda,H}(\tilde w)$, where sympy gives", raw=True)
    doc.equation(rf"K = {tex(K)}, \qquad K = {tex(K_conv)} \quad \text{{if }} q = \Psi^{{-(H-1)/(2H)}} "
                 r"\text{ and } \Lambda^H = \Psi.", label="g-K")
    doc.paragraph(r"Its covariance is $\mathbb{E}[L_{\Lambda,H}(\tilde w) L_{\Lambda,H}(\tilde w')] = \Lambda\,"
                  r"(\tilde w \cdot \tilde w'/\Lambda)^H$; for each concrete network polyloss derives it from the "
                  r"variances of the couplings, and the tests check it.", raw=True)
    doc.section("Step 9: losses", level=2)
    doc.paragraph(r"For the absolute loss, with labels $Y_t = \pm S$ and $|Y| \le S$, one has "
                  r"$|Y_t - Y| = S - (Y_t/S)\,Y$; hence, if $\Lambda^H = \Psi$ and $q$ is the default,", raw=True)
    doc.equation(rf"\mathcal{{L}}^a_{{\Lambda,H}}(\tilde w) = S - \frac{{Y_t}}{{S}}\, \mathbb{{E}}_A[Y] = "
                 rf"{affine(S_SUP - Y_T / S_SUP * EY)}.", label="g-abs")
    doc.paragraph(r"For the hinge loss with assumption A7 and $Y_t = \pm 1$, "
                  r"$\mathbb{E}[Z (1 - Y_t Y)] = \rho' (1 - Y_t\, \mathbb{E}_A[Y])$; hence", raw=True)
    doc.equation(rf"\mathcal{{L}}^h_{{\Lambda,H}}(\tilde w) = {affine(RHO_HINGE * (1 - Y_T * EY))}.", label="g-hinge")
    doc.paragraph(r"Both are of the form $C_1 + C_2\, L_{\Lambda,H}(\tilde w)$. Neither constant affects the "
                  r"minimisation, and the sign of $C_2$ does not matter, since $\hat X$ and $-\hat X$ have the "
                  r"same law.", raw=True)
    return doc


def example_document() -> Document:
    """``theory/derivation_example.tex``: the chain on widths (2, 2, 2, 1), Λ = 2, default diagonal map."""
    d = derive_hamiltonian(EXAMPLE_WIDTHS, loss="absolute")
    doc = derivation_document(d)
    doc.title = f"Worked example: the network {EXAMPLE_WIDTHS} becomes a spherical {d.network.H}-spin glass"
    doc.comment = "Generated by polyloss (polyloss.documents.derivation); do not edit: run `polyloss theory`."
    return doc



# --- paths of several lengths: the mixed spherical spin glass ----------------------------------
SKIPS_EXAMPLE = {"widths": (2, 2, 2, 1), "skips": ((0, 2), (1, 3)), "biases": True}
SKIPS_EXAMPLE_LAMBDA = 2

_MIXED_SUMMARY_LATEX = {
    "path polynomial": r"The network output is written exactly as a sum over its paths of every length $m$ (the "
                       r"number of weighted factors on the path): $\Psi_m$ of them start at an input $X_i$, and a "
                       r"path from a bias $b^{(k)}_u$ carries no input (its input is the constant $1$). $A_p = 1$ "
                       r"when every ReLU on path $p$ is active, and $0$ otherwise.",
    "expectation over activations": r"We take the expectation over the activations: by linearity, and since $A$ is "
                                    r"independent of $X$, every $A_p$ is replaced by $\rho$, on the bias paths too.",
    "independent path inputs": r"Every path from an input receives its own input, $X_i \to X_{i,j}$, the $X_{i,j}$ "
                               r"independent standard Gaussians; a path from a bias keeps its constant input $1$.",
    "redundancy": r"Each weight (skip weights and biases included) is replaced by its unique weight, and the sum is "
                  r"regrouped by the ordered tuple $(i_1,\dots,i_m)$ of unique weights along each path. The coupling "
                  r"$X_{(i_1\dots i_m)}$ sums the inputs of the $t_{i_1\dots i_m}$ paths from the inputs that carry "
                  r"the tuple, so its variance is $t_{i_1\dots i_m}$. The bias paths of one tuple add up to a "
                  r"deterministic term: their number times $\rho\, w_{i_1}\cdots w_{i_m}$.",
    "uniformity": r"Within each degree $m$ the multiplicities are compared with their mean $\bar t_m = "
                  r"\Psi_m/\Lambda^m$ (the ratio $c$ is the largest over all degrees); then $t_{i_1\dots i_m} = "
                  r"\bar t_m$ is imposed on all $\Lambda^m$ ordered $m$-tuples. The deterministic terms are kept.",
    "unit-variance couplings": r"A normalisation, with no new assumption: $X_{(i_1\dots i_m)} = \sqrt{\bar t_m}\,"
                               r"\hat X_{i_1\dots i_m}$ with $\hat X_{i_1\dots i_m} \sim \mathcal{N}(0,1)$; the factor "
                               r"$\sqrt{\bar t_m}$ depends on the degree and stays in each term.",
    "spherical constraint": r"The weights are rescaled to the sphere, $w_i = \sqrt{C}\,\tilde w_i$ with "
                            r"$\sum_i \tilde w_i^2 = \Lambda$; a term of degree $m$ gains the factor $C^{m/2}$, "
                            r"which depends on the degree and stays in the term.",
    "mixed Hamiltonian": r"The random terms of degree $m$ share the coefficient $q\rho\, C^{m/2}\sqrt{\Psi_m/\Lambda^m}$. "
                         r"With $Z = \sum_m C^m \Psi_m$ and $a_m^2 = C^m \Psi_m/Z$ it equals $K a_m "
                         r"\Lambda^{-(m-1)/2}$ with $K = q\rho\sqrt{Z/\Lambda}$, so that $\mathbb{E}_A[Y] = K\, "
                         r"L_{\Lambda,\xi}(\tilde w) + D(\tilde w)$, where $L_{\Lambda,\xi}(\tilde w) = \sum_m a_m "
                         r"\Lambda^{-(m-1)/2} \sum_{i_1,\dots,i_m} \hat X_{i_1\dots i_m} \tilde w_{i_1}\cdots"
                         r"\tilde w_{i_m}$ is the mixed spherical spin glass and $D$ collects the bias paths.",
    "absolute loss": r"With labels $Y_t = \pm S$ and $|Y| \le S$ one has $|Y_t - Y| = S - (Y_t/S)\,Y$; the loss is "
                     r"affine in $\mathbb{E}_A[Y] = K L + D$, and the bias polynomial $D$ goes into $C_1$.",
    "hinge loss": r"The hinge loss $\max(0, 1 - Y_t Y)$ is modelled as $Z\,(1 - Y_t Y)$ with "
                  r"$Z \sim \mathrm{Bernoulli}(\rho')$ independent of $A$; the loss is affine in $\mathbb{E}_A[Y] = "
                  r"K L + D$, and the bias polynomial $D$ goes into $C_1$.",
}

_MIXED_SUMMARY_TEXT = {
    "path polynomial": "The network output, exactly, as a sum over its paths of every length m (weighted factors): "
                       "Ψ_m start at an input X_i; a path from a bias b^(k)_u has no input (the constant 1). "
                       "A_p = 1 when every ReLU on path p is active, else 0.",
    "expectation over activations": "Expectation over the activations: every A_p becomes ρ, on the bias paths too "
                                    "(linearity; A independent of X).",
    "independent path inputs": "Every path from an input gets its own input: X_i → X_i,j, independent standard "
                               "Gaussians; a path from a bias keeps its constant input 1.",
    "redundancy": "Each weight (skip weights and biases included) becomes its unique weight; the sum is regrouped "
                  "by the ordered tuple (i_1, …, i_m) along each path. X_(i_1…i_m) sums the inputs of the "
                  "t_(i_1…i_m) input paths carrying the tuple (variance t); the bias paths of a tuple add up to a "
                  "deterministic term, their number times ρ·w_i_1⋯w_i_m.",
    "uniformity": "Within each degree m the multiplicities are compared with their mean t̄_m = Ψ_m/Λ^m (ratio c, the "
                  "largest over all degrees), then t = t̄_m is imposed on all Λ^m ordered m-tuples; the "
                  "deterministic terms are kept.",
    "unit-variance couplings": "Normalisation, no new assumption: X_(i_1…i_m) = √t̄_m · X̂_(i_1…i_m), X̂ ~ N(0, 1); "
                               "√t̄_m depends on the degree and stays in each term.",
    "spherical constraint": "Rescaling to the sphere: w_i = √C · w̃_i with Σ_i w̃_i² = Λ; a term of degree m gains "
                            "C^(m/2), which stays in the term.",
    "mixed Hamiltonian": "The random terms of degree m share the coefficient q·ρ·C^(m/2)·√(Ψ_m/Λ^m) = K·a_m·Λ^(−(m−1)/2), "
                         "Z = Σ_m C^m·Ψ_m, a_m² = C^m·Ψ_m/Z, K = q·ρ·√(Z/Λ): E_A[Y] = K·L(w̃) + D(w̃), "
                         "L(w̃) = Σ_m a_m·Λ^(−(m−1)/2)·Σ X̂_(i_1…i_m)·w̃_i_1⋯w̃_i_m, E[L(w̃)·L(w̃')] = Λ·ξ(w̃·w̃'/Λ), "
                         "ξ(x) = Σ_m a_m²·x^m. D, from the bias paths, has no random coefficient: it shifts the "
                         "mean by a fixed polynomial, has no covariance, and is not part of the mixture.",
    "absolute loss": "With Y_t = ±S and |Y| ≤ S, |Y_t − Y| = S − (Y_t/S)·Y: affine in E_A[Y] = K·L + D, "
                     "so E_A|Y_t − Y| = C_1 + C_2·L with D inside C_1.",
    "hinge loss": "max(0, 1 − Y_t·Y) is modelled as Z·(1 − Y_t·Y), Z ~ Bernoulli(ρ') independent of A: affine in "
                  "E_A[Y] = K·L + D, so its expectation is C_1 + C_2·L with D inside C_1.",
}

_WHY_NOT_IN_MIXTURE_LATEX = (
    r"The bias term $D(\tilde w)$ is not part of the mixture: after the expectation over the activations a path "
    r"from a bias has no random input, so $D$ is a fixed polynomial of the weights, of degree at most $H$ "
    r"(a bias of layer $k$ starts paths of at most $H-k+1$ factors). It shifts the mean of the loss, "
    r"$\mathbb{E}[\mathbb{E}_A[Y]] = D(\tilde w)$, and has no covariance, so it does not enter $\xi$. "
    r"Hence $\xi$, and the complexity theory of " + cite.Citation("auffinger2013mixed").latex() + r" built on "
    r"it, describe $L_{\Lambda,\xi}$ alone: with biases the network's $\mathbb{E}_A[Y] = K L_{\Lambda,\xi} + D$ is a "
    r"centred isotropic field plus a deterministic polynomial, whose critical points differ from those of "
    r"$L_{\Lambda,\xi}$ (derived here).")
_WHY_NOT_IN_MIXTURE_TEXT = (
    "D(w̃) is not part of the mixture: a path from a bias has no random input, so D is a fixed polynomial of the "
    "weights (degree at most H); it shifts the mean of the loss and has no covariance, so it does not enter ξ. "
    "Hence ξ, and the complexity theory of Auffinger and Ben Arous (2013) built on it, describe L alone: with "
    "biases E_A[Y] = K·L + D is a centred isotropic field plus a deterministic polynomial, whose critical points "
    "differ from those of L (derived here).")


def _xi_at_one(d: Derivation):
    """The mixture at C = 1 when C is a symbol, else at the derivation's C (exact weights); None when every
    path has length 1 (ξ(x) = x: a linear field, which is no mixture)."""
    from ..symbolic.hamiltonian import network_mixture

    if set(d.path_counts) == {1}:
        return None
    return network_mixture(d.network, C=1 if not d.C.is_number else sympy.Rational(d.C))


_LINEAR_TEXT = "ξ(x) = x (degree 1: a linear field, no critical points to count)"
_LINEAR_LATEX = (r"every path has length $1$, so $\xi(x) = x$: a linear field (degree $1$), which has no critical "
                 r"points to count and is no mixture in the sense of ")


def mixed_step_facts(step: Step, d: Derivation) -> list:
    """What a step of the mixed chain changed or checked, as ``(LaTeX, plain text)`` pairs."""
    ch, out = step.changes, []
    if step.name == "path polynomial":
        out.append((rf"Here $q = {tex(ch['q'])}$ and the sum has ${ch['paths']}$ terms; "
                    + path_counts_text(ch["path counts"], ch["bias path counts"], latex=True) + ".",
                    f"q = {plain_text(ch['q'])}; {ch['paths']} path terms; "
                    + path_counts_text(ch["path counts"], ch["bias path counts"])))
    elif step.name in ("expectation over activations", "redundancy"):
        out = step_facts(step, d)
        bias = ch.get("bias multiplicities", {})
        if bias:
            out.append((f"The bias paths give ${len(bias)}$ deterministic terms.",
                        f"the bias paths give {len(bias)} deterministic terms"))
    elif step.name == "uniformity":
        tbar = ch["uniform multiplicity"]
        tbar = tbar if isinstance(tbar, dict) else {d.network.H: tbar}
        out.append(("Here " + ", ".join(rf"$\bar t_{{{m}}} = {tex(v)}$" for m, v in tbar.items())
                    + rf" and $c = {tex(ch['c'])}$.",
                    ", ".join(f"t̄_{m} = {plain_text(v)}" for m, v in tbar.items()) + f"; c = {plain_text(ch['c'])}"))
        if ch["tuples added"]:
            out.append((rf"${ch['tuples added']}$ of the ${ch['tuples']}$ ordered tuples are carried by no path and "
                        "are added.",
                        f"{ch['tuples added']} of the {ch['tuples']} ordered tuples are carried by no path and are added"))
        else:
            out.append((rf"All ${ch['tuples']}$ ordered tuples are carried by some path.",
                        f"all {ch['tuples']} ordered tuples are carried by some path"))
    elif step.name == "unit-variance couplings":
        scale = ch["scale"] if isinstance(ch["scale"], dict) else {d.network.H: ch["scale"]}
        out.append(("The scales are " + ", ".join(rf"$\sqrt{{\bar t_{{{m}}}}} = {tex(v)}$" for m, v in scale.items())
                    + ".", "scales: " + ", ".join(f"√t̄_{m} = {plain_text(v)}" for m, v in scale.items())))
    elif step.name == "spherical constraint":
        factor = ch["factor"] if isinstance(ch["factor"], dict) else {d.network.H: ch["factor"]}
        out.append(("The factors $C^{m/2}$ are " + ", ".join(rf"${tex(v)}$ ($m = {m}$)" for m, v in factor.items())
                    + ".", "factors C^(m/2): " + ", ".join(f"{plain_text(v)} (m = {m})" for m, v in factor.items())))
    elif step.name == "mixed Hamiltonian":
        out.append((rf"Here $Z = {tex(ch['Z'])}$, " + ", ".join(rf"$a_{{{m}}}^2 = {tex(v)}$" for m, v in ch["weights"].items())
                    + rf" and $K = {tex(ch['K'])}$.",
                    f"Z = {plain_text(ch['Z'])}; " + ", ".join(f"a_{m}² = {plain_text(v)}" for m, v in ch["weights"].items())
                    + f"; K = {plain_text(ch['K'])}"))
        out.append(_checked("factoring", ch["factoring exact"]))
        if ch["covariance exact"] is not None:
            out.append(_checked(r"covariance $\Lambda\,\xi(\tilde w\cdot\tilde w'/\Lambda)$", ch["covariance exact"])[:1]
                       + _checked("covariance Λ·ξ(w̃·w̃'/Λ)", ch["covariance exact"])[1:])
        if ch["bias term"] != 0:
            out.append((rf"The bias paths contribute terms of degrees ${', '.join(map(str, ch['bias degrees']))}$ to $D$.",
                        f"D(w̃) = {plain_text(ch['bias term'])} (degrees {', '.join(map(str, ch['bias degrees']))}); "
                        + _WHY_NOT_IN_MIXTURE_TEXT))
    else:
        out = step_facts(step, d)
    return out


def mixed_text(d: Derivation) -> str:
    """The mixed chain as plain text (what ``polyloss derive --steps`` prints for skips or biases)."""
    net = d.network
    lines = [f"Derivation for the ReLU network with {net.describe()}: H = {net.H} weight layers; "
             f"{path_counts_text(d.path_counts, d.bias_path_counts)}; N = {net.size} weights, "
             f"Λ = {d.Lambda} unique weights, {_rho_text(d.rho)}, "
             f"{'C symbolic' if not d.C.is_number else 'C = ' + plain_text(d.C)}, loss: {d.loss or 'none'}",
             f"weight map ({map_rule_text(d.weight_map_text, net)}), unique weight of each weight in the order "
             f"W_1 … W_H{', the skip weights' if net.skips else ''}{', the biases' if net.biases else ''}: "
             + ", ".join(map(str, d.weight_map))]
    for n, step in enumerate(d.steps, start=1):
        lines += _step_head_text(n, step, _MIXED_SUMMARY_TEXT)
        if step.name == "mixed Hamiltonian":
            lines.append(f"  E_A[Y] = {plain_text(step.changes['K'])} · L(w̃) + D(w̃)")
        elif step.model is None:
            lines.append(f"  E_A[loss] = C_1 + C_2·L(w̃), C_1 = {plain_text(step.changes['C_1'])}, "
                         f"C_2 = {plain_text(step.changes['C_2'])}")
        else:
            lines.append("  " + _result_text(step))
        for _, fact in mixed_step_facts(step, d):
            if fact:
                lines.append(f"  {fact}")
    lines.append("")
    lines.append(f"Mixed Hamiltonian: L(w̃) = {_hamiltonian_text(d)}, Σ_i w̃_i² = Λ = {d.Lambda}, X̂ independent N(0, 1)")
    mixture = _xi_at_one(d)
    lines.append(_LINEAR_TEXT if mixture is None else
                 f"ξ(x) = {plain_text(d.xi)}  (the mixture at C = {1 if not d.C.is_number else plain_text(d.C)}: "
                 f"{mixture.text()})")
    lines.append(f"bias term: D(w̃) = {plain_text(d.bias_term)}" + ("" if d.bias_term != 0 else " (no biases)"))
    return "\n".join(lines)


def _hamiltonian_groups(d: Derivation) -> list:
    """``[(m, scale, cores)]``: the Hamiltonian's terms by degree, with their common factor."""
    cores = d.hamiltonian_model.terms
    groups = []
    for m, scale in d.degree_scales.items():
        groups.append((m, scale, [c for c, t in zip(cores, d.tuples) if len(t) == m]))
    return groups


def _hamiltonian_text(d: Derivation) -> str:
    parts = []
    for m, scale, cores in _hamiltonian_groups(d):
        shown = [plain_text(c) if c is not None else f"… ({len(cores)} terms)" for c in _shown(cores)]
        parts.append(f"{plain_text(scale)}·({' + '.join(shown)})")
    return " + ".join(parts)


def _hamiltonian_align(d: Derivation, per_line: int = 4) -> str:
    """The Hamiltonian as an ``align``: each degree starts a line, at most ``per_line`` terms a line."""
    rows = []
    for m, scale, cores in _hamiltonian_groups(d):
        group = [tex(c) if c is not None else r"\cdots" for c in _shown(cores)]
        group[0] = tex(scale) + r" \Big( " + group[0]
        group[-1] = group[-1] + r" \Big)"
        rows += [join_terms(group[i:i + per_line]) for i in range(0, len(group), per_line)]
    lines = [r"L_{\Lambda,\xi}(\tilde w) &= " + rows[0]] + [r"&\quad + " + row for row in rows[1:]]
    return ("\\begin{align}\n" + " \\notag \\\\\n".join(lines) + " \\label{hamiltonian}\n\\end{align}")


_MIXED_CONVENTIONS = [
    r"The normalisation is $q = \Psi^{-(H-1)/(2H)}$ with $\Psi = \sum_m \Psi_m$, and, by default, $\Lambda$ is "
    r"the integer nearest to $\Psi^{1/H}$, between $1$ and $N$ [open].",
    r"The default weight map is diagonal: $w^{(k)}_{a,b}$ and $s^{(a'\to b')}_{a,b}$ go to $w_{1 + (a+b) \bmod "
    r"\Lambda}$, and a bias $b^{(k)}_j$ goes to $w_{1 + j \bmod \Lambda}$, with unit indices counted from $0$; "
    r"if this map leaves a unique weight unused, the cyclic map is used instead [open].",
    r"Couplings are indexed by the ordered tuple of unique weights along the path, from its source to the output; "
    r"for every degree $m$ with $\Psi_m > 0$ the sum runs over all $\Lambda^m$ ordered tuples.",
    r"The distance from uniformity is $c = \max \max(t/\bar t_m,\ \bar t_m/t)$ over the tuples of every degree "
    r"$m$, with $\bar t_m = \Psi_m/\Lambda^m$ [open].",
    r"The spherical constraint applies to all the unique weights, onto which the biases and skip weights are "
    r"mapped as well [open].",
    r"The same activation probability $\rho$ is used for every path length: A2 is applied path by path, whatever "
    r"the number of ReLUs on the path [open]. A path through fewer ReLUs is plausibly active more often; with a "
    r"probability $\rho_m$ per length $m$ the weights would become $a_m^2 \propto \rho_m^2 C^m \Psi_m$ "
    r"(derived here).",
]


def mixed_document(d: Derivation) -> Document:
    """The mixed chain as a :class:`Document`: assumptions, every step, the mixed Hamiltonian, ξ and the bias term."""
    net = d.network
    doc = Document(f"From the ReLU network with {net.describe()} to the mixed spherical spin glass")
    doc.comment = "Generated by polyloss (polyloss.documents.derivation); do not edit."
    rho = (r"the activation probability $\rho$ is kept as a symbol" if not d.rho.is_number
           else rf"the activation probability is $\rho = {tex(d.rho)}$")
    doc.paragraph(
        rf"We follow the ReLU network with {escape_text(net.describe())} ($H = {net.H}$ weight layers and "
        rf"$N = {net.size}$ weights, skip weights and biases included) through the assumptions of "
        rf"{cite.PAPER.latex()}, carried over to paths of every length (derived here), to the mixed spherical spin "
        rf"glass {cite.Citation('auffinger2013mixed').latex()}, with $\Lambda = {d.Lambda}$ unique weights; {rho}. "
        r"The length of a path is the number of weighted factors on it; its "
        + path_counts_text(d.path_counts, d.bias_path_counts, latex=True)
        + ("." if d.bias_path_counts else "; it has no biases.") + " "
        + r"Each step below is an explicit sympy transformation of the expression before it.", raw=True)
    _weight_map_paragraph(doc, d)
    doc.section("Assumptions")
    items = [A.UNIFORMITY_BY_DEGREE if a.key == "A5" else a for a in A.ASSUMPTIONS if a.key != "A7" or d.loss == "hinge"]
    assumption_list(doc, items)
    doc.section("Conventions")
    doc.raw(r"\label{sec:conventions}")
    conventions = _MIXED_CONVENTIONS + ([_LABELS[d.loss]] if d.loss else []) + _CONVENTIONS[-1:]
    doc.raw("\\begin{itemize}\n" + "\n".join(rf"\item {c}" for c in conventions) + "\n\\end{itemize}")
    doc.section("Derivation")
    for n, step in enumerate(d.steps, start=1):
        doc.section(f"Step {n}: {step.name[0].upper() + step.name[1:]}", level=2)
        sources, _ = step_sources(step)
        summary = _MIXED_SUMMARY_LATEX.get(step.name, escape_text(step.summary))
        doc.paragraph(cite.attach(_uses(step) + summary, sources, ":"), raw=True)
        if step.name == "mixed Hamiltonian":
            bias = r" + D(\tilde w)" if d.bias_term != 0 else ""
            doc.equation(rf"{step.lhs} = {tex(step.changes['K'])}\; L_{{\Lambda,\xi}}(\tilde w){bias}", label=f"step{n}")
        elif step.model is None:
            ch = step.changes
            doc.equation(rf"{step.lhs} = C_1 + C_2\, L_{{\Lambda,\xi}}(\tilde w), \qquad C_2 = {tex(ch['C_2'])}",
                         label=f"step{n}")
            doc.long_equation("C_1", [tex(t) for t in sympy.Add.make_args(ch["C_1"])], per_line=3)
        else:
            _render_step(doc, step, label=f"step{n}")
        facts = [fact for fact, _ in mixed_step_facts(step, d) if fact]
        if facts:
            doc.paragraph(" ".join(f[0].upper() + f[1:] + ("" if f.endswith(".") else ".") for f in facts), raw=True)
    doc.section("Result")
    doc.paragraph(r"The mixed spherical spin glass, with the rescaled weights $\tilde w_i$ and the couplings "
                  r"$\hat X_{i_1\dots i_m}$ grouped by degree, each group in lexicographic order:", raw=True)
    doc.raw(_hamiltonian_align(d))
    doc.paragraph(rf"with $\sum_i \tilde w_i^2 = \Lambda = {d.Lambda}$ and the $\hat X$ independent $\mathcal{{N}}(0,1)$. "
                  r"Its covariance, computed by sympy from the variances of the couplings, is "
                  r"$\mathbb{E}[L(\tilde w) L(\tilde w')] = \Lambda\,\xi(\tilde w\cdot\tilde w'/\Lambda)$ with", raw=True)
    doc.equation(r"\xi(x) = \sum_m \frac{C^m \Psi_m}{\sum_k C^k \Psi_k}\, x^m,", label="xi")
    doc.paragraph("which here is", raw=True)
    x = sympy.Symbol("x", real=True)
    doc.long_equation(r"\xi(x)", [tex(a2 * x ** m) for m, a2 in d.mixture_weights.items()], per_line=3, label="xi-here")
    mixture = _xi_at_one(d)
    at = "1" if not d.C.is_number else tex(d.C)
    if mixture is None:
        doc.paragraph("that is, " + _LINEAR_LATEX + cite.Citation("auffinger2013mixed").latex() + ".", raw=True)
    else:
        doc.paragraph(rf"that is $\xi(x) = {mixture.latex()}$ at $C = {at}$, a mixture of the degrees "
                      rf"${', '.join(map(str, mixture.degrees))}$ in the sense of "
                      rf"{cite.Citation('auffinger2013mixed').latex()}"
                      + (r"; a path of length $1$ (a skip from the input to the output) gives the linear term of "
                         r"$\xi$." if 1 in mixture.degrees else "."), raw=True)
    if d.bias_term != 0:
        doc.paragraph(r"The paths from the biases give the deterministic polynomial", raw=True)
        doc.long_equation(r"D(\tilde w)", [tex(t) for t in sympy.Add.make_args(d.bias_term)], per_line=3, label="bias")
        doc.paragraph(_WHY_NOT_IN_MIXTURE_LATEX, raw=True)
    return doc


def skips_document() -> Document:
    """``theory/derivation_skips.tex``: the mixed chain on widths (2, 2, 2, 1) with skips (0, 2), (1, 3),
    biases, and Λ = 2 (C and ρ symbolic)."""
    from ..symbolic.hamiltonian import derive_mixed_hamiltonian
    from ..symbolic.network import ReLUNetwork

    d = derive_mixed_hamiltonian(ReLUNetwork(**SKIPS_EXAMPLE), loss=None, Lambda=SKIPS_EXAMPLE_LAMBDA)
    doc = mixed_document(d)
    doc.title = ("Worked example: skip connections and biases make the network "
                 f"{SKIPS_EXAMPLE['widths']} a mixed spherical spin glass")
    doc.comment = "Generated by polyloss (polyloss.documents.derivation); do not edit: run `polyloss theory`."
    return doc
