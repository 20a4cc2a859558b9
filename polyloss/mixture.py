r"""Mixtures of degrees: the covariance function ξ of a (mixed) spherical spin glass.

A mixed spherical spin glass on ``‖w‖² = Λ`` is a centred Gaussian field with covariance

.. math::

    \mathbb{E}[L(w)\,L(w')] = \Lambda\,\xi\!\Big(\frac{w\cdot w'}{\Lambda}\Big),
    \qquad \xi(x) = \sum_p a_p^2\, x^p,\qquad \xi(1) = \sum_p a_p^2 = 1,

the model of Auffinger and Ben Arous (Ann. Probab. 41 (2013) 4214–4247, arXiv:1110.5872). A pure
H-spin glass (Choromanska et al. 2015, Sec. 3; Auffinger, Ben Arous and Černý 2013) is the one-entry
mixture ``ξ(x) = x^H``.

Wherever polyloss accepts a degree ``H`` (or ``p``) it also accepts a mixture:

* an int ``H`` is the pure model ``{H: 1}``;
* a mapping ``{degree: a_p²}`` with positive weights summing to 1 (so that ξ(1) = 1) is a mixture;
* a :class:`Mixture` is taken as it is.

The annealed Kac–Rice counts (at finite and at large N) depend on ξ only through

.. math::

    \xi'(1) = \sum_p p\,a_p^2,\qquad \xi''(1) = \sum_p p(p-1)\,a_p^2,\qquad
    \alpha^2 = \xi''(1) + \xi'(1) - \xi'(1)^2 ,

and ``α²`` is the variance of the degree under the weights ``a_p²`` (zero exactly for a pure model).
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from .errors import InvalidInputError

__all__ = ["Mixture", "as_mixture", "MAX_DEGREE", "WEIGHT_TOLERANCE"]

#: largest degree accepted in a mixture (the simulator's index tables hold up to H! in int64)
MAX_DEGREE = 20
#: weights given as floats must sum to 1 within this absolute tolerance (exact for ints and Fractions)
WEIGHT_TOLERANCE = 1e-9
#: degrees a Mixture object may hold at all (the functions that take one set their own, lower, limits)
_CONSTRUCTOR_MAX_DEGREE = 1000

_ACCEPTED = ("an integer degree H >= {minimum}, or a mapping {{degree: weight}} of positive weights "
             "summing to 1 with integer degrees in 1..{maximum} and at least one degree >= 2 "
             "(e.g. {{2: 0.5, 3: 0.5}})")


@dataclass(frozen=True)
class Mixture:
    """The weights ``a_p²`` of ``ξ(x) = Σ_p a_p² x^p``, sorted by degree.

    Build one with :func:`as_mixture` (or :meth:`parse` for text such as ``"2:0.5,3:0.5"``); the
    constructor accepts only the canonical form they produce (sorted degrees, positive weights summing
    to 1, a single degree with the weight 1). ``weights`` holds ``(degree, weight)`` pairs with the
    weight as given: an int, a :class:`fractions.Fraction`, or a float (text such as ``0.5`` is read
    as a float, ``1/3`` as a Fraction, so that text and mapping give equal mixtures).
    :meth:`exact_weights` reads every weight as an exact fraction, floats by their decimal text.
    """

    weights: tuple

    def __post_init__(self):
        weights = self.weights
        ok = (isinstance(weights, tuple) and all(isinstance(e, tuple) and len(e) == 2 for e in weights)
              and len({e[0] for e in weights}) == len(weights))
        try:
            checked = _clean(dict(weights), "Mixture weights", _CONSTRUCTOR_MAX_DEGREE) if ok and weights else None
        except InvalidInputError as exc:
            raise InvalidInputError(f"{exc} (build a Mixture with as_mixture or Mixture.parse)") from None
        if checked is None or len(dict(weights)) != len(weights) or checked != weights:
            raise InvalidInputError(f"Mixture weights must be sorted ((degree, weight), ...) pairs with positive "
                                    f"weights summing to 1, got {_short(weights)}; build a Mixture with "
                                    f"as_mixture({{degree: weight}}) or Mixture.parse('2:0.5,3:0.5')")

    # -- construction ------------------------------------------------------------------------------
    @classmethod
    def pure(cls, H: int) -> "Mixture":
        """The pure model ``ξ(x) = x^H``."""
        return as_mixture(H)

    @classmethod
    def parse(cls, text: str, *, name: str = "xi", max_degree: int = MAX_DEGREE) -> "Mixture":
        """Read ``"2:0.5,3:0.5"`` (degree:weight pairs; weights may be fractions such as ``1/3``) or ``"3"``."""
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError(f"{name} must be text such as '2:0.5,3:0.5' or '3', got {text!r}")
        body = text.strip()
        if re.fullmatch(r"[+]?\d+", body):
            return as_mixture(int(body), name=name, max_degree=max_degree)
        entries = {}
        for part in body.split(","):
            m = re.fullmatch(r"\s*(\d+)\s*:\s*([^,:\s]+)\s*", part)
            if m is None:
                raise InvalidInputError(f"{name} must be degree:weight pairs separated by commas, such as "
                                        f"'2:0.5,3:0.5'; could not read {part.strip()!r} in {text!r}")
            degree = int(m.group(1))
            if degree in entries:
                raise InvalidInputError(f"{name} gives degree {degree} twice in {text!r}")
            try:
                weight = Fraction(m.group(2)) if "/" in m.group(2) else float(m.group(2))
            except (ValueError, ZeroDivisionError):
                raise InvalidInputError(f"{name}: the weight of degree {degree} must be a number such as 0.5 "
                                        f"or 1/3, got {m.group(2)!r} in {text!r}") from None
            entries[degree] = weight
        return as_mixture(entries, name=name, max_degree=max_degree)

    # -- saved configurations ----------------------------------------------------------------------
    def to_config(self):
        """The JSON value of this mixture in a run folder's configuration: the int H for a pure model (as
        before mixtures existed), ``{"p": a_p², ...}`` for a mixture (degree keys as text; float weights
        as numbers, Fractions as text such as ``"1/3"``, so that :meth:`from_config` gives it back exactly)."""
        if self.is_pure:
            return self.degree
        return {str(p): (_weight_text(w) if isinstance(w, Fraction) else w) for p, w in self.weights}

    @classmethod
    def from_config(cls, value, *, name: str = "H") -> "Mixture":
        """The Mixture of :meth:`to_config`'s value (an int, or a mapping with degree keys as text)."""
        if isinstance(value, Mapping):
            try:
                value = {int(p): (Fraction(w) if isinstance(w, str) else w) for p, w in value.items()}
            except (TypeError, ValueError, ZeroDivisionError):
                raise InvalidInputError(f"{name}: a mixture's degrees must be integers and its weights numbers "
                                        f"or fractions such as '1/3', got {_short(value)}") from None
        return as_mixture(value, name=name)

    # -- what it is --------------------------------------------------------------------------------
    @property
    def degrees(self) -> tuple:
        """The degrees p with a positive weight, increasing."""
        return tuple(p for p, _ in self.weights)

    @property
    def is_pure(self) -> bool:
        """True for the one-entry mixture ``ξ(x) = x^H``."""
        return len(self.weights) == 1

    @property
    def degree(self) -> int:
        """The degree H of a pure model; a mixture has none (raises InvalidInputError)."""
        if not self.is_pure:
            raise InvalidInputError(f"{self} is a mixture of degrees {self.degrees}, not a pure degree")
        return self.weights[0][0]

    @property
    def max_degree(self) -> int:
        return self.weights[-1][0]

    def weight(self, p: int) -> float:
        """``a_p²`` as a float (0 for a degree not in the mixture)."""
        return float(dict(self.weights).get(p, 0))

    def amplitudes(self) -> dict:
        """``{p: a_p}`` with ``a_p = √(a_p²)``: the factor of the degree-p pure field in ``L = Σ_p a_p L_p``."""
        return {p: math.sqrt(float(w)) for p, w in self.weights}

    def as_dict(self) -> dict:
        """``{degree: weight}`` as floats (what JSON and the command line print)."""
        return {p: float(w) for p, w in self.weights}

    # -- ξ and its derivatives at 1 ----------------------------------------------------------------
    def xi(self, x):
        """``ξ(x) = Σ_p a_p² x^p`` (floats, numpy arrays, or sympy expressions)."""
        return sum(_number(w) * x ** p for p, w in self.weights)

    def exact_weights(self) -> tuple:
        """``((p, a_p²), ...)`` as :class:`fractions.Fraction` summing to exactly 1: a float weight is
        read as its decimal text (``0.1`` is 1/10), as :meth:`xi_expr` does, and float weights that sum
        to 1 only within :data:`WEIGHT_TOLERANCE` (``1/3`` and ``2/3`` as floats) are divided by their
        exact sum. ξ'(1), ξ''(1) and α² are computed from these, so ξ(1) = 1 and α² ≥ 0 hold exactly."""
        exact = [(p, _fraction(w)) for p, w in self.weights]
        total = sum(w for _, w in exact)
        return tuple((p, w / total) for p, w in exact)

    @property
    def xi1(self) -> float:
        """``ξ'(1) = Σ_p p a_p²``."""
        return float(sum(p * w for p, w in self.exact_weights()))

    @property
    def xi2(self) -> float:
        """``ξ''(1) = Σ_p p(p-1) a_p²``."""
        return float(sum(p * (p - 1) * w for p, w in self.exact_weights()))

    @property
    def alpha2(self) -> float:
        """``α² = ξ''(1) + ξ'(1) − ξ'(1)²``: the variance of the degree under the weights (0 iff pure)."""
        first = sum(p * w for p, w in self.exact_weights())
        second = sum(p * p * w for p, w in self.exact_weights())
        return float(second - first * first)

    def xi_expr(self, x=None):
        """``ξ(x)`` as a sympy expression with the exact weights of :meth:`exact_weights` (ξ(1) = 1)."""
        import sympy

        x = sympy.Symbol("x") if x is None else x
        return sympy.Add(*[sympy.Rational(w.numerator, w.denominator) * x ** p for p, w in self.exact_weights()])

    # -- printing ----------------------------------------------------------------------------------
    def text(self) -> str:
        """``"2:0.5,3:0.5"`` (what :meth:`parse` reads back); a pure model prints as its degree."""
        if self.is_pure:
            return str(self.weights[0][0])
        return ",".join(f"{p}:{_weight_text(w)}" for p, w in self.weights)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        if self.is_pure:
            return f"Mixture.pure({self.weights[0][0]})"
        return f"Mixture({{{', '.join(f'{p}: {_weight_text(w)}' for p, w in self.weights)}}})"

    def latex(self, variable: str = "x") -> str:
        """``ξ(x)`` in LaTeX, e.g. ``\\tfrac{1}{2} x^{2} + \\tfrac{1}{2} x^{3}``."""
        parts = []
        for p, w in self.weights:
            r = _rational(w)
            power = variable if p == 1 else f"{variable}^{{{p}}}"
            if r == 1:
                parts.append(power)
            elif r.q == 1:
                parts.append(f"{r.p}\\,{power}")
            elif r.q <= 1000:
                parts.append(f"\\tfrac{{{r.p}}}{{{r.q}}}\\,{power}")
            else:
                parts.append(f"{float(w):.6g}\\,{power}")
        return " + ".join(parts)

    def _repr_latex_(self) -> str:
        return f"$\\xi(x) = {self.latex()}$"

    def __hash__(self):
        return hash(tuple((p, Fraction(w)) for p, w in self.weights))

    def __eq__(self, other):
        if not isinstance(other, Mixture):
            return NotImplemented
        return (len(self.weights) == len(other.weights)
                and all(p == q and Fraction(a) == Fraction(b)
                        for (p, a), (q, b) in zip(self.weights, other.weights)))


