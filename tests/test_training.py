"""Batched replica training against plain torch.nn modules trained one at a time (the oracle)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.special import logsumexp

from polyloss.errors import InvalidInputError, ResumeError, SizeLimitError
from polyloss.numeric import training
from polyloss.numeric.data import Dataset, embedded_mnist
from polyloss.numeric.training import batches, epoch_order, evaluate, initial_weights, train_replicas


@pytest.fixture(scope="module")
def tiny():
    full = embedded_mnist()
    rows = np.arange(0, 4000, 67)[:60]  # 60 training images of all digits
    return Dataset(full.x_train[rows], full.y_train[rows], full.x_test[::50], full.y_test[::50], "tiny")


def train_one_by_torch_nn(ds, n_hidden, seed, replica, epochs, batch_size, lr0, decay):
    """Oracle: an ordinary nn.Module with autograd and torch.optim.SGD, same init and data order."""
    w1, w2 = initial_weights(ds.n_inputs, n_hidden, seed, replica, "float64")
    net = torch.nn.Sequential(torch.nn.Linear(ds.n_inputs, n_hidden, bias=False), torch.nn.ReLU(),
                              torch.nn.Linear(n_hidden, 10, bias=False)).double()
    with torch.no_grad():
        net[0].weight.copy_(w1.T)
        net[2].weight.copy_(w2.T)
    opt = torch.optim.SGD(net.parameters(), lr=lr0)
    x = torch.as_tensor(ds.x_train, dtype=torch.float64)
    y = torch.as_tensor(ds.y_train)
    for epoch in range(epochs):
        for group in opt.param_groups:
            group["lr"] = lr0 / (1 + decay * epoch)
        order = torch.as_tensor(epoch_order(seed, replica, epoch, len(y)))
        for sl in batches(len(y), batch_size):
            idx = order[sl]
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx]), y[idx]).backward()
            opt.step()
    return net[0].weight.detach().T.numpy(), net[2].weight.detach().T.numpy()


def test_batched_training_equals_each_replica_trained_alone(tiny):
    kw = dict(epochs=3, seed=11, data=tiny, batch_size=16, learning_rate=0.2, lr_decay=0.5)
    res = train_replicas(6, 3, keep_weights=True, dtype="float64", progress=False, **kw)
    for r in range(3):
        w1, w2 = train_one_by_torch_nn(tiny, 6, 11, r, 3, 16, 0.2, 0.5)
        np.testing.assert_allclose(res.w1[r], w1, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(res.w2[r], w2, rtol=1e-10, atol=1e-12)
    # the replicas really differ (own init and order) and training moved them
    assert not np.allclose(res.w1[0], res.w1[1])
    w1_0, _ = initial_weights(100, 6, 11, 0, "float64")
    assert not np.allclose(res.w1[0], w1_0.numpy())
    # float32 (the default) agrees to single precision
    res32 = train_replicas(6, 3, keep_weights=True, progress=False, **kw)
    np.testing.assert_allclose(res32.w1, res.w1, atol=2e-4)


def test_evaluate_matches_numpy_cross_entropy(tiny):
    rng = np.random.default_rng(0)
    w1, w2 = rng.uniform(-1, 1, (2, 100, 4)), rng.uniform(-1, 1, (2, 4, 10))
    loss, acc = evaluate(w1, w2, tiny.x_train, tiny.y_train, chunk=7)
    for r in range(2):
        logits = np.maximum(tiny.x_train.astype(np.float64) @ w1[r], 0) @ w2[r]
        ce = logsumexp(logits, axis=1) - logits[np.arange(len(tiny.y_train)), tiny.y_train]
        assert loss[r] == pytest.approx(ce.mean(), rel=1e-12)
        assert acc[r] == pytest.approx(np.mean(logits.argmax(1) == tiny.y_train))


def test_same_seed_same_result_and_replicas_independent_of_count(tiny):
    a = train_replicas(4, 3, epochs=2, seed=5, data=tiny, dtype="float64", progress=False)
    b = train_replicas(4, 2, epochs=2, seed=5, data=tiny, dtype="float64", progress=False)
    np.testing.assert_allclose(a.test_loss[:2], b.test_loss, rtol=1e-12)
    c = train_replicas(4, 2, epochs=2, seed=6, data=tiny, dtype="float64", progress=False)
    assert not np.allclose(c.test_loss, b.test_loss)
    assert a.train_loss.shape == a.test_accuracy.shape == (3,)


def test_interrupted_run_resumes_to_the_same_result(tiny, tmp_path, monkeypatch):
    kw = dict(epochs=4, seed=3, data=tiny, batch_size=20, dtype="float64", progress=False)
    whole = train_replicas(5, 2, **kw)
    real_step, calls = training.sgd_step, {"n": 0}

    def failing_step(*args):
        calls["n"] += 1
        if calls["n"] > 7:  # 3 steps per epoch: dies during epoch 3, after the epoch-2 checkpoint
            raise KeyboardInterrupt
        return real_step(*args)

    monkeypatch.setattr(training, "sgd_step", failing_step)
    with pytest.raises(KeyboardInterrupt):
        train_replicas(5, 2, out=tmp_path / "run", checkpoint_every=2, **kw)
    monkeypatch.setattr(training, "sgd_step", real_step)
    run = tmp_path / "run"
    assert (run / "checkpoint.npz").exists() and not (run / "result.npz").exists()
    resumed = train_replicas(5, 2, out=run, checkpoint_every=2, **kw)
    np.testing.assert_allclose(resumed.test_loss, whole.test_loss, rtol=1e-12)
    again = train_replicas(5, 2, out=run, checkpoint_every=2, **kw)  # loads the saved result
    np.testing.assert_array_equal(again.train_loss, resumed.train_loss)
    before = (run / "result.npz").read_bytes()
    with pytest.raises(ResumeError, match="n_hidden"):
        train_replicas(6, 2, out=run, checkpoint_every=2, **kw)
    assert (run / "result.npz").read_bytes() == before


@pytest.mark.parametrize("args, kwargs, match", [
    ((0, 2), {}, "n_hidden must be an integer >= 1, got 0"),
    ((5, -1), {}, "replicas must be an integer >= 1, got -1"),
    (("5", 2), {}, "n_hidden must be an integer"),
    ((5, 2), {"learning_rate": 0.0}, "learning_rate must be > 0"),
    ((5, 2), {"out": "somewhere"}, "needs an integer seed"),
    ((5, 2), {"dtype": "float16"}, "dtype must be one of"),
])
def test_bad_input_is_refused(tiny, args, kwargs, match):
    with pytest.raises(InvalidInputError, match=match):
        train_replicas(*args, data=tiny, epochs=1, progress=False, **kwargs)


def test_oversized_run_is_refused_up_front(tiny):
    with pytest.raises(SizeLimitError, match="GiB"):
        train_replicas(10**5, 10**3, data=tiny, epochs=1, progress=False)
