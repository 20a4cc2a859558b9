"""The Hessian index of a trained network of width 25 (N = 2,750 parameters, the case measured when the estimator was built):
the exact dense count against the old bare quadrature average (Rademacher probes, no interval) and the
new estimator (:func:`polyloss.numeric.network_hessian.slq_count`: Gauss-rule brackets, interlacing, an
exact Beta confidence set; :func:`~polyloss.numeric.network_hessian.lanczos_index`: the exact eigsh
path when the count is known to be small).

    .venv/bin/python benchmarks/bench_index.py [--width 25] [--epochs 30] [--samples 1000]

Prints one line per method and threshold: index, interval, status, seconds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from polyloss.numeric.data import embedded_mnist
from polyloss.numeric.network_hessian import (
    _lanczos,
    gauss_rule,
    hessian_spectrum,
    hvp_function,
    lanczos_index,
    normalised_index,
    slq_count,
)
from polyloss.numeric.training import train_replicas


def old_estimate(matvec, n, cut_kind, t, steps, probes, seed):
    """The earlier estimator (before the interval and the exact paths): Rademacher probes, mean of Σ_j τ_j² 1[θ_j < c], relative cut from
    the largest |Ritz value|, no bracket."""
    rng = np.random.default_rng(seed)
    rules = [gauss_rule(*_lanczos(matvec, n, rng.choice([-1.0, 1.0], size=n), steps)[:2]) for _ in range(probes)]
    cut = -t * max(np.abs(th).max() for th, _ in rules) if cut_kind == "relative" else -t
    return float(np.mean([w[th < cut].sum() for th, w in rules]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=25)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--samples", type=int, default=1000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    ds = embedded_mnist()
    x, y = ds.x_train[: args.samples].astype(np.float64), ds.y_train[: args.samples]
    res = train_replicas(args.width, 1, epochs=args.epochs, seed=0, keep_weights=True, dtype="float64",
                         progress=False)
    w1, w2 = res.w1[0], res.w2[0]
    hvp, n = hvp_function(w1, w2, x, y)

    def matvec(v):
        return hvp(torch.as_tensor(v)).numpy()

    start = time.perf_counter()
    eig = hessian_spectrum(w1, w2, x, y)
    print(f"N = {n}; dense spectrum {time.perf_counter() - start:.1f} s")
    for kind, t in (("relative", 1e-4), ("relative", 1e-3), ("absolute", 1e-4)):
        exact = normalised_index(eig, **{kind: t})
        print(f"\n{kind}={t:g}: exact {exact:.4f} ({round(exact * n)} of {n})")
        for probes in (8, 32):
            start = time.perf_counter()
            old = old_estimate(matvec, n, kind, t, 80, probes, seed=probes)
            print(f"  old, 80 steps x {probes:2d} probes: {old:.4f}  ({time.perf_counter() - start:.1f} s)")
            start = time.perf_counter()
            new = slq_count(matvec, n, **{kind: t}, steps=80, probes=probes, seed=probes)
            print(f"  new, 80 steps x {probes:2d} probes: {new}  ({time.perf_counter() - start:.1f} s)")
        start = time.perf_counter()
        auto = lanczos_index(w1, w2, x, y, **{kind: t}, seed=0)
        print(f"  lanczos_index (auto): {auto}  ({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
