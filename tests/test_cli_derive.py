"""``polyloss derive`` (path polynomial part): output, LaTeX file, q option, and clean errors.

Oracles: the path list written out from the brute-force enumeration of units; argparse's usage
contract (exit 2, "usage:" on stderr, no traceback); pdflatex for the written document.
(``--steps`` is tested with the Hamiltonian, in tests/test_cli_steps.py.)
"""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from polyloss.cli import main
from polyloss.symbolic.latex import compile_pdf

ROOT = Path(__file__).resolve().parents[1]


def _run(capsys, *args):
    try:
        code = main(["derive", *args])
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_prints_the_path_polynomial_in_stable_order(capsys):
    code, out, err = _run(capsys, "--widths", "3,2,1")
    assert code == 0, err
    for fact in ("widths (3, 2, 1)", "H = 2", "Ψ = 6 paths", "N = 8 weights", "q = Ψ^(-(H-1)/(2H)) = 6^(-1/4)"):
        assert fact in out
    listed = [line[4:] for line in out.splitlines() if line.startswith(("    ", "  + "))]
    expected = [f"X_{i}·A_{i},{u}·w^(1)_{i},{u}·w^(2)_{u},1"   # path j = hidden unit u
                for i in (1, 2, 3) for u in (1, 2)]
    assert listed == expected


@pytest.mark.parametrize("q, shown", [("1", "q = 1 (given)"), ("0.5", "q = 1/2 ≈ 0.5 (given)"),
                                      ("1/3", "q = 1/3 ≈ 0.333333 (given)"), ("default", "6^(-1/4)")])
def test_q_option(capsys, q, shown):
    code, out, err = _run(capsys, "--widths", "3,2,1", "--q", q)
    assert code == 0, err
    assert shown in out


def test_compact_form_above_max_terms(capsys):
    code, out, _ = _run(capsys, "--widths", "4,3,1", "--max-terms", "5")
    assert code == 0
    assert "Σ_(i=1..4) Σ_(j=1..3)" in out and "12 terms" in out


def test_latex_file_compiles(tmp_path, capsys, pdflatex):
    tex = tmp_path / "pp.tex"
    code, out, err = _run(capsys, "--widths", "2,2,2,1", "--q", "1", "--latex", str(tex))
    assert code == 0, err
    assert str(tex) in err and "Y = q · (" in out
    source = tex.read_text()
    n_terms = sum(1 for _ in itertools.product(range(2), range(2), range(2)))
    assert source.count("A_{") >= n_terms and r"\begin{align}" in source
    assert compile_pdf(tex, runs=1).exists()


@pytest.mark.parametrize("args, fragment", [
    (["--widths", "a,b"], "expected integers separated by commas"),
    (["--widths", "3,0,1"], "positive integers"),
    (["--widths", "3,2,1", "--q", "abc"], "argument --q"),
    (["--widths", "3,2,1", "--q", "0"], "non-zero"),
    (["--widths", "3,2,1", "--max-terms", "0"], "positive integer"),
    (["--widths", "3,2,1", "--loss", "square"], "invalid choice"),
    (["--widths", "3,2,1", "--no-such-option"], "unrecognized arguments"),
    ([], "required: --widths"),
])
def test_malformed_options_give_usage(capsys, args, fragment):
    code, out, err = _run(capsys, *args)
    assert code == 2
    assert "usage:" in err and fragment in err and "Traceback" not in err


@pytest.mark.parametrize("args, fragment", [
    (["--widths", "3,2,2"], "got (3, 2, 2): its last entry is 2 but n_H must be 1"),
    (["--widths", "3"], "got (3,): it has 1 entry"),
    (["--widths", "1000,1001,1"], "Ψ = 1,001,000 paths"),
    (["--widths", "3,2,1", "--max-paths", "5"], "max_paths=5"),
    (["--widths", "3,1", "--Lambda", "2"], "add --steps"),
])
def test_invalid_values_give_one_line_errors(capsys, args, fragment):
    code, out, err = _run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("polyloss: error: ") and fragment in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_subprocess_errors_have_no_traceback():
    proc = subprocess.run([sys.executable, "-m", "polyloss", "derive", "--widths", "3,2,2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.startswith("polyloss: error: widths must be") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = subprocess.run([sys.executable, "-m", "polyloss", "derive", "--widths", "a,b"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "usage:" in proc.stderr and "Traceback" not in proc.stderr
