"""Benchmark: building and evaluating path polynomials (Eq. 1).

1. Build: ``path_polynomial(widths)`` with its sympy ``expr`` (and the ``paths`` objects) against
   what a user would otherwise write: ``sympy.expand`` of the nested product
   ``W_H^T D_{H-1} W_{H-1}^T … D_1 W_1^T X`` with diagonal matrices of activation-indicator symbols.
   Per-path times from Ψ = 10^3 to 10^5 (H = 3), ratio at every Ψ where the baseline runs.
2. Evaluate: the explicit path sum (cost ∝ batch × Ψ) against the layered evaluator (∝ batch × N).

    .venv/bin/python benchmarks/bench_paths.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy

from polyloss.symbolic.network import ReLUNetwork
from polyloss.symbolic.paths import path_polynomial

SIZES = [(10, 10, 10, 1), (10, 100, 10, 1), (10, 100, 100, 1)]      # Ψ = 10^3, 10^4, 10^5; H = 3


def best_of(fn, repeats, clock=time.perf_counter):
    times = []
    for _ in range(repeats):
        t0 = clock()
        result = fn()
        times.append(clock() - t0)
    return min(times), result


def build_ours(widths):
    return path_polynomial(widths).expr


def build_ours_with_paths(widths):
    pp = path_polynomial(widths)
    return pp.expr, pp.paths


def build_baseline(widths):
    """sympy.expand(W_H^T D_{H-1} W_{H-1}^T … D_1 W_1^T X), D_k = diag(d^{(k)}_u)."""
    net = ReLUNetwork(widths)
    v = sympy.Matrix(net.input_symbols)
    for k, W in enumerate(net.weight_matrices, start=1):
        v = W.T * v
        if k < net.H:
            v = sympy.diag(*[sympy.Symbol(f"d^{{({k})}}_{{{u + 1}}}", nonnegative=True)
                             for u in range(widths[k])]) * v
    return sympy.expand(v[0, 0])


def check_same_polynomial(widths):
    """Our expr with A_{i,j} -> Π_k d^{(k)}_{u_k} (q = 1) equals the baseline's expansion."""
    pp = path_polynomial(widths, q=1)
    d = {p.activation: sympy.Mul(*[sympy.Symbol(f"d^{{({k + 1})}}_{{{u + 1}}}", nonnegative=True)
                                   for k, u in enumerate(p.units[:-1])]) for p in pp.paths}
    return sympy.expand(pp.expr.xreplace(d) - build_baseline(widths)) == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Ψ up to 10^4 and fewer repeats")
    args = parser.parse_args()
    sizes = SIZES[:2] if args.quick else SIZES
    baseline_sizes = SIZES[:2]                     # the baseline at Ψ = 10^5 would take minutes
    repeats = 1 if args.quick else 3

    build_ours((3, 2, 1)), build_baseline((3, 2, 1))          # warm up sympy's lazy imports
    print(f"check: our expression equals the baseline's expansion at Ψ = 1000: {check_same_polynomial(SIZES[0])}")
    print("\n1. Build the path polynomial (CPU seconds of this process, best of repeats; μs per path)")
    cpu = time.process_time   # single-threaded sympy work: CPU time is robust to other jobs on the machine
    print(f"{'widths':>18} {'Ψ':>7} {'ours: expr':>11} {'μs/path':>8} {'+ paths':>9} {'μs/path':>8} "
          f"{'baseline':>9} {'μs/path':>8} {'ratio':>7}")
    per_path = []
    for widths in sizes:
        psi = int(np.prod(widths))
        t_ours, expr = best_of(lambda: build_ours(widths), repeats, cpu)
        t_full, _ = best_of(lambda: build_ours_with_paths(widths), repeats, cpu)
        assert len(expr.args[-1].args if expr.is_Mul else expr.args) == psi
        per_path.append(t_full / psi)
        line = (f"{str(widths):>18} {psi:>7} {t_ours:>11.3f} {1e6 * t_ours / psi:>8.2f} {t_full:>9.3f} "
                f"{1e6 * t_full / psi:>8.2f}")
        if widths in baseline_sizes:
            t_base, base = best_of(lambda: build_baseline(widths), 1, cpu)
            assert len(base.args) == psi
            line += f" {t_base:>9.3f} {1e6 * t_base / psi:>8.1f} {t_base / t_full:>6.1f}x"
        else:
            line += f" {'(skipped: > 60 s)':>26}"
        print(line, flush=True)
    print(f"ratio = baseline / (ours: expr + paths); per-path time (expr + paths) max/min over Ψ = "
          f"{sizes[0][0] * sizes[0][1] * sizes[0][2]}..{int(np.prod(sizes[-1]))}: "
          f"{max(per_path) / min(per_path):.2f}")

    print("\n2. Evaluate Y for a batch of 256 inputs (wall seconds, best of repeats)")
    widths = SIZES[-1] if not args.quick else SIZES[1]
    pp = path_polynomial(widths)
    net = pp.network
    rng = np.random.default_rng(0)
    weights, x = net.random_weights(rng), rng.normal(size=(256, widths[0]))
    t_explicit, y1 = best_of(lambda: pp.evaluate(weights, x), repeats)
    t_layered, y2 = best_of(lambda: pp.evaluate_layered(weights, x), repeats)
    t_forward, y3 = best_of(lambda: net.forward(weights, x), repeats)
    assert np.allclose(y1, y2, rtol=1e-12, atol=1e-15) and np.allclose(y2, float(pp.q) * y3, rtol=1e-12, atol=0)
    print(f"widths {widths}: Ψ = {pp.n_paths}, N = {net.size}")
    print(f"explicit path sum {t_explicit:.4f} s, layered {t_layered:.5f} s, forward pass {t_forward:.5f} s; "
          f"explicit / layered = {t_explicit / t_layered:.0f}x")


if __name__ == "__main__":
    main()
