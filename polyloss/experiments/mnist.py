"""The paper's MNIST experiments (REFERENCE §6; paper Sec. 6, Fig. 3 right, Table 1, index check).

For every width n_1 the experiment trains ``replicas`` networks with :func:`~polyloss.train_replicas`
(each in its own resumable run folder ``<out>/train_n1=<n_1>``), then measures

* the distribution of final test losses and its variance against n_1 (narrows with width);
* the Pearson correlation of train and test loss across replicas, beside the paper's Table 1;
* the normalised Hessian index (fraction of negative eigenvalues of the training-loss Hessian) of the
  first ``index_replicas`` solutions of width ``index_width`` (paper: ≈ 0.01 or less), on the first
  ``index_samples`` training images (stated: a subset, to keep the dense Hessian affordable).

Scales (:meth:`MnistExperimentConfig.preset`): ``"smoke"`` (seconds, tests), ``"default"`` (a few
minutes on 2 CPU cores), ``"paper"`` (1000 networks per width, 200 epochs; see the measured time
in ``polyloss train --help`` and the report).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .._validate import integer
from ..errors import InvalidInputError
from .store import RunStore

# Table 1 of Choromanska et al. (2015): Pearson correlation of train and test loss over 1000 networks.
PAPER_CORRELATION = {25: 0.7616, 50: 0.6861, 100: 0.5983, 250: 0.5302, 500: 0.4081}
PAPER_WIDTHS = (25, 50, 100, 250, 500)
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


@dataclass(frozen=True)
class MnistExperimentConfig:
    """What the experiment runs; saved in ``<out>/config.json`` (a different config refuses to resume)."""

    widths: tuple = (25, 50, 100)
    replicas: int = 48
    epochs: int = 30
    seed: int = 0
    batch_size: int = 100
    learning_rate: float = 0.1
    lr_decay: float = 0.05
    data: str = "embedded"
    index_width: int | None = 25
    index_replicas: int = 5
    index_samples: int = 500

    @classmethod
    def preset(cls, scale: str = "default", **changes) -> "MnistExperimentConfig":
        presets = {
            "smoke": cls(widths=(5, 10), replicas=6, epochs=2, index_width=5, index_replicas=2, index_samples=200),
            "default": cls(),
            "paper": cls(widths=PAPER_WIDTHS, replicas=1000, epochs=200, index_replicas=100, index_samples=4000),
        }
        if scale not in presets:
            raise InvalidInputError(f"scale must be one of {', '.join(presets)}; got {scale!r}")
        return replace(presets[scale], **changes)

    def __post_init__(self):
        widths = tuple(self.widths)
        if not widths:
            raise InvalidInputError("widths must be a non-empty list of positive integers, got ()")
        for w in widths:
            integer("each width", w, minimum=1)
        object.__setattr__(self, "widths", widths)
        integer("replicas", self.replicas, minimum=2)  # a correlation needs two replicas
        integer("epochs", self.epochs, minimum=0)
        integer("seed", self.seed, minimum=0)
        if self.index_width is not None and self.index_width not in widths:
            raise InvalidInputError(f"index_width must be one of the widths {widths} or None; got {self.index_width!r}")


@dataclass
class MnistResult:
    """Per-width arrays (``runs[n_1][metric]``, shape (replicas,)) and Hessian indices (``index[n_1]``)."""

    config: MnistExperimentConfig
    runs: dict
    index: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    def pearson(self) -> dict:
        """Pearson correlation of train and test loss across replicas, per width."""
        return {w: float(np.corrcoef(r["train_loss"], r["test_loss"])[0, 1]) for w, r in self.runs.items()}

    def variance(self, metric: str = "test_loss") -> dict:
        """Sample variance (ddof = 1) of ``metric`` across replicas, per width."""
        return {w: float(np.var(r[metric], ddof=1)) for w, r in self.runs.items()}

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
            lines.append(f"| {w} | {n} | {r:.4f} | [{lo:.3f}, {hi:.3f}] | {p} | {mean:.4f} | {var:.3g} |")
        return "\n".join(lines) + "\n"

    def correlation_document(self):
        """The table as a LaTeX Document (polyloss.symbolic.latex)."""
        from ..symbolic.latex import Document

        c = self.config
        doc = Document("Train and test loss of trained networks: correlation per width")
        doc.paragraph(
            f"One hidden ReLU layer, no biases, 100 inputs (10x10 MNIST), softmax cross-entropy; "
            f"{c.replicas} networks per width, {c.epochs} epochs of SGD (batch {c.batch_size}, "
            f"learning rate {c.learning_rate}/(1 + {c.lr_decay} e)), initial weights uniform in [-1, 1], "
            f"seed {c.seed}, data: {c.data}. Paper: Choromanska et al. (2015), Table 1 (1000 networks, 200 epochs).")
        rows = []
        for w, n, r, lo, hi, paper, mean, var in self.correlation_rows():
            p = f"{paper:.4f}" if paper is not None else "--"
            rows.append((f"${w}$", f"${n}$", f"${r:.4f}$", f"$[{lo:.3f}, {hi:.3f}]$", p, f"${mean:.4f}$", f"${var:.3g}$"))
        doc.table([r"$n_1$", "networks", r"Pearson $r$", r"95\% CI", "paper", "mean test loss", "variance"], rows,
                  caption="Pearson correlation of train and test loss across networks, measured and published")
        return doc

    def to_dict(self) -> dict:
        return {"config": asdict(self.config), "pearson": self.pearson(), "variance": self.variance(),
                "index": {w: v.tolist() for w, v in self.index.items()}, "seconds": self.seconds}

    @classmethod
    def load(cls, out) -> "MnistResult":
        """Read a finished (or partly finished) run folder without computing anything."""
        import json

        out = Path(out)
        cfg_path = out / "config.json"
        if not cfg_path.exists():
            raise InvalidInputError(f"{out} is not an MNIST experiment folder (no config.json)")
        stored = json.loads(cfg_path.read_text())["config"]
        stored.pop("kind", None)
        config = MnistExperimentConfig(**{**stored, "widths": tuple(stored["widths"])})
        store = RunStore(out, _store_config(config))
        runs, index, seconds = {}, {}, {}
        for w in config.widths:
            sub = out / f"train_n1={w}"
            if (sub / "result.npz").exists():
                with np.load(sub / "result.npz") as z:
                    runs[w] = {k: z[k] for k in METRICS}
                seconds[w] = json.loads((sub / "result.json").read_text())["meta"].get("seconds")
            if store.has(f"index_n1={w}"):
                index[w] = store.load(f"index_n1={w}")["index"]
        return cls(config, runs, index, seconds)


def fisher_interval(r: float, n: int, z: float = 1.959964) -> tuple:
    """95% confidence interval of a Pearson correlation from n pairs (Fisher z-transform)."""
    if n <= 3 or abs(r) >= 1:
        return (float("nan"), float("nan"))
    half = z / np.sqrt(n - 3)
    return (float(np.tanh(np.arctanh(r) - half)), float(np.tanh(np.arctanh(r) + half)))


def _store_config(config: MnistExperimentConfig) -> dict:
    return {"kind": "mnist_experiment", **asdict(config)}


def run_mnist_experiment(config: MnistExperimentConfig | None = None, out="runs/mnist", *,
                         progress: bool = True) -> MnistResult:
    """Train every width, measure the Hessian index, save everything in ``out``; resumes when rerun."""
    from ..numeric.data import load_data
    from ..numeric.network_hessian import replica_indices
    from ..numeric.training import train_replicas

    config = config or MnistExperimentConfig()
    out = Path(out)
    data = None if config.data == "embedded" else config.data
    ds = load_data(data)  # a missing data folder fails here, before anything is written
    store = RunStore(out, _store_config(config))
    for w in config.widths:
        keep = w == config.index_width
        train_replicas(w, config.replicas, epochs=config.epochs, seed=config.seed, data=ds,
                       batch_size=config.batch_size, learning_rate=config.learning_rate, lr_decay=config.lr_decay,
                       keep_weights=keep, out=out / f"train_n1={w}", progress=progress)
    if config.index_width is not None and not store.has(f"index_n1={config.index_width}"):
        w = config.index_width
        with np.load(out / f"train_n1={w}" / "result.npz") as z:
            w1, w2 = z["w1"][: config.index_replicas], z["w2"][: config.index_replicas]
        k = min(config.index_samples, len(ds.y_train))
        idx = replica_indices(w1, w2, ds.x_train[:k], ds.y_train[:k], progress=progress, seed=config.seed)
        store.save(f"index_n1={w}", {"index": idx}, {"samples": k, "method": "auto (dense where it fits)"})
    return MnistResult.load(out)


def write_report(result: MnistResult, out, *, spinglass_energies: dict | None = None) -> list:
    """Figures (PNG), the correlation table (Markdown and LaTeX) and a JSON summary into ``out``."""
    from ..figures import networks as fig
    from .store import atomic_write_json, atomic_write_text

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        fig.test_loss_distributions(result, out / "test_loss_distributions.png", spinglass_energies),
        fig.variance_vs_width(result, out / "test_loss_variance.png"),
        fig.train_test_scatter(result, out / "train_vs_test_loss.png"),
    ]
    if result.index:
        paths.append(fig.index_histogram(result, out / "hessian_index.png"))
    paths.append(atomic_write_text(out / "correlation_table.md", result.correlation_markdown()))
    paths.append(result.correlation_document().write(out / "correlation_table.tex"))
    paths.append(atomic_write_json(out / "summary.json", result.to_dict()))
    return paths


__all__ = ["MnistExperimentConfig", "MnistResult", "run_mnist_experiment", "write_report", "PAPER_CORRELATION",
           "fisher_interval"]
