"""theory/ holds only generated documents: they equal a fresh generation and compile with pdflatex."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from polyloss.documents.theory import DOCUMENTS, render_all, write_theory
from polyloss.symbolic.latex import bibliography_text, compile_pdf

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rendered():
    return render_all()


def test_every_registered_document_is_committed(rendered):
    committed = {p.name for p in (ROOT / "theory").glob("*.tex")}
    assert committed == set(rendered), "theory/ must hold exactly the generated documents"


def test_the_bibliography_beside_them_is_the_package_one():
    """The documents cite polyloss/references.bib; theory/ holds the copy `polyloss theory` writes."""
    assert all(r"\bibliography{references}" in text for text in render_all().values())
    assert (ROOT / "theory" / "references.bib").read_text() == (ROOT / "polyloss" / "references.bib").read_text()
    assert bibliography_text() == (ROOT / "polyloss" / "references.bib").read_text()


def test_written_files_have_the_umask_mode(tmp_path):
    """Under umask 022 every written file (the .tex and references.bib) is 0644, readable by all."""
    import os

    old = os.umask(0o022)
    try:
        paths = write_theory(tmp_path)
    finally:
        os.umask(old)
    for path in [*paths, tmp_path / "references.bib"]:
        assert (path.stat().st_mode & 0o777) == 0o644, path


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
    shutil.copy(ROOT / "theory" / "references.bib", tmp_path / "references.bib")
    pdf = compile_pdf(src)
    assert pdf.stat().st_size > 2000


def test_theory_command_regenerates(tmp_path, rendered):
    out = subprocess.run([sys.executable, "-m", "polyloss", "theory", "--out", str(tmp_path)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    for name, text in rendered.items():
        assert (tmp_path / name).read_text() == text
