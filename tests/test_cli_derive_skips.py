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
    assert "paths from the inputs by length m: Ψ_2 = 8, Ψ_3 = 8" in out
    assert "with widths (2, 2, 2, 1), skips 0:2,1:3, biases:" in out
    assert "a bias b^(k)_j ↦ w_(1 + j mod Λ)" in out and "s^(a'→b')_a,b" in out  # every rule of the weight map
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


def test_q_is_passed_to_the_derivation(capsys):
    import sympy

    from polyloss.symbolic.plain import plain_text

    psi = 2 * 2 + 2 * 2 + 2 * 2 * 2                  # Ψ = Σ_m Ψ_m; the default q = Ψ^(-(H-1)/(2H)), H = 3
    for given, q in (("1", sympy.Integer(1)), ("1/3", sympy.Rational(1, 3)),
                     (None, sympy.Integer(psi) ** sympy.Rational(-(3 - 1), 2 * 3))):
        code, out, err = _run(capsys, *ARGS, *(("--q", given) if given else ()))
        assert code == 0, err
        assert f"  q = {plain_text(q)}; " in out
        first = [line for line in out.splitlines() if line.startswith("  E_A[Y] = ")][0]
        factor = "" if q == 1 else f"{plain_text(q)}·("  # q times the sum over the paths (q = 1 not written)
        assert first.startswith(f"  E_A[Y] = {factor}X_1·ρ·")


def test_max_paths_is_honoured_by_the_derivation(capsys):
    paths = 2 * 2 + 2 * 2 + 2 * 2 * 2
    code, out, err = _run(capsys, *ARGS, "--max-paths", str(paths - 1))
    assert code == 2 and out == "" and f"{paths} paths" in err and f"max_paths={paths - 1}" in err
    code, out, err = _run(capsys, *ARGS, "--max-paths", str(paths))
    assert code == 0, err


def test_a_large_network_is_refused_naming_the_limit_it_exceeds(capsys):
    n = 20
    paths = n ** 3 + n ** 2                          # 0→1→2→3 and the skip 0→2→3
    code, out, err = _run(capsys, "--widths", f"{n},{n},{n},1", "--skips", "0:2")
    assert code == 2 and out == "" and f"{paths:,} paths" in err and "max_paths=4,096" in err
    code, out, err = _run(capsys, "--widths", f"{n},{n},{n},1", "--skips", "0:2", "--max-paths", "100000")
    Lambda = round(paths ** (1 / 3))                 # the default Λ: the integer nearest to Ψ^(1/H)
    assert code == 2 and out == "" and f"{Lambda ** 2 + Lambda ** 3:,} ordered weight tuples" in err
    assert "max_tuples=4,096" in err and "smaller Lambda" in err
    code, out, err = _run(capsys, "--widths", f"{n},{n},{n},1", "--skips", "0:2", "--max-paths", "100000",
                          "--max-tuples", "100")
    assert code == 2 and "max_tuples=100" in err


def test_max_terms_is_refused_for_the_derivation(capsys):
    code, out, err = _run(capsys, *ARGS, "--max-terms", "5")
    assert code == 2 and out == "" and "--max-terms is for the path polynomial" in err


def test_max_tuples_needs_the_derivation(capsys):
    code, out, err = _run(capsys, "--widths", "2,2,1", "--max-tuples", "5")
    assert code == 2 and out == "" and "--max-tuples belong to the derivation" in err


def test_a_linear_network_with_biases_prints_a_linear_field(tmp_path, capsys):
    tex = tmp_path / "linear.tex"
    code, out, err = _run(capsys, "--widths", "3,1", "--biases", "--latex", str(tex))
    assert code == 0, err
    assert "ξ(x) = x (degree 1: a linear field, no critical points to count)" in out
    assert "Ψ_1 = 3" in out                          # one path of length 1 from each of the 3 inputs
    assert r"\xi(x) = x" in tex.read_text() and "linear field" in tex.read_text()
