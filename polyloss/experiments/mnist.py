"""The paper's MNIST experiments (paper Sec. 6: test-loss distributions, Table 1, the index of SGD's solutions).

For every width n_1 the experiment trains ``replicas`` networks with :func:`~polyloss.train_replicas`,
then measures

* the distribution of final test losses and its variance against n_1 (narrows with width);
* the Pearson correlation of train and test loss across replicas, beside the paper's Table 1;
* the normalised Hessian index (fraction of negative eigenvalues of the training-loss Hessian) of the
  first ``index_replicas`` solutions of width ``index_width`` (paper: ≈ 0.01 or less), on
  ``index_samples`` training images drawn at random with a fixed seed (stated: a subset, to keep the
  dense Hessian affordable);
* the redundancy check: simulated annealing with weights in {-1, 0, 1} (``anneal_runs`` runs on the
  ``anneal_samples`` random training images) against SGD at the index width, test accuracy;
* the path assumptions on the index-width solutions (:func:`path_statistics`, on the test set).

**Execution** (:mod:`polyloss.execution`). The work is three plans of pure, seeded tasks sharing the
run folder ``out`` (one piece per task, verified when read; an interrupted run resumes):

* training: one task per (width, block of ``block`` replicas), key
  ``train_n1=<n_1>_replicas=<first>-<last>``: the per-replica metrics, and the weights at the index
  width. Replica r has the same seeds whatever block it is in, and ``block`` is a multiple of 16 so
  that it also has the same memory alignment (MKL's float32 products depend on it: see
  :mod:`polyloss.numeric.training`); so the numbers do not depend on ``block`` on the CPU (bit for
  bit; tested) and ``block`` only sets the size of a task;
* Hessian index: one task per solution, key ``index_n1=<n_1>_replica=<r>``, given that replica's
  weights. Dense when the Hessian takes at most :data:`INDEX_DENSE_BYTES` (the same rule on every
  machine, so the method does not depend on the memory at hand), stochastic Lanczos otherwise;
* annealing: one task per run, key ``anneal_run=<i>``: its weights, energy, accepted moves and test
  accuracy;
* the path statistics are cheap: computed in this process from the saved weights (piece ``paths``).

``executor`` (None, a number of local processes, :class:`~polyloss.execution.LocalWorkers`, an
``Executor``, a Dask client) runs the tasks; ``threads`` torch threads each; ``device`` for the
arithmetic (random numbers are drawn on the CPU either way, so a seed means the same networks, data
orders and annealing moves on every device; float32 products on a GPU round differently, so its
numbers agree with the CPU's to single precision, not bit for bit). The device is not part of the
run folder's identity (a run may move between machines); which device computed a piece is recorded
in ``timing/<key>.json``.

Scales (:meth:`MnistExperimentConfig.preset`): ``"smoke"`` (seconds, tests), ``"default"`` (a few
minutes on 2 CPU cores: measured 2.5 min on one shared core), ``"paper"`` (1000 networks per width,
200 epochs). Paper scale, extrapolated from measured small runs on one thread of a shared 2-core CPU
(no GPU): training 6.3 h (ms per replica-epoch: 6.7, 10.4, 15.0, 34.6, 47.5 for n_1 = 25 … 500),
Hessian index 100 × 35 s ≈ 1 h (dense, N = 2750, 4000 images), annealing 10 × 100k moves ≈ 45 min:
about 8 hours of one core in all, divided among the workers.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .._random import derive_seed
from .._validate import integer
from ..errors import InvalidInputError
from ..execution import Plan, Task, cached
from ..numeric.training import ALIGNED_REPLICAS
from ..store import RunStore, read_config

# Table 1 of Choromanska et al. (2015): Pearson correlation of train and test loss over 1000 networks.
PAPER_CORRELATION = {25: 0.7616, 50: 0.6861, 100: 0.5983, 250: 0.5302, 500: 0.4081}
PAPER_WIDTHS = (25, 50, 100, 250, 500)
METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
INDEX_DENSE_BYTES = 2 * 2**30
"""The Hessian index of the experiment is dense when the dense Hessian takes at most this (else Lanczos)."""
ANNEAL_T_START, ANNEAL_T_END = 0.1, 1e-4


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
    block: int = 16  # replicas per training task: a multiple of 16 (the numbers do not depend on it)

    @classmethod
    def preset(cls, scale: str = "default", **changes) -> "MnistExperimentConfig":
        presets = {
            "smoke": cls(widths=(5, 10), replicas=6, epochs=2, index_width=5, index_replicas=2, index_samples=200,
                         anneal_runs=2, anneal_steps=300, anneal_samples=200),
            "default": cls(),
            "paper": cls(widths=PAPER_WIDTHS, replicas=1000, epochs=200, index_replicas=100, index_samples=4000,
                         anneal_runs=10, anneal_steps=100000, anneal_samples=4000, block=32),
        }
        if scale not in presets:
            raise InvalidInputError(f"scale must be one of {', '.join(presets)}; got {scale!r}")
        return replace(presets[scale], **changes)

    def blocks(self) -> list:
        """The training blocks ``(first, stop)``: replicas first … stop - 1, ``block`` at a time."""
        return [(a, min(a + self.block, self.replicas)) for a in range(0, self.replicas, self.block)]

    @property
    def anneal_width(self) -> int:
        """The width annealed and compared with SGD (the index width, else the first width)."""
        return self.index_width if self.index_width is not None else self.widths[0]

    @classmethod
    def from_stored(cls, stored: dict) -> "MnistExperimentConfig":
        """The configuration saved in a run folder's ``config.json``."""
        stored = {k: v for k, v in stored.items() if k not in ("kind", "device")}  # device: a plan option
        if "block" not in stored:
            raise InvalidInputError("this MNIST run folder was written by an earlier version of polyloss (one "
                                    "train_n1=<width>/ folder per width); run the experiment again into a new folder")
        return cls(**{**stored, "widths": tuple(stored["widths"])})

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
        integer("block", self.block, minimum=1)
        if self.block % ALIGNED_REPLICAS:
            raise InvalidInputError(f"block must be a multiple of {ALIGNED_REPLICAS} (so that every replica trains at "
                                    f"the memory alignment it has in one large batch: the same numbers bit for bit); "
                                    f"got {self.block}")
        integer("index_replicas", self.index_replicas, minimum=1)
        integer("index_samples", self.index_samples, minimum=1)
        integer("anneal_steps", self.anneal_steps, minimum=1)
        integer("anneal_samples", self.anneal_samples, minimum=1)
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
        """Read a finished (or partly finished) run folder without computing anything.

        Every piece is verified as it is read. A width appears in ``runs`` once all of its training
        blocks are saved (assembled in replica order), ``index`` once all its index tasks are,
        ``anneal`` once every annealing run and the SGD runs it is compared with are.
        """
        out = Path(out)
        config = MnistExperimentConfig.from_stored(read_config(out, what="MNIST experiment"))
        store = RunStore(out, _store_config(config))
        runs, index, seconds = {}, {}, {}
        for w in config.widths:
            keys = [train_key(w, a, b) for a, b in config.blocks()]
            if all(store.has(k) for k in keys):
                parts = [store.load(k) for k in keys]
                runs[w] = {m: np.concatenate([p[m] for p in parts]) for m in METRICS}
                total = sum(store.seconds(k) for k in keys)
                seconds[w] = None if math.isnan(total) else total
        if config.index_width is not None:
            keys = [index_key(config.index_width, r) for r in range(_index_count(config))]
            if all(store.has(k) for k in keys):
                index[config.index_width] = np.array([float(store.load(k)["index"]) for k in keys])
        anneal = {}
        keys = [anneal_key(i) for i in range(config.anneal_runs)]
        w = config.anneal_width
        if keys and w in runs and all(store.has(k) for k in keys):
            anneal = {"n_1": np.asarray(w), "sgd_test_accuracy": runs[w]["test_accuracy"],
                      "test_accuracy": np.array([float(store.load(k)["test_accuracy"]) for k in keys])}
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


