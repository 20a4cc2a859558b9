"""The sources the generated documents cite: keys of ``polyloss/references.bib`` with a locator.

A :class:`Citation` prints as LaTeX ``\\cite[Eq.~(1)]{choromanska2015}`` (resolved by bibtex against
``references.bib``, which :meth:`polyloss.symbolic.latex.Document.write` puts beside the document) and
as plain text ``Choromanska et al. (2015), Eq. (1)``. A locator (section, equation, theorem) that could
not be checked against the published text is marked unverified, never invented.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: How plain text names the entries of references.bib.
AUTHORS = {
    "choromanska2015": "Choromanska et al. (2015)",
    "choromanska2015colt": "Choromanska, LeCun and Ben Arous (2015)",
    "auffinger2013": "Auffinger, Ben Arous and Černý (2013)",
    "auffinger2013mixed": "Auffinger and Ben Arous (2013)",
    "mehta2004": "Mehta (2004)",
    "sagun2014": "Sagun et al. (2014)",
    "adler2007": "Adler and Taylor (2007)",
    "lecun1998": "LeCun et al. (1998)",
    "raschka2018": "Raschka (2018)",
    "cartwright2013": "Cartwright and Sturmfels (2013)",
    "golub2010": "Golub and Meurant (2010)",
    "ubaru2017": "Ubaru, Chen and Saad (2017)",
}


@dataclass(frozen=True)
class Citation:
    """A source: its bib ``key``, where in it (``where``, e.g. ``"Eq. (1)"``) and whether that locator
    was checked against the published text (``verified``)."""

    key: str
    where: str = ""
    verified: bool = True

    def latex(self) -> str:
        where = self.where.replace(". ", ".~")
        if where and not self.verified:
            where += ", unverified"
        return rf"\cite[{where}]{{{self.key}}}" if where else rf"\cite{{{self.key}}}"

    def text(self) -> str:
        who = AUTHORS.get(self.key, self.key)
        if not self.where:
            return who
        return f"{who}, {self.where}" + ("" if self.verified else " [unverified]")


def latex(citations) -> str:
    """Several citations in LaTeX, separated by semicolons."""
    return "; ".join(c.latex() for c in citations)


def text(citations) -> str:
    """Several citations in plain text, separated by semicolons."""
    return "; ".join(c.text() for c in citations)


PAPER = Citation("choromanska2015")
NOTE = Citation("choromanska2015colt")
SPIN_GLASS = Citation("auffinger2013")
_SECTION_3 = Citation("choromanska2015", "Sec. 3", verified=False)

#: Where each step of the derivation comes from (step name -> citations).
STEP_SOURCES = {
    "path polynomial": (Citation("choromanska2015", "Eq. (1)", verified=False),),
    "expectation over activations": (_SECTION_3,),
    "independent path inputs": (Citation("choromanska2015", "Eq. (2)", verified=False),),
    "redundancy": (_SECTION_3,),
    "uniformity": (_SECTION_3,),
    "unit-variance couplings": (),
    "spherical constraint": (_SECTION_3,),
    "Hamiltonian": (_SECTION_3, SPIN_GLASS),
    "absolute loss": (_SECTION_3,),
    "hinge loss": (_SECTION_3,),
}


def assumption_sources(assumption) -> tuple:
    """The citations of an assumption: its ``cite`` keys when it has them, else the paper's Sec. 3."""
    keys = getattr(assumption, "cite", None)
    if keys:
        keys = [k.strip() for k in keys.split(",")] if isinstance(keys, str) else list(keys)
        return tuple(Citation(k) for k in keys if k)
    return (_SECTION_3,)


# --- citations written in prose ----------------------------------------------------------------
_IN_PROSE = (
    ("choromanska2015colt", r"Choromanska,? LeCun,? and Ben Arous,? \(?2015b?\)?"),
    ("choromanska2015", r"Choromanska et al\.,? \(?2015a?\)?"),
    ("auffinger2013mixed", r"Auffinger and Ben Arous,? \(?2013\)?"),
    ("auffinger2013", r"Auffinger,? Ben Arous,? (?:and )?(?:Černý|Cerny),? \(?2013\)?(?: \(ABC\))?"),
    ("mehta2004", r"Mehta,? \(?2004\)?"),
    ("sagun2014", r"Sagun et al\.,? \(?2014\)?"),
    ("adler2007", r"Adler and Taylor,? \(?2007\)?"),
    ("lecun1998", r"LeCun et al\.,? \(?1998\)?"),
    ("raschka2018", r"Raschka,? \(?2018\)?"),
    ("cartwright2013", r"Cartwright and Sturmfels,? \(?2013\)?"),
    ("golub2010", r"Golub and Meurant,? \(?2010\)?"),
    ("ubaru2017", r"Ubaru,? Chen,? and Saad,? \(?2017\)?"),
)


_LOCATOR = r"(?:Secs?\.|Eqs?\.|Theorem|Thm\.|Corollary|Cor\.|Table|Fig\.)~?[0-9A-Za-z().–-]+"
_LOCATORS = _LOCATOR + r"(?:, " + _LOCATOR + r")*"


def reference_latex(reference: str, keys=()) -> str:
    """A plain-text reference ("Choromanska et al. (2015), Sec. 3") as LaTeX, each named source a
    ``\\cite`` with its locator ("\\cite[Sec.~3]{choromanska2015}"); sources in ``keys`` it does not
    name come first."""
    from ..symbolic.latex import escape_text

    text, named = escape_text(reference), set()
    for key, pattern in _IN_PROSE:
        def one(_match, key=key):
            named.add(key)
            return rf"\cite{{{key}}}"
        text = re.sub(pattern, one, text)
    text = re.sub(r"\b(Sec|Eq|Thm|Cor|Prop|Lemma|Table|Fig)\. ", r"\1.~", text)
    text = re.sub(r"\b(Theorem|Corollary|Lemma|Table|Section|Equation) (?=[0-9(])", r"\1~", text)
    text = re.sub(r"(?<![\w'.\\{])([A-Zb-z])(?![\w'.}])", r"$\1$", text)  # a one-letter symbol: math
    text = text.replace("§", r"\S")
    text = re.sub(r"\\cite\{(\w+)\}, (" + _LOCATORS + r")(?: \[(unverified)\])?(?=;|$| \(|, )",
                  lambda m: rf"\cite[{m.group(2)}{', ' + m.group(3) if m.group(3) else ''}]{{{m.group(1)}}}", text)
    missing = [k for k in keys if k not in named]
    return (rf"\cite{{{','.join(missing)}}}" + (", " if text else "") if missing else "") + text


def attach(sentence: str, sources: str, end: str = ".") -> str:
    """``sentence`` (LaTeX) with its ``sources`` (LaTeX) before its final punctuation, which becomes
    ``end``: bare when they are only citations ("... by $\\rho$~\\cite[Sec.~3]{choromanska2015}:"),
    in parentheses when they say more."""
    body = sentence.rstrip().rstrip(".:")
    if not sources:
        return body + end
    only_cites = re.fullmatch(r"\\cite(?:\[[^\]]*\])?\{[^}]*\}(?:; \\cite(?:\[[^\]]*\])?\{[^}]*\})*", sources)
    return body + (f"~{sources}" if only_cites else f" ({sources})") + end
