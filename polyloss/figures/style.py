"""One visual language for every figure: a colour per Λ, a colour per width n_1, the thresholds' lines.

Colours are a *mapping of the value*, not of a value's position in one figure's list, so that
Λ = 100 is drawn in the same colour in the spin-glass histogram, the finite-size convergence
figure (where the size N is Λ) and the test-loss panel beside the networks. Each mapping is an
ordered colour scale evaluated at a position ``p(v) ∈ [0, 1]``: the values the experiments use
(:data:`LAMBDA_ANCHORS`, :data:`WIDTH_ANCHORS`) sit at evenly spaced positions, so that they are
as far apart as the scale allows, and any other value gets, deterministically, the position
interpolated linearly in ``log v`` between its two neighbouring anchors (or an anchor and an end stop).
Larger values lie further along the scale (viridis for Λ, from dark blue to green; plasma for n_1,
from dark blue to orange), so the order of the values stays visible.

Text conventions (tested in ``tests/test_figures.py``): one name per quantity (the energy per Λ,
``u = L/Λ``; the thresholds ``−E_0`` and ``−E_∞``, written ``$-E_0$`` and ``$-E_\\infty$`` in
mathtext, where matplotlib sets the hyphen as a minus sign); outside mathtext the minus sign is the
typographic "−" (:func:`signed`); tick labels keep matplotlib's Unicode minus
(``axes.unicode_minus``, on by default, and forced on when :func:`~polyloss.figures.canvas.save`
writes a file).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["LAMBDA_ANCHORS", "WIDTH_ANCHORS", "lambda_colour", "width_colour", "index_colour", "E_INF_LINE",
           "E_0_LINE", "BAND", "MINUS", "signed", "e_inf_label", "e_0_label", "band_label", "legend",
           "shading_handle"]

MINUS = "\N{MINUS SIGN}"

LAMBDA_ANCHORS = (10, 25, 50, 100, 250, 500)
"""Λ values with their own evenly spaced place on the Λ colour scale: the paper's sizes 25 … 500 and the
smallest size the reproduction uses, 10 (the smoke scale's 20 and the finite-size sizes' 200 fall between)."""

WIDTH_ANCHORS = (5, 10, 25, 50, 100, 250, 500)
"""Hidden widths n_1 with their own place on the width colour scale: the paper's widths 25 … 500 and the
smaller widths of the reproduction's presets (5 and 10)."""

_ENDS = ((1.0, 0.0), (10_000.0, 1.0))
"""End stops ``(value, place)``: the anchors fill the places 0.1 … 0.9, smaller and larger values the rest."""

_LAMBDA_MAP, _LAMBDA_SPAN = "viridis", (0.0, 0.95)  # the last 5 % of viridis is too pale on white
_WIDTH_MAP, _WIDTH_SPAN = "plasma", (0.0, 0.9)
_INDEX_MAP, _INDEX_SPAN = "cividis", (0.0, 0.9)

E_INF_LINE = {"color": "tab:red", "ls": "--", "lw": 1.2}
"""The line at ``u = −E_∞`` in every figure."""
E_0_LINE = {"color": "tab:blue", "ls": ":", "lw": 1.5}
"""The line at ``u = −E_0`` (the ground state) in every figure."""
BAND = {"color": "0.88", "lw": 0, "zorder": 0}
"""The shaded band ``[−E_0, −E_∞]`` of the low critical values."""


def _position(value: float, anchors) -> float:
    """``p(v)``: the anchors ``a_j`` at ``0.1 + 0.8 j/(m−1)``, the end stops at 0 (v = 1) and 1 (v = 10⁴); in
    between linear in ``log v``; clipped to ``[0, 1]``."""
    value = float(value)
    if not value > 0:
        raise ValueError(f"a colour is defined for positive values only, got {value!r}")
    (low, p_low), (high, p_high) = _ENDS
    values = np.log([low, *anchors, high])
    places = [p_low, *np.linspace(0.1, 0.9, len(anchors)), p_high]
    return float(np.interp(math.log(value), values, places))


def _colour(name: str, span, p: float) -> tuple:
    from matplotlib import colormaps

    lo, hi = span
    return tuple(float(c) for c in colormaps[name](lo + (hi - lo) * p))


def lambda_colour(Lambda) -> tuple:
    """The RGBA colour of the spin glass's size ``Λ`` (also the size ``N = Λ`` of finite-size curves),
    the same in every figure: viridis at ``p(Λ)`` on :data:`LAMBDA_ANCHORS`."""
    return _colour(_LAMBDA_MAP, _LAMBDA_SPAN, _position(Lambda, LAMBDA_ANCHORS))


def width_colour(n_1) -> tuple:
    """The RGBA colour of the hidden width ``n_1``, the same in every figure: plasma at ``p(n_1)`` on
    :data:`WIDTH_ANCHORS`."""
    return _colour(_WIDTH_MAP, _WIDTH_SPAN, _position(n_1, WIDTH_ANCHORS))


def index_colour(k: int, kmax: int = 10) -> tuple:
    """The colour of the index ``k`` of a critical point (``0 ≤ k ≤ kmax``), from cividis: distinct from
    the Λ and width scales."""
    return _colour(_INDEX_MAP, _INDEX_SPAN, min(max(k, 0), kmax) / max(kmax, 1))


def signed(x: float, fmt: str = ".4f") -> str:
    """``x`` formatted with the typographic minus "−" (for text outside mathtext)."""
    return format(float(x), fmt).replace("-", MINUS)


def e_inf_label(E_inf: float | None = None, digits: int = 4, H: int | None = None) -> str:
    r"""``$-E_\infty = -1.6330$`` (mathtext: its hyphens are set as minus signs)."""
    value = "" if E_inf is None else f" = {-float(E_inf):.{digits}f}"
    return rf"$-E_\infty{value}$" + ("" if H is None else f" (H = {H})")


def e_0_label(E_0: float | None = None, digits: int = 4, note: str = "") -> str:
    """``$-E_0 = -1.6571$`` and an optional note (e.g. "ground state")."""
    value = "" if E_0 is None else f" = {-float(E_0):.{digits}f}"
    return rf"$-E_0{value}$" + (f" ({note})" if note else "")


def band_label() -> str:
    r"""The legend entry of the shaded band of low critical values."""
    return r"shaded: band $[-E_0, -E_\infty]$"


def shading_handle(label: str, color="0.5", alpha: float = 0.3):
    """A legend handle (a patch) that says what a shaded area is."""
    from matplotlib.patches import Patch

    return Patch(facecolor=color, alpha=alpha, edgecolor="none", label=label)


def legend(ax, extra=(), **kwargs):
    """The panel's legend: its labelled artists and the ``extra`` handles (e.g. :func:`shading_handle`)."""
    handles, labels = ax.get_legend_handles_labels()
    for h in extra:
        handles.append(h)
        labels.append(h.get_label())
    kwargs.setdefault("fontsize", 8)
    kwargs.setdefault("framealpha", 0.9)
    return ax.legend(handles, labels, **kwargs)
