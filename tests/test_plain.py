"""Plain text of sympy expressions: read back, it is the same expression; no LaTeX or Python syntax left."""

from __future__ import annotations

import sympy

from polyloss.symbolic.hamiltonian import derive_hamiltonian
from polyloss.symbolic.plain import plain_text, symbol_text


def _read_back(text: str, symbols: dict):
    python = text.replace("−", "-").replace("·", "*").replace("^", "**").replace("√", "sqrt")
    return sympy.sympify(python, locals=symbols)


def test_symbol_names_lose_their_latex():
    assert symbol_text(r"\rho") == "ρ"
    assert symbol_text("Y_{t}") == "Y_t"
    assert symbol_text(r"\tilde{w}_{3}") == "w\u0303_3"
    assert symbol_text(r"E_\infty") == "E_∞"


def test_the_loss_constants_read_back_to_the_same_expressions():
    for loss in ("absolute", "hinge"):
        d = derive_hamiltonian((2, 2, 2, 1), loss=loss)
        for expr in (d.C1, d.C2):
            text = plain_text(expr)
            assert not any(bad in text for bad in ("\\", "**", "{", "*", "-", "sqrt"))
            names = {symbol_text(s.name).replace("'", "_prime"): s for s in expr.free_symbols}
            back = _read_back(text.replace("'", "_prime"), names)
            assert sympy.simplify(back - expr) == 0, (text, expr)


def test_powers_roots_and_signs():
    x, y = sympy.symbols("x y", positive=True)
    for expr in (x - 2 * y**2, sympy.sqrt(x + 1) / y, -x**sympy.Rational(3, 2) * y, (x - y) ** 3):
        text = plain_text(expr)
        assert not any(bad in text for bad in ("**", "*", "-", "sqrt")), text  # no Python syntax left
        assert sympy.simplify(_read_back(text, {"x": x, "y": y}) - expr) == 0, text


def test_the_report_uses_one_minus_sign_outside_code_and_links():
    from polyloss.experiments.summary import typographic_minus as minus

    assert minus("mean u -1.4181, Λ^(-0.62), SA {-1,0,1}, x = -.5") == "mean u −1.4181, Λ^(−0.62), SA {−1,0,1}, x = −.5"
    for kept in ("1.0e-03", "`--seed -1`", "[run-1](a/run-1.png)", '<img src="a/-1.png">', "n_1 = 10", "pages 2-3"):
        assert minus(kept) == kept


def test_the_committed_paper_report_has_one_minus_sign():
    import re
    from pathlib import Path

    summary = Path(__file__).resolve().parents[1] / "results" / "paper" / "report" / "summary.md"
    if not summary.exists():
        import pytest
        pytest.skip("results/paper is not part of this tree (an sdist)")
    outside_code = re.sub(r"`[^`]*`|\]\([^)]*\)", "", summary.read_text())
    assert not re.findall(r"(?<![\w.\-])-(?=\.?\d)", outside_code)


def test_infinities_read_as_the_symbol():
    assert (plain_text(sympy.oo), plain_text(-sympy.oo)) == ("∞", "−∞")
