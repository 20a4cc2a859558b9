"""Plain text of sympy expressions: one line, Unicode symbols, no LaTeX macros and no Python syntax.

For terminals, Markdown tables and logs, where LaTeX is not rendered: ``-C**(3/2)*Y_{t}*\\rho/S``
reads ``−C^(3/2)·Y_t·ρ/S``. Symbols named with LaTeX (``\\rho``, ``Y_{t}``, ``\\tilde{w}_{3}``) are
turned into their Unicode reading; LaTeX output stays with :mod:`polyloss.symbolic.latex`.
"""

from __future__ import annotations

import re

import sympy
from sympy.printing.str import StrPrinter

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "zeta": "ζ", "eta": "η",
    "theta": "θ", "Theta": "Θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "Lambda": "Λ", "mu": "μ",
    "nu": "ν", "xi": "ξ", "Xi": "Ξ", "pi": "π", "Pi": "Π", "rho": "ρ", "sigma": "σ", "Sigma": "Σ",
    "tau": "τ", "phi": "φ", "Phi": "Φ", "chi": "χ", "psi": "ψ", "Psi": "Ψ", "omega": "ω", "Omega": "Ω",
    "infty": "∞", "to": "→",
}
_ACCENT = {"tilde": "\u0303", "hat": "\u0302", "bar": "\u0304"}


def symbol_text(name: str) -> str:
    """The Unicode reading of a symbol's name: ``\\rho`` → ``ρ``, ``Y_{t}`` → ``Y_t``, ``\\tilde{w}_{3}`` → ``w̃_3``."""
    text = re.sub(r"\\(tilde|hat|bar)\{(\w)\}", lambda m: m.group(2) + _ACCENT[m.group(1)], name)
    text = re.sub(r"\\mathbb\{E\}", "E", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), text)
    text = re.sub(r"_\{([^{}]*)\}", r"_\1", text)
    return text.replace("\\,", " ").replace("{", "").replace("}", "")


class _PlainPrinter(StrPrinter):
    def _print_Symbol(self, expr):
        return symbol_text(expr.name)

    def _print_Infinity(self, expr):
        return "∞"

    def _print_NegativeInfinity(self, expr):
        return "−∞"

    def _print_Pow(self, expr, rational=False):
        base, exp = expr.as_base_exp()
        if exp == sympy.Rational(1, 2):
            return "√" + self.parenthesize(base, 1000)
        return super()._print_Pow(expr, rational)


def plain_text(expr) -> str:
    """``expr`` on one line: ``^`` for powers, ``·`` for products, ``√``, ``−``, Unicode symbols."""
    text = _PlainPrinter({"order": None}).doprint(sympy.sympify(expr))
    text = text.replace("**", "^").replace("*", "·").replace("sqrt(", "√(")
    return re.sub(r"(^|[\s(])-", r"\1−", text).replace(" - ", " − ")
