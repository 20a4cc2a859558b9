"""The paper's MNIST experiments (its experiments section: test-loss distributions, Table 1, the index of SGD's solutions).

For every width n_1 the experiment trains ``replicas`` networks with :func:`~polyloss.train_replicas`,
then measures

* the distribution of final test losses and its variance against n_1 (narrows with width);
* the Pearson correlation of train and test loss across replicas, beside the paper's Table 1;
* the Hessian spectrum of the first ``index_replicas`` solutions at each width of ``index_widths``
  (the paper: n_1 ∈ {10, 25, 50, 100}, normalised index "about 0.01 or less"), exact (dense, float64)
  on ``index_samples`` training images drawn at random with a fixed seed. The normalised index is
  reported at stated thresholds and as a curve over relative and absolute thresholds, beside the
  structural ceiling ``n_1 (C - 1)`` negative eigenvalues that no threshold can exceed
  (:mod:`polyloss.numeric.network_hessian`);
* the redundancy check: simulated annealing with weights in {-1, 0, 1} (``anneal_runs`` runs on the
  ``anneal_samples`` random training images) against SGD at ``anneal_width`` (one of ``widths``),
  test accuracy;
* the path assumptions on the index tasks' networks, per index width (:func:`path_statistics`, on the
  test set).

**Execution** (:mod:`polyloss.execution`). The work is three plans of pure, seeded tasks sharing the
run folder ``out`` (one piece per task, verified when read; an interrupted run resumes):

* training: one task per (width, block of ``block`` replicas), key
  ``train_n1=<n_1>_replicas=<first>-<last>``: the per-replica metrics (no weights: at paper scale they
  would be tens of MB). Replica r has the same seeds whatever block it is in, and ``block`` is a
  multiple of 16 so that it also has the same memory alignment (MKL's float32 products depend on it:
  see :mod:`polyloss.numeric.training`); so the numbers do not depend on ``block`` on the CPU (bit for
  bit; tested) and ``block`` only sets the size of a task;
* Hessian spectrum: one task per (index width w, replica r < ``index_replicas``), key
  ``index_n1=<w>_replica=<r>`` (:func:`index_task`): it trains replica r of width w alone, with the
  experiment's protocol and seeds, then computes the exact spectrum. The index widths need not be
  among ``widths``;
* annealing: one task per run, key ``anneal_run=<i>``: its weights, energy, accepted moves and test
  accuracy;
* the path statistics are cheap: computed in this process from the index pieces' weights (piece
  ``paths_n1=<w>`` per index width).

``executor`` (None, a number of local processes, :class:`~polyloss.execution.LocalWorkers`, an
``Executor``, a Dask client) runs the tasks; ``threads`` torch threads each; ``device`` for the
arithmetic (random numbers are drawn on the CPU either way, so a seed means the same networks, data
orders and annealing moves on every device; float32 products on a GPU round differently, so its
numbers agree with the CPU's to single precision, not bit for bit). The device is not part of the
run folder's identity (a run may move between machines); which device computed a piece is recorded
in ``timing/<key>.json``.

Scales (:meth:`MnistExperimentConfig.preset`): ``"smoke"`` (seconds, tests), ``"default"`` (a few
minutes on 2 CPU cores), ``"paper"`` (1000 networks per width, 200 epochs; the index at
n_1 ∈ {10, 25, 50, 100} on all 4,000 training images of the embedded sample).

Costs on one torch thread of a shared 2-core CPU (no GPU): training 6.3 h at paper scale (ms per
replica-epoch in blocks: 6.7, 10.4, 15.0, 34.6, 47.5 for n_1 = 25 … 500), annealing 10 × 100k moves
≈ 45 min (both extrapolated from short runs). One index task on 4,000 images, measured while another
job kept both cores busy (so upper estimates): retraining one replica alone for 200 epochs, 1-2 s;
then N Hessian-vector products in vmapped chunks of 64, and ``eigvalsh``:

    n_1     N        Hessian-vector products   eigvalsh    task
    10      1,100    6 s                       0.1 s       3-8 s
    25      2,750    18 s                      1.1 s       ≈ 19 s
    50      5,500    64-70 s                   13-21 s     ≈ 85 s
    100     11,000   ≈ 235 s                   112 s       ≈ 350 s

At n_1 = 100 the products were timed on 8 chunks of 64 at 4,000 images (and on all of them at 500
images: 28 s, × 8 = 226 s) and ``eigvalsh`` on the whole matrix; extrapolating from n_1 = 50 (products
∝ N², eigenvalues ∝ N³) gives 256 s and 100-165 s. So one replica at all four paper index widths costs
≈ 460 s of one core, and the paper preset's ``index_replicas = 15`` makes the index sweep ≈ 6,900 s ≈
1.9 h of one core (60 exact spectra). Memory at n_1 = 100: peak resident 2.4 GiB measured (the N×N
matrix, 0.97 GB, with one chunk of products on 4,000 images; then the matrix and the eigenvalue
solver's copy), below the 3.1 GiB that :func:`~polyloss.numeric.network_hessian.dense_bytes` estimates
and checks against half of the available memory before it starts.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .. import paper
from .._random import derive_seed
from .._validate import choice, integer
from ..errors import InvalidInputError
from ..execution import Plan, Task, cached
from ..numeric.data import N_CLASSES, N_INPUTS
from ..numeric.network_hessian import (
    ABSOLUTE_THRESHOLDS,
    RELATIVE_THRESHOLDS,
    THRESHOLD_KINDS,
    normalised_index,
    structural_ceiling,
    threshold,
)
from ..numeric.statistics import mean_interval
from ..numeric.training import ALIGNED_REPLICAS
from ..store import RunStore, folder_lock, read_config

# the paper's reported values, with their sources, live in polyloss.paper
PAPER_CORRELATION = paper.TABLE_1.value  # Table 1: Pearson correlation of train and test loss, 1000 networks
PAPER_WIDTHS = paper.NETWORKS["widths"].value
PAPER_INDEX_WIDTHS = paper.HESSIAN_INDEX_WIDTHS
PAPER_INDEX = paper.HESSIAN_INDEX.value
"""The paper's statement on the solutions SGD finds: normalised index "about 0.01 or less" (threshold not stated)."""
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
INDEX_MAX_BYTES = 4 * 2**30
"""Largest dense Hessian (N² float64 numbers) an index width may need: N ≤ 23,170, n_1 ≤ 210 on 10×10 images."""
REPORT_THRESHOLDS = (("relative", 1e-4), ("relative", 1e-3), ("absolute", 1e-4), ("absolute", 1e-3))
"""The thresholds at which reports state the index: (kind, t) pairs (see :mod:`polyloss.numeric.network_hessian`)."""
ANNEAL_T_START, ANNEAL_T_END = 0.1, 1e-4


