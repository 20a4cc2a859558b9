"""Speed of the complexity evaluation (polyloss.numeric.complexity).

1. ``theta`` (float64, vectorised, compiled from the symbolic stable form) on 10^6 points against the
   baseline a user would otherwise write: a Python loop calling mpmath at 15 digits on the printed
   formula. The loop is timed on a subsample and extrapolated linearly to 10^6 points (it is one
   independent call per point, so its cost is linear; the extrapolation is stated in the output).
2. ``energy_thresholds(H, 10, dps=50)`` for H = 3 … 20 (cold: caches cleared), against the baseline of
   mpmath's default ``findroot`` (secant) started at E_inf + 0.01 on the same compiled equation.

Run: ``.venv/bin/python benchmarks/bench_complexity.py [--quick]``.
"""

from __future__ import annotations

import argparse
import time

import mpmath
import numpy as np


def bench_theta(n: int, sample: int) -> None:
    from polyloss.numeric import complexity as num
    from polyloss.symbolic import complexity as sym

    rng = np.random.default_rng(0)
    u = rng.uniform(-2.5, 0.5, n)
    num.theta(u[:10], 3, 2)  # compile once (not timed: a one-off cost of ~0.1 s)
    t0 = time.perf_counter()
    fast = num.theta(u, 3, 2)
    t_fast = time.perf_counter() - t0

    f = sym.theta_k_formula().compile("mpmath")
    sub = u[:sample]
    t0 = time.perf_counter()
    with mpmath.workdps(15):
        slow = [f(mpmath.mpf(float(v)), mpmath.mpf(3), mpmath.mpf(2)) for v in sub]
    t_loop = (time.perf_counter() - t0) * n / sample
    err = max(abs(float(a) - float(b)) for a, b in zip(fast[:sample], slow))
    print(f"theta(u, H=3, k=2) on {n:,} points: {t_fast:.4f} s ({t_fast / n * 1e9:.1f} ns/point)")
    print(f"  baseline: Python loop over mpmath (15 digits), timed on {sample:,} points, extrapolated to "
          f"{n:,}: {t_loop:.1f} s")
    print(f"  ratio (baseline / theta): {t_loop / t_fast:,.0f}x    max |difference| on the subsample: {err:.1e}")


def bench_thresholds(H_values, kmax: int, dps: int) -> None:
    from polyloss.numeric import complexity as num
    from polyloss.symbolic import complexity as sym

    f = sym.threshold_equation().compile("mpmath")
    num.energy_thresholds(3, 0, dps=15)  # compile once
    total_fast = total_base = 0.0
    print(f"energy_thresholds(H, {kmax}, dps={dps}) (cold cache) vs mpmath findroot (secant) from E_inf + 0.01:")
    for H in H_values:
        num._thresholds.cache_clear()
        t0 = time.perf_counter()
        res = num.energy_thresholds(H, kmax, dps=dps)
        t_fast = time.perf_counter() - t0
        t0 = time.perf_counter()
        with mpmath.workdps(dps + 10):
            h, start = mpmath.mpf(H), sym.e_infinity_formula().compile("mpmath")(mpmath.mpf(H)) + mpmath.mpf("0.01")
            base = [mpmath.findroot(lambda e, j=j: f(e, h, mpmath.mpf(j)), start) for j in range(kmax + 1)]
        t_base = time.perf_counter() - t0
        agree = max(abs(a - b) for a, b in zip(res.E, base))
        total_fast += t_fast
        total_base += t_base
        print(f"  H = {H:2d}: {t_fast * 1e3:7.1f} ms   baseline {t_base * 1e3:7.1f} ms   ratio {t_base / t_fast:5.2f}"
              f"   max |difference| {mpmath.nstr(agree, 3)}")
    print(f"  total H = {H_values[0]}..{H_values[-1]}: {total_fast:.3f} s, baseline {total_base:.3f} s, "
          f"ratio {total_base / total_fast:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10^5 points and H = 3..6")
    args = parser.parse_args()
    if args.quick:
        bench_theta(100_000, 500)
        bench_thresholds(list(range(3, 7)), 10, 50)
    else:
        bench_theta(1_000_000, 2_000)
        bench_thresholds(list(range(3, 21)), 10, 50)


if __name__ == "__main__":
    main()
