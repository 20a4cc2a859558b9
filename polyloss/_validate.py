"""Validation helpers shared by the public boundary of every module.

Each helper returns the cleaned value or raises :class:`~polyloss.errors.InvalidInputError` with a
message that restates the input and says what is accepted.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .errors import InvalidInputError


def integer(name: str, value, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Return ``value`` as a Python int, checking that it is an integer in ``[minimum, maximum]``."""
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and isinstance(value, (float, np.floating)) and float(value).is_integer():
        ok = False  # floats are refused even when whole: 3.0 is not an index
    if not ok:
        raise InvalidInputError(f"{name} must be an integer, got {value!r}{_range_text(minimum, maximum)}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidInputError(f"{name} must be an integer{_range_text(minimum, maximum)}, got {value!r}")
    return value


def real(name: str, value, *, minimum: float | None = None, maximum: float | None = None,
         allow_inf: bool = False, open_minimum: bool = False) -> float:
    """Return ``value`` as a float, refusing NaN, infinities (unless ``allow_inf``) and out-of-range values."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if math.isnan(value):
        raise InvalidInputError(f"{name} must be a real number, got NaN")
    if math.isinf(value) and not allow_inf:
        raise InvalidInputError(f"{name} must be finite, got {value!r}")
    if minimum is not None and (value < minimum or (open_minimum and value == minimum)):
        op = ">" if open_minimum else ">="
        raise InvalidInputError(f"{name} must be {op} {minimum}, got {value!r}")
    if maximum is not None and value > maximum:
        raise InvalidInputError(f"{name} must be <= {maximum}, got {value!r}")
    return value


def real_array(name: str, value, *, allow_inf: bool = False) -> np.ndarray:
    """Return ``value`` as a float64 array, refusing NaN (and infinities unless ``allow_inf``).

    Complex numbers (even with a zero imaginary part), None, strings and other non-numbers are refused
    rather than cast: numpy would drop an imaginary part and turn None into NaN.
    """
    if value is None or isinstance(value, (str, bytes)):
        raise InvalidInputError(f"{name} must be real numbers, got {_short(value)}")
    try:
        raw = np.asarray(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be real numbers (a regular array), got {_short(value)}") from exc
    if raw.dtype.kind == "c" or (raw.dtype.kind == "O" and any(isinstance(v, complex) for v in raw.flat)):
        raise InvalidInputError(f"{name} must be real numbers, got complex values ({_short(value)})")
    if raw.dtype.kind in "USVMm" or (raw.dtype.kind == "O" and any(v is None or isinstance(v, (str, bytes))
                                                                 for v in raw.flat)):
        raise InvalidInputError(f"{name} must be real numbers, got {_short(value)}")
    try:
        arr = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidInputError(f"{name} must be real numbers, got {value!r}") from exc
    if np.isnan(arr).any():
        raise InvalidInputError(f"{name} must not contain NaN (got {_short(value)})")
    if not allow_inf and np.isinf(arr).any():
        raise InvalidInputError(f"{name} must be finite (got {_short(value)})")
    return arr


def positive_rational(name: str, value, *, exact: bool = True):
    """A positive finite number as an exact sympy Rational: an int, a Fraction, or a float read through its
    decimal text (``0.1`` -> ``1/10``); with ``exact=False`` a sympy expression not known to be
    non-positive or non-real is also accepted and returned as it is (a symbol such as ``C``)."""
    from fractions import Fraction

    import sympy

    if isinstance(value, sympy.Basic) and not exact:
        if value.is_positive is False or value.is_real is False:
            raise InvalidInputError(f"{name} must be positive; got {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{name} must be a positive number (int, Fraction or float); got {value!r}")
    try:
        r = Fraction(repr(float(value))) if isinstance(value, float) else Fraction(value)
    except (ValueError, OverflowError):
        raise InvalidInputError(f"{name} must be a positive finite number; got {value!r}") from None
    if r <= 0:
        raise InvalidInputError(f"{name} must be positive; got {value!r}")
    return sympy.Rational(r.numerator, r.denominator)


def choice(name: str, value, accepted) -> object:
    """Check that ``value`` is one of ``accepted``."""
    if value not in accepted:
        raise InvalidInputError(f"{name} must be one of {', '.join(map(repr, accepted))}; got {value!r}")
    return value


def _range_text(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f" in {minimum}..{maximum}"
    if minimum is not None:
        return f" >= {minimum}"
    if maximum is not None:
        return f" <= {maximum}"
    return ""


def _short(value, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
