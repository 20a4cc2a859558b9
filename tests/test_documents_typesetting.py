"""Every generated LaTeX document typesets cleanly: it compiles, and pdflatex's own log reports no line
wider than the text (overfull \\hbox above 1pt), no overfull page (\\vbox), no undefined citation or
reference; its source has no Python value or word where mathematics belongs.

The documents: the three of theory/, the report's derivations (the report stage itself writes them),
the complexity document of ``polyloss complexity --latex``, the derivations of ``polyloss derive
--steps --latex`` (numeric ρ; a long one), the path polynomial of ``polyloss derive --latex``, and
the correlation table of the networks report (from a small made-up result). The oracle is pdflatex's log, parsed here; the parser is checked on log lines
written out by hand.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from polyloss.cli import main
from polyloss.documents.derivation import derivation_document
from polyloss.documents.theory import write_theory
from polyloss.symbolic.hamiltonian import derive_hamiltonian
from polyloss.symbolic.latex import compile_pdf

TOLERANCE_PT = 1.0
_OVERFULL = re.compile(r"^Overfull \\(hbox|vbox) \((\d+(?:\.\d+)?)pt too (?:wide|high)\)", re.M)
_UNDEFINED = re.compile(r"(Citation|Reference) `[^']*' on page \d+ undefined|There were undefined (?:references|citations)")


def typesetting_problems(log: str) -> list:
    """What pdflatex's log reports against the layout: overfull boxes (an \\hbox wider than
    TOLERANCE_PT, any \\vbox), undefined citations and references."""
    problems = [f"Overfull \\{kind} {pt}pt" for kind, pt in _OVERFULL.findall(log)
                if kind == "vbox" or float(pt) > TOLERANCE_PT]
    problems += [m.group(0) for m in _UNDEFINED.finditer(log)]
    return problems


_ABBREVIATIONS = ("Sec.", "Eq.", "Eqs.", "Thm.", "Cor.", "Fig.", "al.", "e.g.", "i.e.", "cf.", "vs.")


def _sentences(text: str) -> list:
    """The sentences of a text, not cut after an abbreviation ("Sec.~3", "et al.")."""
    out = []
    for piece in re.split(r"(?<=[.!?])\s+", text):
        if out and out[-1].rstrip().endswith(_ABBREVIATIONS):
            out[-1] += " " + piece
        else:
            out.append(piece)
    return out


def source_problems(tex: str) -> list:
    """Python values and spelled-out names where mathematics belongs, and the missing REFERENCE."""
    body = "\n".join(line for line in tex.splitlines() if not line.startswith("%"))
    checks = {
        "a Python bool": r"\b(?:True|False)\b",
        "Lambda outside a macro": r"(?<!\\)\bLambda\b",
        "rho outside a macro": r"(?<!\\)\brho\b",
        "Psi outside a macro": r"(?<!\\)\bPsi\b",
        "sympy's infinity": r"\boo\b",
        "a Python power": r"\*\*",
        "REFERENCE": r"REFERENCE",
        "energies per weight (they are per Λ)": r"per weight",
        "E_inf spelled out": r"E_inf\b",
        "a repeated sentence": None,
    }
    found = [what for what, pattern in checks.items() if pattern and re.search(pattern, body)]
    sentences = [s.strip() for s in _sentences(body) if len(s.strip()) > 60]
    repeated = {s for s in sentences if sentences.count(s) > 1}
    if repeated:
        found.append(f"a repeated sentence: {sorted(repeated)[0][:80]}")
    return found


def test_the_log_parser_finds_what_pdflatex_writes():
    log = ("Overfull \\hbox (58.38197pt too wide) in paragraph at lines 110--111\n"
           "Overfull \\hbox (0.5pt too wide) in paragraph at lines 3--4\n"
           "Overfull \\vbox (2.0pt too high) has occurred while \\output is active\n"
           "LaTeX Warning: Citation `auffinger2013' on page 1 undefined on input line 20.\n"
           "LaTeX Warning: Reference `thresholds' on page 2 undefined on input line 90.\n"
           "Underfull \\hbox (badness 10000) in paragraph at lines 5--6\n")
    assert typesetting_problems(log) == ["Overfull \\hbox 58.38197pt", "Overfull \\vbox 2.0pt",
                                         "Citation `auffinger2013' on page 1 undefined",
                                         "Reference `thresholds' on page 2 undefined"]
    assert typesetting_problems("Overfull \\hbox (1.0pt too wide) in alignment\n") == []


def test_the_source_checks_find_python_and_words():
    assert source_problems(r"$\Lambda = 2$, $\rho$, \cite{choromanska2015}") == []
    assert source_problems("regrouping exact: True") == ["a Python bool"]
    assert source_problems("Lambda: 2; rho: $\\rho$") == ["Lambda outside a macro", "rho outside a macro"]
    assert source_problems("% do not edit: REFERENCE\nplain") == []  # comments are not typeset
    assert source_problems("energies per weight, E_inf") == ["energies per weight (they are per Λ)",
                                                             "E_inf spelled out"]
    sentence = "This sentence is long enough to be a real sentence of the document, not a label. "
    assert source_problems(sentence * 2)[0].startswith("a repeated sentence")


def _correlation_table(path: Path) -> Path:
    """The networks report's correlation table (polyloss.experiments.mnist), from a made-up result."""
    from polyloss.experiments.mnist import METRICS, MnistExperimentConfig, MnistResult

    rng = np.random.default_rng(0)
    config = MnistExperimentConfig(widths=(25, 50), replicas=16, epochs=2, index_widths=())
    runs = {w: {m: rng.uniform(0.2, 0.4, 16) for m in METRICS} for w in config.widths}
    return MnistResult(config, runs).correlation_document().write(path)