def train_key(width: int, first: int, stop: int) -> str:
    """Key of the training piece of replicas first … stop - 1 of width ``width``."""
    return f"train_n1={width}_replicas={first:04d}-{stop - 1:04d}"


def index_key(width: int, replica: int) -> str:
    return f"index_n1={width}_replica={replica:04d}"


def anneal_key(run: int) -> str:
    return f"anneal_run={run:03d}"


def _index_count(config: MnistExperimentConfig) -> int:
    return min(config.index_replicas, config.replicas)


def _dataset(config: MnistExperimentConfig):
    """The experiment's data set (the embedded sample, or the MNIST folder read once per process)."""
    from ..numeric.data import load_data

    if config.data == "embedded":
        return load_data(None)  # cached by embedded_mnist
    return cached(("mnist-data", config.data), lambda: load_data(config.data))


def training_task(config: dict, task: Task) -> dict:
    """Train replicas ``first`` … ``stop - 1`` of width ``n_1`` (task function of the training plan)."""
    from ..numeric.training import train_replicas

    c, a = MnistExperimentConfig.from_stored(config), task.args
    result = train_replicas(a["n_1"], a["stop"] - a["first"], first_replica=a["first"], epochs=c.epochs,
                            seed=c.seed, data=_dataset(c), batch_size=c.batch_size, learning_rate=c.learning_rate,
                            lr_decay=c.lr_decay, keep_weights=a["weights"], progress=False, device=config["device"])
    return result.arrays()


