"""Speed of the gradient of a mixed spherical spin glass against the pure one at equal storage.

A mixed model ``L = Σ_p a_p L_p`` (polyloss.numeric.spinglass) keeps one packed matrix per degree and
computes its gradient as one feature build and one matrix product per degree, summed. The baseline is
the pure H = 3 model at Λ, run in the same process; each mixture is run at the Λ' whose packed couplings
take about the same bytes (``coupling_bytes``), so both products read the same amount of memory. Printed,
per mixture: the time of one batched gradient call (``model.gradient`` on B replicas: features, products,
tangent projection), the time per gradient per stored coupling (call time / (B · stored entries)), and
their ratios mixture / pure (1.0: a mixture costs what its storage says; above 1: the overhead of several
smaller products and feature builds). A pure model of a mixture's largest degree at equal storage is
timed too when that degree is not 3, to separate the cost of the degree from the cost of mixing, and
so is the pure model of a mixture's largest degree at the mixture's own Λ': the ratio mixture / that
model is the overhead of mixing alone (an odd Λ such as 299 can be slower than 300 by itself: the
matrix rows lose their alignment, which the equal-storage ratios would otherwise blame on mixing).

Run: ``.venv/bin/python benchmarks/bench_mixed_gradient.py [--quick] [--Lambda 300] [--B 64]``.
"""

from __future__ import annotations

import argparse
import time

import torch

MIXTURES = ({2: 0.5, 3: 0.5}, {1: 0.2, 2: 0.3, 3: 0.5}, {3: 0.5, 4: 0.5})


def best_times(fns, repeat):
    """Best time of each function over ``repeat`` rounds, the functions interleaved within each round (so
    that a change of the machine's load touches all of them alike)."""
    for fn in fns:
        fn()  # warm-up
    best = [float("inf")] * len(fns)
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def equal_storage_Lambda(H, nbytes):
    """The Λ' whose packed couplings for ``H`` are closest to ``nbytes``."""
    from polyloss.numeric.spinglass import coupling_bytes, largest_Lambda

    lo = largest_Lambda(H, nbytes)
    return min((lo, lo + 1), key=lambda lam: abs(coupling_bytes(lam, H) - nbytes))


def bench(Lam, B, repeat):
    from polyloss.numeric.spinglass import SphericalSpinGlass, coupling_bytes

    size = coupling_bytes(Lam, 3)
    settings = [(3, Lam)]
    same_layout = {}  # index of a mixture -> index of the pure top degree at the mixture's own Λ'
    for mixture in MIXTURES:
        lam = equal_storage_Lambda(mixture, size)
        settings.append((mixture, lam))
        top = max(mixture)
        if top != 3 and (top, equal_storage_Lambda(top, size)) not in settings:  # pure of the top degree
            settings.append((top, equal_storage_Lambda(top, size)))
        if (top, lam) not in settings:  # the mixture's largest table alone, at the same Λ' (same memory layout)
            settings.append((top, lam))
        same_layout[settings.index((mixture, lam))] = settings.index((top, lam))
    models = [SphericalSpinGlass(lam, H, seed=0) for H, lam in settings]
    points = [m.random_points(B, seed=1) for m in models]
    times = best_times([lambda m=m, w=w: m.gradient(w) for m, w in zip(models, points)], repeat)
    per = [t / (B * (m.nbytes // 8)) for m, t in zip(models, times)]
    print(f"gradient of B = {B} replicas, float64, torch threads = {torch.get_num_threads()}, best of {repeat} "
          f"interleaved rounds; baseline: pure H = 3 at Lambda = {Lam} ({size / 2**20:.1f} MiB of packed couplings)")
    for model, t, p in zip(models, times, per):
        name = f"xi = {model.mixture.text()}" if not model.mixture.is_pure else f"pure H = {model.H}"
        print(f"  {name:<26} Lambda = {model.Lambda:4d}: storage {model.nbytes / 2**20:6.1f} MiB "
              f"({model.nbytes / size:5.3f}x), {t * 1e3:8.2f} ms per call, {p * 1e12:6.1f} ps per gradient per "
              f"stored coupling; ratio to the baseline: per call {t / times[0]:5.2f}x, per stored coupling "
              f"{p / per[0]:5.2f}x")
    print("overhead of mixing (a mixture against the pure model of its largest degree at the same Lambda: the "
          "same largest table, so Lambda's effect on the memory layout cancels):")
    for i, j in same_layout.items():
        print(f"  xi = {models[i].mixture.text():<22} Lambda = {models[i].Lambda:4d}: {times[i] * 1e3:8.2f} ms "
              f"against pure H = {models[j].H}: {times[j] * 1e3:8.2f} ms, ratio {times[i] / times[j]:5.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Lambda = 120, B = 32, 3 repeats")
    parser.add_argument("--Lambda", type=int, default=300, help="Lambda of the pure H = 3 baseline (default 300)")
    parser.add_argument("--B", type=int, default=64, help="replicas per gradient call (default 64)")
    parser.add_argument("--repeat", type=int, default=7, help="timed repeats; the best is kept (default 7)")
    args = parser.parse_args()
    if args.quick:
        args.Lambda, args.B, args.repeat = 120, 32, 3
    bench(args.Lambda, args.B, args.repeat)


if __name__ == "__main__":
    main()
