"""Figures: one function per figure, reading results (never computing them).

Every figure function draws into the caller's ``ax=`` (an Axes, or a sequence of Axes for a figure of
several panels) or into a new :class:`matplotlib.figure.Figure`, and returns the Figure; none selects a
matplotlib backend, so they are safe in a notebook. The ``save_…`` functions write a figure to files
(PNG, optionally PDF, atomically) for the command line and the reports. Colours of Λ and of the width
n_1 are one mapping for all figures (:mod:`polyloss.figures.style`). matplotlib is imported lazily.
"""

from .style import lambda_colour, width_colour

__all__ = ["lambda_colour", "width_colour"]
