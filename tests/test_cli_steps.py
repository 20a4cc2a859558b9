"""``polyloss derive --steps`` end to end (subprocess), with its LaTeX output compiled by pdflatex."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from polyloss.symbolic.latex import compile_pdf

ROOT = Path(__file__).resolve().parents[1]


def _polyloss(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "polyloss", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_derive_steps_prints_every_step(tmp_path, pdflatex):
    tex = tmp_path / "derivation.tex"
    proc = _polyloss("derive", "--widths", "2,2,2,1", "--steps", "--loss", "hinge", "--latex", str(tex))
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for n, name in enumerate(["path polynomial", "expectation over activations", "independent path inputs",
                              "redundancy", "uniformity", "unit-variance couplings", "spherical constraint",
                              "Hamiltonian", "hinge loss"], start=1):
        assert f"Step {n}. {name}" in out
    assert "Λ = 2" in out and "A7 hinge activity" in out and "c = 1" in out
    assert compile_pdf(tex, runs=1).exists()
    assert (tmp_path / "references.bib").exists()  # the document cites: its bibliography is beside it


def test_derive_steps_prints_plain_text_not_latex_or_python():
    """Plain output: Unicode mathematics; no LaTeX macro or brace, no Python power, bool or dict repr."""
    proc = _polyloss("derive", "--widths", "2,2,2,1", "--steps", "--loss", "hinge", "--Lambda", "3")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for bad in ("\\", "{", "}", "**", "True", "False", "Lambda", "rho", "sqrt", "oo", "->"):
        assert bad not in out, bad
    for good in ("Λ = 3", "ρ", "w̃_1", "X̂_1,1,1", "c = ∞", "Y_t", "the regrouping is exact"):
        assert good in out, good


def test_derive_steps_default_and_Lambda(tmp_path):
    proc = _polyloss("derive", "--widths", "2,2,2,1", "--steps")
    assert proc.returncode == 0, proc.stderr
    assert "Step 8. Hamiltonian" in proc.stdout and "Step 9." not in proc.stdout  # no loss by default
    proc = _polyloss("derive", "--widths", "2,2,2,1", "--steps", "--Lambda", "3", "--loss", "absolute")
    assert proc.returncode == 0, proc.stderr
    assert "Λ = 3" in proc.stdout and "c = ∞" in proc.stdout and "Step 9. absolute loss" in proc.stdout


def test_derive_steps_Lambda_that_does_not_fit():
    proc = _polyloss("derive", "--widths", "2,2,2,1", "--steps", "--Lambda", "11")
    assert proc.returncode == 2
    assert "Lambda = 11 unique weights do not fit" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
