"""The documents in ``theory/``: generated from the symbolic layer, never edited by hand.

:data:`DOCUMENTS` maps each file stem to the function that builds its
:class:`~polyloss.symbolic.latex.Document`. ``polyloss theory`` (or :func:`write_theory`) regenerates
them all; a test checks that the committed files equal a fresh generation and compiles each one.
"""

from __future__ import annotations

from pathlib import Path

from .complexity import complexity_document, mixed_complexity_document
from .derivation import example_document, general_document, skips_document

#: stem -> function returning the Document
DOCUMENTS = {
    "derivation_general": general_document,
    "derivation_example": example_document,
    "derivation_skips": skips_document,
    "complexity": complexity_document,
    "complexity_mixed": mixed_complexity_document,
}


def build(stem: str):
    """The Document for one ``theory/`` entry."""
    return DOCUMENTS[stem]()


def render_all() -> dict:
    """``{file name: LaTeX source}`` for every theory document."""
    return {f"{stem}.tex": build(stem).render() for stem in DOCUMENTS}


def write_theory(directory="theory") -> list:
    """Write every theory document into ``directory`` (atomically, with ``references.bib`` beside
    them); return the paths of the ``.tex`` files."""
    directory = Path(directory)
    return [build(stem).write(directory / f"{stem}.tex") for stem in DOCUMENTS]
