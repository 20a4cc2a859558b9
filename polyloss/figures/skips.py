"""Figure of the skip-family experiment: for each architecture, from the plain chain through growing skip
connections, the predicted interval of low critical values beside the simulated minima.

Reads a :class:`~polyloss.experiments.skip_family.SkipFamilyResult` (its architectures, mixtures,
thresholds, refined energies, indices and :meth:`~polyloss.experiments.skip_family.SkipFamilyResult.rows`);
computes nothing but a deterministic horizontal spread of the points.
"""

from __future__ import annotations

import numpy as np

from .canvas import panels, save
from .style import BAND, E_0_LINE, E_INF_LINE, index_colour, legend, shading_handle

__all__ = ["skip_family_figure", "save_skip_family_figure", "E_INF_PRIME_LINE"]

E_INF_PRIME_LINE = {"color": "0.35", "ls": "-.", "lw": 1.0}
r"""The line at ``u = −E'_∞`` (where the edge of the spectrum stops being the optimum; equal to ``−E_∞`` for a
pure model)."""

_HATCH = "///"
_MAX_INDEX_SHOWN = 2
_NOT_CONVERGED = {"s": 16, "marker": "x", "color": "0.55", "zorder": 3}


def _is_pure_like(thresholds) -> bool:
    return thresholds.scenario == "pure-like"


def skip_family_figure(result, *, ax=None):
    r"""One column per architecture (x axis, labelled by its skips and its scenario): on the left the
    interval ``[−E_0, −E_∞]`` of its mixture (shaded in the pure-like scenario, hatched in the full
    mixture, where the thresholds of all indices coincide; none in the trivial scenario), with ``−E_0``,
    ``−E_∞`` and ``−E'_∞`` marked; on the right the energies per Λ of the refined end points of gradient descent, coloured by
    Hessian index (grey crosses: Newton did not converge), with their mean and its 95 % interval over
    the per-seed means.

    ``ax``: the Axes to draw into, or None for a new Figure. Returns the Figure.
    """
    n = len(result.architectures)
    fig, (ax,), own = panels(ax, 1, (max(6.5, 1.9 * n + 3.0), 5.0))
    rows = result.rows()
    labelled = set()
    indices, unconverged = set(), False

    def label(name, text):
        if name in labelled:
            return None
        labelled.add(name)
        return text

    for a, row in enumerate(rows):
        th = result.thresholds[a]
        lo, hi = result.band(a)
        x0, x1 = a - 0.38, a - 0.06
        if _is_pure_like(th):
            ax.fill_between([x0, x1], lo, hi, **BAND)
        elif th.scenario == "full mixture":
            ax.fill_between([x0, x1], lo, hi, facecolor="none", edgecolor="0.6", hatch=_HATCH, lw=0, zorder=0)
        if np.isfinite(lo):  # the trivial scenario has no band
            ax.hlines(lo, x0, x1, **E_0_LINE, label=label("E0", r"$-E_0$"))
        ax.hlines(hi, x0, x1, **E_INF_LINE, label=label("Einf", r"$-E_\infty$"))
        ax.hlines(-float(th.E_inf_prime), x0, x1, **E_INF_PRIME_LINE, label=label("Einfp", r"$-E'_\infty$"))
        u, ok, idx = (np.asarray(v) for v in (result.energies[a], result.converged[a], result.indices[a]))
        u, ok, idx = u.ravel(), ok.ravel(), idx.ravel()
        spread = a + 0.1 + 0.24 * ((np.arange(u.size) * 0.618034) % 1.0)  # deterministic, evenly filled
        shown = np.minimum(idx, _MAX_INDEX_SHOWN)
        for k in sorted(set(shown[ok].tolist())):
            sel = ok & (shown == k)
            ax.scatter(spread[sel], u[sel], s=14, color=index_colour(k, _MAX_INDEX_SHOWN), alpha=0.85,
                       edgecolors="none", zorder=3)
            indices.add(k)
        if (~ok).any():
            ax.scatter(spread[~ok], result.end_energies[a].ravel()[~ok], **_NOT_CONVERGED)
            unconverged = True
        if np.isfinite(row["mean"]):
            err = ([row["mean"] - row["low"]], [row["high"] - row["mean"]]) if np.isfinite(row["low"]) else None
            ax.errorbar([a + 0.4], [row["mean"]], yerr=err, fmt="D", color="black", ms=4, capsize=3, zorder=4,
                        label=label("mean", "mean and 95 % interval (over seeds)"))
    for k in sorted(indices):  # legend entries in the order of the index, whichever column showed it first
        name = f"index {k}" if k < _MAX_INDEX_SHOWN else f"index ≥ {_MAX_INDEX_SHOWN}"
        ax.scatter([], [], s=14, color=index_colour(k, _MAX_INDEX_SHOWN), label=name)
    if unconverged:
        ax.scatter([], [], **_NOT_CONVERGED, label="not converged (descent end point)")
    ticks = [f"{r['architecture'].replace(':', '→').replace(',', ', ')}\n{_scenario_word(result.thresholds[a])}"
             for a, r in enumerate(rows)]
    ax.set_xticks(range(n), ticks, fontsize=8)
    ax.set_xlim(-0.6, n - 0.4)
    ax.set_xlabel("skip connections (from layer → to layer; 0 is the input) and scenario")
    ax.set_ylabel(r"energy per $\Lambda$:  $u = L(w)/\Lambda$")
    c = result.config
    ax.set_title(f"From a plain chain through skip connections: widths {tuple(c['widths'])}, C = {c['C']:g}, "
                 f"Λ = {c['Lambda']}, {c['seeds']} × {c['replicas']} runs", fontsize=10)
    extra = [shading_handle(r"shaded: $[-E_0, -E_\infty]$, pure-like (layered band)", color=BAND["color"],
                            alpha=1.0)]
    if any(t.scenario == "full mixture" for t in result.thresholds):
        from matplotlib.patches import Patch

        extra.append(Patch(facecolor="none", edgecolor="0.6", hatch=_HATCH,
                           label=r"hatched: $[-E_0, -E_\infty]$, full mixture (all $E_k$ equal)"))
    legend(ax, extra, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def _scenario_word(thresholds) -> str:
    return "trivial (no band)" if thresholds.scenario == "trivial" else str(thresholds.scenario)


def save_skip_family_figure(path, result, *, pdf: bool = False) -> list:
    """:func:`skip_family_figure` written to ``path`` (PNG; a PDF too with ``pdf=True``); returns the paths."""
    return save(skip_family_figure(result), path, pdf=pdf)
