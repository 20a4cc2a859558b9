"""Printing a derivation: plain text, the LaTeX document, and the generated theory/ documents.

Split from :mod:`polyloss.symbolic.hamiltonian` (which does the mathematics) so that each module
holds one concept; ``Derivation.__str__`` and ``Derivation.document`` call into here.
"""

from __future__ import annotations

import sympy

from . import assumptions as A
from .hamiltonian import PAPER, RHO_HINGE, S_SUP, Y_T, Derivation, Step, derive_hamiltonian
from .latex import Document, escape_text, latex_expr


def derivation_text(self) -> str:
    """Every step of the derivation as plain text (``str(derivation)``)."""
    net = self.network
    lines = [f"Derivation for widths {net.widths}: H = {net.H}, Psi = {net.mass}, N = {net.size}, "
             f"Lambda = {self.Lambda}, rho = {self.rho}, loss = {self.loss}",
             f"weight map: {self.weight_map_text}: {list(self.weight_map)}"]
    for n, step in enumerate(self.steps, start=1):
        lines.append("")
        lines.append(f"Step {n}. {step.name}" + (f"  [{step.equation}]" if step.equation else ""))
        for a in step.assumptions:
            lines.append(f"  assumption {a.label} ({a.reference}; COLT label {a.colt_label}): {a.statement}")
        lines.append(f"  {step.summary}")
        lines.append(f"  result: {_plain(step)}")
        for key, value in step.changes.items():
            lines.append(f"  {key}: {_plain_value(value)}")
    lines.append("")
    lines.append(f"Hamiltonian: L(wtilde) = {_plain_model(self.hamiltonian_model)}, "
                 f"sum_i wtilde_i^2 = {self.Lambda}, Xhat iid N(0, 1)")
    return "\n".join(lines)



def derivation_document(self) -> Document:
    """The whole derivation as a :class:`Document`: assumptions, every step, the final Hamiltonian."""
    net = self.network
    doc = Document(f"From the network {net.widths} to the spherical {net.H}-spin glass")
    doc.paragraph(
        rf"Network widths $({', '.join(map(str, net.widths))})$: $H = {net.H}$ weight layers, "
        rf"$\Psi = {net.mass}$ paths, $N = {net.size}$ weights, $\Lambda = {self.Lambda}$ unique weights, "
        rf"$\rho = {latex_expr(self.rho)}$. Weight map: {_map_rule_latex(self.weight_map_text)}. "
        "Every step below is a sympy transformation of the previous expression; the equation numbers "
        f"in brackets refer to {PAPER} (Eq.~1, Eq.~2) and to the sections of REFERENCE.", raw=True)
    _weight_map_table(doc, self)
    doc.section("Assumptions")
    _assumption_list(doc, [a for a in A.ASSUMPTIONS if a.key != "A7" or self.loss == "hinge"])
    doc.section("Derivation")
    for n, step in enumerate(self.steps, start=1):
        doc.section(f"Step {n}: {step.name}", level=2)
        if step.assumptions:
            doc.paragraph("Uses " + "; ".join(rf"\textbf{{{escape_text(a.label)}}}: {a.latex}"
                                              for a in step.assumptions), raw=True)
        summary = _SUMMARY_LATEX.get(step.name, escape_text(step.summary))
        doc.paragraph(summary + (f" [{escape_text(step.equation)}]" if step.equation else ""), raw=True)
        _render_step(doc, step, label=f"step{n}")
        _render_changes(doc, step)
    doc.section("Result")
    doc.paragraph("The Hamiltonian of the spherical spin glass, a compilable Formula "
                  "(arguments: the rescaled weights, then the couplings in lexicographic order):")
    doc.long_equation(self.hamiltonian.lhs, _model_terms_latex(self.hamiltonian_model), per_line=4,
                      label="hamiltonian")
    doc.paragraph(rf"with $\sum_i \tilde w_i^2 = \Lambda = {self.Lambda}$ and $\hat X$ independent "
                  r"$\mathcal{N}(0,1)$ (the paper writes $X$). Its covariance, computed from the couplings' "
                  r"variance table, is $\mathbb{E}[L(\tilde w) L(\tilde w')] = \Lambda\,"
                  r"(\tilde w\cdot \tilde w'/\Lambda)^H$ (REFERENCE \S 3).", raw=True)
    return doc


# --- printing helpers ------------------------------------------------------------------------
_SHOW_TERMS = 24

