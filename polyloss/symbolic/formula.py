"""Formula: a named sympy expression with a fixed argument order, its LaTeX, and the one bridge to numbers.

Every numeric function in polyloss that comes from a derived expression is produced by
:meth:`Formula.compile` (``sympy.lambdify(..., cse=True)``), so the numbers and the printed
mathematics come from one source. The compiled function's docstring lists its argument order.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy

from ..errors import InvalidInputError

BACKENDS = ("numpy", "mpmath", "torch", "math")


@dataclass(frozen=True)
class Formula:
    """A derived expression.

    Attributes:
        name: identifier, e.g. ``"theta_k"``.
        expr: the sympy expression (right-hand side).
        parameters: the free symbols in the fixed order the compiled function takes them.
        lhs: LaTeX of the left-hand side, e.g. ``r"\\Theta_{k,H}(u)"``; defaults to the name.
        reference: where it comes from, in plain text, e.g. ``"Auffinger, Ben Arous and Černý (2013),
            Theorem 2.8 [unverified]"`` ("[unverified]" marks a locator not checked against the source).
        cite: the keys of ``polyloss/references.bib`` that ``reference`` names (for ``\\cite``).
        description: one sentence saying what it is.
        conditions: optional LaTeX text of the domain, printed after the formula.
    """

    name: str
    expr: sympy.Expr
    parameters: tuple = ()
    lhs: str | None = None
    reference: str = ""
    description: str = ""
    conditions: str = ""
    extra: tuple = field(default=(), compare=False)
    cite: tuple = ()

    def __post_init__(self):
        if not isinstance(self.expr, sympy.Basic):
            object.__setattr__(self, "expr", sympy.sympify(self.expr))
        params = tuple(self.parameters)
        for p in params:
            if not isinstance(p, sympy.Symbol):
                raise InvalidInputError(f"Formula parameters must be sympy Symbols, got {p!r}")
        missing = self.expr.free_symbols - set(params)
        if missing:
            names = ", ".join(sorted(map(str, missing)))
            raise InvalidInputError(
                f"Formula {self.name!r}: free symbols {names} are not among the parameters "
                f"({', '.join(map(str, params))})"
            )
        object.__setattr__(self, "parameters", params)

    # --- printing -------------------------------------------------------------------------
    def latex(self, *, with_lhs: bool = True) -> str:
        """LaTeX of ``lhs = expr`` (or just ``expr``), with the conditions appended when given."""
        from .latex import latex_expr

        body = latex_expr(self.expr)
        if with_lhs:
            body = f"{self.lhs or self.name} = {body}"
        if self.conditions:
            body += rf", \qquad {self.conditions}"
        return body

    def __str__(self) -> str:
        args = ", ".join(map(str, self.parameters))
        return f"{self.name}({args}) = {sympy.sstr(self.expr)}"

    def _repr_latex_(self) -> str:
        """Jupyter: ``$$ lhs = expr $$`` (:meth:`latex`)."""
        from ..display import display_math

        return display_math(self.latex())

    # --- numbers ---------------------------------------------------------------------------
    def subs(self, **values) -> sympy.Expr:
        """The expression with some parameters replaced by values (exact where the values are).

        A value is a finite real number (int, float, Fraction, numpy scalar, mpmath mpf) or a sympy
        expression (substituted as it is). None, text (sympy would parse and evaluate it as code),
        booleans, complex numbers, NaN and ±inf are refused with InvalidInputError naming the parameter.
        """
        by_name = {str(p): p for p in self.parameters}
        unknown = set(values) - set(by_name)
        if unknown:
            raise InvalidInputError(
                f"Formula {self.name!r} has parameters {tuple(by_name)}; unknown: {sorted(unknown)}"
            )
        return self.expr.subs({by_name[k]: _substitution_value(k, v) for k, v in values.items()})

    def compile(self, backend: str = "numpy"):
        """A numeric function of the parameters, in :attr:`parameters` order.

        ``backend`` is ``"numpy"`` (vectorised float64), ``"mpmath"`` (arbitrary precision: call it
        inside ``mpmath.workdps``), ``"torch"`` (autograd) or ``"math"`` (Python floats).
        """
        if backend not in BACKENDS:
            raise InvalidInputError(f"backend must be one of {BACKENDS}, got {backend!r}")
        return _compiled(self, backend)


def _substitution_value(name: str, value) -> sympy.Basic:
    """A value for :meth:`Formula.subs`: a sympy expression as it is, else a finite real number."""
    import math
    import numbers

    if isinstance(value, sympy.Basic) and not isinstance(value, sympy.logic.boolalg.Boolean):
        return value
    if isinstance(value, bool) or value is None or isinstance(value, (str, bytes)):
        raise InvalidInputError(f"{name} must be a real number or a sympy expression, got {value!r}")
    try:
        import mpmath

        if isinstance(value, mpmath.mpf):
            if not mpmath.isfinite(value):
                raise InvalidInputError(f"{name} must be finite, got {value!r}")
            return sympy.Float(value, mpmath.mp.dps)
    except ImportError:  # pragma: no cover - mpmath comes with sympy
        pass
    if not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{name} must be a real number or a sympy expression, got {value!r}"
                                + (" (complex values are refused)" if isinstance(value, numbers.Complex) else ""))
    if isinstance(value, numbers.Integral):
        return sympy.Integer(int(value))
    if not math.isfinite(float(value)):
        raise InvalidInputError(f"{name} must be finite, got {value!r}")
    return sympy.sympify(value)


@functools.lru_cache(maxsize=None)
def _compiled(formula: Formula, backend: str):
    modules = {"numpy": "numpy", "mpmath": "mpmath", "torch": "torch", "math": "math"}[backend]
    fn = sympy.lambdify(formula.parameters, formula.expr, modules=modules, cse=True)
    args = ", ".join(map(str, formula.parameters))
    fn.__doc__ = (
        f"{formula.name}({args}) compiled for {backend} from the sympy expression\n\n"
        f"    {sympy.sstr(formula.expr)}\n\n"
        f"Arguments, in order: {args}.\n{formula.reference}"
    )
    fn.__name__ = f"{formula.name}_{backend}"
    return fn
