"""theory/ holds only generated documents: they equal a fresh generation and compile with pdflatex."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from polyloss.symbolic.latex import compile_pdf
from polyloss.theory import DOCUMENTS, render_all

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rendered():
    return render_all()


def test_every_registered_document_is_committed(rendered):
    committed = {p.name for p in (ROOT / "theory").glob("*.tex")}
    assert committed == set(rendered), "theory/ must hold exactly the generated documents"


@pytest.mark.parametrize("stem", sorted(DOCUMENTS))
def test_committed_file_equals_fresh_generation(stem, rendered):
    committed = (ROOT / "theory" / f"{stem}.tex").read_text()
    assert committed == rendered[f"{stem}.tex"], (
        f"theory/{stem}.tex differs from what polyloss generates: run `polyloss theory` and commit"
    )


@pytest.mark.parametrize("stem", sorted(DOCUMENTS))
def test_theory_document_compiles(stem, tmp_path, pdflatex):
    src = tmp_path / f"{stem}.tex"
    shutil.copy(ROOT / "theory" / src.name, src)
    pdf = compile_pdf(src)
    assert pdf.stat().st_size > 2000


def test_theory_command_regenerates(tmp_path, rendered):
    out = subprocess.run([sys.executable, "-m", "polyloss", "theory", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for name, text in rendered.items():
        assert (tmp_path / name).read_text() == text