_SUMMARY_LATEX = {
    "path polynomial": r"The exact network output as a sum over its $\Psi$ input--output paths; "
                       r"$A_{i,j} = 1$ when every ReLU on path $(i,j)$ is active.",
    "expectation over activations": r"Expectation over the activations: every $A_{i,j}$ is replaced by $\rho$ "
                                    r"(linearity; $A$ independent of $X$).",
    "independent path inputs": r"Every path gets its own input: $X_i \to X_{i,j}$, independent $\mathcal{N}(0,1)$.",
    "redundancy": r"Each weight is replaced by its unique weight and the sum regrouped by the ordered tuple "
                  r"$(i_1,\dots,i_H)$ of unique weights on each path; $X_{(i_1\dots i_H)}$ sums the inputs of "
                  r"the $t_{i_1\dots i_H}$ paths carrying the tuple, so its variance is $t_{i_1\dots i_H}$.",
    "uniformity": r"The multiplicities are compared with $\bar t = \Psi/\Lambda^H$ through $c$, then "
                  r"$t_{i_1\dots i_H} = \bar t$ is imposed on all $\Lambda^H$ ordered tuples (missing tuples added).",
    "unit-variance couplings": r"Normalisation, no new assumption: $X_{(i_1\dots i_H)} = \sqrt{\bar t}\,"
                               r"\hat X_{i_1\dots i_H}$ with $\hat X \sim \mathcal{N}(0,1)$; $\sqrt{\bar t}$ factored out.",
    "spherical constraint": r"$w_i = \sqrt{C}\,\tilde w_i$ with $\sum_i \tilde w_i^2 = \Lambda$; by homogeneity "
                            r"$C^{H/2}$ factors out.",
    "Hamiltonian": r"The common factor is pulled out: $\mathbb{E}_A[Y] = K\, L_{\Lambda,H}(\tilde w)$ with "
                   r"$L_{\Lambda,H}(\tilde w) = \Lambda^{-(H-1)/2} \sum \hat X_{i_1\dots i_H} "
                   r"\tilde w_{i_1}\cdots\tilde w_{i_H}$.",
    "absolute loss": r"With $Y_t = \pm S$ and $|Y| \le S$, $|Y_t - Y| = S - (Y_t/S)\,Y$, so "
                     r"$\mathbb{E}_A|Y_t - Y| = S - (Y_t/S)\,\mathbb{E}_A[Y]$.",
    "hinge loss": r"$\max(0, 1 - Y_t Y) = Z (1 - Y_t Y)$ with $Z \sim \mathrm{Bernoulli}(\rho')$ independent of "
                  r"$A$, so the expectation is $\rho' (1 - Y_t\, \mathbb{E}_A[Y])$.",
}


def _shown(terms) -> list:
    """The terms to print: all of them, or the first ones, a placeholder and the last one."""
    terms = list(terms)
    return terms if len(terms) <= _SHOW_TERMS else terms[:_SHOW_TERMS - 2] + [None] + terms[-1:]


def _plain(step: Step) -> str:
    if step.name == "Hamiltonian":
        return f"{sympy.sstr(step.changes['K'])} * L(wtilde)"
    if step.model is None:  # the loss: C_1 + C_2 L
        return f"{sympy.sstr(step.changes['C_1'])} + ({sympy.sstr(step.changes['C_2'])}) * L(wtilde)"
    return _plain_model(step.model)


def _plain_model(m: A.Model) -> str:
    terms = [sympy.sstr(t) for t in _shown(m.terms)]
    if len(m.terms) > _SHOW_TERMS:
        terms[-2] = f"... ({len(m.terms)} terms in all)"
    body = " + ".join(terms)
    return body if m.prefactor == 1 else f"{sympy.sstr(m.prefactor)} * ({body})"


def _plain_value(value) -> str:
    if isinstance(value, dict):
        items = list(value.items())
        text = ", ".join(f"{_key(k)}: {sympy.sstr(v) if isinstance(v, sympy.Basic) else v}" for k, v in items[:32])
        return "{" + text + (f", ... ({len(items)} in all)" if len(items) > 32 else "") + "}"
    return sympy.sstr(value) if isinstance(value, sympy.Basic) else str(value)


def _key(k) -> str:
    return "(" + ",".join(map(str, k)) + ")" if isinstance(k, tuple) else str(k)


def _model_terms_latex(m: A.Model) -> list:
    terms = [latex_expr(t) for t in _shown(m.terms)]
    if len(m.terms) > _SHOW_TERMS:
        terms[-2] = r"\cdots"
    if m.prefactor != 1:
        terms[0] = latex_expr(m.prefactor) + r" \Big( " + terms[0]
        terms[-1] = terms[-1] + r" \Big)"
    return terms


