"""The documents in ``theory/``: generated from the symbolic layer, never edited by hand.

Each entry maps a file stem to the function that builds its :class:`~polyloss.symbolic.latex.Document`.
``polyloss theory`` (or :func:`write_theory`) regenerates them all; a test checks the committed
files equal a fresh generation and compiles each with pdflatex.
"""

from __future__ import annotations

import importlib
from pathlib import Path

# stem -> "module:function" returning a Document
DOCUMENTS = {
    "derivation_general": "polyloss.symbolic.derivation_document:general_document",
    "derivation_example": "polyloss.symbolic.derivation_document:example_document",
    "complexity": "polyloss.symbolic.complexity:complexity_document",
}


def build(stem: str):
    """The Document for one ``theory/`` entry."""
    module, func = DOCUMENTS[stem].split(":")
    return getattr(importlib.import_module(module), func)()


def render_all() -> dict:
    """``{file name: LaTeX source}`` for every theory document."""
    return {f"{stem}.tex": build(stem).render() for stem in DOCUMENTS}


def write_theory(directory="theory") -> list:
    """Write every theory document into ``directory`` (atomically); return the paths."""
    from .store import atomic_write_text

    directory = Path(directory)
    return [atomic_write_text(directory / name, text) for name, text in render_all().items()]