@pytest.fixture(scope="module")
def documents(tmp_path_factory, pdflatex):
    """{name: (.tex path, .log text)} of every generated document, each compiled."""
    from polyloss.experiments import reproduce_stages
    from polyloss.experiments.stage import Run

    root = tmp_path_factory.mktemp("documents")
    tex = {f"theory/{p.name}": p for p in write_theory(root / "theory")}
    report = root / "report"
    result = reproduce_stages.derivation_report(report, report, Run("smoke", 0))  # writes and compiles
    tex.update({f"report/{Path(p).name}": report / p for p in result.files.values() if p.endswith(".tex")})
    complexity = root / "cli" / "complexity.tex"
    complexity.parent.mkdir()
    assert main(["complexity", "--H", "4", "--kmax", "3", "--latex", str(complexity)]) == 0
    tex["polyloss complexity --latex"] = complexity
    tex["polyloss derive --steps --latex (rho = 1/2)"] = derivation_document(
        derive_hamiltonian((3, 2, 1), loss="hinge", rho=0.5)).write(root / "cli" / "derivation.tex")
    tex["polyloss derive --steps --latex (27 terms, shown in part)"] = derivation_document(
        derive_hamiltonian((3, 3, 3, 1), loss=None, Lambda=3)).write(root / "cli" / "derivation_long.tex")
    path_polynomial = root / "cli" / "path_polynomial.tex"
    assert main(["derive", "--widths", "4,3,2,1", "--max-terms", "5", "--latex", str(path_polynomial)]) == 0
    tex["polyloss derive --latex (path polynomial)"] = path_polynomial
    tex["networks report correlation table"] = _correlation_table(root / "networks" / "correlation_table.tex")
    out = {}
    for name, path in tex.items():
        log = path.with_suffix(".log")
        if not log.exists():
            compile_pdf(path)
        out[name] = (path, log.read_text(errors="replace"))
    return out


NAMES = ["theory/derivation_general.tex", "theory/derivation_example.tex", "theory/derivation_skips.tex",
         "theory/complexity.tex", "theory/complexity_mixed.tex",
         "report/derivation.tex", "report/derivation_hinge.tex", "polyloss complexity --latex",
         "polyloss derive --steps --latex (rho = 1/2)", "polyloss derive --steps --latex (27 terms, shown in part)",
         "polyloss derive --latex (path polynomial)", "networks report correlation table"]


def test_every_document_is_covered(documents):
    assert sorted(documents) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_typesets_without_overfull_boxes_or_undefined_citations(documents, name):
    path, log = documents[name]
    assert path.with_suffix(".pdf").stat().st_size > 2000
    assert typesetting_problems(log) == [], f"{name}: see {path.with_suffix('.log')}"


