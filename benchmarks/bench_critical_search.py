"""Benchmark: enumerating all critical points of small spin-glass instances (critical_search).

1. Λ = 2: the exact trigonometric-polynomial roots (``critical_points``) against the obvious way, a grid
   scan of dL/dθ (2^15 points) with sign changes and 60 bisection steps, on the same instances.
2. Λ ≥ 3: the batched many-start Newton of ``critical_points`` (converged starts leave the batch, stop
   after 5 quiet steps) against the same Newton run one start at a time (the plain loop a user writes),
   same starts, same instances. Both must find the same number of critical points.
3. The Newton loop of the search against part 1's ``optimisers.refine`` (same step, every start run to
   ``max_iter``), same starts: milliseconds per instance and converged starts.
4. ``count_statistics`` (Λ = 4, H = 3) in this process against ``--workers`` local worker processes
   (started before the clock): seconds, and the counts must be identical.

    .venv/bin/python benchmarks/bench_critical_search.py [--quick] [--workers W]
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np
import torch

from polyloss.numeric import critical_search as cs
from polyloss.numeric.spinglass import SphericalSpinGlass


def grid_scan(model, n=1 << 15, bisections=60):
    def dL(theta):
        w = math.sqrt(2.0) * torch.stack([torch.cos(theta), torch.sin(theta)], 1)
        g = model.euclidean_gradient(w)
        return math.sqrt(2.0) * (-torch.sin(theta) * g[:, 0] + torch.cos(theta) * g[:, 1])

    theta = torch.linspace(0, 2 * math.pi, n + 1, dtype=torch.float64)
    f = dL(theta)
    i = torch.nonzero(torch.sign(f[:-1]) != torch.sign(f[1:]))[:, 0]
    lo, hi, flo = theta[i], theta[i + 1], f[i]
    for _ in range(bisections):
        mid = 0.5 * (lo + hi)
        fm = dL(mid)
        left = torch.sign(fm) == torch.sign(flo)
        lo, flo, hi = torch.where(left, mid, lo), torch.where(left, fm, flo), torch.where(left, hi, mid)
    return len(lo)


def one_at_a_time(model, starts, seed):
    """The same Riemannian Newton, one start at a time, then the same deduplication."""
    rng = np.random.default_rng(seed)
    w0 = rng.standard_normal((starts, model.Lambda))
    w0 = torch.as_tensor(w0 * math.sqrt(model.Lambda) / np.linalg.norm(w0, axis=1, keepdims=True))
    found = []
    for s in range(starts):
        w, ok = cs._newton(model, w0[s:s + 1], max_iter=40, tol=1e-10, patience=40)
        if bool(ok[0]):
            found.append(w)
    both = torch.cat(found + [-f for f in found])
    reps, _ = cs._cluster(both, radius=1e-6 * math.sqrt(model.Lambda))
    return len(reps)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer instances")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes for part 4 (default 2)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    n_inst = 5 if args.quick else 20

    print("1. Lambda = 2: exact roots vs grid scan + bisection (per instance)")
    print(f"{'H':>3} {'exact ms':>9} {'grid ms':>9} {'ratio':>7}  same count (counts)")
    for H in (3, 5, 8):
        models = [SphericalSpinGlass(2, H, seed=s) for s in range(n_inst)]
        t_ours, ours = timed(lambda: [len(cs.critical_points(m)) for m in models])
        t_base, base = timed(lambda: [grid_scan(m) for m in models])
        print(f"{H:>3} {1e3 * t_ours / n_inst:9.2f} {1e3 * t_base / n_inst:9.2f} {t_base / t_ours:7.1f}x  {ours == base} {ours} {base}")

    print("2. Lambda >= 3: batched many-start Newton vs one start at a time (per instance, default starts)")
    print(f"{'Lambda':>6} {'H':>3} {'starts':>6} {'batched ms':>11} {'loop ms':>9} {'ratio':>7}  same count (counts)")
    for Lam, H in ((3, 3), (4, 3)) if args.quick else ((3, 3), (4, 3), (5, 3), (4, 4)):
        k = 1 if args.quick else 3
        models = [SphericalSpinGlass(Lam, H, seed=s) for s in range(k)]
        starts = cs._default_starts(Lam, H)
        t_ours, ours = timed(lambda: [len(cs.critical_points(m, seed=i)) for i, m in enumerate(models)])
        t_base, base = timed(lambda: [one_at_a_time(m, starts, i) for i, m in enumerate(models)])
        print(f"{Lam:>6} {H:>3} {starts:>6} {1e3 * t_ours / k:11.1f} {1e3 * t_base / k:9.1f} "
              f"{t_base / t_ours:7.1f}x  {ours == base} {ours} {base}")

    print("3. Newton loop of the search vs optimisers.refine (per instance, default starts, max_iter 40)")
    from polyloss.numeric.optimisers import refine

    print(f"{'Lambda':>6} {'H':>3} {'search ms':>10} {'refine ms':>10} {'ratio':>7}  converged (search/refine)")
    for Lam, H in ((3, 3), (4, 3), (5, 3)):
        models = [SphericalSpinGlass(Lam, H, seed=s) for s in range(n_inst)]
        starts = [m.random_points(cs._default_starts(Lam, H), seed=s) for s, m in enumerate(models)]
        t_ours, ours = timed(lambda: sum(int(cs._newton(m, w.clone(), max_iter=40, tol=1e-10)[1].sum())
                                         for m, w in zip(models, starts)))
        t_base, base = timed(lambda: sum(int(refine(m, w.clone(), tol=1e-10, max_iter=40).converged.sum())
                                         for m, w in zip(models, starts)))
        print(f"{Lam:>6} {H:>3} {1e3 * t_ours / n_inst:10.1f} {1e3 * t_base / n_inst:10.1f} "
              f"{t_base / t_ours:7.1f}x  {ours}/{base}")

    from polyloss.execution import LocalWorkers

    instances = 16 if args.quick else 80
    print(f"4. count_statistics, Lambda = 4, H = 3, {instances} instances in chunks of 4: this process vs "
          f"{args.workers} worker processes")
    t_here, here = timed(lambda: cs.count_statistics(4, 3, instances, seed=0, chunk=4))
    with LocalWorkers(args.workers) as workers:
        cs.count_statistics(4, 3, 2, seed=1, chunk=1, executor=workers)  # start the processes outside the clock
        t_there, there = timed(lambda: cs.count_statistics(4, 3, instances, seed=0, chunk=4, executor=workers))
    print(f"  this process {t_here:6.2f} s, workers {t_there:6.2f} s ({t_here / t_there:.1f}x), "
          f"identical counts: {np.array_equal(here.counts, there.counts)}")


if __name__ == "__main__":  # worker processes are spawned: they import this file without running it
    main()
