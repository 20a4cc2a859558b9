"""Figures of the trained-network experiment (the paper's test-loss figure, Table 1, the index check).

Each function reads a trained-network result (:class:`~polyloss.experiments.mnist.MnistResult`: its
``runs``, ``spectra``, ``config``, ``variance()``, ``pearson()``, ``index_curve()``, ``ceiling()``) and, for
the side-by-side panel, spin-glass energies per Λ; nothing is computed here but histograms and summary
statistics of saved numbers. The paper's values come from :mod:`polyloss.paper`. Each figure function
draws into ``ax=`` (or a new Figure) and returns the Figure; ``save_…`` writes it and returns the paths.
"""

from __future__ import annotations

import numpy as np

from .. import paper
from ..numeric.statistics import mean_interval
from .canvas import panels, save
from .style import BAND, E_0_LINE, E_INF_LINE, band_label, e_0_label, e_inf_label, lambda_colour, legend, \
    shading_handle, signed, width_colour

__all__ = ["test_loss_distributions", "variance_vs_width", "train_test_scatter", "index_curves",
           "save_test_loss_distributions", "save_variance_vs_width", "save_train_test_scatter", "save_index_curves"]

SPIN_GLASS_H = 3


def test_loss_distributions(result, spinglass_energies: dict | None = None, *, ax=None):
    """Histograms of the final test loss per width n_1; beside them (if given) the spin-glass minima per Λ.

    Scale (stated): each panel on its own axis, the networks' mean cross-entropy test loss on the left
    and the spin-glass energy per Λ, ``u = L/Λ`` (H = 3), on the right, with ``−E_0`` and ``−E_∞`` marked
    and the band between them shaded; the comparison is of shapes (the width of the distributions
    against n_1 or Λ), not of values. ``ax``: one Axes, or two with ``spinglass_energies``; None for a
    new Figure. Returns the Figure.
    """
    n = 2 if spinglass_energies else 1
    fig, axes, own = panels(ax, n, (6.2 * n, 4.2))
    a = axes[0]
    losses = [np.asarray(r["test_loss"]) for r in result.runs.values()]
    bins = np.linspace(min(map(np.min, losses)), max(map(np.max, losses)), 40) if losses else 10
    for w, r in sorted(result.runs.items()):
        a.hist(r["test_loss"], bins=bins, density=True, histtype="step", lw=1.8, color=width_colour(w),
               label=f"$n_1$ = {w} ({len(r['test_loss'])} nets)")
    a.set_xlabel("test loss (mean softmax cross-entropy, nats)")
    a.set_ylabel("density")
    a.set_title(f"Networks on 10×10 MNIST, {result.config.epochs} epochs")
    legend(a)
    if spinglass_energies:
        from ..numeric.complexity import energy_thresholds

        a = axes[1]
        th = energy_thresholds(SPIN_GLASS_H)
        e_inf, e_0 = float(th.E_inf), float(th.E[0])
        values = [np.asarray(v, dtype=float) for v in spinglass_energies.values()]
        bins = np.linspace(min(min(map(np.min, values)), -e_0 - 0.01), max(max(map(np.max, values)), -e_inf + 0.01),
                           40)
        for lam, e in sorted(spinglass_energies.items()):
            a.hist(np.asarray(e), bins=bins, density=True, histtype="step", lw=1.8, color=lambda_colour(lam),
                   label=f"Λ = {lam} ({len(e)} runs)")
        a.axvspan(-e_0, -e_inf, **BAND, label=band_label())
        a.axvline(-e_0, **E_0_LINE, label=e_0_label(e_0))
        a.axvline(-e_inf, **E_INF_LINE, label=e_inf_label(e_inf))
        a.set_xlabel(rf"energy per $\Lambda$: $u = L_{{\Lambda,{SPIN_GLASS_H}}}(w)/\Lambda$")
        a.set_ylabel("density")
        a.set_title(f"Spin-glass minima (H = {SPIN_GLASS_H}), SGD")
        legend(a)
    return fig


def variance_vs_width(result, *, ax=None):
    """Sample variance of the test loss across replicas against n_1 (log-log), ±1 standard error from
    the normal approximation ``s.e.(s²) = s² √(2/(R − 1))``; each width's point in its colour.
    ``ax``: the Axes, or None for a new Figure. Returns the Figure."""
    from matplotlib.ticker import NullFormatter

    fig, (ax,), own = panels(ax, 1, (5, 3.8))
    var = result.variance()
    widths = sorted(var)
    v = np.array([var[w] for w in widths])
    se = v * np.sqrt(2.0 / np.array([len(result.runs[w]["test_loss"]) - 1 for w in widths]))
    ax.plot(widths, v, "-", color="0.6", lw=1, zorder=1)
    for w, vw, sw in zip(widths, v, se):
        ax.errorbar([w], [vw], yerr=[sw], fmt="o", capsize=3, color=width_colour(w), zorder=2,
                    label=f"$n_1$ = {w}: measured ± 1 s.e.")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("hidden units $n_1$")
    ax.set_ylabel("variance of test loss across networks (nats²)")
    ax.set_xticks(widths)
    ax.set_xticklabels([str(w) for w in widths])
    ax.set_title("Spread of the solutions' test loss")
    ax.grid(True, which="both", alpha=0.3)
    legend(ax)
    return fig


