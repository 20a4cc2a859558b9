"""Batched replica training (polyloss.numeric.training.sgd_step) against ordinary torch modules one by one.

Same total work on both sides: R replicas of the n_1 = 100 network (100 -> n_1 -> 10, no biases),
S SGD steps of B samples each on the embedded 10x10 MNIST sample, float32, the same data order.
Baseline: for each replica in turn a torch.nn.Sequential with autograd and torch.optim.SGD (the usual
way). Prints seconds, samples per second per replica, and the speed-up ratio.

    .venv/bin/python benchmarks/bench_training.py            # R = 256, S = 200, B in (100, 10)
    .venv/bin/python benchmarks/bench_training.py --quick    # R = 64, S = 50 (both with --threads N, default torch's)
    .venv/bin/python benchmarks/bench_training.py --device cuda   # both sides on a GPU (times synchronised)
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from polyloss._device import as_device
from polyloss.numeric.data import embedded_mnist
from polyloss.numeric.training import initial_weights, sgd_step


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def batched(x, onehot, w1, w2, idx, lr):
    w1, w2 = w1.clone(), w2.clone()
    _sync(x.device)
    t = time.perf_counter()
    for s in range(idx.shape[1]):
        sgd_step(w1, w2, x[idx[:, s]], onehot[idx[:, s]], lr)
    _sync(x.device)
    return time.perf_counter() - t, w1


def one_by_one(x, y, w1, w2, idx, lr):
    _sync(x.device)
    t = time.perf_counter()
    last = None
    for r in range(w1.shape[0]):
        net = torch.nn.Sequential(torch.nn.Linear(w1.shape[1], w1.shape[2], bias=False), torch.nn.ReLU(),
                                  torch.nn.Linear(w1.shape[2], 10, bias=False)).to(x.device)
        with torch.no_grad():
            net[0].weight.copy_(w1[r].T)
            net[2].weight.copy_(w2[r].T)
        opt = torch.optim.SGD(net.parameters(), lr=lr)
        for s in range(idx.shape[1]):
            opt.zero_grad()
            torch.nn.functional.cross_entropy(net(x[idx[r, s]]), y[idx[r, s]]).backward()
            opt.step()
        last = net[0].weight.detach().T
    _sync(x.device)
    return time.perf_counter() - t, last


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="64 replicas, 50 steps")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch threads for both sides (default: torch's, one per core; on a machine "
                             "shared with other jobs, 1 avoids busy-waiting OpenMP threads)")
    parser.add_argument("--device", default="cpu", help="torch device of both sides (default cpu)")
    args = parser.parse_args()
    device = as_device(args.device)
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    replicas, steps, n_hidden = (64, 50, 100) if args.quick else (256, 200, 100)
    ds = embedded_mnist()
    x = torch.as_tensor(ds.x_train).to(device)
    y = torch.as_tensor(ds.y_train).to(device)
    onehot = torch.nn.functional.one_hot(y, 10).float()
    inits = [initial_weights(100, n_hidden, 0, r, "float32") for r in range(replicas)]
    w1 = torch.stack([a for a, _ in inits]).to(device)
    w2 = torch.stack([b for _, b in inits]).to(device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}; R = {replicas} replicas "
          f"of n_1 = {n_hidden}, S = {steps} SGD steps each")
    rng = np.random.default_rng(0)
    for batch in (100, 10):
        idx = torch.as_tensor(rng.integers(0, len(y), (replicas, steps, batch))).to(device)
        t_b, w_b = batched(x, onehot, w1, w2, idx, 0.05)
        t_s, w_s = one_by_one(x, y, w1, w2, idx, 0.05)
        err = float((w_b[-1] - w_s).abs().max())
        # samples per second per replica = (replicas * steps * batch / seconds) / replicas
        rate_b, rate_s = steps * batch / t_b, steps * batch / t_s
        print(f"B = {batch:3d}: batched {t_b:7.2f} s ({rate_b:8.1f} samples/s per replica) | "
              f"one by one {t_s:7.2f} s ({rate_s:8.1f} samples/s per replica) | "
              f"speed-up {t_s / t_b:5.1f}x | max |dW| last replica {err:.1e}")


if __name__ == "__main__":
    main()
