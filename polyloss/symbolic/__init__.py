"""Exact objects (sympy only): networks, path polynomials, the assumption chain, complexity formulas."""