def train_test_scatter(result, *, ax=None):
    """One scatter of (train loss, test loss) per width, in the width's colour, with the Pearson r measured
    and the paper's (Table 1). ``ax``: one Axes per width (in increasing width), or None. Returns the Figure."""
    from matplotlib.lines import Line2D

    corr = result.pearson()
    widths = sorted(result.runs)
    fig, axes, own = panels(ax, len(widths), (3.3 * len(widths), 3.5))
    for a, w in zip(axes, widths):
        r = result.runs[w]
        a.scatter(r["train_loss"], r["test_loss"], s=8, alpha=0.6, color=width_colour(w),
                  label=f"{len(r['test_loss'])} nets: r = {signed(corr[w], '.3f')}")
        reported = paper.table_1_correlation(w)
        nets = paper.NETWORKS["networks"].value
        extra = [] if reported is None else [Line2D([], [], ls="none",
                                                    label=f"paper ({nets} nets): r = {signed(reported)}")]
        legend(a, extra, loc="upper left")
        a.set_title(f"$n_1$ = {w}")
        a.set_xlabel("train loss")
    axes[0].set_ylabel("test loss (cross-entropy)")
    return fig


def index_curves(result, *, ax=None):
    """The normalised Hessian index at the SGD solutions against the cut-off, one colour per width.

    Left: relative thresholds (count λ < −t·max|λ|); right: absolute thresholds (count λ < −t, t in
    nats per unit weight², the loss being a mean cross-entropy in nats). Lines: the mean over networks;
    shaded: its 95% confidence interval (Student t, :func:`polyloss.numeric.statistics.mean_interval`).
    Marked: the structural ceiling ``n_1 (C − 1)/N`` (dotted; the same for every width, ``(C − 1)/(d + C)``)
    and the paper's "about 0.01 or less" (dashed). ``ax``: two Axes (relative, absolute), or None.
    Returns the Figure.
    """
    widths = sorted(result.spectra)
    fig, axes, own = panels(ax, 2, (11, 4.2), sharey=True)
    labels = {"relative": ("relative cut-off $t$: count $\\lambda < -t\\,\\max|\\lambda|$",
                           "Relative cut-off"),
              "absolute": ("absolute cut-off $t$ (nats per unit weight$^2$): count $\\lambda < -t$",
                           "Absolute cut-off")}
    ceilings = sorted({round(result.ceiling(w), 12) for w in widths})
    reported = paper.HESSIAN_INDEX.value
    for a, kind in zip(axes, ("relative", "absolute")):
        shaded = False
        for w in widths:
            c = width_colour(w)
            t, idx = result.index_curve(w, kind)
            mean, low, high = mean_interval(idx)
            a.plot(t, mean, "o-", ms=3, color=c, label=f"$n_1$ = {w} ({len(idx)} nets)")
            if len(idx) > 1:
                a.fill_between(t, low, high, color=c, alpha=0.2, lw=0)
                shaded = True
        for k, ceiling in enumerate(ceilings):
            a.axhline(ceiling, color="0.3", ls=":", lw=1.2,
                      label=f"ceiling $n_1(C-1)/N$ = {ceiling:.4f}" if k == 0 else None)
        a.axhline(reported, color="k", ls="--", lw=1, label=f"paper: about {reported} or less")
        a.set_xscale("log")
        a.set_xlabel(labels[kind][0])
        a.set_title(f"{labels[kind][1]} ({result.config.epochs} epochs, {result.config.index_samples} images)")
        a.grid(True, which="major", alpha=0.3)
        legend(a, [shading_handle("shaded: 95% interval of the mean (Student t)")] if shaded else [],
               loc="upper right")
    axes[0].set_ylabel("normalised index (fraction of the N eigenvalues)")
    # no count exceeds the ceiling: the band above it holds the legend, clear of the curves
    axes[0].set_ylim(0, 1.9 * max(ceilings + [reported]))
    return fig


def save_test_loss_distributions(path, result, spinglass_energies: dict | None = None, *, pdf: bool = False) -> list:
    """:func:`test_loss_distributions` written to ``path`` (a PDF too with ``pdf=True``); returns the paths."""
    return save(test_loss_distributions(result, spinglass_energies), path, pdf=pdf)


def save_variance_vs_width(path, result, *, pdf: bool = False) -> list:
    """:func:`variance_vs_width` written to ``path``; returns the paths."""
    return save(variance_vs_width(result), path, pdf=pdf)


def save_train_test_scatter(path, result, *, pdf: bool = False) -> list:
    """:func:`train_test_scatter` written to ``path``; returns the paths."""
    return save(train_test_scatter(result), path, pdf=pdf)


def save_index_curves(path, result, *, pdf: bool = False) -> list:
    """:func:`index_curves` written to ``path``; returns the paths."""
    return save(index_curves(result), path, pdf=pdf)


test_loss_distributions.__test__ = False  # a figure, not a test: pytest must not collect it where it is imported
save_test_loss_distributions.__test__ = False