@dataclass(frozen=True)
class MnistExperimentConfig:
    """What the experiment runs; saved in ``<out>/config.json`` (a different config refuses to resume).

    ``index_widths``: the widths whose solutions get an exact Hessian spectrum (any positive widths,
    trained for the purpose; ``()`` for none); ``index_replicas`` networks each, on ``index_samples``
    training images. ``anneal_width``: the width annealed and compared with SGD (one of ``widths``).
    """

    widths: tuple = (25, 50, 100)
    replicas: int = 48
    epochs: int = 30
    seed: int = 0
    batch_size: int = 100
    learning_rate: float = 0.1
    lr_decay: float = 0.05
    data: str = "embedded"
    index_widths: tuple = (10, 25)
    index_replicas: int = 5
    index_samples: int = 500
    anneal_width: int = 25
    anneal_runs: int = 3
    anneal_steps: int = 20000
    anneal_samples: int = 1000
    block: int = 16  # replicas per training task: a multiple of 16 (the numbers do not depend on it)

    @classmethod
    def preset(cls, scale: str = "default", **changes) -> "MnistExperimentConfig":
        presets = {
            "smoke": cls(widths=(5, 10), replicas=6, epochs=2, index_widths=(5,), index_replicas=2, index_samples=200,
                         anneal_width=5, anneal_runs=2, anneal_steps=300, anneal_samples=200),
            "default": cls(),
            "paper": cls(widths=PAPER_WIDTHS, replicas=1000, epochs=200, index_widths=PAPER_INDEX_WIDTHS,
                         index_replicas=15, index_samples=4000, anneal_width=25, anneal_runs=10,
                         anneal_steps=100000, anneal_samples=4000, block=32),
        }
        if scale not in presets:
            raise InvalidInputError(f"scale must be one of {', '.join(presets)}; got {scale!r}")
        return replace(presets[scale], **changes)

    def blocks(self) -> list:
        """The training blocks ``(first, stop)``: replicas first … stop - 1, ``block`` at a time."""
        return [(a, min(a + self.block, self.replicas)) for a in range(0, self.replicas, self.block)]

    @classmethod
    def from_stored(cls, stored: dict) -> "MnistExperimentConfig":
        """The configuration saved in a run folder's ``config.json``."""
        stored = {k: v for k, v in stored.items() if k not in ("kind", "device")}  # device: a plan option
        if "block" not in stored or "index_widths" not in stored:
            raise InvalidInputError("this MNIST run folder was written by an earlier version of polyloss (training "
                                    "pieces with weights, one index width); run the experiment again into a new "
                                    "folder")
        return cls(**{**stored, "widths": tuple(stored["widths"]), "index_widths": tuple(stored["index_widths"])})

    def __post_init__(self):
        if isinstance(self.widths, (str, bytes)) or not hasattr(self.widths, "__iter__"):
            raise InvalidInputError(f"widths must be a non-empty list of positive integers; got {self.widths!r}")
        widths = tuple(self.widths)
        if not widths:
            raise InvalidInputError("widths must be a non-empty list of positive integers, got ()")
        for w in widths:
            integer("each width", w, minimum=1)
        object.__setattr__(self, "widths", widths)
        integer("replicas", self.replicas, minimum=2)  # a correlation needs two replicas
        integer("epochs", self.epochs, minimum=0)
        integer("seed", self.seed, minimum=0)
        integer("batch_size", self.batch_size, minimum=1)
        from .._validate import real

        real("learning_rate", self.learning_rate, minimum=0.0, open_minimum=True)
        real("lr_decay", self.lr_decay, minimum=0.0)
        if not isinstance(self.data, str) or not self.data:
            raise InvalidInputError(f"data must be 'embedded' or the path of a folder of MNIST IDX files (a string); "
                                    f"got {self.data!r}")
        integer("anneal_runs", self.anneal_runs, minimum=0)
        integer("block", self.block, minimum=1)
        if self.block % ALIGNED_REPLICAS:
            raise InvalidInputError(f"block must be a multiple of {ALIGNED_REPLICAS} (so that every replica trains at "
                                    f"the memory alignment it has in one large batch: the same numbers bit for bit); "
                                    f"got {self.block}")
        if isinstance(self.index_widths, (str, bytes)) or not hasattr(self.index_widths, "__iter__"):
            raise InvalidInputError(f"index_widths must be a list of positive integers (or empty); got "
                                    f"{self.index_widths!r}")
        index_widths = tuple(self.index_widths)
        for w in index_widths:
            integer("each index width", w, minimum=1)
            n_params = w * (N_INPUTS + N_CLASSES)
            if 8 * n_params**2 > INDEX_MAX_BYTES:
                raise InvalidInputError(f"index width {w}: the exact Hessian of its {n_params} parameters takes "
                                        f"{8 * n_params**2 / 2**30:.1f} GiB, more than the experiment's "
                                        f"{INDEX_MAX_BYTES / 2**30:.0f} GiB (index widths up to 210)")
        if len(set(index_widths)) != len(index_widths):
            raise InvalidInputError(f"index_widths must not repeat a width; got {index_widths}")
        object.__setattr__(self, "index_widths", index_widths)
        integer("index_replicas", self.index_replicas, minimum=1)
        integer("index_samples", self.index_samples, minimum=1)
        integer("anneal_steps", self.anneal_steps, minimum=1)
        integer("anneal_samples", self.anneal_samples, minimum=1)
        integer("anneal_width", self.anneal_width, minimum=1)
        if self.anneal_width not in widths:
            raise InvalidInputError(f"anneal_width must be one of the widths {widths} (it is compared with SGD's "
                                    f"networks of that width); got {self.anneal_width!r}")