def index_task(config: dict, task: Task) -> dict:
    """Normalised Hessian index of one solution, given its weights in ``task.inputs``."""
    from ..numeric.network_hessian import hessian_index

    c = MnistExperimentConfig.from_stored(config)
    ds = _dataset(c)
    rows = training_subset(len(ds.y_train), c.index_samples, c.seed)
    value = hessian_index(task.inputs["w1"], task.inputs["w2"], ds.x_train[rows], ds.y_train[rows],
                          method=task.args["method"], seed=c.seed, device=config["device"])
    return {"index": np.float64(value)}


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


def _index_is_dense(n_params: int, width: int, samples: int) -> bool:
    """The experiment's choice of method, the same on every machine: dense when the Hessian and one chunk of
    64 products take at most :data:`INDEX_DENSE_BYTES` (the device's memory is checked when it runs)."""
    return n_params * n_params * 8 + 64 * samples * (width + 10) * 48 <= INDEX_DENSE_BYTES


def _training_flops(config: MnistExperimentConfig, width: int, replicas: int, n_train: int, n_test: int,
                    n_inputs: int) -> float:
    per_sample = 2 * width * (n_inputs + 10)  # one forward pass; a training step costs about three
    return float(replicas * (config.epochs * n_train * 3 + n_train + n_test) * per_sample)


