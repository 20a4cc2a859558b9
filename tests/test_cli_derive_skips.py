"""``polyloss derive --skips/--biases``: the derivation down to the mixed spin glass, its LaTeX file, and errors.

Oracles: path counts listed here by hand from the architecture (every path of (2, 2, 2, 1) with skips
(0, 2), (1, 3): 2·2 of each layer sequence 0→2→3 and 0→1→3, 2·2·2 of 0→1→2→3), the mixture they give
(Fraction arithmetic here), argparse's usage contract (exit 2, "usage:" on stderr), the CLI's one-line
error contract, and pdflatex for the written document.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from polyloss.cli import main
from polyloss.symbolic.latex import compile_pdf

ARGS = ["--widths", "2,2,2,1", "--skips", "0:2,1:3", "--Lambda", "2"]


def _run(capsys, *args):
    try:
        code = main(["derive", *args])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_prints_the_derivation_ending_with_the_mixed_hamiltonian(capsys):
    code, out, err = _run(capsys, *ARGS, "--biases")
    assert code == 0, err
    psi = {2: 2 * 2 + 2 * 2, 3: 2 * 2 * 2}       # 0→2→3 and 0→1→3; 0→1→2→3
    Z = sum(psi.values())                        # at C = 1
    mixture = ",".join(f"{m}:{Fraction(c, Z)}" for m, c in psi.items())
    assert "paths from the inputs by length Ψ_2 = 8, Ψ_3 = 8" in out
    assert "skips (0,2), (1,3) and biases" in out
    lines = out.splitlines()
    assert [line for line in lines if line.startswith("Step ")][-1].startswith("Step 8. mixed Hamiltonian")
    assert lines[-3].startswith("Mixed Hamiltonian: L(w̃) = ") and lines[-2].startswith("ξ(x) = ")
    assert f"(the mixture at C = 1: {mixture})" in lines[-2]
    assert lines[-1].startswith("bias term: D(w̃) = ") and "not part of the mixture" in out
    assert "\\" not in out and "**" not in out


def test_without_biases_there_is_no_bias_term(capsys):
    code, out, err = _run(capsys, *ARGS)
    assert code == 0, err
    assert out.splitlines()[-1] == "bias term: D(w̃) = 0 (no biases)"


def test_a_skip_to_the_output_gives_the_linear_term(capsys):
    code, out, err = _run(capsys, "--widths", "2,2,1", "--skips", "0:2")
    assert code == 0, err
    assert "(the mixture at C = 1: 1:1/3,2:2/3)" in out  # Ψ_1 = 2 (the skip), Ψ_2 = 2·2


def test_latex_file_compiles(tmp_path, capsys, pdflatex):
    tex = tmp_path / "skips.tex"
    code, out, err = _run(capsys, *ARGS, "--biases", "--latex", str(tex))
    assert code == 0, err
    assert str(tex) in err and "Step 8. mixed Hamiltonian" in out
    source = tex.read_text()
    assert r"\xi(x)" in source and r"D(\tilde w)" in source and r"\cite{auffinger2013mixed}" in source
    assert compile_pdf(tex).exists()


@pytest.mark.parametrize("text", ["0-2", "a:b", "0:2;1:3", "0:2,", ":"])
def test_malformed_skips_give_usage(capsys, text):
    code, out, err = _run(capsys, "--widths", "2,2,2,1", "--skips", text)
    assert code == 2 and out == ""
    assert "usage:" in err and "argument --skips" in err and "Traceback" not in err


@pytest.mark.parametrize("text, fragment", [("0:1", "(0, 1): layers 0 and 1 are already joined"),
                                            ("0:4", "got (0, 4), but the layers are 0..H = 0..3"),
                                            ("0:2,0:2", "(0, 2) is given twice")])
def test_impossible_skips_give_one_line_errors(capsys, text, fragment):
    code, out, err = _run(capsys, "--widths", "2,2,2,1", "--skips", text)
    assert code == 2 and out == ""
    assert err.startswith("polyloss: error: skips must be") and fragment in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