@dataclass
class IndexSpectra:
    """The index pieces of one width: per network, the Hessian's negative eigenvalues (ascending,
    float64), its largest eigenvalue, and the training loss and gradient norm on the index subset.

    Every network of a width has the same number of parameters ``n_params = n_1 (d + C)``; its
    normalised index at any threshold follows from these pieces (:meth:`index`).
    """

    n_1: int
    n_params: int
    negative: list  # one ascending float64 array per network
    largest: np.ndarray
    train_loss: np.ndarray
    gradient_norm: np.ndarray

    @property
    def networks(self) -> int:
        return len(self.negative)

    def index(self, *, relative=None, absolute=None) -> np.ndarray:
        """Normalised index of every network: shape (networks,) for one threshold, (networks, k) for k."""
        return np.array([normalised_index(neg, relative=relative, absolute=absolute, n_params=self.n_params,
                                          largest=top) for neg, top in zip(self.negative, self.largest)])

    @property
    def ceiling(self) -> float:
        """``n_1 (C - 1) / N``: no threshold counts more
        (:func:`~polyloss.numeric.network_hessian.structural_ceiling`)."""
        return structural_ceiling(self.n_1, N_CLASSES) / self.n_params


@dataclass
class MnistResult:
    """Per-width arrays (``runs[n_1][metric]``, shape (replicas,)), Hessian spectra per index width
    (``spectra[n_1]``, :class:`IndexSpectra`), the annealing comparison and the path statistics
    (``paths[n_1][statistic]``, one value per index network)."""

    config: MnistExperimentConfig
    runs: dict
    spectra: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    anneal: dict = field(default_factory=dict)  # {"n_1", "test_accuracy" (per SA run), "sgd_test_accuracy"}
    paths: dict = field(default_factory=dict)  # {n_1: path_statistics per index network}
    dataset: dict = field(default_factory=dict)  # {"name", "n_train", "n_test"} of the data it ran on

    def pearson(self) -> dict:
        """Pearson correlation of train and test loss across replicas, per width."""
        return {w: float(np.corrcoef(r["train_loss"], r["test_loss"])[0, 1]) for w, r in self.runs.items()}

    def variance(self, metric: str = "test_loss") -> dict:
        """Sample variance (ddof = 1) of ``metric`` across replicas, per width."""
        return {w: float(np.var(r[metric], ddof=1)) for w, r in self.runs.items()}

    # ------------------------------------------------------------------------------- Hessian index
    def _spectra(self, width) -> IndexSpectra:
        if width not in self.spectra:
            raise InvalidInputError(f"no Hessian spectra of width {width!r} in this result; it has "
                                    f"{sorted(self.spectra) or 'none'}")
        return self.spectra[width]

    def normalised_index(self, width: int, *, relative=None, absolute=None) -> np.ndarray:
        """The normalised index of each network of ``width`` at a stated threshold (exactly one of
        ``relative=`` and ``absolute=``; a list gives one column per threshold)."""
        return self._spectra(width).index(relative=relative, absolute=absolute)

    def index_curve(self, width: int, kind: str = "relative", thresholds=None) -> tuple:
        """``(thresholds, index)``: index of shape (networks, thresholds) for thresholds of one kind
        (default :data:`~polyloss.numeric.network_hessian.RELATIVE_THRESHOLDS` or ``ABSOLUTE_THRESHOLDS``)."""
        choice("kind", kind, THRESHOLD_KINDS)
        if thresholds is None:
            thresholds = RELATIVE_THRESHOLDS if kind == "relative" else ABSOLUTE_THRESHOLDS
        _, thresholds = threshold(**{kind: thresholds}, many=True)
        return thresholds, self.normalised_index(width, **{kind: thresholds})

    def index_summary(self, width: int, *, relative=None, absolute=None) -> dict:
        """Over the networks of ``width``: ``mean``, its 95% confidence interval (``low``, ``high``;
        Student t), ``min``, ``max``, and ``networks``, at one threshold or a list."""
        idx = self.normalised_index(width, relative=relative, absolute=absolute)
        mean, low, high = mean_interval(idx)
        return {"mean": mean, "low": low, "high": high, "min": idx.min(0), "max": idx.max(0), "networks": len(idx)}

    def ceiling(self, width: int) -> float:
        """The structural ceiling of the normalised index at ``width``: ``n_1 (C - 1) / N``."""
        return self._spectra(width).ceiling

    def threshold_at(self, width: int, kind: str = "relative", level: float = PAPER_INDEX, thresholds=None) -> float:
        """The smallest threshold of the curve (:meth:`index_curve`) at which the mean index over the
        networks of ``width`` is at most ``level`` (default the paper's 0.01); NaN if none is."""
        t, idx = self.index_curve(width, kind, thresholds)
        below = np.flatnonzero(idx.mean(0) <= level)
        return float(t[below[0]]) if below.size else float("nan")

    def index_markdown(self) -> str:
        """The index per index width at :data:`REPORT_THRESHOLDS`, with the ceiling and the paper's value."""
        if not self.spectra:
            return ""
        heads = [f"index, λ < −{t:g}·max\\|λ\\|" if kind == "relative" else f"index, λ < −{t:g}"
                 for kind, t in REPORT_THRESHOLDS]
        lines = ["| n_1 | networks | train loss (subset) | ‖∇L‖ | λ_max | " + " | ".join(heads)
                 + f" | mean ≤ {PAPER_INDEX} from t = (rel. / abs.) | ceiling n_1(C−1)/N | paper |",
                 "|---:|---:|---:|---:|---:|" + "---:|" * len(heads) + "---:|---:|---|"]
        for w in sorted(self.spectra):
            s = self.spectra[w]
            cells = []
            for kind, t in REPORT_THRESHOLDS:
                m = self.index_summary(w, **{kind: t})
                ci = f" [{m['low']:.4f}, {m['high']:.4f}]" if m["networks"] > 1 else ""
                cells.append(f"{m['mean']:.4f}{ci}")
            crossing = " / ".join(f"{self.threshold_at(w, kind):.1e}" for kind in THRESHOLD_KINDS)
            lines.append(f"| {w} | {s.networks} | {s.train_loss.mean():.4f} | {s.gradient_norm.mean():.2e} "
                         f"| {s.largest.mean():.3g} | " + " | ".join(cells)
                         + f" | {crossing} | {s.ceiling:.4f} | ≈ {PAPER_INDEX} or less |")
        c = self.config
        lines.append("")
        lines.append(f"Mean over networks [95% confidence interval of the mean]; exact Hessians (float64) of the mean "
                     f"cross-entropy on {c.index_samples} training images, after {c.epochs} epoch"
                     f"{'s' if c.epochs != 1 else ''} of SGD. Relative: λ < −t·max|λ|; absolute: λ < −t, "
                     "eigenvalues in nats per unit weight². The paper does not state its cut-off. No cut-off can count more "
                     "than the ceiling (G ⪰ 0 and rank arguments: polyloss.numeric.network_hessian).")
        return "\n".join(lines) + "\n"

    # ---------------------------------------------------------------------------------- tables
    def correlation_rows(self) -> list:
        """Rows (n_1, replicas, measured r, 95% CI (Fisher z), paper r, mean test loss, test-loss variance)."""
        rows, corr, var = [], self.pearson(), self.variance()
        for w, r in self.runs.items():
            n = len(r["test_loss"])
            lo, hi = fisher_interval(corr[w], n)
            rows.append((w, n, corr[w], lo, hi, PAPER_CORRELATION.get(w), float(np.mean(r["test_loss"])), var[w]))
        return rows

    def correlation_markdown(self) -> str:
        lines = ["| n_1 | networks | Pearson r (train, test loss) | 95% CI | paper (Table 1) | mean test loss "
                 "| test-loss variance |", "|---:|---:|---:|---|---:|---:|---:|"]
        for w, n, r, lo, hi, paper, mean, var in self.correlation_rows():
            p = f"{paper:.4f}" if paper is not None else "—"
            lines.append(f"| {w} | {n} | {r:.4f} | [{_round3(lo)}, {_round3(hi)}] | {p} | {mean:.4f} | {var:.3g} |")
        return "\n".join(lines) + "\n"

    def _data_text(self) -> str:
        """The data the networks saw, in words: its name and the sizes of its training and test sets."""
        d = self.dataset
        if d.get("name"):
            return f"{d['name']}, {d['n_train']:,} training and {d['n_test']:,} test images"
        return "the embedded 5,000-image MNIST sample" if self.config.data == "embedded" else str(self.config.data)

    def correlation_document(self):
        """The table as a LaTeX Document (polyloss.symbolic.latex)."""
        from ..symbolic.latex import Document, escape_text

        c = self.config
        doc = Document("Train and test loss of trained networks: correlation per width")
        doc.paragraph(
            rf"One hidden ReLU layer without biases, $100$ inputs ($10 \times 10$ MNIST images), softmax "
            rf"cross-entropy; ${c.replicas}$ networks per width, trained for ${c.epochs}$ epochs of SGD (batch "
            rf"${c.batch_size}$, learning rate ${c.learning_rate}/(1 + {c.lr_decay}\,e)$ in epoch $e$), initial "
            rf"weights uniform in $[-1, 1]$, seed ${c.seed}$; data: {escape_text(self._data_text())}. The published values "
            r"are those of \cite[Table~1]{choromanska2015} ($1000$ networks, $200$ epochs).", raw=True)
        rows = []
        for w, n, r, lo, hi, paper, mean, var in self.correlation_rows():
            p = f"{paper:.4f}" if paper is not None else "--"
            rows.append((f"${w}$", f"${n}$", f"${r:.4f}$", f"$[{_round3(lo)}, {_round3(hi)}]$", p, f"${mean:.4f}$",
                         f"${var:.3g}$"))
        doc.table([r"$n_1$", "networks", r"Pearson $r$", r"95\% CI", "paper", "mean test loss", "variance"], rows,
                  caption="Pearson correlation of train and test loss across networks, measured and published")
        return doc

    def index_dict(self) -> dict:
        """Per index width: the index curves (mean, 95% interval) of both kinds, the report thresholds,
        the ceiling, and per network the largest eigenvalue, training loss and gradient norm (JSON-able)."""
        out = {}
        for w in sorted(self.spectra):
            s = self.spectra[w]
            entry = {"networks": s.networks, "n_params": s.n_params, "ceiling": s.ceiling, "paper": PAPER_INDEX,
                     "largest_eigenvalue": s.largest.tolist(), "train_loss": s.train_loss.tolist(),
                     "gradient_norm": s.gradient_norm.tolist(),
                     "eigenvalues_below_1e-10_max": [int(c) for c in
                                                     np.rint(self.normalised_index(w, relative=1e-10) * s.n_params)]}
            for kind in THRESHOLD_KINDS:
                t, _ = self.index_curve(w, kind)
                m = self.index_summary(w, **{kind: t})
                entry[kind] = {"thresholds": t.tolist(), **{k: np.asarray(m[k]).tolist() for k in
                                                             ("mean", "low", "high", "min", "max")}}
            entry["mean_at_most_paper_from"] = {kind: self.threshold_at(w, kind) for kind in THRESHOLD_KINDS}
            entry["at"] = [{"kind": kind, "threshold": t, **{k: float(v) for k, v in
                                                              self.index_summary(w, **{kind: t}).items()}}
                           for kind, t in REPORT_THRESHOLDS]
            out[w] = entry
        return out

    def to_dict(self) -> dict:
        return {"config": asdict(self.config), "pearson": self.pearson(), "variance": self.variance(),
                "index": self.index_dict(), "seconds": self.seconds,
                "anneal": {k: np.asarray(v).tolist() for k, v in self.anneal.items()},
                "paths": {w: {k: np.asarray(v).tolist() for k, v in p.items()} for w, p in self.paths.items()}}

    def redundancy_markdown(self) -> str:
        """SA with weights in {-1, 0, 1} against SGD at the same width (test accuracy)."""
        if not self.anneal:
            return ""
        a, sgd = np.asarray(self.anneal["test_accuracy"]), np.asarray(self.anneal["sgd_test_accuracy"])
        return ("| n_1 | SA {-1,0,1} test accuracy | SGD test accuracy | difference |\n|---:|---:|---:|---:|\n"
                f"| {int(self.anneal['n_1'])} | {a.mean():.4f} ± {a.std(ddof=1) if len(a) > 1 else 0:.4f} ({len(a)} runs) "
                f"| {sgd.mean():.4f} ± {sgd.std(ddof=1):.4f} ({len(sgd)} nets) | {sgd.mean() - a.mean():+.4f} |\n")

    def assumptions_markdown(self) -> str:
        """The path assumptions measured on the index networks (mean over networks, one column per width)."""
        if not self.paths:
            return ""
        widths = sorted(self.paths)
        p = {w: {k: np.asarray(v) for k, v in self.paths[w].items()} for w in widths}
        rows = [("ρ, fraction of active paths", "rho", ".4f", "A_ij ~ Bernoulli(ρ), same ρ for all"),
                ("spread of unit activity (std over hidden units)", "rho_spread", ".4f", "0"),
                ("pooled corr(X_ij, A_ij)", "pooled_correlation", "+.4f", "0 (independence of X and A)"),
                ("mean abs corr(x_i, A_j) over pairs", "mean_abs_correlation", ".4f", "0"),
                ("relative distance, ρ-averaged polynomial vs network", "relative_distance", ".4f", "0"),
                ("test accuracy of the ρ-averaged (linear) model", "averaged_accuracy", ".4f", "as network's")]
        head = " | ".join(f"n_1 = {w} ({len(p[w]['rho'])} nets)" for w in widths)
        lines = [f"| quantity | {head} | assumption (the paper's path model) |", "|---|" + "---:|" * len(widths) + "---|"]
        for label, key, fmt, assumption in rows:
            lines.append(f"| {label} | " + " | ".join(format(p[w][key].mean(), fmt) for w in widths)
                         + f" | {assumption} |")
        return "\n".join(lines) + "\n"

    #: the columns of :meth:`to_dataframe`, in the order of :meth:`correlation_rows`
    DATAFRAME_COLUMNS = ("n_1", "networks", "pearson_r", "ci_low", "ci_high", "paper_r", "mean_test_loss",
                         "test_loss_variance")

    def _repr_markdown_(self) -> str:
        """Jupyter: the setting, then the tables of the report that this result holds (correlation of
        train and test loss per width; Hessian index; annealing; path assumptions)."""
        c = self.config
        head = (f"Trained networks (the experiments of Choromanska et al. 2015): one hidden ReLU layer, widths "
                f"{', '.join(map(str, sorted(self.runs))) or 'none finished'}, {c.replicas} networks per width, "
                f"{c.epochs} epochs of SGD, seed {c.seed}.")
        parts = [head]
        for title, table in (("Train and test loss per width", self.correlation_markdown() if self.runs else ""),
                             ("Hessian index", self.index_markdown()),
                             ("Simulated annealing against SGD", self.redundancy_markdown()),
                             ("Path assumptions measured", self.assumptions_markdown())):
            if table:
                parts += [f"**{title}**", table.strip()]
        return "\n\n".join(parts) + "\n"

    def to_dataframe(self):
        """:meth:`correlation_rows` as a pandas DataFrame, one row per width: index ``n_1``; columns
        ``networks``, ``pearson_r`` (train against test loss), ``ci_low``, ``ci_high`` (its 95% interval,
        Fisher z), ``paper_r`` (Table 1 of Choromanska et al. 2015; NaN where it gives none),
        ``mean_test_loss``, ``test_loss_variance``. Needs pandas (``pip install pandas``)."""
        from ..display import dataframe

        rows = [[w, n, r, lo, hi, math.nan if paper is None else paper, mean, var]
                for w, n, r, lo, hi, paper, mean, var in self.correlation_rows()]
        return dataframe(rows, self.DATAFRAME_COLUMNS, index="n_1")

    @classmethod
    def load(cls, out) -> "MnistResult":
        """Read a finished (or partly finished) run folder without computing anything.

        Every piece is verified as it is read. A width appears in ``runs`` once all of its training
        blocks are saved (assembled in replica order), an index width in ``spectra`` once all its index
        tasks are (in ``paths`` once its path statistics are), ``anneal`` once every annealing run and
        the SGD runs it is compared with are.
        """
        out = Path(out)
        config = MnistExperimentConfig.from_stored(read_config(out, what="MNIST experiment"))
        store = RunStore(out, _store_config(config), create=False)
        runs, spectra, seconds, paths = {}, {}, {}, {}
        for w in config.widths:
            keys = [train_key(w, a, b) for a, b in config.blocks()]
            if all(store.has(k) for k in keys):
                parts = [store.load(k, _train_expect(b - a)) for k, (a, b) in zip(keys, config.blocks())]
                runs[w] = {m: np.concatenate([p[m] for p in parts]) for m in METRICS}
                total = sum(store.seconds(k) for k in keys)
                seconds[w] = None if math.isnan(total) else total
        for w in config.index_widths:
            keys = [index_key(w, r) for r in range(config.index_replicas)]
            if all(store.has(k) for k in keys):
                spectra[w] = _spectra(w, [store.load(k, _index_expect(w, None)) for k in keys])
            if store.has(paths_key(w)):
                paths[w] = store.load(paths_key(w))
        anneal = {}
        keys = [anneal_key(i) for i in range(config.anneal_runs)]
        w = config.anneal_width
        if keys and w in runs and all(store.has(k) for k in keys):
            anneal = {"n_1": np.asarray(w), "sgd_test_accuracy": runs[w]["test_accuracy"],
                      "test_accuracy": np.array([float(store.load(k)["test_accuracy"]) for k in keys])}
        dataset = {}
        if store.has("dataset"):
            d = store.load("dataset")
            dataset = {"name": str(d["name"]), "n_train": int(d["n_train"]), "n_test": int(d["n_test"])}
        return cls(config, runs, spectra, seconds, anneal, paths, dataset)


