"""Sweeps on the execution layer (polyloss.execution): throughput, overhead, scaling, a busy machine.

Every figure is a ratio of two things measured in the same run:

1. **Throughput against the roofline.** The spin-glass protocol of the paper's authors (SGD over
   P = 10 coupling pieces, 500P steps, then 1000 full-gradient steps) at Λ = 500, H = 3, float64, one
   torch thread, a chunk of 200 runs: runs per hour, against the roofline = this core's measured
   float64 matrix-product rate divided by the protocol's flops per run (6000 packed gradient
   products, 2·C(Λ+1, 2)·Λ flops each). The descent is timed over its first steps (every step costs
   the same) and scaled to the protocol's 6000. The chunk is the paper preset's (200 runs per task;
   the matrix product is skinnier, hence slower per flop, with fewer runs). Target ≥ 0.8.
2. **Task overhead** at Λ = 100: a sweep of 4 tasks (50 full-protocol runs each, with Newton
   refinement) through one warm local worker process, against the same tasks' compute in this
   process with the instance already built. The difference is scheduling, pickling, rebuilding the
   instance from its seed and writing the pieces. Target ≤ 3%.
3. **1 against 2 local workers** on the same sweep of 8 such tasks: efficiency T₁ / (2 T₂), warm
   worker processes (their start-up is printed apart). Target ≥ 0.85 on a quiet 2-core machine.
4. **A busy machine** (``--busy``): the default demo (``polyloss reproduce`` with its defaults) on a
   quiet machine and beside one CPU-bound process (a Python busy loop); ratio busy / quiet, target
   ≤ 2. For contrast, the same with the work in one process and torch's default of one thread per
   core (``--workers 0 --threads <cores>``), which is what oversubscribes.

    .venv/bin/python benchmarks/bench_sweep.py            # 1-3 (about 10 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_sweep.py --quick    # Λ = 250 and smaller sweeps
    .venv/bin/python benchmarks/bench_sweep.py --busy     # 4 only (four demos: about 10 minutes)

Run it on a quiet machine: every ratio compares against this machine's own speed.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def matmul_rate(dtype=torch.float64, n=2000, repeat=3) -> float:
    """Best-of-``repeat`` flops per second of an n×n by n×n product on one thread."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    best = min(_time(lambda: a @ b) for _ in range(repeat))
    return 2.0 * n**3 / best