def _render_step(doc: Document, step: Step, label: str) -> None:
    if step.model is not None and step.name != "Hamiltonian":
        doc.long_equation(step.lhs, _model_terms_latex(step.model), per_line=3, label=label)
        if len(step.model.terms) > _SHOW_TERMS:
            doc.paragraph(f"({len(step.model.terms)} terms in all.)")
    elif step.name == "Hamiltonian":
        K = step.changes["K"]
        doc.equation(rf"{step.lhs} = {latex_expr(K)}\; L_{{\Lambda,H}}(\tilde w)", label=label)
    else:
        ch = step.changes
        doc.equation(rf"{step.lhs} = C_1 + C_2\, L_{{\Lambda,H}}(\tilde w), \quad C_1 = {latex_expr(ch['C_1'])},"
                     rf"\quad C_2 = {latex_expr(ch['C_2'])}", label=label)


def _render_changes(doc: Document, step: Step) -> None:
    items = []
    for key, value in step.changes.items():
        if key in ("multiplicities", "weight map", "definitions", "variances") and isinstance(value, dict):
            if key == "definitions" and len(value) <= _SHOW_TERMS:
                rows = [rf"${latex_expr(k)} = {latex_expr(v)}$" for k, v in value.items()]
                items.append("definitions: " + "; ".join(rows))
            elif key == "variances" and len(set(value.values())) == 1:
                items.append(rf"variances: all {len(value)} equal to ${latex_expr(next(iter(value.values())))}$")
            elif key == "multiplicities" and len(value) <= 64:
                items.append("multiplicities $t_{i_1\\dots i_H}$: " + ", ".join(
                    rf"$t_{{{''.join(map(str, k))}}} = {v}$" for k, v in value.items()))
            continue
        if key == "template":
            items.append(rf"loss template: ${latex_expr(value)}$")
            continue
        if key == "weight map rule":
            items.append("weight map: " + _map_rule_latex(value))
            continue
        if isinstance(value, str):
            continue  # stated in the LaTeX summary
        text = f"${latex_expr(value)}$" if isinstance(value, sympy.Basic) else escape_text(str(value))
        items.append(f"{escape_text(key)}: {text}")
    if items:
        doc.raw("\\begin{itemize}\n" + "\n".join(rf"\item {i}" for i in items) + "\n\\end{itemize}")


def _map_rule_latex(text: str) -> str:
    if "diagonal" in text:
        return r"default diagonal map $w^{(k)}_{a,b} \mapsto w_{1 + (a+b) \bmod \Lambda}$ (0-based $a, b$)"
    if "cyclic" in text:
        return r"default cyclic map, $n$-th weight in layer order $\mapsto w_{1 + n \bmod \Lambda}$"
    return escape_text(text)


def _weight_map_table(doc: Document, d: Derivation) -> None:
    if d.network.size > 64:
        return
    cells = [rf"${latex_expr(w)} \mapsto w_{{{i}}}$" for w, i in zip(d.network.weight_symbols, d.weight_map)]
    doc.paragraph("Weight map: " + ", ".join(cells) + ".", raw=True)


def _assumption_list(doc: Document, items) -> None:
    doc.raw("\\begin{itemize}\n" + "\n".join(
        rf"\item \textbf{{{escape_text(a.label)}}} (paper: {escape_text(a.paper_name)}; "
        rf"{escape_text(a.reference)}; COLT 2015 label {escape_text(a.colt_label)}). {a.latex}"
        for a in items) + "\n\\end{itemize}")


# --- theory/ documents -----------------------------------------------------------------------
EXAMPLE_WIDTHS = (2, 2, 2, 1)