def _spectra(width: int, pieces: list) -> IndexSpectra:
    n_params = {int(p["n_params"]) for p in pieces}
    if len(n_params) != 1:
        raise InvalidInputError(f"index pieces of width {width} disagree on the number of parameters: {n_params}")
    negative = [np.asarray(p["negative_eigenvalues"], dtype=np.float64) for p in pieces]
    return IndexSpectra(width, n_params.pop(), negative,
                        np.array([float(p["largest_eigenvalue"]) for p in pieces]),
                        np.array([float(p["train_loss"]) for p in pieces]),
                        np.array([float(p["gradient_norm"]) for p in pieces]))


def _round3(x: float) -> str:
    """``x`` to 3 decimals with no negative zero (``-0.0003`` reads ``0.000``, not ``-0.000``)."""
    return f"{round(float(x), 3) + 0.0:.3f}"


def fisher_interval(r: float, n: int, z: float = 1.959964) -> tuple:
    """95% confidence interval of a Pearson correlation from n pairs (Fisher z-transform)."""
    if n <= 3 or abs(r) >= 1:
        return (float("nan"), float("nan"))
    half = z / np.sqrt(n - 3)
    return (float(np.tanh(np.arctanh(r) - half)), float(np.tanh(np.arctanh(r) + half)))


