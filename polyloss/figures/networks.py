"""Figures of the trained-network experiment (paper Fig. 3 right, Table 1, index check).

Each function reads a :class:`~polyloss.experiments.mnist.MnistResult` (and, for the side-by-side
panel, spin-glass minimum energies per Λ) and writes one PNG; nothing is computed here but
histograms and summary statistics of saved numbers.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import pyplot


def _save(fig, path) -> Path:
    from ..store import atomic_write_bytes
    from io import BytesIO

    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")
    pyplot().close(fig)
    return atomic_write_bytes(path, buf.getvalue())


def test_loss_distributions(result, path, spinglass_energies: dict | None = None) -> Path:
    """Histograms of final test loss per width n_1; beside them (if given) the spin-glass minima per Λ.

    Scale (stated): each panel on its own axis, the networks' mean cross-entropy test loss on the left
    and the spin-glass energy per weight u = L/Λ (H = 3) on the right, with -E_∞ marked; the
    comparison is of shapes (width of the distributions against n_1 or Λ), not of values.
    """
    plt = pyplot()
    panels = 2 if spinglass_energies else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.2 * panels, 4.2), squeeze=False)
    ax = axes[0, 0]
    colours = plt.cm.viridis(np.linspace(0, 0.9, max(len(result.runs), 1)))
    losses = [r["test_loss"] for r in result.runs.values()]
    bins = np.linspace(min(map(np.min, losses)), max(map(np.max, losses)), 40) if losses else 10
    for c, (w, r) in zip(colours, sorted(result.runs.items())):
        ax.hist(r["test_loss"], bins=bins, density=True, histtype="step", lw=1.8, color=c,
                label=f"$n_1$ = {w} ({len(r['test_loss'])} nets)")
    ax.set_xlabel("test loss (mean softmax cross-entropy, nats)")
    ax.set_ylabel("density")
    ax.set_title(f"Networks on 10×10 MNIST, {result.config.epochs} epochs")
    ax.legend(fontsize=8)
    if spinglass_energies:
        from ..numeric.complexity import e_infinity

        ax = axes[0, 1]
        colours = plt.cm.magma(np.linspace(0, 0.8, len(spinglass_energies)))
        values = [np.asarray(v) for v in spinglass_energies.values()]
        bins = np.linspace(min(map(np.min, values)), max(map(np.max, values)), 40)
        for c, (lam, e) in zip(colours, sorted(spinglass_energies.items())):
            ax.hist(np.asarray(e), bins=bins, density=True, histtype="step", lw=1.8, color=c,
                    label=f"Λ = {lam} ({len(e)} runs)")
        ax.axvline(-float(e_infinity(3)), color="k", ls="--", lw=1, label=r"$-E_\infty$ (H = 3)")
        ax.set_xlabel(r"energy per weight $u = L_{\Lambda,3}(w)/\Lambda$")
        ax.set_ylabel("density")
        ax.set_title("Spin-glass minima (H = 3), SGD")
        ax.legend(fontsize=8)
    return _save(fig, path)


def variance_vs_width(result, path) -> Path:
    """Sample variance of the test loss across replicas against n_1 (log-log), ±1 standard error
    from the normal approximation ``s.e.(s²) = s² √(2/(R-1))``."""
    from matplotlib.ticker import NullFormatter

    plt = pyplot()
    var = result.variance()
    widths = sorted(var)
    fig, ax = plt.subplots(figsize=(5, 3.8))
    v = np.array([var[w] for w in widths])
    se = v * np.sqrt(2.0 / np.array([len(result.runs[w]["test_loss"]) - 1 for w in widths]))
    ax.errorbar(widths, v, yerr=se, fmt="o-", capsize=3, label="measured ± 1 s.e.")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.legend(fontsize=8)
    ax.set_xlabel("hidden units $n_1$")
    ax.set_ylabel("variance of test loss across networks (nats²)")
    ax.set_xticks(widths)
    ax.set_xticklabels([str(w) for w in widths])
    ax.set_title("Spread of the solutions' test loss")
    ax.grid(True, which="both", alpha=0.3)
    return _save(fig, path)


def train_test_scatter(result, path) -> Path:
    """One scatter of (train loss, test loss) per width, with Pearson r measured and the paper's."""
    from ..experiments.mnist import PAPER_CORRELATION

    plt = pyplot()
    corr = result.pearson()
    widths = sorted(result.runs)
    fig, axes = plt.subplots(1, len(widths), figsize=(3.3 * len(widths), 3.3), squeeze=False)
    for ax, w in zip(axes[0], widths):
        r = result.runs[w]
        ax.scatter(r["train_loss"], r["test_loss"], s=8, alpha=0.6)
        paper = PAPER_CORRELATION.get(w)
        text = f"r = {corr[w]:.3f}" + (f"\npaper {paper:.4f}" if paper is not None else "")
        ax.text(0.04, 0.96, text, transform=ax.transAxes, va="top", fontsize=9,
                bbox=dict(boxstyle="round", fc="white", alpha=0.8))
        ax.set_title(f"$n_1$ = {w}")
        ax.set_xlabel("train loss")
    axes[0, 0].set_ylabel("test loss (cross-entropy)")
    fig.tight_layout()
    return _save(fig, path)


