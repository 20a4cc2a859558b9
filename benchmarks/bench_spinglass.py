"""Speed and memory of the spherical spin-glass simulator (polyloss.numeric.spinglass).

1. One gradient-descent step (gradient, tangent projection, retraction) at Λ = 500, H = 3, 64 replicas,
   against, in the same run:
   a. torch's own dense matrix product of the same shape, (64, Λ²) @ (Λ², Λ) (the floor to beat: the
      packed couplings hold the pairs j ≤ k only, half the work and half the memory);
   b. a per-replica autograd loop on the dense definition (einsum of the Λ³ tensor, backward);
   c. the authors' published algorithm (their code sgd.lua; the paper's §5) run the way their code does it: one
      replica at a time, elementwise X ⊙ (w⊗w⊗w) over Λ³ entries, three marginal sums, division by w_i.
   b and c are timed on a few replicas and scaled linearly to 64 (their cost is per replica).
2. Peak memory (resident set, measured in a fresh process) of building the model and running GD steps,
   against the packed coupling storage; target ≤ 1.2×.
3. The largest Λ for H = 3 and H = 4 on this machine (computed from the storage formula
   C(Λ+H-2, H-1)·Λ·bytes and the memory; full mode also builds the largest H = 3 model that is
   safe beside other work here: < 8 GiB, timed; building Λ = 1000 in float32 took 193 s here, over the
   2-minute rule, so full mode builds Λ = 700 as a demonstration and the larger figures are computed).

Run: ``.venv/bin/python benchmarks/bench_spinglass.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time

import torch


def timed(fn, repeat):
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_step(Lam, B, repeat, few):
    from polyloss.numeric.spinglass import SphericalSpinGlass

    model = SphericalSpinGlass(Lam, 3, seed=0)
    w = model.random_points(B, seed=1)

    def ours():
        return model.project(w - 0.1 * model.gradient(w))

    t_ours = timed(ours, repeat)
    dense_X = torch.randn(Lam * Lam, Lam, dtype=torch.float64)
    feats = torch.randn(B, Lam * Lam, dtype=torch.float64)
    t_dense = timed(lambda: feats @ dense_X, repeat)
    packed_feats = torch.randn(B, model.n_rows, dtype=torch.float64)
    t_packed_mm = timed(lambda: packed_feats @ model.M, repeat)
    del feats, packed_feats

    X = dense_X.reshape(Lam, Lam, Lam)
    c = Lam ** -1.0

    def autograd_loop():
        out = []
        for b in range(few):
            x = w[b].clone().requires_grad_(True)
            L = c * torch.einsum("ijk,i,j,k->", X, x, x, x)
            (g,) = torch.autograd.grad(L, x)
            g = g - x.detach() * (x.detach() @ g) / Lam
            out.append(model.project(x.detach() - 0.1 * g))
        return out

    t_autograd = timed(autograd_loop, max(1, repeat // 2)) * B / few

    def authors():  # sgd.lua, one replica at a time; X not symmetrised, gradient by division by w_i
        for b in range(few):
            x = w[b].clone()
            outer = (x[:, None] * x[None, :]).reshape(Lam * Lam, 1) * x[None, :]
            Hm = X * outer.reshape(Lam, Lam, Lam)
            gw = (Hm.sum(0).sum(1) + Hm.sum(1).sum(0) + Hm.sum(2).sum(1)) / x / Lam
            gw = gw - (gw @ x) / Lam * x
            x = x - 0.1 * gw
            x = x / (x.norm() / math.sqrt(Lam))

    t_authors = timed(authors, max(1, repeat // 2)) * B / few
    print(f"GD step, Lambda = {Lam}, H = 3, B = {B} replicas, float64, torch threads = {torch.get_num_threads()}")
    print(f"  polyloss (features + packed product + projection + retraction): {t_ours * 1e3:9.1f} ms")
    print(f"  packed product alone (B, {model.n_rows}) @ ({model.n_rows}, {Lam}):          {t_packed_mm * 1e3:9.1f} ms")
    print(f"  a. torch dense product (B, {Lam * Lam}) @ ({Lam * Lam}, {Lam}):          {t_dense * 1e3:9.1f} ms"
          f"   ratio dense / polyloss step: {t_dense / t_ours:5.2f}x (target >= 1.5)")
    print(f"  b. per-replica autograd loop (timed on {few}, scaled to {B}):    {t_autograd * 1e3:9.1f} ms"
          f"   ratio: {t_autograd / t_ours:6.1f}x (target >= 10)")
    print(f"  c. authors' algorithm as published (timed on {few}, scaled):   {t_authors * 1e3:9.1f} ms"
          f"   ratio: {t_authors / t_ours:6.1f}x")
    print(f"  memory: packed couplings {model.nbytes / 2**20:.0f} MiB vs dense {Lam**3 * 8 / 2**20:.0f} MiB")


_PEAK = r"""
import json, sys, torch
def rss(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
from polyloss.numeric.spinglass import SphericalSpinGlass
from polyloss.numeric.optimisers import descend
Lam, H, B, dtype = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), getattr(torch, sys.argv[4])
warm = SphericalSpinGlass(8, H, seed=0)  # load torch's kernels first: a one-off cost, not the model's
descend(warm, warm.random_points(2, seed=0), 'gd', steps=2, progress=False)
base = rss('VmRSS:')
model = SphericalSpinGlass(Lam, H, seed=0, dtype=dtype)
after_build = rss('VmHWM:')
d = descend(model, model.random_points(B, seed=1), 'gd', steps=3, progress=False)
print(json.dumps({'base': base, 'build_peak': after_build, 'peak': rss('VmHWM:'), 'storage': model.nbytes}))
"""


def peak_memory(Lam, H, B, dtype="float64"):
    out = subprocess.run([sys.executable, "-c", _PEAK, str(Lam), str(H), str(B), dtype], capture_output=True,
                         text=True, check=True)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    build = (m["build_peak"] - m["base"]) / m["storage"]
    total = (m["peak"] - m["base"]) / m["storage"]
    print(f"peak memory, Lambda = {Lam}, H = {H}, {dtype}, GD with B = {B}: packed storage "
          f"{m['storage'] / 2**20:.0f} MiB; peak above baseline: building {build:.2f}x, building + 3 GD steps "
          f"{total:.2f}x the storage (target <= 1.2)")


def largest(run_largest):
    from polyloss._device import available_memory_bytes
    from polyloss.numeric.spinglass import SphericalSpinGlass, coupling_bytes, largest_Lambda

    total = 24 * 2**30
    avail = available_memory_bytes("cpu")
    print(f"largest Lambda (computed, not run; storage C(Lambda+H-2, H-1)*Lambda*bytes, peak 1.2x storage):")
    for H in (3, 4):
        for dtype in (torch.float64, torch.float32):
            whole = largest_Lambda(H, int(total / 1.2), dtype)
            default = largest_Lambda(H, int(0.5 * avail), dtype)
            print(f"  H = {H}, {str(dtype)[6:]}: {whole:5d} in 24 GiB (storage {coupling_bytes(whole, H, dtype) / 2**30:.1f} GiB);"
                  f" {default:5d} under the default limit (50% of MemAvailable = {0.5 * avail / 2**30:.1f} GiB)")
    print(f"  Lambda = 2000, H = 3 needs {coupling_bytes(2000, 3, torch.float32) / 2**30:.1f} GiB in float32, "
          f"{coupling_bytes(2000, 3) / 2**30:.1f} GiB in float64")
    if run_largest:
        lam = 700  # a demonstration that fits the 2-minute / 8 GiB rule on this shared machine
        t0 = time.perf_counter()
        model = SphericalSpinGlass(lam, 3, seed=0, dtype=torch.float32)
        t_build = time.perf_counter() - t0
        w = model.random_points(64, seed=1)
        t_step = timed(lambda: model.project(w - 0.1 * model.gradient(w)), 2)
        print(f"  run: Lambda = {lam}, H = 3, float32 ({model.nbytes / 2**30:.2f} GiB): built in {t_build:.1f} s, "
              f"GD step with 64 replicas {t_step * 1e3:.0f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller repeat counts; skip the large build")
    args = parser.parse_args()
    repeat = 3 if args.quick else 6
    bench_step(500, 64, repeat, few=2 if args.quick else 4)
    peak_memory(500, 3, 64)
    if not args.quick:
        peak_memory(120, 4, 64)
    largest(run_largest=not args.quick)


if __name__ == "__main__":
    main()