def _store_config(config: MnistExperimentConfig) -> dict:
    return {"kind": "mnist_experiment", **asdict(config)}


def _train_expect(count: int) -> dict:
    """Shapes of a training piece of ``count`` replicas: one number per replica and metric."""
    return {m: (count,) for m in METRICS}


def _index_expect(width: int, n_inputs: int = N_INPUTS) -> dict:
    """Shapes of an index piece of width ``width``: the weights of one network of that width (a piece of
    another width is refused), scalars, and any number of negative eigenvalues."""
    return {"w1": (n_inputs, width), "w2": (width, N_CLASSES), "negative_eigenvalues": (None,), "n_params": (),
            "largest_eigenvalue": (), "train_loss": (), "gradient_norm": ()}


def train_key(width: int, first: int, stop: int) -> str:
    """Key of the training piece of replicas first … stop - 1 of width ``width``."""
    return f"train_n1={width}_replicas={first:04d}-{stop - 1:04d}"


def index_key(width: int, replica: int) -> str:
    """Key of the Hessian spectrum of replica ``replica`` of width ``width``."""
    return f"index_n1={width}_replica={replica:04d}"


def paths_key(width: int) -> str:
    """Key of the path statistics of the index networks of width ``width``."""
    return f"paths_n1={width}"


def anneal_key(run: int) -> str:
    return f"anneal_run={run:03d}"


