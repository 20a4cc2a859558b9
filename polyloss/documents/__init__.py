"""The generated documents: the derivation of the spin-glass Hamiltonian and the complexity formulas.

This layer sits above :mod:`polyloss.symbolic` (the mathematics, and the LaTeX writer
:mod:`polyloss.symbolic.latex`) and :mod:`polyloss.numeric` (numbers for the tables): it imports both,
and neither imports it: a :class:`~polyloss.symbolic.hamiltonian.Derivation` is printed by
:func:`polyloss.documents.derivation.derivation_text` and
:func:`polyloss.documents.derivation.derivation_document`, not by methods of its own.

* :mod:`polyloss.documents.citations`: the sources the documents cite, as keys of
  ``polyloss/references.bib``;
* :mod:`polyloss.documents.derivation`: a derivation as plain text and as a LaTeX document, and the
  general derivation of ``theory/derivation_general.tex``;
* :mod:`polyloss.documents.complexity`: the complexity document (``theory/complexity.tex``);
* :mod:`polyloss.documents.theory`: the registry of ``theory/`` and its regeneration.
"""
