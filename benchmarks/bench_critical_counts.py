"""Benchmark: the exact total E Crt_N(R) at N = 500 (p = 3), polyloss vs the obvious baseline; and the
planted Monte Carlo method in this process vs local worker processes.

1. polyloss: ``expected_critical_points(N, p)`` (float64 Hermite recurrences carried in logarithms,
   composite Gauss–Legendre quadrature on the window where the integrand lives).

   Baseline, what a user would otherwise write: ρ_N (Mehta's formula) from the plain Hermite-function
   recursions in mpmath at 30 digits (float64 underflows: e^{-y²/2} at y ~ 40), one point at a time,
   integrated with scipy.integrate.quad over the support, each integrand value converted to float.
2. ``expected_critical_points(N, 3, k=0, u=-1.65, method="planted")``: its chunks of 2000 GOE draws
   run in this process and on ``--workers`` local worker processes (started before the clock); the
   two results must be the same bit for bit. The speed-up is at most the number of free cores.

Run: ``.venv/bin/python benchmarks/bench_critical_counts.py [--quick] [--workers W]`` (``--quick``:
N = 100 and a smaller Monte Carlo).
"""

from __future__ import annotations

import argparse
import math
import time

import mpmath
from scipy import integrate

from polyloss.numeric.critical_counts import expected_critical_points


def baseline_total(N: int, p: int, dps: int = 30) -> float:
    """2 sqrt(2/p) (p-1)^{N/2} ∫ e^{-(p-2)/(2p) y²} R_1(y) dy with R_1 from the plain mpmath recursion."""

    def r1(y):
        """Mehta's R_1(y) (goe module docstring) by the plain recursions, at ``dps`` digits."""
        with mpmath.workdps(dps):
            y = -abs(mpmath.mpf(y))  # R_1 is even
            phi = [mpmath.pi ** -0.25 * mpmath.exp(-y * y / 2)]
            ints = [mpmath.pi ** -0.25 * mpmath.sqrt(2 * mpmath.pi) * mpmath.ncdf(y)]  # ∫_{-∞}^y φ_0
            phi.append(mpmath.sqrt(2) * y * phi[0])
            ints.append(-mpmath.sqrt(2) * phi[0])
            for n in range(1, N):
                c1, c2 = mpmath.sqrt(mpmath.mpf(2) / (n + 1)), mpmath.sqrt(mpmath.mpf(n) / (n + 1))
                phi.append(c1 * y * phi[n] - c2 * phi[n - 1])
                ints.append(c2 * ints[n - 1] - c1 * phi[n])
            s = mpmath.fsum(f * f for f in phi[:N])
            even = N if N % 2 == 0 else N - 1  # ∫_ℝ φ_even = √2 π^{1/4} Π_{j ≤ even/2} √((2j-1)/(2j))
            full = mpmath.sqrt(2) * mpmath.pi ** 0.25 * mpmath.fprod(
                mpmath.sqrt(mpmath.mpf(2 * j - 1) / (2 * j)) for j in range(1, even // 2 + 1))
            eps = ints[N] - (full / 2 if N % 2 == 0 else 0)
            extra = phi[N - 1] / full if N % 2 else 0
            return s + mpmath.sqrt(mpmath.mpf(N) / 2) * phi[N - 1] * eps + extra

    a = (p - 2) / (2 * p)
    log_pref = math.log(2) + 0.5 * math.log(2 / p) + 0.5 * N * math.log(p - 1)
    edge = math.sqrt(2 * N)
    val, _ = integrate.quad(lambda y: float(mpmath.exp(-a * y * y) * r1(y)), -edge - 12, edge + 12, limit=2000)
    return math.exp(log_pref) * val


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="N = 100 instead of 500, a smaller Monte Carlo")
    parser.add_argument("--workers", type=int, default=2, help="local worker processes for part 2 (default 2)")
    args = parser.parse_args()
    N, p = (100, 3) if args.quick else (500, 3)

    expected_critical_points(N, p)  # warm-up (imports)
    t0 = time.perf_counter()
    reps = 5
    for _ in range(reps):
        fast = expected_critical_points(N, p)
    t_fast = (time.perf_counter() - t0) / reps

    t0 = time.perf_counter()
    slow = baseline_total(N, p)
    t_slow = time.perf_counter() - t0

    print(f"E Crt_N(R), N = {N}, p = {p}")
    print(f"  polyloss density method : {t_fast * 1e3:9.1f} ms   value {fast.value:.12e}")
    print(f"  baseline (mpmath + quad): {t_slow * 1e3:9.1f} ms   value {slow:.12e}")
    print(f"  relative difference     : {abs(fast.value / slow - 1):.2e}")
    print(f"  speed-up (baseline / polyloss): {t_slow / t_fast:.0f}x")

    from polyloss.execution import LocalWorkers

    n_mc, samples = (30, 8_000) if args.quick else (60, 40_000)
    run = lambda executor: expected_critical_points(n_mc, 3, k=0, u=-1.65, method="planted",  # noqa: E731
                                                    samples=samples, rng=0, executor=executor)
    t0 = time.perf_counter()
    here = run(None)
    t_here = time.perf_counter() - t0
    with LocalWorkers(args.workers) as workers:
        run(workers)  # starts the processes (and their imports) outside the timing
        t0 = time.perf_counter()
        there = run(workers)
        t_there = time.perf_counter() - t0
    print(f"planted E Crt_{{N,0}}(u=-1.65), N = {n_mc}, {samples} draws in chunks of 2000")
    print(f"  {'this process':<24}: {t_here:7.2f} s   {here}")
    print(f"  {f'{args.workers} worker processes':<24}: {t_there:7.2f} s   identical: {here == there}")


if __name__ == "__main__":  # worker processes are spawned: they import this file without running it
    main()