def _dataset(config: MnistExperimentConfig):
    """The experiment's data set (the embedded sample, or the MNIST folder read once per process)."""
    from ..numeric.data import load_data

    if config.data == "embedded":
        return load_data(None)  # cached by embedded_mnist
    return cached(("mnist-data", config.data), lambda: load_data(config.data))


def _train(c: MnistExperimentConfig, width: int, first: int, count: int, *, keep_weights: bool, device):
    """``train_replicas`` with the experiment's protocol: replicas first … first + count - 1 of ``width``."""
    from ..numeric.training import train_replicas

    return train_replicas(width, count, first_replica=first, epochs=c.epochs, seed=c.seed, data=_dataset(c),
                          batch_size=c.batch_size, learning_rate=c.learning_rate, lr_decay=c.lr_decay,
                          keep_weights=keep_weights, progress=False, device=device)


def training_task(config: dict, task: Task) -> dict:
    """Train replicas ``first`` … ``stop - 1`` of width ``n_1`` (task function of the training plan):
    their final losses and accuracies (no weights)."""
    c, a = MnistExperimentConfig.from_stored(config), task.args
    return _train(c, a["n_1"], a["first"], a["stop"] - a["first"], keep_weights=False,
                  device=config["device"]).arrays()


def index_task(config: dict, task: Task) -> dict:
    """The exact Hessian spectrum of replica ``replica`` of width ``n_1`` (task function of the index plan).

    The network is trained here, alone (``train_replicas(n_1, 1, first_replica=replica, ...)`` with the
    experiment's epochs, seed, batch size and learning rates): the same seeds, hence the same initial
    weights and data orders, as replica ``replica`` of that width in the training sweep. In float32 it
    may differ from that copy in the last bits, because MKL's products depend on the memory alignment
    of their operands and a replica alone does not sit where it sits in a block of 16 or 32 (see
    :mod:`polyloss.numeric.training`); that is why it is retrained here, from its seeds, rather than
    taken from a training block, which keeps this task a pure function of (config, key).

    Returns, on the seeded training subset of ``index_samples`` images: ``negative_eigenvalues`` (every
    eigenvalue < 0 of the exact float64 Hessian, ascending), ``largest_eigenvalue``, ``n_params``, the
    ``train_loss`` and ``gradient_norm`` there, and the network ``w1``, ``w2`` (float32).
    """
    from ..numeric.network_hessian import hessian_spectrum, loss_and_gradient_norm

    c, a = MnistExperimentConfig.from_stored(config), task.args
    dev = config["device"]
    net = _train(c, a["n_1"], a["replica"], 1, keep_weights=True, device=dev)
    w1, w2 = net.w1[0], net.w2[0]
    ds = _dataset(c)
    rows = training_subset(len(ds.y_train), c.index_samples, c.seed)
    x, y = ds.x_train[rows], ds.y_train[rows]
    eig = hessian_spectrum(w1, w2, x, y, device=dev)
    loss, grad_norm = loss_and_gradient_norm(w1, w2, x, y, device=dev)
    return {"negative_eigenvalues": np.ascontiguousarray(eig[eig < 0], dtype=np.float64),
            "largest_eigenvalue": np.float64(eig[-1]), "n_params": np.int64(eig.size),
            "train_loss": np.float64(loss), "gradient_norm": np.float64(grad_norm),
            "w1": np.asarray(w1, dtype=np.float32), "w2": np.asarray(w2, dtype=np.float32)}


