"""Complexity figures: Θ_H and Θ_{k,H} near the threshold (the paper's figure), and finite-Λ convergence.

The curves are cheap closed forms (:func:`polyloss.numeric.complexity.theta`) or precomputed finite-N
counts (part 2, :func:`polyloss.numeric.critical_counts.expected_critical_points`), evaluated here;
matplotlib is imported only inside the functions.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import pyplot

U_LABEL = r"$u = L/\Lambda$ (energy per $\Lambda$)"
THETA_LABEL = r"$\Theta(u) = \lim\ (1/\Lambda)\,\log\ \mathbb{E}\,\mathrm{Crt}$"


def _save(fig, path, pdf: bool):
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=150, bbox_inches="tight")
    out = [path]
    if pdf:
        out.append(path.with_suffix(".pdf"))
        fig.savefig(out[-1], bbox_inches="tight")
    pyplot().close(fig)
    return out


def complexity_curves(path, H: int = 3, kmax: int = 5, *, zoom=(-1.70, -1.60), wide=(-2.2, 0.4),
                      pdf: bool = False) -> list:
    """The paper's complexity figure: ``Θ_H(u)`` and ``Θ_{k,H}(u)``, ``k = 0 … kmax``, with ``-E_0`` and
    ``-E_∞`` marked; left the whole range ``wide``, right the band ``zoom`` near the threshold.

    Writes ``path`` (PNG) and, with ``pdf=True``, the same name with ``.pdf``; returns the paths.
    """
    from ..numeric.complexity import energy_thresholds, theta

    plt = pyplot()
    th = energy_thresholds(H, kmax)
    e_inf, e_0 = float(th.E_inf), float(th.E[0])
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw={"width_ratios": [1, 1.25]})
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, kmax + 1))
    for ax, (lo, hi) in zip(axes, (wide, zoom)):
        u = np.linspace(lo, hi, 1201)
        u = np.union1d(u, [-e_inf]) if lo < -e_inf < hi else u  # the kink, exactly
        ax.plot(u, theta(u, H), color="black", lw=2.2, label=r"$\Theta_H$ (all indices; $=\Theta_{0,H}$ below $-E_\infty$)")
        for j in range(kmax + 1):
            ax.plot(u, theta(u, H, j), color=colors[j], lw=1.3, label=rf"$\Theta_{{{j},H}}$ (index {j})")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.axvline(-e_inf, color="tab:red", ls="--", lw=1.1, label=rf"$-E_\infty = {-e_inf:.5f}$")
        ax.axvline(-e_0, color="tab:blue", ls=":", lw=1.4, label=rf"$-E_0 = {-e_0:.5f}$ (ground state)")
        ax.set_xlim(lo, hi)
        ax.set_xlabel(U_LABEL)
        ax.grid(alpha=0.25)
    axes[0].set_ylabel(THETA_LABEL)
    axes[0].set_title(f"H = {H}: complexity of critical points below level u")
    lo, hi = zoom
    axes[1].set_title(rf"zoom on $[{lo}, {hi}]$: index-$k$ points exist below $-E_k$")
    ytop = float(theta(np.array([hi]), H)[0])
    ybot = float(theta(np.array([lo]), H, kmax)[0])
    axes[1].set_ylim(ybot - 0.1 * abs(ybot), ytop + 0.15 * abs(ytop))
    zeros = [-float(e) for e in th.E]  # Θ_{k,H}(-E_k) = 0: where index-k points start to exist
    axes[1].scatter(zeros, np.zeros(len(zeros)), c=colors, s=22, zorder=5, edgecolors="white", linewidths=0.5,
                    label=r"zeros $-E_k$ of $\Theta_{k,H}$")
    text = "\n".join(rf"$-E_{{{j}}} = {z:.5f}$" for j, z in enumerate(zeros))
    axes[1].text(0.02, 0.97, text, transform=axes[1].transAxes, va="top", ha="left", fontsize=8,
                 bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"})
    axes[0].axvspan(lo, hi, color="orange", alpha=0.15, lw=0)
    axes[1].legend(fontsize=8, loc="lower right", framealpha=0.9)
    fig.tight_layout()
    return _save(fig, path, pdf)


def finite_size_convergence(path, H: int = 3, k: int = 0, *, sizes=None, curves=None, zoom=(-1.75, -1.55),
                            pdf: bool = False) -> list:
    """``(1/N) log E Crt_{N,k}(u)`` for growing ``N`` against the limit ``Θ_{k,H}(u)``.

    ``curves`` maps ``N`` to ``(u, values)`` (precomputed); when it is None they are computed with
    :func:`polyloss.numeric.critical_counts.expected_critical_points` for ``sizes`` (default
    ``(10, 25, 50, 100)``) on a grid of ``zoom``.
    """
    from ..numeric.complexity import e_infinity, energy_thresholds, theta

    plt = pyplot()
    if curves is None:
        from ..numeric.critical_counts import expected_critical_points

        sizes = (10, 25, 50, 100) if sizes is None else tuple(sizes)
        grid = np.linspace(zoom[0], zoom[1], 41)
        curves = {}
        for n in sizes:
            counts = np.array([float(expected_critical_points(n, H, k=k, u=v)) for v in grid])
            curves[n] = (grid, np.log(counts) / n)
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    colors = plt.cm.plasma(np.linspace(0.1, 0.8, len(curves)))
    for color, (n, (uu, values)) in zip(colors, sorted(curves.items())):
        ax.plot(uu, values, color=color, lw=1.3, marker=".", ms=3,
                label=rf"$N = {n}$: $(1/N)\log \mathbb{{E}}\,\mathrm{{Crt}}_{{N,{k}}}(u)$")
    u = np.linspace(zoom[0], zoom[1], 801)
    ax.plot(u, theta(u, H, k), color="black", lw=2.2, label=rf"limit $\Theta_{{{k},H}}(u)$")
    e_inf, e_k = e_infinity(H), float(energy_thresholds(H, k).E[k])
    ax.axvline(-e_inf, color="tab:red", ls="--", lw=1.1, label=rf"$-E_\infty = {-e_inf:.4f}$")
    ax.axvline(-e_k, color="tab:blue", ls=":", lw=1.4, label=rf"$-E_{k} = {-e_k:.4f}$")
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xlim(*zoom)
    ax.set_xlabel(U_LABEL.replace(r"\Lambda", "N"))
    ax.set_ylabel(THETA_LABEL.replace(r"\Lambda", "N"))
    ax.set_title(f"H = {H}, index {k}: finite N converges to the limit (N = Lambda)")
    ax.grid(alpha=0.25)
    ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    fig.tight_layout()
    return _save(fig, path, pdf)