@pytest.mark.parametrize("name", NAMES)
def test_source_has_mathematics_not_python(documents, name):
    path, _ = documents[name]
    assert source_problems(path.read_text()) == [], name


@pytest.mark.parametrize("name", [n for n in NAMES if "path polynomial" not in n])  # it cites in prose
def test_citations_resolve_against_the_bibliography(documents, name):
    """Each cited key is a \\bibitem of the .bbl bibtex made from the references.bib written beside it."""
    path, _ = documents[name]
    cited = set()
    for keys in re.findall(r"\\cite(?:\[[^\]]*\])?\{([^}]*)\}", path.read_text()):
        cited.update(k.strip() for k in keys.split(","))
    assert cited, f"{name} cites no source"
    assert (path.parent / "references.bib").exists()
    items = set(re.findall(r"\\bibitem\{([^}]*)\}", path.with_suffix(".bbl").read_text()))
    assert cited == items


def test_generated_notice_is_a_comment_not_the_abstract(documents):
    path, _ = documents["theory/complexity.tex"]
    tex = path.read_text()
    assert tex.startswith("% Generated by polyloss")
    abstract = tex[tex.index(r"\begin{abstract}"):tex.index(r"\end{abstract}")]
    assert "do not edit" not in abstract and r"$\Lambda$" in abstract


def test_no_display_breaks_inside_equations(documents):
    for name in NAMES:
        path, _ = documents[name]
        assert r"\allowdisplaybreaks" not in path.read_text(), name


@pytest.mark.parametrize("name", [n for n in NAMES if ("derivation" in n or "--steps" in n)])
def test_each_assumption_is_stated_once(documents, name):
    """An assumption is stated in the list of assumptions; the steps name it (A2), never restate it."""
    from polyloss.symbolic.assumptions import ASSUMPTIONS

    tex = documents[name][0].read_text()
    for a in ASSUMPTIONS:
        assert tex.count(a.latex) <= 1, (name, a.key)
    assert any(tex.count(a.latex) == 1 for a in ASSUMPTIONS), name


def test_citations_in_prose_become_cites_with_their_locators():
    from polyloss.documents.citations import attach, reference_latex

    assert reference_latex("Choromanska et al. (2015), Eq. (1)") == r"\cite[Eq.~(1)]{choromanska2015}"
    assert reference_latex("Auffinger, Ben Arous and Černý (2013), Theorem 2.5 [unverified]; "
                           "Choromanska et al. (2015), Sec. 4") == \
        r"\cite[Theorem~2.5, unverified]{auffinger2013}; \cite[Sec.~4]{choromanska2015}"
    assert reference_latex("Choromanska et al. (2015), Sec. 3 (the constant c is ours)") == \
        r"\cite[Sec.~3]{choromanska2015} (the constant $c$ is ours)"
    assert reference_latex("the paper's Sec. 3", ("choromanska2015",)) == r"\cite{choromanska2015}, the paper's Sec.~3"
    assert attach("It is so.", r"\cite{adler2007}", ":") == r"It is so~\cite{adler2007}:"
    assert attach("It is so.", r"\cite{adler2007}, a remark") == r"It is so (\cite{adler2007}, a remark)."


def test_every_bib_entry_has_a_name_in_plain_text():
    from polyloss.documents.citations import AUTHORS

    keys = re.findall(r"^@\w+\{([^,]+),", (Path(__file__).resolve().parents[1] / "polyloss" / "references.bib")
                      .read_text(), re.M)
    assert keys and set(keys) == set(AUTHORS)


def test_a_source_written_without_its_bib_file_still_resolves_its_citations(tmp_path, pdflatex):
    """compile_pdf falls back on the package's references.bib when none lies beside the source."""
    from polyloss.documents.complexity import complexity_document

    tex = tmp_path / "complexity.tex"
    tex.write_text(complexity_document(H_values=(3,), kmax=1, finite_sizes=()).render())
    compile_pdf(tex)
    assert not (tmp_path / "references.bib").exists()
    assert typesetting_problems((tmp_path / "complexity.log").read_text()) == []
    assert r"\bibitem{auffinger2013}" in (tmp_path / "complexity.bbl").read_text()
