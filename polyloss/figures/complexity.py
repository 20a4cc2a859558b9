"""Complexity figures: Θ_H and Θ_{k,H} near the threshold (the paper's figure), and finite-Λ convergence.

The curves are cheap closed forms (:func:`polyloss.numeric.complexity.theta`) or precomputed finite-Λ
counts (part 2, :func:`polyloss.numeric.critical_counts.expected_critical_points`), evaluated here;
matplotlib is imported only inside the functions. Each figure function draws into ``ax=`` (or a new
Figure) and returns the Figure; ``save_…`` writes it (PNG, optionally PDF) and returns the paths.
"""

from __future__ import annotations

import numpy as np

from .canvas import panels, save
from .style import (E_0_LINE, E_INF_LINE, e_0_label, e_inf_label, index_colour, lambda_colour, legend,
                    shading_handle)

__all__ = ["complexity_curves", "save_complexity_curves", "finite_size_curves", "finite_size_convergence",
           "save_finite_size_convergence"]

U_LABEL = r"$u = L/\Lambda$ (energy per $\Lambda$)"
THETA_LABEL = r"$\Theta(u) = \lim\ (1/\Lambda)\,\log\ \mathbb{E}\,\mathrm{Crt}_\Lambda(u)$"


PURE_ZOOM = (-1.70, -1.60)
"""The right panel's range for a pure degree (the paper's zoom for H = 3)."""
E_INF_PRIME_LINE = {"color": "tab:purple", "ls": "-.", "lw": 1.2}
"""The line at ``u = −E'_∞`` (mixtures: below it the indices separate)."""


def _model_text(H) -> str:
    from ..mixture import Mixture

    return f"H = {H}" if not isinstance(H, Mixture) else f"ξ = {H.text()}"


def _auto_zoom(th) -> tuple:
    """A range around the band of a mixture: from below ``−E_0`` to above ``−E_∞`` (or around ``−E_∞``)."""
    e_inf, e_prime = float(th.E_inf), float(th.E_inf_prime)
    if not th.E:  # trivial: the top lies below −E'_∞ < −E_∞ ... show both and below
        return (-max(e_inf, e_prime) - 0.25, -min(e_inf, e_prime) + 0.05)
    low = max([float(e) for e in th.E] + [e_inf, e_prime])
    width = max(low - e_inf, 0.01)
    return (-low - 0.5 * width, -e_inf + 0.3 * width)


