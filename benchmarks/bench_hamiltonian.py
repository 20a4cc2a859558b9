"""Benchmark: deriving the spin-glass Hamiltonian of a network (``derive_hamiltonian``).

1. The redundancy step (regroup the path sum by ordered weight tuple, with multiplicities) as
   ``polyloss.symbolic.assumptions.redundancy`` does it (``xreplace`` per path term, grouping by the
   tuple read off the path) against the obvious sympy way: ``subs`` the weight map into the whole
   sum, ``expand``, then ``Poly(..., *unique weights)`` to read the coefficient of every monomial
   (which even merges tuples with the same multiset, i.e. does less). Same networks, same map.
2. The whole derivation (9 steps with every exactness check) per path, from Ψ = 64 to Ψ = 1000.

    .venv/bin/python benchmarks/bench_hamiltonian.py [--quick]
"""

from __future__ import annotations

import argparse
import time

import sympy

from polyloss.symbolic import assumptions as A
from polyloss.symbolic.hamiltonian import derive_hamiltonian, resolve_weight_map
from polyloss.symbolic.network import ReLUNetwork
from polyloss.symbolic.paths import path_polynomial


def _timed(fn, repeat=1):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def prepared(widths):
    net = ReLUNetwork(widths)
    indices, Lambda, _ = resolve_weight_map(net, None, None)
    m = A.network_model(path_polynomial(net))
    m = A.independent_path_inputs(A.expectation_over_activations(m)[0])[0]
    return net, dict(zip(net.weight_symbols, indices)), Lambda, m


def baseline_redundancy(net, index_of, Lambda, m):
    unique = [A.unique_weight_symbol(a) for a in range(1, Lambda + 1)]
    expr = m.sum.subs({w: unique[i - 1] for w, i in index_of.items()})
    poly = sympy.Poly(sympy.expand(expr), *unique)
    return dict(poly.terms())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller networks")
    args = parser.parse_args(argv)
    sizes = [(4, 4, 4, 1), (8, 8, 8, 1)] if args.quick else [(4, 4, 4, 1), (8, 8, 8, 1), (10, 10, 10, 1)]

    print("1. redundancy step: polyloss (xreplace + group by path tuple) vs subs + expand + Poly")
    print(f"{'widths':>16} {'Psi':>6} {'polyloss s':>11} {'baseline s':>11} {'ratio':>7}")
    for widths in sizes:
        net, index_of, Lambda, m = prepared(widths)
        t_ours, (new, ch) = _timed(lambda: A.redundancy(m, index_of, Lambda))
        t_base, coeffs = _timed(lambda: baseline_redundancy(net, index_of, Lambda, m))
        assert ch["regrouping exact"] and sum(ch["multiplicities"].values()) == net.mass
        print(f"{str(widths):>16} {net.mass:>6} {t_ours:>11.3f} {t_base:>11.3f} {t_base / t_ours:>6.1f}x")

    print("\n2. whole derivation (9 steps, all exactness checks), time per path")
    per_path = []
    for widths in sizes:
        net = ReLUNetwork(widths)
        t, d = _timed(lambda: derive_hamiltonian(net, loss="absolute"))
        per_path.append(t / net.mass)
        print(f"{str(widths):>16} Psi = {net.mass:>5}  Lambda^H = {len(d.couplings):>5}  {t:7.2f} s  "
              f"{1e3 * t / net.mass:6.2f} ms/path")
    print(f"per-path time, largest / smallest network: {per_path[-1] / per_path[0]:.2f}")


if __name__ == "__main__":
    main()