def anneal_task(config: dict, task: Task) -> dict:
    """One simulated-annealing run on ternary weights and its test accuracy."""
    from ..numeric.training import anneal_ternary, evaluate

    c = MnistExperimentConfig.from_stored(config)
    ds = _dataset(c)
    rows = training_subset(len(ds.y_train), c.anneal_samples, c.seed)
    dev = config["device"]
    sa = anneal_ternary(ds.x_train[rows], ds.y_train[rows], task.args["n_1"], steps=c.anneal_steps,
                        t_start=ANNEAL_T_START, t_end=ANNEAL_T_END,
                        seed=derive_seed(c.seed, "anneal", task.args["run"]), device=dev)
    accuracy = evaluate(sa["w1"][None], sa["w2"][None], ds.x_test, ds.y_test, device=dev)[1][0]
    return {"w1": sa["w1"], "w2": sa["w2"], "loss": np.float64(sa["loss"]), "accepted": np.int64(sa["accepted"]),
            "test_accuracy": np.float64(accuracy)}


def _training_flops(config: MnistExperimentConfig, width: int, replicas: int, n_train: int, n_test: int,
                    n_inputs: int) -> float:
    per_sample = 2 * width * (n_inputs + 10)  # one forward pass; a training step costs about three
    return float(replicas * (config.epochs * n_train * 3 + n_train + n_test) * per_sample)


def _index_flops(width: int, samples: int, n_inputs: int) -> float:
    """Estimated flops of one dense spectrum: N Hessian-vector products (about five forward passes each) and
    the eigenvalues (a cubic term; its constant fitted roughly to the measured times)."""
    n_params = width * (n_inputs + 10)
    return float(n_params * 5 * samples * 2 * n_params + 2 * n_params**3)


def plans(config: MnistExperimentConfig, out, *, threads: int | None = 1, device="cpu") -> dict:
    """The experiment's plans ``{"training", "index", "anneal"}`` (index only with index widths, anneal
    only with annealing runs); printing one shows its tasks and costs. They are independent: the index
    tasks train their own networks."""
    from .._device import as_device

    dev = str(as_device(device))
    ds = _dataset(config)
    n_train, n_test, d = len(ds.y_train), len(ds.y_test), ds.n_inputs
    store_config = _store_config(config)
    options = {"device": dev}  # where the arithmetic runs: not part of the run folder's identity
    tasks = [Task(train_key(w, a, b), {"n_1": w, "first": a, "stop": b},
                  cost=_training_flops(config, w, b - a, n_train, n_test, d), expect=_train_expect(b - a))
             for w in config.widths for a, b in config.blocks()]
    out_plans = {"training": Plan("mnist_training", training_task, store_config, tasks, folder=out, threads=threads,
                                  options=options)}
    if config.index_widths:
        samples = min(config.index_samples, n_train)
        tasks = [Task(index_key(w, r), {"n_1": w, "replica": r, "samples": samples},
                      cost=_training_flops(config, w, 1, n_train, n_test, d) + _index_flops(w, samples, d),
                      expect=_index_expect(w, d))
                 for w in config.index_widths for r in range(config.index_replicas)]
        out_plans["index"] = Plan("mnist_index", index_task, store_config, tasks, folder=out, threads=threads,
                                  options=options)
    if config.anneal_runs > 0:
        w = config.anneal_width
        samples = min(config.anneal_samples, n_train)
        tasks = [Task(anneal_key(i), {"n_1": w, "run": i, "samples": samples, "steps": config.anneal_steps},
                      cost=float(config.anneal_steps * samples * 10 * 8))
                 for i in range(config.anneal_runs)]
        out_plans["anneal"] = Plan("mnist_anneal", anneal_task, store_config, tasks, folder=out, threads=threads,
                                   options=options)
    return out_plans


def run_mnist_experiment(config: MnistExperimentConfig | None = None, out="runs/mnist", *, executor=None,
                         threads: int | None = 1, device="cpu", progress: bool = True, force: bool = False) -> MnistResult:
    """Train every width, compute the Hessian spectra, anneal, save everything in ``out``; resumes when rerun.

    ``executor``: what runs the tasks (:mod:`polyloss.execution`: None for this process, a number of
    local worker processes, a :class:`~polyloss.execution.LocalWorkers`, an Executor, a Dask client);
    ``threads``: torch threads per task; ``device``: torch device of the arithmetic ("cpu", "cuda",
    ...; random numbers are drawn on the CPU whatever it is). The numbers do not depend on the
    executor, on ``threads`` nor on ``block`` (bit for bit on the CPU). The folder is locked while the
    run writes it (a second process is refused with :class:`~polyloss.errors.FolderInUseError`);
    ``force``: a folder of another configuration is started afresh, its old files moved into
    ``<out>/superseded-<time>/`` (nothing is deleted).
    """
    from .._device import as_device

    config = config or MnistExperimentConfig()
    out = Path(out)
    device = as_device(device)  # an unavailable device fails here, before anything is written
    ds = _dataset(config)  # as does a missing data folder
    if (out / "config.json").exists() and not force:
        stored = read_config(out)
        if stored.get("kind") == "mnist_experiment":
            MnistExperimentConfig.from_stored(stored)  # a folder of the earlier layout is named as such
    with folder_lock(out):
        return _run_locked(config, out, ds, executor, threads, device, progress, force)


