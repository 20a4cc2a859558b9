"""Figure of the spin-glass experiment: the paper's spin-glass figure [figure number unverified],
histograms of the energies per Λ of the points SGD reaches.

Reads a spin-glass minima result (:class:`~polyloss.experiments.spinglass_minima.SpinGlassMinimaResult`:
its ``H``, ``energies``, ``refined_energies``, ``E_0``, ``E_inf`` and ``config``; load a run folder
with ``SpinGlassMinimaResult.load``); computes nothing but the histograms.
"""

from __future__ import annotations

import numpy as np

from .canvas import panels, save
from .style import BAND, E_0_LINE, E_INF_LINE, band_label, e_0_label, e_inf_label, lambda_colour, legend

__all__ = ["minima_histogram", "save_minima_histogram", "ENERGY_LABEL"]

ENERGY_LABEL = (r"energy per $\Lambda$:  $u = L(w)/\Lambda$,   $L = \Lambda^{-(H-1)/2}\sum X_{i_1\ldots i_H}"
                r"w_{i_1}\cdots w_{i_H}$,  $\|w\|^2 = \Lambda$")


def minima_histogram(result, *, bins: int = 40, refined: bool = False, ax=None):
    """Overlaid histograms (one per Λ, each of area 1, in the colour of its Λ) of the energies per Λ,
    ``u = L/Λ``, with ``−E_0`` and ``−E_∞`` marked and the band ``[−E_0, −E_∞]`` shaded.

    ``refined``: the energies of the Newton-refined critical points instead of the descent's end points.
    ``ax``: the Axes to draw into, or None for a new Figure. Returns the Figure.
    """
    fig, (ax,), own = panels(ax, 1, (9.0, 4.4))
    data = result.refined_energies if refined else result.energies
    lambdas = tuple(sorted(data))
    values = [np.asarray(data[lam], dtype=float) for lam in lambdas]
    values = [v[np.isfinite(v)] for v in values]
    finite = np.concatenate(values) if values else np.array([0.0])
    finite = finite if finite.size else np.array([0.0])
    lo, hi = float(finite.min()), float(finite.max())
    if result.E_0 is not None:
        lo = min(lo, -result.E_0 - 0.01)
        hi = max(hi, -result.E_inf + 0.01)
    edges = np.linspace(lo, hi, bins + 1)
    for lam, u in zip(lambdas, values):
        color = lambda_colour(lam)
        ax.hist(u, bins=edges, density=True, histtype="stepfilled", facecolor=(*color[:3], 0.25), edgecolor=color,
                lw=1.6, label=f"Λ = {lam} ({u.size} runs)")
    if result.E_0 is not None:
        ax.axvspan(-result.E_0, -result.E_inf, **BAND, label=band_label())
        ax.axvline(-result.E_0, **E_0_LINE, label=e_0_label(result.E_0))
        ax.axvline(-result.E_inf, **E_INF_LINE, label=e_inf_label(result.E_inf))
    what = "Newton-refined critical points" if refined else "end points"
    method = str(result.config.get("method", "?"))
    ax.set_xlabel(ENERGY_LABEL)
    ax.set_ylabel("density (histogram area 1 per Λ)")
    model = (f"Spherical {result.H}-spin glass" if isinstance(result.H, int)
             else f"Mixed spherical spin glass, ξ = {result.H}")
    ax.set_title(f"{model}: energies of the {what} of {method.upper()}")
    legend(ax, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def save_minima_histogram(path, result, *, bins: int = 40, refined: bool = False, pdf: bool = False) -> list:
    """:func:`minima_histogram` written to ``path`` (PNG; a PDF too with ``pdf=True``); returns the paths."""
    return save(minima_histogram(result, bins=bins, refined=refined), path, pdf=pdf)
