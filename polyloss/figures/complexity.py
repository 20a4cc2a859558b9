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
    axes[1].set_title(rf"zoom on $[{lo}, {hi}]$: index-$k$ points lie above $-E_k$")
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


def finite_size_curves(H: int = 3, sizes=(10, 25, 50, 100, 200), *, ks=(None, 0), index_sizes=(10, 25, 50, 100),
                       u=None, samples: int = 1000, rng=0, executor=None, threads: int | None = 1) -> dict:
    """``{(k, N): (u, (1/N) log E Crt_{N,k}(u), its standard error)}`` from part 2's
    :func:`polyloss.numeric.critical_counts.log_critical_points_curve`: exact for the total ``k=None``
    (``sizes``); the planted Monte Carlo method for ``k = 0, 1`` (``index_sizes``, ``samples`` draws,
    seeded by ``rng``: an int, a numpy Generator (one integer drawn from it) or None (fresh entropy);
    each curve has its own seed derived from it). ``executor`` and ``threads`` run the Monte Carlo
    chunks (see :mod:`polyloss.execution`; a :class:`~polyloss.execution.LocalWorkers` keeps its
    processes for all the curves, where an int starts new ones for each); the curves are the same bit
    for bit whatever runs them. A few seconds."""
    from .._random import derive_seed
    from ..numeric.critical_counts import log_critical_points_curve

    from ..numeric.complexity import e_infinity

    if isinstance(rng, np.random.Generator):
        rng = int(rng.integers(2**62))
    u = np.linspace(-1.80, -1.50, 61) if u is None else np.asarray(u, dtype=float)
    u_index = u[u <= -e_infinity(H) + 0.03]  # the planted method's range (part 2's docstring)
    out = {}
    for k in ks:
        for n in (sizes if k is None else index_sizes):
            if k is not None and n < k + 2:
                continue
            seed = None if rng is None else derive_seed(rng, "finite_size_curves", H, "all" if k is None else k, n)
            c = log_critical_points_curve(n, H, u if k is None else u_index, k=k, samples=samples, rng=seed,
                                          executor=executor, threads=threads)
            with np.errstate(divide="ignore", invalid="ignore"):
                err = np.where(c["value"] > 0, c["stderr"] / c["value"], 0.0) / n  # δ(log)/N
            out[(k, n)] = (c["u"], c["log_per_N"], err)
    return out


def finite_size_convergence(path, curves: dict, H: int = 3, *, pdf: bool = False) -> list:
    """``(1/N) log E Crt_{N,k}(u)`` for growing ``N`` against the limits ``Θ_H`` / ``Θ_{k,H}``: one panel
    per index in ``curves`` (from :func:`finite_size_curves`), Monte Carlo standard errors shaded."""
    from ..numeric.complexity import e_infinity, energy_thresholds, theta

    plt = pyplot()
    ks = sorted({k for k, _ in curves}, key=lambda k: -1 if k is None else k)
    fig, axes = plt.subplots(1, len(ks), figsize=(6.2 * len(ks), 4.8), squeeze=False)
    e_inf = e_infinity(H)
    for ax, k in zip(axes[0], ks):
        sizes = sorted(n for kk, n in curves if kk == k)
        colors = plt.cm.plasma(np.linspace(0.1, 0.8, len(sizes)))
        lo = hi = None
        for color, n in zip(colors, sizes):
            uu, values, err = curves[(k, n)]
            ax.plot(uu, values, color=color, lw=1.3, label=f"N = {n}")
            if np.any(err > 0):
                ax.fill_between(uu, values - err, values + err, color=color, alpha=0.25, lw=0)
            lo = uu.min() if lo is None else min(lo, uu.min())
            hi = uu.max() if hi is None else max(hi, uu.max())
        grid = np.linspace(lo, hi, 801)
        name = r"\Theta_H" if k is None else rf"\Theta_{{{k},H}}"
        ax.plot(grid, theta(grid, H, k), color="black", lw=2.2, label=rf"limit ${name}(u)$")
        ax.axvline(-e_inf, color="tab:red", ls="--", lw=1.1, label=rf"$-E_\infty = {-e_inf:.4f}$")
        e_0 = float(energy_thresholds(H).E[0])
        ax.axvline(-e_0, color="tab:blue", ls=":", lw=1.4, label=rf"$-E_0 = {-e_0:.4f}$")
        ax.axhline(0.0, color="grey", lw=0.8)
        ax.set_xlim(lo, hi)
        ax.set_xlabel(r"$u = L/N$ (energy per $N = \Lambda$)")
        what = "all indices (exact)" if k is None else f"index {k} (planted Monte Carlo, ±1 s.e.)"
        ax.set_title(f"H = {H}, {what}")
        ax.set_ylabel(r"$(1/N)\,\log\ \mathbb{E}\,\mathrm{Crt}_{N}(u)$" if k is None
                      else rf"$(1/N)\,\log\ \mathbb{{E}}\,\mathrm{{Crt}}_{{N,{k}}}(u)$")
        ax.grid(alpha=0.25)
        ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
    fig.suptitle(r"finite $N$ converges to the complexity $\Theta$ (slowly: corrections of order $\log N / N$)", fontsize=11)
    fig.tight_layout()
    return _save(fig, path, pdf)