def _time(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def throughput(Lam: int, chunk: int, steps: int) -> None:
    from polyloss._random import derive_seed
    from polyloss.numeric.optimisers import descend
    from polyloss.numeric.spinglass import SphericalSpinGlass

    torch.set_num_threads(1)
    rate = matmul_rate()
    t0 = time.perf_counter()
    model = SphericalSpinGlass(Lam, 3, seed=derive_seed(0, "couplings", Lam))
    pieces = model.split(10, seed=derive_seed(0, "pieces", Lam))
    build = time.perf_counter() - t0
    w0 = model.random_points(chunk, seed=1)
    sgd, full = steps - steps // 5, steps // 5
    descend(model, w0, "sgd", pieces=pieces, steps=10, full_steps=2, seed=2, progress=False, record_every=None)
    t = _time(lambda: descend(model, w0, "sgd", pieces=pieces, steps=sgd, full_steps=full, seed=2, progress=False,
                              record_every=None))
    per_step = t / (sgd + full + 2)  # + the start and end records
    protocol_steps = 500 * 10 + 1000
    per_chunk = per_step * (protocol_steps + 2)
    runs_per_hour = 3600.0 * chunk / per_chunk
    flops_per_run = protocol_steps * 2.0 * math.comb(Lam + 1, 2) * Lam
    roofline = 3600.0 * rate / flops_per_run
    print(f"1. throughput, Λ = {Lam}, H = 3, float64, one thread, chunk of {chunk} runs")
    print(f"   matrix-product rate of this core: {rate / 1e9:.1f} GFLOP/s (2000×2000, float64)")
    print(f"   descent: {sgd + full} steps timed, {per_step * 1e3:.1f} ms per step of the chunk "
          f"-> {per_chunk:.0f} s per chunk under the protocol ({protocol_steps} steps)")
    print(f"   {runs_per_hour:.1f} runs/hour against the roofline {roofline:.1f} runs/hour: "
          f"ratio {runs_per_hour / roofline:.2f} (target >= 0.8)")
    print(f"   building the instance and its 10 pieces: {build:.1f} s ({100 * build / per_chunk:.1f}% of one "
          f"chunk; a worker builds it once per Λ)")
    del model, pieces


def _sweep(executor, out, Lam, runs, chunk):
    from polyloss.experiments.spinglass_minima import spinglass_minima

    return spinglass_minima((Lam,), H=3, runs=runs, chunk=chunk, method="sgd", seed=0, out=out, progress=False,
                            executor=executor)


def overhead_and_scaling(Lam: int, chunk: int, tasks_overhead: int, tasks_scaling: int) -> None:
    from polyloss.execution import LocalWorkers, Task, clear_cache
    from polyloss.experiments.spinglass_minima import minima_plan, minima_task

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # compute alone: the same tasks in this process, instance built beforehand
        reference = _sweep(None, tmp / "reference", Lam, chunk * tasks_overhead, chunk)
        config = {**reference.config, "device": "cpu"}  # what a task receives: the config and the plan's options
        plan = minima_plan(reference.config)
        minima_task(config, plan.tasks[0])  # builds and caches the instance
        compute = sum(_time(lambda t=t: minima_task(config, t)) for t in plan.tasks)
        clear_cache()
        with LocalWorkers(1) as one:
            start = _time(lambda: _sweep(one, tmp / "warm-up", 8, 2, 2))
            wall = _time(lambda: _sweep(one, tmp / "one", Lam, chunk * tasks_overhead, chunk))
        over = (wall - compute) / compute
        print(f"2. task overhead, Λ = {Lam}: {tasks_overhead} tasks of {chunk} runs (full protocol + refinement)")
        print(f"   compute in this process {compute:.1f} s; through one warm worker {wall:.1f} s: overhead "
              f"{100 * over:.1f}% (target <= 3%; scheduling, pickling, rebuilding the instance, writing pieces)")
        runs = chunk * tasks_scaling
        times = {}
        for n in (1, 2):
            with LocalWorkers(n) as pool:
                start = _time(lambda: _sweep(pool, tmp / f"warm-up-{n}", 8, 2 * n, 2))
                times[n] = _time(lambda: _sweep(pool, tmp / f"scale-{n}", Lam, runs, chunk))
            print(f"   {n} worker(s): start-up and warm-up {start:.1f} s")
        eff = times[1] / (2 * times[2])
        print(f"3. 1 against 2 local workers, Λ = {Lam}, {tasks_scaling} tasks: {times[1]:.1f} s and {times[2]:.1f} s, "
              f"efficiency T1/(2 T2) = {eff:.2f} (target >= 0.85)")
        a = _sweep(None, tmp / "scale-1", Lam, runs, chunk)
        b = _sweep(None, tmp / "scale-2", Lam, runs, chunk)
        same = all(np.array_equal(getattr(a, k)[Lam], getattr(b, k)[Lam], equal_nan=True)
                   for k in ("energies", "refined_energies", "indices"))
        print(f"   results of the two runs identical bit for bit: {same}")


def busy(extra_args) -> None:
    cores = os.cpu_count() or 1
    cmd = [sys.executable, "-m", "polyloss", "reproduce", "--quiet", *extra_args]
    variants = {"default (worker processes, one thread each)": [],
                f"one process, {cores} torch threads": ["--workers", "0", "--threads", str(cores)]}
    print(f"4. the default demo ({' '.join(cmd[1:])}) on a quiet machine and beside one CPU-bound process")
    for name, args in variants.items():
        times = {}
        for load in (False, True):
            burner = None
            if load:
                burner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
                    t0 = time.perf_counter()
                    subprocess.run(cmd + ["--out", tmp] + args, check=True, env=env, cwd=ROOT,
                                   stdout=subprocess.DEVNULL)
                    times[load] = time.perf_counter() - t0
            finally:
                if burner is not None:
                    burner.kill()
                    burner.wait()
        print(f"   {name}: quiet {times[False]:.1f} s, busy {times[True]:.1f} s, ratio {times[True] / times[False]:.2f}"
              f"{' (target <= 2)' if not args else ''}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Λ = 250 for 1; fewer, smaller tasks for 2-3")
    parser.add_argument("--busy", action="store_true", help="run only 4 (the default demo, quiet and busy)")
    parser.add_argument("--demo-args", default="", help="extra arguments for the demo in 4 (e.g. '--scale smoke')")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {os.cpu_count()} cores")
    if args.busy:
        busy(args.demo_args.split())
        return
    if args.quick:
        throughput(250, 200, 60)
        overhead_and_scaling(50, 25, 4, 4)
    else:
        throughput(500, 200, 100)
        overhead_and_scaling(100, 50, 4, 8)


if __name__ == "__main__":
    main()
