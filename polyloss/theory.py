"""The documents in ``theory/``: kept importable here; they live in :mod:`polyloss.documents.theory`."""

from __future__ import annotations

from .documents.theory import DOCUMENTS, build, render_all, write_theory

__all__ = ["DOCUMENTS", "build", "render_all", "write_theory"]