def _run_locked(config, out, ds, executor, threads, device, progress, force) -> MnistResult:
    store = RunStore(out, _store_config(config), force=force)
    for plan in plans(config, out, threads=threads, device=device).values():
        plan.run(executor, progress=progress)
    if not store.has("dataset"):  # what the data was, so that a report can say it without the data at hand
        # (saved after the sweeps: a run refused or failed before its first piece leaves none, so the
        # corrected rerun may take the folder over)
        store.save("dataset", {"name": np.array(ds.name), "n_train": np.int64(len(ds.y_train)),
                               "n_test": np.int64(len(ds.y_test))})
    for w in config.index_widths:  # path statistics of the index networks, on the test set
        if not store.has(paths_key(w)):
            nets = [store.load(index_key(w, r)) for r in range(config.index_replicas)]
            stats = [path_statistics(n["w1"], n["w2"], ds.x_test, ds.y_test) for n in nets]
            store.save(paths_key(w), {key: np.array([s[key] for s in stats]) for key in stats[0]},
                       {"n_1": w, "networks": len(nets)})
    return MnistResult.load(out)


def training_subset(n: int, k: int, seed: int) -> np.ndarray:
    """k of the n training rows, drawn without replacement with a fixed seed (the embedded set is sorted
    by digit, so a prefix would hold only zeros and ones)."""
    n, k = integer("n", n, minimum=1), integer("k", k, minimum=1)
    seed = integer("seed", seed, minimum=0)
    return np.sort(np.random.default_rng(derive_seed(seed, "subset")).permutation(n)[: min(k, n)])


def path_statistics(w1, w2, x, y) -> dict:
    """The path assumptions of the paper's model, measured on one trained network, on inputs x (n, d).

    Mapping to the single-output path polynomial (stated): each of the 10 logits is its own
    polynomial, ``f_k(x) = Σ_i Σ_j x_i A_ij(x) w1_ij w2_jk`` (exact for this bias-free net; the output
    has no ReLU, softmax follows), and path (i, j, k) is active iff hidden unit j is,
    ``A_ij(x) = 1{(W_1^T x)_j > 0}`` — the same for every input i and logit k.

    * ``rho``: frequency of active paths, the mean of A over samples and paths;
      ``rho_spread``: the standard deviation over hidden units of their activity frequency (0 if
      every path had the same ρ, assumption 2).
    * ``pooled_correlation``: Pearson correlation of (X_ij, A_ij) pooled over samples and paths;
      ``mean_abs_correlation``: mean |corr(x_i, A_j)| over pairs with non-constant x_i and A_j
      (both 0 under assumption 3, independence of X and A).
    * ``relative_distance``: ``‖f - f_ρ‖ / ‖f‖`` over samples and logits, f_ρ = ρ x^T W_1 W_2 the
      ρ-averaged path polynomial (the paper's Eq. (2) [unverified]); ``averaged_accuracy``: the accuracy of argmax f_ρ.

    Bad input (not real and finite, shapes that do not fit, no samples, labels outside 0..C-1) is
    refused with :class:`~polyloss.errors.InvalidInputError` naming the argument.
    """
    from ..numeric.network_hessian import _check_network

    _check_network(w1, w2, x, y)
    x = np.asarray(x, dtype=np.float64)
    w1, w2 = np.asarray(w1, dtype=np.float64), np.asarray(w2, dtype=np.float64)
    z = x @ w1
    a = (z > 0).astype(np.float64)
    logits = (z * a) @ w2
    rho = float(a.mean())
    # pooled over (sample s, input i, hidden j): E[x a] = mean_s (mean_i x_si)(mean_j a_sj)
    ex, exa = x.mean(), float(np.mean(x.mean(1) * a.mean(1)))
    vx, va = x.var(), rho * (1 - rho)
    pooled = (exa - ex * rho) / np.sqrt(vx * va) if vx > 0 and va > 0 else float("nan")
    xs, as_ = x.std(0), a.std(0)
    keep_x, keep_a = xs > 1e-12, as_ > 1e-12
    if keep_x.any() and keep_a.any():
        xz = (x[:, keep_x] - x[:, keep_x].mean(0)) / xs[keep_x]
        az = (a[:, keep_a] - a[:, keep_a].mean(0)) / as_[keep_a]
        mean_abs = float(np.abs(xz.T @ az / len(x)).mean())
    else:
        mean_abs = float("nan")
    averaged = rho * (x @ w1 @ w2)
    return {"rho": rho, "rho_spread": float(a.mean(0).std()), "pooled_correlation": float(pooled),
            "mean_abs_correlation": mean_abs,
            "relative_distance": float(np.linalg.norm(logits - averaged) / np.linalg.norm(logits)),
            "averaged_accuracy": float(np.mean(averaged.argmax(1) == np.asarray(y)))}


def write_report(result: MnistResult, out, *, spinglass_energies: dict | None = None) -> list:
    """Figures (PNG), the correlation table (Markdown and LaTeX) and a JSON summary into ``out``."""
    from ..figures import networks as fig
    from ..store import atomic_write_json, atomic_write_text

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        *fig.save_test_loss_distributions(out / "test_loss_distributions.png", result, spinglass_energies),
        *fig.save_variance_vs_width(out / "test_loss_variance.png", result),
        *fig.save_train_test_scatter(out / "train_vs_test_loss.png", result),
    ]
    if result.spectra:
        paths += fig.save_index_curves(out / "hessian_index.png", result)
    paths.append(atomic_write_text(out / "correlation_table.md", result.correlation_markdown()))
    if result.spectra:
        paths.append(atomic_write_text(out / "hessian_index.md", result.index_markdown()))
    if result.anneal:
        paths.append(atomic_write_text(out / "redundancy_check.md", result.redundancy_markdown()))
    if result.paths:
        paths.append(atomic_write_text(out / "assumptions.md", result.assumptions_markdown()))
    paths.append(result.correlation_document().write(out / "correlation_table.tex"))
    paths.append(atomic_write_json(out / "summary.json", result.to_dict()))
    return paths


__all__ = ["MnistExperimentConfig", "MnistResult", "IndexSpectra", "run_mnist_experiment", "plans", "write_report",
           "PAPER_CORRELATION", "PAPER_INDEX", "REPORT_THRESHOLDS", "fisher_interval", "mean_interval",
           "path_statistics", "training_task", "index_task", "anneal_task", "train_key", "index_key", "paths_key",
           "anneal_key"]