def complexity_curves(H=3, kmax: int = 5, *, zoom=None, wide=(-2.2, 0.4), ax=None):
    r"""The paper's complexity figure: ``Θ_H(u)`` and ``Θ_{k,H}(u)``, ``k = 0 … kmax``, with ``−E_0`` and
    ``−E_∞`` marked; left the whole range ``wide`` (the range of the right panel shaded), right the band
    ``zoom`` near the threshold, where ``Θ_{k,H}`` crosses zero at ``−E_k``: index-``k`` critical points lie
    above ``−ΛE_k`` (Auffinger, Ben Arous and Černý 2013; Choromanska et al. 2015, Sec. 4 [unverified]).

    ``H``: a degree, or a mixture ``{p: a_p²}`` (then ``Θ_{k,ξ}``, ``−E'_∞`` marked as well, the scenario in
    the title; derived here, :mod:`polyloss.numeric.complexity`).
    ``zoom``: the right panel's range; default ``(−1.70, −1.60)`` for a degree, around the band for a mixture.
    ``ax``: two Axes (left, right) to draw into, or None for a new Figure. Returns the Figure.
    """
    from ..numeric.complexity import complexity_model, energy_thresholds, theta

    H = complexity_model(H)
    mixed = not isinstance(H, int)
    fig, axes, own = panels(ax, 2, (12, 4.8), gridspec_kw={"width_ratios": [1, 1.25]})
    th = energy_thresholds(H, kmax)
    if zoom is None:
        zoom = _auto_zoom(th) if mixed else PURE_ZOOM
    e_inf = float(th.E_inf)
    e_0 = float(th.E[0]) if th.E else None
    e_prime = float(th.E_inf_prime) if mixed else None
    sub = r"\xi" if mixed else "H"
    total_label = rf"$\Theta_{sub}$ (all indices; $=\Theta_{{0,{sub}}}$ below $-E_\infty$)" if not mixed else (
        rf"$\Theta_\xi$ (all indices)")
    # a mixture's −E_0 is the zero of the annealed Θ_0; in one of the two scenarios minima are exponentially
    # many below the ground-state energy (Auffinger and Ben Arous 2013, abstract; that this is our "full
    # mixture" is [unverified]), so it is not called the ground state there
    note = "ground state" if not mixed else "zero of annealed Θ_0"
    colors = [index_colour(j, kmax) for j in range(kmax + 1)]
    for a, (lo, hi) in zip(axes, (wide, zoom)):
        u = np.linspace(lo, hi, 1201)
        u = np.union1d(u, [-e_inf]) if lo < -e_inf < hi else u  # the kink, exactly
        a.plot(u, theta(u, H), color="black", lw=2.2, label=total_label)
        for j in range(kmax + 1):
            a.plot(u, theta(u, H, j), color=colors[j], lw=1.3, label=rf"$\Theta_{{{j},{sub}}}$ (index {j})")
        a.axhline(0.0, color="grey", lw=0.8)
        a.axvline(-e_inf, **E_INF_LINE, label=e_inf_label(e_inf, 5))
        if mixed:
            a.axvline(-e_prime, **E_INF_PRIME_LINE, label=rf"$-E'_\infty = {-e_prime:.5f}$")
        if e_0 is not None:
            a.axvline(-e_0, **E_0_LINE, label=e_0_label(e_0, 5, note))
        a.set_xlim(lo, hi)
        a.set_xlabel(U_LABEL)
        a.grid(alpha=0.25)
    axes[0].set_ylabel(THETA_LABEL)
    scenario = f" ({th.scenario})" if mixed else ""
    axes[0].set_title(f"{_model_text(H)}{scenario}: complexity of critical points below level u")
    lo, hi = zoom
    what = (r"index-$k$ points lie above $-E_k$" if th.E else
            r"$\Theta \leq 0$: no exponential number of critical points")
    axes[1].set_title(rf"zoom on $[{lo:.4g}, {hi:.4g}]$: {what}")
    ytop = float(theta(np.array([hi]), H)[0])
    ybot = float(theta(np.array([lo]), H, kmax)[0])
    if mixed:
        span = max(ytop - ybot, 1e-6)
        axes[1].set_ylim(ybot - 0.1 * span, ytop + 0.15 * span)
    else:
        axes[1].set_ylim(ybot - 0.1 * abs(ybot), ytop + 0.15 * abs(ytop))
    zeros = [-float(e) for e in th.E]  # Θ_{k,H}(-E_k) = 0: where index-k points start to exist
    if zeros:
        axes[1].scatter(zeros, np.zeros(len(zeros)), c=colors, s=22, zorder=5, edgecolors="white", linewidths=0.5,
                        label=rf"zeros $-E_k$ of $\Theta_{{k,{sub}}}$")
        text = "\n".join(rf"$-E_{{{j}}} = {z:.5f}$" for j, z in enumerate(zeros))
        axes[1].text(0.02, 0.97, text, transform=axes[1].transAxes, va="top", ha="left", fontsize=8,
                     bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"})
    zoomed = {"color": "orange", "alpha": 0.15}
    axes[0].axvspan(lo, hi, lw=0, **zoomed)
    wide_entries = {total_label, e_inf_label(e_inf, 5)}
    if e_0 is not None:
        wide_entries.add(e_0_label(e_0, 5, note))
    handles, labels = axes[0].get_legend_handles_labels()
    keep = [(h, l) for h, l in zip(handles, labels) if l in wide_entries]
    axes[0].legend([h for h, _ in keep] + [shading_handle("shaded: the range of the right panel", **zoomed)],
                   [l for _, l in keep] + ["shaded: the range of the right panel"], fontsize=8, loc="lower right",
                   framealpha=0.9)
    axes[1].legend(fontsize=8, loc="lower right", framealpha=0.9)
    return fig


def save_complexity_curves(path, H=3, kmax: int = 5, *, zoom=None, wide=(-2.2, 0.4),
                           pdf: bool = False) -> list:
    """:func:`complexity_curves` written to ``path`` (PNG, or the format of its suffix) and, with
    ``pdf=True``, the same name with ``.pdf``; returns the paths."""
    return save(complexity_curves(H, kmax, zoom=zoom, wide=wide), path, pdf=pdf)


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


def finite_size_convergence(curves: dict, H: int = 3, *, ax=None):
    """``(1/Λ) log E Crt_{Λ,k}(u)`` for growing ``Λ`` against the limits ``Θ_H`` / ``Θ_{k,H}``: one panel
    per index in ``curves`` (from :func:`finite_size_curves`; keys ``(k, Λ)``, ``k = None`` for all indices
    first), the Monte Carlo standard errors shaded (±1 s.e.), one colour per Λ
    (:func:`~polyloss.figures.style.lambda_colour`).

    ``ax``: one Axes per index (an Axes when there is one), or None for a new Figure. Returns the Figure.
    """
    from ..numeric.complexity import e_infinity, energy_thresholds, theta

    ks = sorted({k for k, _ in curves}, key=lambda k: -1 if k is None else k)
    fig, axes, own = panels(ax, len(ks), (6.2 * len(ks), 4.8))
    e_inf = e_infinity(H)
    e_0 = float(energy_thresholds(H).E[0])
    for a, k in zip(axes, ks):
        sizes = sorted(n for kk, n in curves if kk == k)
        lo = hi = None
        shaded = False
        for n in sizes:
            color = lambda_colour(n)
            uu, values, err = (np.asarray(x, dtype=float) for x in curves[(k, n)])
            a.plot(uu, values, color=color, lw=1.3, label=f"Λ = {n}")
            if np.any(err > 0):
                a.fill_between(uu, values - err, values + err, color=color, alpha=0.25, lw=0)
                shaded = True
            lo = uu.min() if lo is None else min(lo, uu.min())
            hi = uu.max() if hi is None else max(hi, uu.max())
        grid = np.linspace(lo, hi, 801)
        name = r"\Theta_H" if k is None else rf"\Theta_{{{k},H}}"
        a.plot(grid, theta(grid, H, k), color="black", lw=2.2, label=rf"limit ${name}(u)$")
        a.axvline(-e_inf, **E_INF_LINE, label=e_inf_label(e_inf))
        a.axvline(-e_0, **E_0_LINE, label=e_0_label(e_0))
        a.axhline(0.0, color="grey", lw=0.8)
        a.set_xlim(lo, hi)
        a.set_xlabel(U_LABEL)
        what = "all indices (exact)" if k is None else f"index {k} (planted Monte Carlo)"
        a.set_title(f"H = {H}, {what}")
        a.set_ylabel(r"$(1/\Lambda)\,\log\ \mathbb{E}\,\mathrm{Crt}_{\Lambda}(u)$" if k is None
                     else rf"$(1/\Lambda)\,\log\ \mathbb{{E}}\,\mathrm{{Crt}}_{{\Lambda,{k}}}(u)$")
        a.grid(alpha=0.25)
        legend(a, [shading_handle("shaded: ±1 standard error (Monte Carlo)")] if shaded else [],
               loc="lower right")
    if own:
        fig.suptitle(r"finite $\Lambda$ converges to the complexity $\Theta$ (slowly: corrections of order "
                     r"$\log \Lambda / \Lambda$)", fontsize=11)
    return fig


def save_finite_size_convergence(path, curves: dict, H: int = 3, *, pdf: bool = False) -> list:
    """:func:`finite_size_convergence` written to ``path`` (and a PDF with ``pdf=True``); returns the paths."""
    return save(finite_size_convergence(curves, H), path, pdf=pdf)
