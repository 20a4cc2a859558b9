"""Figure of the spin-glass experiment: the paper's Fig. 2 (left), histograms of the minima's energies.

Reads a :class:`~polyloss.experiments.spinglass_minima.SpinGlassMinimaResult` (or its run folder);
computes nothing but the histograms.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import pyplot

__all__ = ["minima_histogram"]


def minima_histogram(result, path=None, *, bins: int = 40, refined: bool = False):
    """Overlaid histograms (one per Λ) of the energies per Λ, u = L/Λ, with -E_0 and -E_∞ marked.

    ``result``: a SpinGlassMinimaResult or a run folder. ``path``: where to write the PNG (default
    ``<run folder>/spinglass_minima.png``; None with an in-memory result returns the figure only).
    ``refined``: plot the energies of the Newton-refined critical points instead of the end points.
    Returns ``(figure, path)``.
    """
    from ..experiments.spinglass_minima import SpinGlassMinimaResult

    if not isinstance(result, SpinGlassMinimaResult):
        result = SpinGlassMinimaResult.load(result)
    if path is None and result.folder is not None:
        path = Path(result.folder) / "spinglass_minima.png"
    data = result.refined_energies if refined else result.energies
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9.0, 4.4), dpi=130)
    values = [data[lam][np.isfinite(data[lam])] for lam in result.Lambdas]
    finite = np.concatenate(values) if values else np.array([0.0])
    lo, hi = float(finite.min()), float(finite.max())
    if result.E_0 is not None:
        lo = min(lo, -result.E_0 - 0.01)
        hi = max(hi, -result.E_inf + 0.01)
    edges = np.linspace(lo, hi, bins + 1)
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, max(1, len(values))))
    for lam, u, color in zip(result.Lambdas, values, colors):
        ax.hist(u, bins=edges, density=True, histtype="stepfilled", alpha=0.25, color=color)
        ax.hist(u, bins=edges, density=True, histtype="step", lw=1.6, color=color,
                label=f"Λ = {lam} ({u.size} runs)")
    if result.E_0 is not None:
        ax.axvspan(-result.E_0, -result.E_inf, color="0.85", zorder=0, label="band [−E₀, −E∞]")
        ax.axvline(-result.E_0, color="crimson", ls="--", lw=1.2, label=f"−E₀ = {-result.E_0:.4f}")
        ax.axvline(-result.E_inf, color="black", ls=":", lw=1.4, label=f"−E∞ = {-result.E_inf:.4f}")
    what = "Newton-refined critical points" if refined else "end points"
    method = result.config.get("method", "?")
    ax.set_xlabel(r"energy per $\Lambda$:  $u = L(w)/\Lambda$,   $L = \Lambda^{-(H-1)/2}\sum X_{i_1\ldots i_H}"
                  r"w_{i_1}\cdots w_{i_H}$,  $\|w\|^2 = \Lambda$")
    ax.set_ylabel("density (histogram area 1 per Λ)")
    ax.set_title(f"Spherical {result.H}-spin glass: energies of the {what} of {method.upper()}")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    if path is not None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path)
    return fig, path