def plans(config: MnistExperimentConfig, out, *, threads: int | None = 1, device="cpu",
          weights: dict | None = None) -> dict:
    """The experiment's plans ``{"training", "index", "anneal"}`` (the index plan only when ``weights``,
    ``{replica: (w1, w2)}`` of the index width, is given); printing one shows its tasks and costs."""
    from .._device import as_device

    dev = str(as_device(device))
    ds = _dataset(config)
    n_train, n_test, d = len(ds.y_train), len(ds.y_test), ds.n_inputs
    store_config = _store_config(config)
    options = {"device": dev}  # where the arithmetic runs: not part of the run folder's identity
    tasks = [Task(train_key(w, a, b), {"n_1": w, "first": a, "stop": b, "weights": w == config.index_width},
                  cost=_training_flops(config, w, b - a, n_train, n_test, d))
             for w in config.widths for a, b in config.blocks()]
    out_plans = {"training": Plan("mnist_training", training_task, store_config, tasks, folder=out, threads=threads,
                                  options=options)}
    if config.index_width is not None and weights is not None:
        w = config.index_width
        samples = min(config.index_samples, n_train)
        n_params = w * (d + 10)
        dense = _index_is_dense(n_params, w, samples)
        per_product = 4.0 * samples * 2 * n_params  # a Hessian-vector product: about two forward-backward passes
        cost = n_params * per_product + n_params**3 if dense else 8 * 80 * per_product
        tasks = [Task(index_key(w, r), {"n_1": w, "replica": r, "method": "dense" if dense else "lanczos",
                                        "samples": samples}, cost=cost,
                      inputs={"w1": weights[r][0], "w2": weights[r][1]})
                 for r in range(_index_count(config))]
        out_plans["index"] = Plan("mnist_index", index_task, store_config, tasks, folder=out, threads=threads,
                                  options=options)
    w = config.anneal_width
    samples = min(config.anneal_samples, n_train)
    tasks = [Task(anneal_key(i), {"n_1": w, "run": i, "samples": samples, "steps": config.anneal_steps},
                  cost=float(config.anneal_steps * samples * 10 * 8))
             for i in range(config.anneal_runs)]
    out_plans["anneal"] = Plan("mnist_anneal", anneal_task, store_config, tasks, folder=out, threads=threads,
                               options=options)
    return out_plans


def run_mnist_experiment(config: MnistExperimentConfig | None = None, out="runs/mnist", *, executor=None,
                         threads: int | None = 1, device="cpu", progress: bool = True) -> MnistResult:
    """Train every width, measure the Hessian index, anneal, save everything in ``out``; resumes when rerun.

    ``executor``: what runs the tasks (:mod:`polyloss.execution`: None for this process, a number of
    local worker processes, a :class:`~polyloss.execution.LocalWorkers`, an Executor, a Dask client);
    ``threads``: torch threads per task; ``device``: torch device of the arithmetic ("cpu", "cuda",
    ...; random numbers are drawn on the CPU whatever it is). The numbers do not depend on the
    executor, on ``threads`` nor on ``block`` (bit for bit on the CPU).
    """
    from .._device import as_device

    config = config or MnistExperimentConfig()
    out = Path(out)
    device = as_device(device)  # an unavailable device fails here, before anything is written
    ds = _dataset(config)  # as does a missing data folder
    if (out / "config.json").exists():
        stored = read_config(out)
        if stored.get("kind") == "mnist_experiment":
            MnistExperimentConfig.from_stored(stored)  # a folder of the earlier layout is named as such
    store = RunStore(out, _store_config(config))
    training = plans(config, out, threads=threads, device=device)["training"]
    pieces = training.run(executor, progress=progress)
    weights = {}
    if config.index_width is not None:
        for a, b in config.blocks():
            piece = pieces[train_key(config.index_width, a, b)]
            weights.update({a + r: (piece["w1"][r], piece["w2"][r]) for r in range(b - a)})
    rest = plans(config, out, threads=threads, device=device, weights=weights)
    if "index" in rest:
        rest["index"].run(executor, progress=progress)
    if config.anneal_runs > 0:
        rest["anneal"].run(executor, progress=progress)
    w = config.anneal_width
    if not store.has("paths") and w == config.index_width:
        stats = [path_statistics(weights[r][0], weights[r][1], ds.x_test, ds.y_test) for r in range(config.replicas)]
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


__all__ = ["MnistExperimentConfig", "MnistResult", "run_mnist_experiment", "plans", "write_report",
           "PAPER_CORRELATION", "fisher_interval", "path_statistics", "training_task", "index_task", "anneal_task",
           "train_key", "index_key", "anneal_key"]