def as_mixture(value, *, name: str = "H", minimum_pure: int = 2, max_degree: int = MAX_DEGREE) -> Mixture:
    """Return ``value`` (an int degree, a mapping ``{degree: a_p²}``, or a Mixture) as a :class:`Mixture`.

    An int must be at least ``minimum_pure`` (2: a pure model needs ξ''(1) > 0) and at most
    ``max_degree`` (default :data:`MAX_DEGREE`, the simulator's limit; the complexity formulas allow
    more). A mapping needs integer degrees in 1..max_degree, weights that are non-negative finite real
    numbers summing to 1 (exactly for ints and Fractions, within :data:`WEIGHT_TOLERANCE` for floats),
    and at least one degree ≥ 2 with a positive weight. Zero weights are dropped. A Mixture is checked
    the same way (its degrees against ``max_degree``) and returned.
    """
    if isinstance(value, Mixture):
        degrees = [p for p, _ in value.weights]
        if len(set(degrees)) != len(degrees):
            raise InvalidInputError(f"{name} gives a degree twice: {value!r}")
        if max(degrees) <= max_degree:
            return value  # valid by construction (Mixture.__post_init__)
        value = dict(value.weights)  # refused below, with the message of a mapping
    accepted = _ACCEPTED.format(minimum=minimum_pure, maximum=max_degree)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        H = int(value)
        if not minimum_pure <= H <= max_degree:
            raise InvalidInputError(f"{name} must be {accepted}; got {_short(value)}")
        return Mixture(((H, 1),))
    if not isinstance(value, Mapping):
        raise InvalidInputError(f"{name} must be {accepted}; got {_short(value)}")
    if not value:
        raise InvalidInputError(f"{name} must be {accepted}; got an empty mapping")
    weights = _clean(value, name, max_degree)
    if len(weights) == 1 and weights[0][0] < minimum_pure:
        raise InvalidInputError(f"{name} must be {accepted}; got {_short(value)}")
    return Mixture(weights)


