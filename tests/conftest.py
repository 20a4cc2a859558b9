"""Shared fixtures. Tests that compile LaTeX need pdflatex: `bash run.sh test` installs it."""

from __future__ import annotations

import shutil

import pytest


@pytest.fixture(scope="session")
def pdflatex():
    """The pdflatex path; a missing engine is a failure (the set-up installs it), not a skip."""
    path = shutil.which("pdflatex")
    if path is None:
        pytest.fail("pdflatex not found: install texlive-latex-base texlive-latex-recommended "
                    "(`bash run.sh test` does)")
    return path