_CONVENTIONS = [
    r"$q = \Psi^{-(H-1)/(2H)}$ (REFERENCE \S 1) and, by default, $\Lambda = \Psi^{1/H}$ when this is an "
    r"integer, else the nearest integer (between 1 and $N$) [open].",
    r"Default weight map (diagonal): $w^{(k)}_{a,b} \mapsto w_{1 + (a+b) \bmod \Lambda}$ with 0-based unit "
    r"indices $a, b$; the ordered tuple of the path through units $(i, u_1, \dots, u_{H-1})$ is then "
    r"$(i+u_1, u_1+u_2, \dots, u_{H-1}) \bmod \Lambda$, a bijection when $\Lambda$ divides $n_0, \dots, n_{H-1}$. "
    r"If it leaves a unique weight unused, the cyclic map (the $n$-th weight in layer order goes to "
    r"$w_{1 + n \bmod \Lambda}$) is used [open].",
    r"Couplings are indexed by ordered tuples in layer order $(\pi(w^{(1)}_{i,j}), \dots, \pi(w^{(H)}_{i,j}))$; "
    r"the sum runs over all $\Lambda^H$ ordered tuples with independent unit-variance couplings.",
    r"Distance from uniformity: $c = \max_{i_1 \dots i_H} \max(t_{i_1\dots i_H}/\bar t,\ \bar t/t_{i_1\dots i_H})$, "
    r"$\bar t = \Psi/\Lambda^H$ ($c = \infty$ if a tuple is never carried; $c = 1$ iff uniform) [open].",
    r"Labels: $Y_t = \pm S$ with $S = \sup|Y|$ for the absolute loss, $Y_t = \pm 1$ for the hinge loss [open].",
    r"COLT 2015 labels A1p\dots A7p are given in the order of REFERENCE \S 2; the note's exact mapping "
    r"(and which two it calls A5u, A6u) is [open].",
]


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
    absolute = sympy.expand(S_SUP - Y_T / S_SUP * EY).subs(EY, K_conv * Lsym)
    hinge = sympy.expand(RHO_HINGE * (1 - Y_T * EY)).subs(EY, K_conv * Lsym)

    doc = Document("From a ReLU network to the spherical H-spin glass: the general derivation")
    doc.paragraph(
        rf"Notation of {PAPER} (REFERENCE \S 1--3): widths $(n_0, \dots, n_H)$ with $n_H = 1$; "
        r"$\gamma = n_1 \cdots n_H$ paths per input, $\Psi = n_0 n_1 \cdots n_H$ paths, "
        r"$N = \sum_{k=0}^{H-1} n_k n_{k+1}$ weights. Each step is applied by "
        r"\texttt{polyloss.derive\_hamiltonian} as a sympy transformation of the previous expression "
        r"(\texttt{theory/derivation\_example.tex} shows it on a concrete network).", raw=True)
    doc.section("Assumptions")
    _assumption_list(doc, A.ASSUMPTIONS)
    doc.section("Conventions")
    doc.raw("\\begin{itemize}\n" + "\n".join(rf"\item {c}" for c in _CONVENTIONS) + "\n\\end{itemize}")
    doc.section("Derivation")
    doc.section("Step 1: path polynomial (exact)", level=2)
    doc.paragraph(rf"[{PAPER}, Eq.~1] With $A_{{i,j}} = 1$ when every ReLU on path $(i,j)$ is active:", raw=True)
    doc.equation(r"Y = q \sum_{i=1}^{n_0} \sum_{j=1}^{\gamma} X_i\, A_{i,j} \prod_{k=1}^{H} w^{(k)}_{i,j}",
                 label="g-eq1")
    doc.section("Step 2: expectation over activations (A2, A3)", level=2)
    doc.equation(r"\mathbb{E}_A[Y] = q \sum_{i=1}^{n_0} \sum_{j=1}^{\gamma} X_i\, \rho \prod_{k=1}^{H} "
                 r"w^{(k)}_{i,j}", label="g-ea")
    doc.section("Step 3: independent path inputs (A1)", level=2)
    doc.paragraph(rf"[{PAPER}, Eq.~2] $X_i \to X_{{i,j}} \sim \mathcal{{N}}(0,1)$ independent:", raw=True)
    doc.equation(r"\mathbb{E}_A[Y] = q \sum_{i=1}^{n_0} \sum_{j=1}^{\gamma} X_{i,j}\, \rho \prod_{k=1}^{H} "
                 r"w^{(k)}_{i,j}", label="g-eq2")
    doc.section("Step 4: redundancy (A4)", level=2)
    doc.paragraph(r"A weight map $\pi$ sends each of the $N$ weights to one of $\Lambda$ unique weights. "
                  r"Path $(i,j)$ carries the ordered tuple $(\pi(w^{(1)}_{i,j}), \dots, \pi(w^{(H)}_{i,j}))$; "
                  r"$t_{i_1 \dots i_H}$ paths carry $(i_1,\dots,i_H)$, $\sum t = \Psi$, and their inputs add up to "
                  r"$X_{(i_1 \dots i_H)} = \sum_{(i,j) \mapsto (i_1 \dots i_H)} X_{i,j} \sim "
                  r"\mathcal{N}(0, t_{i_1 \dots i_H})$:", raw=True)
    doc.equation(r"\mathbb{E}_A[Y] = q \sum_{i_1, \dots, i_H = 1}^{\Lambda} X_{(i_1 \dots i_H)}\, \rho\, "
                 r"w_{i_1} \cdots w_{i_H}", label="g-red")
    doc.section("Step 5: uniformity (A5)", level=2)
    doc.paragraph(r"The actual multiplicities are compared with $\bar t = \Psi/\Lambda^H$ through $c$ "
                  r"(Conventions); then $t_{i_1\dots i_H} = \bar t$ is imposed on every ordered tuple, so that "
                  r"$X_{(i_1 \dots i_H)} \sim \mathcal{N}(0, \Psi/\Lambda^H)$ for all $\Lambda^H$ tuples.", raw=True)
    doc.section("Step 6: unit-variance couplings", level=2)
    doc.equation(r"X_{(i_1 \dots i_H)} = \sqrt{\Psi/\Lambda^H}\; \hat X_{i_1 \dots i_H}, \qquad "
                 r"\mathbb{E}_A[Y] = q \rho \sqrt{\Psi/\Lambda^H} \sum_{i_1, \dots, i_H = 1}^{\Lambda} "
                 r"\hat X_{i_1 \dots i_H}\, w_{i_1} \cdots w_{i_H}", label="g-norm")
    doc.section("Step 7: spherical constraint (A6)", level=2)
    doc.equation(r"\frac{1}{\Lambda}\sum_{i=1}^{\Lambda} w_i^2 = C, \quad w_i = \sqrt{C}\, \tilde w_i, \qquad "
                 r"\mathbb{E}_A[Y] = q \rho \sqrt{\Psi/\Lambda^H}\, C^{H/2} \sum_{i_1, \dots, i_H = 1}^{\Lambda} "
                 r"\hat X_{i_1 \dots i_H}\, \tilde w_{i_1} \cdots \tilde w_{i_H}", label="g-sph")
    doc.section("Step 8: the Hamiltonian", level=2)
    doc.paragraph(r"[REFERENCE \S 3] With the spherical $H$-spin glass Hamiltonian", raw=True)
    doc.equation(r"L_{\Lambda,H}(\tilde w) = \Lambda^{-(H-1)/2} \sum_{i_1, \dots, i_H = 1}^{\Lambda} "
                 r"\hat X_{i_1 \dots i_H}\, \tilde w_{i_1} \cdots \tilde w_{i_H}, \qquad "
                 r"\sum_i \tilde w_i^2 = \Lambda", label="g-ham")
    doc.paragraph(r"one has $\mathbb{E}_A[Y] = K\, L_{\Lambda,H}(\tilde w)$ with (sympy)", raw=True)
    doc.equation(rf"K = {latex_expr(K)} = {latex_expr(K_conv)} \quad \text{{when }} q = \Psi^{{-(H-1)/(2H)}},\ "
                 r"\Lambda^H = \Psi", label="g-K")
    doc.paragraph(r"and $\mathbb{E}[L_{\Lambda,H}(\tilde w) L_{\Lambda,H}(\tilde w')] = \Lambda\,"
                  r"(\tilde w \cdot \tilde w'/\Lambda)^H$ (REFERENCE \S 3; derived for each concrete network "
                  r"from the couplings' variance table and checked in the tests).", raw=True)
    doc.section("Step 9: losses", level=2)
    doc.paragraph(r"Absolute loss, $Y_t = \pm S$, $|Y| \le S$: $|Y_t - Y| = S - (Y_t/S)\,Y$, hence", raw=True)
    doc.equation(rf"\mathcal{{L}}^a_{{\Lambda,H}} = S - \frac{{Y_t}}{{S}} \mathbb{{E}}_A[Y] = {latex_expr(absolute)}",
                 label="g-abs")
    doc.paragraph(r"Hinge loss with A7, $Y_t = \pm 1$: $\mathbb{E}[Z (1 - Y_t Y)] = \rho' (1 - Y_t\, "
                  r"\mathbb{E}_A[Y])$, hence", raw=True)
    doc.equation(rf"\mathcal{{L}}^h_{{\Lambda,H}} = {latex_expr(hinge)}", label="g-hinge")
    doc.paragraph(r"Both are $C_1 + C_2\, L_{\Lambda,H}(\tilde w)$; neither constant affects optimisation, "
                  r"and the sign of $C_2$ does not matter since $\hat X$ and $-\hat X$ have the same law.", raw=True)
    return doc


def example_document() -> Document:
    """``theory/derivation_example.tex``: the chain on widths (2, 2, 2, 1), Λ = 2, default diagonal map."""
    d = derive_hamiltonian(EXAMPLE_WIDTHS, loss="absolute")
    doc = d.document()
    doc.title = f"Worked example: the network {EXAMPLE_WIDTHS} becomes a spherical 3-spin glass"
    doc.section("Conventions")
    doc.raw("\\begin{itemize}\n" + "\n".join(rf"\item {c}" for c in _CONVENTIONS) + "\n\\end{itemize}")
    return doc
