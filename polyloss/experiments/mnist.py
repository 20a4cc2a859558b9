"""The paper's MNIST experiments (REFERENCE §6; paper Sec. 6, Fig. 3 right, Table 1, index check).

For every width n_1 the experiment trains ``replicas`` networks with :func:`~polyloss.train_replicas`
(each in its own resumable run folder ``<out>/train_n1=<n_1>``), then measures

* the distribution of final test losses and its variance against n_1 (narrows with width);
* the Pearson correlation of train and test loss across replicas, beside the paper's Table 1;
* the normalised Hessian index (fraction of negative eigenvalues of the training-loss Hessian) of the
  first ``index_replicas`` solutions of width ``index_width`` (paper: ≈ 0.01 or less), on
  ``index_samples`` training images drawn at random with a fixed seed (stated: a subset, to keep the
  dense Hessian affordable);
* the redundancy check: simulated annealing with weights in {-1, 0, 1} (``anneal_runs`` runs on the
  ``anneal_samples`` random training images) against SGD at the index width, test accuracy;
* the path assumptions on the index-width solutions (:func:`path_statistics`, on the test set).

Scales (:meth:`MnistExperimentConfig.preset`): ``"smoke"`` (seconds, tests), ``"default"`` (a few
minutes on 2 CPU cores: measured 2.5 min on one shared core), ``"paper"`` (1000 networks per width,
200 epochs). Paper scale, extrapolated from measured small runs on one thread of a shared 2-core CPU
(no GPU): training 6.3 h (ms per replica-epoch: 6.7, 10.4, 15.0, 34.6, 47.5 for n_1 = 25 … 500),
Hessian index 100 × 35 s ≈ 1 h (dense, N = 2750, 4000 images), annealing 10 × 100k moves ≈ 45 min:
about 8 hours in all.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .._random import derive_seed
from .._validate import integer
from ..errors import InvalidInputError
from ..store import RunStore, read_config

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
    anneal_runs: int = 3
    anneal_steps: int = 20000
    anneal_samples: int = 1000

    @classmethod
    def preset(cls, scale: str = "default", **changes) -> "MnistExperimentConfig":
        presets = {
            "smoke": cls(widths=(5, 10), replicas=6, epochs=2, index_width=5, index_replicas=2, index_samples=200,
                         anneal_runs=2, anneal_steps=300, anneal_samples=200),
            "default": cls(),
            "paper": cls(widths=PAPER_WIDTHS, replicas=1000, epochs=200, index_replicas=100, index_samples=4000,
                         anneal_runs=10, anneal_steps=100000, anneal_samples=4000),
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
        integer("anneal_runs", self.anneal_runs, minimum=0)
        if self.index_width is not None and self.index_width not in widths:
            raise InvalidInputError(f"index_width must be one of the widths {widths} or None; got {self.index_width!r}")


@dataclass
class MnistResult:
    """Per-width arrays (``runs[n_1][metric]``, shape (replicas,)) and Hessian indices (``index[n_1]``)."""

    config: MnistExperimentConfig
    runs: dict
    index: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)
    anneal: dict = field(default_factory=dict)  # {"n_1", "test_accuracy" (per SA run), "sgd_test_accuracy"}
    paths: dict = field(default_factory=dict)  # path_statistics of the index-width solutions, per replica

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
                "index": {w: v.tolist() for w, v in self.index.items()}, "seconds": self.seconds,
                "anneal": {k: np.asarray(v).tolist() for k, v in self.anneal.items()},
                "paths": {k: np.asarray(v).tolist() for k, v in self.paths.items()}}

    def redundancy_markdown(self) -> str:
        """SA with weights in {-1, 0, 1} against SGD at the same width (test accuracy)."""
        if not self.anneal:
            return ""
        a, sgd = np.asarray(self.anneal["test_accuracy"]), np.asarray(self.anneal["sgd_test_accuracy"])
        return ("| n_1 | SA {-1,0,1} test accuracy | SGD test accuracy | difference |\n|---:|---:|---:|---:|\n"
                f"| {int(self.anneal['n_1'])} | {a.mean():.4f} ± {a.std(ddof=1) if len(a) > 1 else 0:.4f} ({len(a)} runs) "
                f"| {sgd.mean():.4f} ± {sgd.std(ddof=1):.4f} ({len(sgd)} nets) | {sgd.mean() - a.mean():+.4f} |\n")

    def assumptions_markdown(self) -> str:
        """The path assumptions measured on the trained solutions (mean over networks)."""
        if not self.paths:
            return ""
        p = {k: np.asarray(v) for k, v in self.paths.items()}
        return ("| quantity | mean over networks | assumption (REFERENCE §2) |\n|---|---:|---|\n"
                f"| ρ, fraction of active paths | {p['rho'].mean():.4f} | A_ij ~ Bernoulli(ρ), same ρ for all |\n"
                f"| spread of unit activity (std over hidden units) | {p['rho_spread'].mean():.4f} | 0 |\n"
                f"| pooled corr(X_ij, A_ij) | {p['pooled_correlation'].mean():+.4f} | 0 (independence of X and A) |\n"
                f"| mean abs corr(x_i, A_j) over pairs | {p['mean_abs_correlation'].mean():.4f} | 0 |\n"
                f"| relative distance, ρ-averaged polynomial vs network | {p['relative_distance'].mean():.4f} | 0 |\n"
                f"| test accuracy of the ρ-averaged (linear) model | {p['averaged_accuracy'].mean():.4f} | as network's |\n")

    @classmethod
    def load(cls, out) -> "MnistResult":
        """Read a finished (or partly finished) run folder without computing anything."""
        out = Path(out)
        stored = read_config(out, what="MNIST experiment")
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
        anneal = store.load("anneal") if store.has("anneal") else {}
        paths = store.load("paths") if store.has("paths") else {}
        return cls(config, runs, index, seconds, anneal, paths)


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
        rows = training_subset(len(ds.y_train), config.index_samples, config.seed)
        k = len(rows)
        idx = replica_indices(w1, w2, ds.x_train[rows], ds.y_train[rows], progress=progress, seed=config.seed)
        store.save(f"index_n1={w}", {"index": idx}, {"samples": k, "method": "auto (dense where it fits)"})
    w = config.index_width if config.index_width is not None else config.widths[0]
    if config.anneal_runs > 0 and not store.has("anneal"):
        from ..numeric.training import anneal_ternary, evaluate

        rows = training_subset(len(ds.y_train), config.anneal_samples, config.seed)
        k = len(rows)
        acc = []
        for run in range(config.anneal_runs):
            sa = anneal_ternary(ds.x_train[rows], ds.y_train[rows], w, steps=config.anneal_steps, t_start=0.1,
                                t_end=1e-4, seed=derive_seed(config.seed, "anneal", run))
            acc.append(float(evaluate(sa["w1"][None], sa["w2"][None], ds.x_test, ds.y_test)[1][0]))
        with np.load(out / f"train_n1={w}" / "result.npz") as z:
            sgd = z["test_accuracy"]
        store.save("anneal", {"n_1": w, "test_accuracy": np.array(acc), "sgd_test_accuracy": sgd},
                   {"samples": k, "steps": config.anneal_steps})
    if not store.has("paths") and (out / f"train_n1={w}" / "result.npz").exists():
        with np.load(out / f"train_n1={w}" / "result.npz") as z:
            if "w1" in z.files:
                stats = [path_statistics(z["w1"][r], z["w2"][r], ds.x_test, ds.y_test) for r in range(len(z["w1"]))]
                store.save("paths", {key: np.array([s[key] for s in stats]) for key in stats[0]}, {"n_1": w})
    return MnistResult.load(out)


def training_subset(n: int, k: int, seed: int) -> np.ndarray:
    """k of the n training rows, drawn without replacement with a fixed seed (the embedded set is sorted
    by digit, so a prefix would hold only zeros and ones)."""
    return np.sort(np.random.default_rng(derive_seed(seed, "subset")).permutation(n)[: min(k, n)])


def path_statistics(w1, w2, x, y) -> dict:
    """The path assumptions measured on one trained network (REFERENCE §1-2), on inputs x (n, d).

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
      ρ-averaged path polynomial (Eq. 2); ``averaged_accuracy``: the accuracy of argmax f_ρ.
    """
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
        fig.test_loss_distributions(result, out / "test_loss_distributions.png", spinglass_energies),
        fig.variance_vs_width(result, out / "test_loss_variance.png"),
        fig.train_test_scatter(result, out / "train_vs_test_loss.png"),
    ]
    if result.index:
        paths.append(fig.index_histogram(result, out / "hessian_index.png"))
    paths.append(atomic_write_text(out / "correlation_table.md", result.correlation_markdown()))
    if result.anneal:
        paths.append(atomic_write_text(out / "redundancy_check.md", result.redundancy_markdown()))
    if result.paths:
        paths.append(atomic_write_text(out / "assumptions.md", result.assumptions_markdown()))
    paths.append(result.correlation_document().write(out / "correlation_table.tex"))
    paths.append(atomic_write_json(out / "summary.json", result.to_dict()))
    return paths


__all__ = ["MnistExperimentConfig", "MnistResult", "run_mnist_experiment", "write_report", "PAPER_CORRELATION",
           "fisher_interval", "path_statistics"]