def index_curves(result, path) -> Path:
    """The normalised Hessian index at the SGD solutions against the threshold, one colour per index width.

    Left: relative thresholds (count λ < -t·max|λ|); right: absolute thresholds (count λ < -t, t in
    nats per unit weight², the loss being a mean cross-entropy in nats). Lines: the mean over
    networks; bands: its 95% confidence interval (Student t). Marked: the structural ceiling
    ``n_1 (C - 1)/N`` (dotted; the same for every width, ``(C - 1)/(d + C)``) and the paper's "about 0.01
    or less" (dashed).
    """
    from ..experiments.mnist import PAPER_INDEX, mean_interval

    plt = pyplot()
    widths = sorted(result.spectra)
    colours = plt.cm.viridis(np.linspace(0, 0.85, max(len(widths), 1)))
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    labels = {"relative": ("relative threshold $t$: count $\\lambda < -t\\,\\max|\\lambda|$",
                           "Relative threshold"),
              "absolute": ("absolute threshold $t$ (nats per unit weight$^2$): count $\\lambda < -t$",
                           "Absolute threshold")}
    ceilings = sorted({round(result.ceiling(w), 12) for w in widths})
    for ax, kind in zip(axes, ("relative", "absolute")):
        for c, w in zip(colours, widths):
            t, idx = result.index_curve(w, kind)
            mean, low, high = mean_interval(idx)
            ax.plot(t, mean, "o-", ms=3, color=c, label=f"$n_1$ = {w} ({len(idx)} nets)")
            if len(idx) > 1:
                ax.fill_between(t, low, high, color=c, alpha=0.2, lw=0)
        for k, ceiling in enumerate(ceilings):
            ax.axhline(ceiling, color="0.3", ls=":", lw=1.2,
                       label=f"ceiling $n_1(C-1)/N$ = {ceiling:.4f}" if k == 0 else None)
        ax.axhline(PAPER_INDEX, color="k", ls="--", lw=1, label=f"paper: about {PAPER_INDEX} or less")
        ax.set_xscale("log")
        ax.set_xlabel(labels[kind][0])
        ax.set_title(f"{labels[kind][1]} ({result.config.epochs} epochs, {result.config.index_samples} images)")
        ax.grid(True, which="major", alpha=0.3)
    axes[0].set_ylabel("normalised index (fraction of the N eigenvalues)")
    axes[0].set_ylim(bottom=0)
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


__all__ = ["test_loss_distributions", "variance_vs_width", "train_test_scatter", "index_curves"]