def _clean(value: Mapping, name: str, max_degree: int) -> tuple:
    """The sorted ``((p, weight), ...)`` of a mapping, checked (see :func:`as_mixture`); a single degree
    gets the exact weight 1."""
    cleaned = []
    for degree, weight in value.items():
        if isinstance(degree, bool) or not isinstance(degree, numbers.Integral) or not 1 <= degree <= max_degree:
            raise InvalidInputError(f"{name}: degrees must be integers in 1..{max_degree}; got degree "
                                    f"{_short(degree, 30)} in {_short(value)}")
        if isinstance(weight, bool) or not isinstance(weight, numbers.Real):
            raise InvalidInputError(f"{name}: the weight of degree {degree} must be a real number, got "
                                    f"{_short(weight, 30)}")
        if isinstance(weight, numbers.Integral):
            weight = int(weight)
        elif not isinstance(weight, Fraction):
            weight = float(weight)
            if not math.isfinite(weight):
                raise InvalidInputError(f"{name}: the weight of degree {degree} must be finite, got {weight!r}")
        if weight < 0:
            raise InvalidInputError(f"{name}: weights a_p^2 must be >= 0; degree {degree} has {_short(weight, 30)}")
        if weight > 1 + WEIGHT_TOLERANCE:  # before summing: no overflow from huge weights
            raise InvalidInputError(f"{name}: weights a_p^2 must be <= 1 (they sum to 1); degree {degree} has "
                                    f"{_short(weight, 30)}")
        if weight > 0:
            cleaned.append((int(degree), weight))
    if not cleaned:
        raise InvalidInputError(f"{name}: at least one weight must be positive; got {_short(value)}")
    cleaned.sort()
    if len({p for p, _ in cleaned}) != len(cleaned):
        raise InvalidInputError(f"{name} gives a degree twice: {_short(value)}")
    exact = all(not isinstance(w, float) for _, w in cleaned)
    total = sum(Fraction(w) for _, w in cleaned) if exact else math.fsum(float(w) for _, w in cleaned)
    if (exact and total != 1) or (not exact and abs(total - 1.0) > WEIGHT_TOLERANCE):
        raise InvalidInputError(f"{name}: the weights must sum to 1 (so that xi(1) = 1); they sum to "
                                f"{float(total):.12g} in {_short(value)}")
    if max(p for p, _ in cleaned) < 2:
        raise InvalidInputError(f"{name}: a mixture needs a degree >= 2 (xi''(1) > 0); a purely linear field "
                                f"has no critical points to count; got {_short(value)}")
    if len(cleaned) == 1:
        return ((cleaned[0][0], 1),)
    return tuple(cleaned)


def _fraction(w) -> Fraction:
    return w if isinstance(w, Fraction) else Fraction(repr(w)) if isinstance(w, float) else Fraction(w)


def _number(w):
    return float(w) if isinstance(w, Fraction) else w


def _rational(w):
    import sympy

    if isinstance(w, Fraction):
        return sympy.Rational(w.numerator, w.denominator)
    if isinstance(w, int):
        return sympy.Integer(w)
    return sympy.Rational(_fraction(float(w)).numerator, _fraction(float(w)).denominator)


def _weight_text(w) -> str:
    if isinstance(w, Fraction):
        return str(w) if w.denominator != 1 else str(w.numerator)
    return repr(w) if isinstance(w, float) else str(w)


def _short(value, limit: int = 80) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int too long to print (Python's limit on int-to-text conversion)
        text = f"a number of about {int(getattr(value, 'numerator', value).bit_length() * 0.30103)} digits"
    return text if len(text) <= limit else text[: limit - 3] + "..."
