"""Numbers from the complexity formulas: ``E_∞(H)``, ``Θ_H(u)``, ``Θ_{k,H}(u)``, the thresholds ``E_k(H)``.

Everything is compiled from :mod:`polyloss.symbolic.complexity` through
:meth:`~polyloss.symbolic.formula.Formula.compile`; nothing here restates a formula.

* float64 (numpy) and torch: the *stable* forms (``theta_k_stable_formula``), piece by piece on
  the piece's domain (each ``Piecewise`` branch is compiled and evaluated only where it applies, so
  no branch ever sees an argument outside its domain: no NaN, and finite torch gradients). ``u``
  enters through ``s = -u/E_∞ - 1``, formed here with ``E_∞`` split into two doubles, and
  ``Θ* = ½ log(H-1) - (H-2)/H`` is passed correctly rounded (both from the compiled mpmath formulas).
* ``dps=``: mpmath, the paper's printed form, with 10 guard digits, rounded to ``dps`` digits.

Accuracy of the float64 path against the printed form at 50 digits (10^4 random points per H, the
band around the thresholds over-sampled): relative error ≤ 1e-13 where ``|Θ| > 1e-3`` and absolute
error ≤ 2e-16 elsewhere, for 3 ≤ H ≤ 10 (measured: ≤ 7e-14 and ≤ 1.1e-16). For larger H the
terms that cancel where Θ changes sign are of size ``Θ*(H)`` (0.99 at H = 50), so the absolute
error is ~``ulp(Θ*)``: measured relative ≤ 1.2e-13 (H = 20) and 2e-13 (H = 50) where ``|Θ| > 1e-3``,
absolute ≤ 3.2e-16.

Mixtures ``H = {p: a_p²}`` (the model of Auffinger and Ben Arous 2013; the formulas are derived here, see
:func:`theta`, and their correspondence with that paper's statements and names is [unverified]): numpy and
mpmath. Accuracy of float64 against the same formulas at 40 digits (whose closed forms are checked against
an independent maximisation in the tests): relative ≤ 3e-13 where ``|Θ| > 1e-3`` and absolute ≤ 5e-16
elsewhere, measured on 2250 points per mixture for eight mixtures from ``{3: 1 − 10⁻⁶, 4: 10⁻⁶}`` to
``{1: 0.5, 2: 0.5}`` (tested: 1e-12 and 1e-15).
"""

from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

import mpmath
import numpy as np
import sympy

from .. import _validate
from ..errors import InvalidInputError
from ..mixture import Mixture, as_mixture
from ..symbolic import complexity as sym
from ..symbolic.formula import Formula

DPS_RANGE = (5, 1000)
GUARD_DIGITS = 10
FLOAT_U_LIMIT = 1e100  # |u| beyond this overflows float64 intermediates (u², s(s+2)); use dps=
H_MAX_THRESHOLDS = 50  # the largest degree of energy_thresholds, pure or in a mixture
MIXTURE_MAX_DEGREE = 1000  # the largest degree of a mixture elsewhere (a pure int H has no limit there)
K_MAX_THRESHOLDS = 100


# --- validation ----------------------------------------------------------------------------------
def _check_H(H, *, maximum=None) -> int:
    if isinstance(H, numbers.Integral) and not isinstance(H, bool) and int(H) == 2:
        raise InvalidInputError(
            "H = 2 is degenerate: the spherical 2-spin model has exactly 2 critical points of each index "
            "(no exponential complexity), so Theta and E_k are defined for H >= 3; got H = 2")
    return _validate.integer("H (the spin-glass degree, number of layers)", H, minimum=3, maximum=maximum)


def complexity_model(H, *, maximum=None):
    """``H`` as the complexity functions take it: an int degree ``H ≥ 3`` (at most ``maximum``), or a
    :class:`~polyloss.mixture.Mixture` for a mixture ``{degree: a_p²}`` (validated by
    :func:`~polyloss.mixture.as_mixture`, degrees up to the same ``maximum``, or :data:`MIXTURE_MAX_DEGREE`
    when there is none). A one-entry mixture is
    returned as its pure degree (an int: the pure formulas, whose ``α² = 0`` the mixed ones divide by).
    Raises InvalidInputError for anything else (and for ``H = 2``, which has no exponential complexity)."""
    if isinstance(H, (Mapping, Mixture)):
        m = as_mixture(H, name="H (a degree or a mixture {degree: a_p^2})",
                       max_degree=MIXTURE_MAX_DEGREE if maximum is None else maximum)
        return _check_H(m.degree, maximum=maximum) if m.is_pure else m
    return _check_H(H, maximum=maximum)


def _check_k(k, *, name="k (the index)", maximum=None):
    if k is None:
        return None
    return _validate.integer(name, k, minimum=0, maximum=maximum)


def _check_dps(dps):
    if dps is None:
        return None
    return _validate.integer("dps (decimal digits of precision)", dps, minimum=DPS_RANGE[0], maximum=DPS_RANGE[1])


# --- E_inf -----------------------------------------------------------------------------------------
def e_infinity(H, *, dps=None):
    """``E_∞(H) = 2√((H-1)/H)`` (Auffinger, Ben Arous and Černý 2013, eq. (2.11) [unverified]; Choromanska
    et al. 2015, Sec. 4): a float, or an mpf at ``dps`` digits.

    For a mixture ``H = {p: a_p²}``: ``E_∞(ξ) = 2ξ'√ξ''/(ξ' + ξ'')``, ``ξ' = ξ'(1)``, ``ξ'' = ξ''(1)``
    (derived here, :func:`polyloss.symbolic.complexity.mixed_e_infinity_formula`; its correspondence with
    a statement or a name of Auffinger and Ben Arous 2013 is [unverified]), which is ABC's value for a
    pure ξ.

    >>> round(e_infinity(3), 8)
    1.63299316
    >>> round(e_infinity({2: 0.5, 3: 0.5}), 8)  # 2 (5/2) √4 / (5/2 + 4) = 20/13
    1.53846154
    """
    H = complexity_model(H)
    dps = _check_dps(dps)
    if isinstance(H, Mixture):
        return _mixed_scalar(sym.mixed_e_infinity_formula(), H, dps)
    f = sym.e_infinity_formula()
    if dps is None:
        return float(f.compile("math")(float(H)))
    with mpmath.workdps(dps + GUARD_DIGITS):
        value = f.compile("mpmath")(mpmath.mpf(H))
    with mpmath.workdps(dps):
        return +value


# --- Theta ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=None)
def _pieces(total: bool, backend: str):
    """``[(value_fn, domain_fn or None), ...]`` compiled from each branch of the stable Piecewise."""
    f = sym.theta_stable_formula() if total else sym.theta_k_stable_formula()
    out = []
    for i, (expr, cond) in enumerate(f.expr.args):
        value = Formula(f"{f.name}_piece{i}", expr, f.parameters).compile(backend)
        domain = None if cond is sympy.true else Formula(f"{f.name}_domain{i}", cond, f.parameters).compile(backend)
        out.append((value, domain))
    return out


@functools.lru_cache(maxsize=None)
def _float_constants(H: int):
    """``(E_hi, E_lo, Θ*)``: ``E_∞ = E_hi + E_lo`` as two doubles and ``Θ*`` correctly rounded, from the
    compiled mpmath formulas at 40 digits (float64 evaluation of the irrational constants would cost
    an ulp each, i.e. ~2e-16 absolute in Θ)."""
    with mpmath.workdps(40):
        h = mpmath.mpf(H)
        e = sym.e_infinity_formula().compile("mpmath")(h)
        e_hi = float(e)
        return e_hi, float(e - e_hi), float(sym.theta_star_formula().compile("mpmath")(h))


def _evaluate_pieces(pieces, s, args, *, torch=None):
    """Fill ``out[mask_i] = value_i(s[mask_i])`` over the branches in order (first match wins)."""
    if torch is not None:
        out = torch.empty_like(s)
        remaining = torch.ones_like(s, dtype=torch.bool)
    else:
        out = np.empty_like(s)
        remaining = np.ones(s.shape, dtype=bool)
    for value, domain in pieces:
        mask = remaining if domain is None else (domain(s, *args) & remaining)
        if mask.any():
            out[mask] = value(s[mask], *args)
        remaining = remaining & ~mask
    return out


def _stable_args(H, k, convert):
    e_hi, e_lo, theta_star = _float_constants(H)
    args = (H,) if k is None else (H, k)
    return e_hi, e_lo, tuple(convert(float(v)) for v in args + (theta_star,))


def theta(u, H, k=None, *, dps=None, backend=None):
    """The complexity ``Θ_{k,H}(u)`` (index ``k``) or ``Θ_H(u)`` (``k=None``: all indices).

    ``Θ(u) = lim (1/Λ) log E Crt(u)`` with ``u = L/Λ``: Auffinger, Ben Arous and Černý (2013),
    Theorems 2.5 / 2.8, and Choromanska et al. (2015), Sec. 4, Theorem 4.1 and Corollary 4.1 (all four
    numbers [unverified]). Arrays may straddle the threshold ``-E_∞``.

    For a mixture ``H = {p: a_p²}`` (or a :class:`~polyloss.mixture.Mixture`) the mixed complexity
    ``Θ_{k,ξ}(u) = sup_{v ≤ u} θ_{k,ξ}(v)`` (derived here, see :mod:`polyloss.symbolic.complexity`; its
    correspondence with the statements of Auffinger and Ben Arous 2013 is [unverified]): ``θ_{k,ξ}`` is
    concave with its top at ``v* = −E_∞(ξ)`` when ``ξ'' > ξ'`` (``v* = v*_k`` of ``mixed_trivial_maximiser_formula`` when
    ``ξ'' ≤ ξ'``), so ``Θ_{k,ξ}(u) = θ_{k,ξ}(min(u, v*))``: the parabola ``mixed_edge_formula`` for
    ``v ≥ −E'_∞``, ``mixed_interior_formula`` at the GOE level ``mixed_shift_formula`` below (computed
    through ``mixed_edge_root_formula``). The total
    ``Θ_ξ(u)`` (``k=None``) is ``mixed_bulk_formula`` for ``−E'_∞ ≤ v ≤ 0`` and ``θ_{0,ξ}`` below (top at
    ``v* = 0``, or ``v*_0`` when ``ξ'' ≤ ξ'``). numpy (float64) and mpmath (``dps``) only; no torch.

    Args:
        u: energy per Λ: a number, an array (float64 out, same shape), or a torch tensor (torch out,
            differentiable). Must be finite (and ``|u| ≤ 1e100`` in float64 / torch).
        H: spin-glass degree (network depth), an integer ≥ 3, or a mixture ``{degree: a_p²}`` (degrees up to
            :data:`MIXTURE_MAX_DEGREE`).
        k: the index (integer ≥ 0), or None for all indices.
        dps: evaluate with mpmath at this many digits (5..1000); returns mpf (object array for arrays).
        backend: ``"numpy"``, ``"torch"`` or ``"mpmath"``; default: torch for tensors, mpmath when
            ``dps`` is given, else numpy.

    >>> round(float(theta(-1.70, 3, 0)), 6)  # the printed formula in mpmath at 50 digits: -0.030446
    -0.030446
    """
    H = complexity_model(H)
    k = _check_k(k)
    dps = _check_dps(dps)
    is_tensor = type(u).__module__.startswith("torch")
    if backend is None:
        backend = "torch" if is_tensor else ("mpmath" if dps is not None else "numpy")
    _validate.choice("backend", backend, ("numpy", "torch", "mpmath"))
    if dps is not None and backend != "mpmath":
        raise InvalidInputError(f"dps={dps} asks for mpmath, but backend={backend!r}; "
                                "pass dps only with backend None or 'mpmath'")
    if isinstance(H, Mixture):
        if backend == "torch":
            raise InvalidInputError(f"theta of a mixture ({H.text()}) is evaluated with numpy or mpmath "
                                    "(backend='numpy' or dps=...); the torch backend takes a pure degree H only")
        if backend == "mpmath":
            return _mixed_theta_mpmath(u, H, k, 15 if dps is None else dps)
        arr = _validate.real_array("u", u)
        _check_magnitude(arr, u)
        out = _mixed_theta_numpy(np.atleast_1d(arr), H, k)
        return out[0] if arr.ndim == 0 else out.reshape(arr.shape)
    if backend == "mpmath":
        return _theta_mpmath(u, H, k, 15 if dps is None else dps)
    if backend == "torch":
        return _theta_torch(u, H, k)
    arr = _validate.real_array("u", u)
    _check_magnitude(arr, u)
    scalar = arr.ndim == 0
    arr = np.atleast_1d(arr)
    e_hi, e_lo, args = _stable_args(H, k, float)
    s = ((-arr - e_hi) - e_lo) / e_hi  # s = -u/E_inf - 1, with E_inf in two doubles
    out = _evaluate_pieces(_pieces(k is None, "numpy"), s, args)
    return out[0] if scalar else out


def _check_magnitude(arr, original):
    if arr.size and np.abs(arr).max() > FLOAT_U_LIMIT:
        raise InvalidInputError(f"u must satisfy |u| <= {FLOAT_U_LIMIT:g} in float64 (got max |u| = "
                                f"{np.abs(arr).max():g} from {_validate._short(original)}); pass dps= for mpmath")


def _theta_torch(u, H, k):
    import torch

    if not torch.is_tensor(u):
        u = torch.as_tensor(_validate.real_array("u", u))
    if u.is_complex():
        raise InvalidInputError(f"u must be real numbers, got a complex tensor ({u.dtype}); complex input is "
                                "refused, not cast (the imaginary part would be lost)")
    if not torch.is_floating_point(u):
        u = u.to(torch.float64)
    if torch.isnan(u).any() or torch.isinf(u).any():
        raise InvalidInputError(f"u must be finite real numbers without NaN (got {_validate._short(u)})")
    if u.numel() and u.detach().abs().max().item() > FLOAT_U_LIMIT:
        raise InvalidInputError(f"u must satisfy |u| <= {FLOAT_U_LIMIT:g} in torch; pass dps= for mpmath")
    scalar = u.dim() == 0
    uu = u.reshape(1) if scalar else u
    e_hi, e_lo, args = _stable_args(H, k, lambda v: torch.tensor(v, dtype=u.dtype))
    s = ((-uu - e_hi) - e_lo) / e_hi  # s = -u/E_inf - 1, with E_inf in two doubles
    out = _evaluate_pieces(_pieces(k is None, "torch"), s, args, torch=torch)
    return out.reshape(()) if scalar else out


def _theta_mpmath(u, H, k, dps):
    f = sym.theta_formula() if k is None else sym.theta_k_formula()
    fn = f.compile("mpmath")

    def one(value):
        if isinstance(value, mpmath.mpf):
            x = value
        else:
            x = _validate.real("u", value)
        if not mpmath.isfinite(x):
            raise InvalidInputError(f"u must be finite, got {value!r}")
        with mpmath.workdps(dps + GUARD_DIGITS):
            args = (mpmath.mpf(x), mpmath.mpf(H)) + (() if k is None else (mpmath.mpf(k),))
            y = fn(*args)
        with mpmath.workdps(dps):
            return +y

    return _elementwise(u, one)


# --- mixtures ---------------------------------------------------------------------------------------
def _xi_fractions(m: Mixture):
    """``(ξ'(1), ξ''(1))`` as exact Fractions of :meth:`~polyloss.mixture.Mixture.exact_weights` (a float
    weight read as its decimal text, as everywhere else)."""
    weights = m.exact_weights()
    return sum(p * w for p, w in weights), sum(p * (p - 1) * w for p, w in weights)


def _is_trivial(m: Mixture) -> bool:
    """``ξ''(1) ≤ ξ'(1)``, compared exactly: no exponential complexity (derived here:
    :func:`polyloss.symbolic.complexity.mixed_trivial_regime_value`)."""
    first, second = _xi_fractions(m)
    return second <= first


def _mp(x):
    """An mpf of an int, float or Fraction (exactly, then rounded to the working precision)."""
    if isinstance(x, Fraction):
        return mpmath.mpf(x.numerator) / x.denominator
    return mpmath.mpf(x)


def _mixed_scalar(formula, m: Mixture, dps, *extra):
    """A formula of ``(ξ', ξ'', *extra)``: a float, or an mpf at ``dps`` digits (``dps`` + 10 guard digits)."""
    first, second = _xi_fractions(m)
    if dps is None:
        return float(formula.compile("math")(float(first), float(second), *map(float, extra)))
    with mpmath.workdps(dps + GUARD_DIGITS):
        value = formula.compile("mpmath")(_mp(first), _mp(second), *map(mpmath.mpf, extra))
    with mpmath.workdps(dps):
        return +value


def _mixed_maximiser(m: Mixture, k, convert):
    """The top ``v*`` of the level complexity: ``−E_∞`` (index k) or 0 (all indices) when ``ξ'' > ξ'``,
    else ``v*_k`` (``v*_0`` for all indices)."""
    first, second = _xi_fractions(m)
    if not _is_trivial(m):
        return convert(0) if k is None else -convert(sym.mixed_e_infinity_formula().compile(_backend(convert))(
            convert(first), convert(second)))
    f = sym.mixed_trivial_maximiser_formula().compile(_backend(convert))
    return f(convert(first), convert(second), convert(0 if k is None else k))


def _backend(convert):
    return "math" if convert is float else "mpmath"  # float or _mp


def _mixed_level(v, m: Mixture, k, backend):
    """``θ_{k,ξ}(v)`` (``θ_ξ`` for ``k=None``) at levels ``v ≤ v*`` (numpy array or one mpf)."""
    first, second = _xi_fractions(m)
    if backend == "numpy":
        x1, x2, conv, where = float(first), float(second), float, np
    else:
        x1, x2, conv, where = _mp(first), _mp(second), _mp, None
    e_prime = sym.mixed_e_infinity_prime_formula().compile("math" if backend == "numpy" else "mpmath")(x1, x2)
    kk = 0 if k is None else k

    def interior(w):
        # the GOE level t* = −√2(1 + s) from y* = √(t*² − 2)/√2 (a quotient of positive terms), s = y²/(1 + √(1+y²)):
        # s accurate to relative rounding even where t* → −√2 (from t* itself, √(s(s+2)) would lose ulp/√s)
        y = sym.mixed_edge_root_formula().compile(backend)(w, x1, x2, conv(kk))
        if backend == "numpy":
            y = np.maximum(y, 0.0)  # −0 by rounding at v = −E'_∞
            sv = y * y / (1 + np.sqrt(1 + y * y))
            return sym.mixed_interior_formula().compile("numpy")(w, sv, x1, x2, conv(kk))
        y = max(y, 0)
        return _mixed_interior_mpmath()(w, y * y / (1 + mpmath.sqrt(1 + y * y)), x1, x2, conv(kk))

    def upper(w):  # v ≥ −E'_∞
        if k is None:
            return sym.mixed_bulk_formula().compile(backend)(w, x1, x2)
        return sym.mixed_edge_formula().compile(backend)(w, x1, x2)

    if backend != "numpy":
        return upper(v) if v >= -e_prime else interior(v)
    out = np.empty_like(v)
    above = v >= -e_prime
    if above.any():
        out[above] = upper(v[above])
    if (~above).any():
        out[~above] = interior(v[~above])
    return out


@functools.lru_cache(maxsize=None)
def _mixed_interior_mpmath():
    """The closed-form branch of ``mixed_interior_formula`` for mpmath (the 50-term series is exact
    only to ~1e-19; the closed form at ``dps`` + 10 digits is exact to ``dps``)."""
    f = sym.mixed_interior_formula()
    return Formula(f.name + "_closed", f.expr.args[0][0], f.parameters).compile("mpmath")


def _mixed_theta_numpy(u, m: Mixture, k):
    v = np.minimum(u, _mixed_maximiser(m, k, float))
    return _mixed_level(v, m, k, "numpy")


def _mixed_theta_mpmath(u, m: Mixture, k, dps):
    def one(value):
        x = value if isinstance(value, mpmath.mpf) else _validate.real("u", value)
        if not mpmath.isfinite(x):
            raise InvalidInputError(f"u must be finite, got {value!r}")
        with mpmath.workdps(dps + GUARD_DIGITS):
            y = _mixed_level(min(mpmath.mpf(x), _mixed_maximiser(m, k, _mp)), m, k, "mpmath")
        with mpmath.workdps(dps):
            return +y

    return _elementwise(u, one)


# --- thresholds E_k ----------------------------------------------------------------------------
SCENARIOS = ("pure-like", "full mixture", "trivial")
"""The three scenarios of :attr:`EnergyThresholds.scenario` (see there)."""


@dataclass(frozen=True)
class EnergyThresholds:
    """``E_∞(H)`` and ``E_0 > E_1 > … > E_kmax > E_∞`` at ``dps`` significant digits (mpf values).

    ``Θ_{k,H}(u) < 0`` for ``u < -E_k``, so with overwhelming probability no critical point of index k
    lies below ``-Λ E_k``: index-k points lie *above* ``-Λ E_k`` (and the low-index ones below ``-Λ E_∞``);
    ``-Λ E_0`` is the ground-state level (Auffinger, Ben Arous and Černý 2013, Theorem 2.5 and
    Corollary 2.6 [unverified: theorem numbers]; Choromanska et al. 2015, Theorem 4.1 [unverified]).

    For a mixture ``ξ`` (``H`` is then the :class:`~polyloss.mixture.Mixture`) the fields also say which
    scenario holds. The criterion, the thresholds and the names ``E'_∞``, ``"pure-like"`` and ``"full
    mixture"`` are derived and chosen here (:mod:`polyloss.symbolic.complexity`); that they match the
    statements and names of Auffinger and Ben Arous (2013) is [unverified]. What is confirmed is their
    abstract's sentence: in one scenario local minima are exponentially many even below the ground-state
    energy, in the other the critical values have a layered structure.

    * ``E_inf_prime`` ``= E'_∞(ξ) = (ξ'' − ξ' + ξ'²)/(ξ'√ξ'')``: below ``−E'_∞`` the indices separate;
    * ``criterion`` ``= θ_{k,ξ}(−E'_∞)`` (the same for every k);
    * ``scenario``: ``"pure-like"`` when ``criterion > 0``: the zeros of ``Θ_{k,ξ}`` lie below ``−E'_∞``
      and ``E_0 > E_1 > … > E'_∞``, a layered band of critical values as for a pure model;
      ``"full mixture"`` when ``criterion ≤ 0``: every ``Θ_{k,ξ}`` vanishes at the same level,
      ``E_0 = E_1 = … ∈ [E_∞, E'_∞]``, with no layers: minima are exponentially many wherever saddles
      of any finite index are; ``"trivial"`` when ``ξ'' ≤ ξ'`` (e.g. a 2-spin model with a linear field):
      ``Θ_{k,ξ} ≤ 0`` everywhere, no exponential number of critical points, and ``E`` is empty.

    A pure model (``H`` an int ≥ 3) is ``"pure-like"``, with ``E_inf_prime = E_inf`` and
    ``criterion = ½ log(H−1) − (H−2)/H``; it prints as before.
    """

    H: object
    dps: int
    E_inf: mpmath.mpf
    E: tuple
    E_inf_prime: mpmath.mpf = None
    criterion: mpmath.mpf = None
    scenario: str = "pure-like"

    @property
    def is_mixture(self) -> bool:
        return isinstance(self.H, Mixture)

    def format(self, value) -> str:
        """``value`` printed with this result's significant digits."""
        return mpmath.nstr(value, self.dps, strip_zeros=False)

    def _named_values(self, names):
        """``[(name, value)]``: ``E_inf``, (``E_inf_prime`` for a mixture), ``E_0``, …"""
        e_inf, e_prime, e_k = names
        out = [(e_inf, self.E_inf)]
        if self.is_mixture:
            out.append((e_prime, self.E_inf_prime))
        return out + [(e_k(j), e) for j, e in enumerate(self.E)]

    def __str__(self) -> str:
        width = self.dps + 3
        model = f"H = {self.H}" if not self.is_mixture else f"xi = {self.H.text()}"
        lines = [f"energy thresholds, {model} ({self.dps} digits; energies per Λ, u = L/Λ)"]
        lines += [f"  {name:>6}  {self.format(value):>{width}}"
                  for name, value in self._named_values(("E_∞", "E'_∞", lambda j: f"E_{j}"))]
        if self.is_mixture:
            lines.append(f"  criterion θ_k,ξ(−E'_∞) = {self.format(self.criterion)} (every k)")
            lines.append(f"  scenario: {self.scenario} ({_SCENARIO_TEXT[self.scenario]})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        model = self.H if not self.is_mixture else f"Mixture({self.H.text()!r})"
        extra = "" if not self.is_mixture else (f", E_inf_prime={self.format(self.E_inf_prime)}, "
                                                f"criterion={self.format(self.criterion)}, scenario={self.scenario!r}")
        return (f"EnergyThresholds(H={model}, dps={self.dps}, E_inf={self.format(self.E_inf)}, "
                f"E=({', '.join(map(self.format, self.E))}){extra})")

    def _repr_latex_(self) -> str:
        """Jupyter: ``$$ H = 3:\\quad E_\\infty = …,\\quad E_0 = …, … $$`` at this result's digits
        (for a mixture: ``\\xi(x) = …``, ``E'_\\infty``, the criterion and the scenario as well)."""
        from ..display import display_math, latex_number

        values = self._named_values((r"E_\infty", r"E'_\infty", lambda j: f"E_{{{j}}}"))
        body = r",\quad ".join(f"{name} = {latex_number(self.format(v))}" for name, v in values)
        if not self.is_mixture:
            return display_math(rf"H = {self.H}:\quad {body}")
        body += (rf",\quad \theta_{{k,\xi}}(-E'_\infty) = {latex_number(self.format(self.criterion))}"
                 rf"\quad\text{{({self.scenario})}}")
        return display_math(rf"\xi(x) = {self.H.latex()}:\quad {body}")

    def to_dataframe(self):
        """A pandas DataFrame: index ``threshold`` (``"E_inf"``, ``"E_0"``, …, ``"E_kmax"``; for a mixture
        also ``"E_inf_prime"`` and ``"criterion"``), column ``value`` (float64: the mpf values rounded
        to double); for a mixture ``attrs["scenario"]`` holds the scenario. Needs pandas."""
        from ..display import dataframe

        rows = [(name, float(v)) for name, v in self._named_values(("E_inf", "E_inf_prime", lambda j: f"E_{j}"))]
        if self.is_mixture:
            rows.append(("criterion", float(self.criterion)))
        df = dataframe(rows, ("threshold", "value"), index="threshold")
        if self.is_mixture:
            df.attrs["scenario"] = self.scenario
        return df


_SCENARIO_TEXT = {
    "pure-like": "criterion > 0: E_0 > E_1 > ... > E'_∞, a layered band of critical values",
    "full mixture": "criterion ≤ 0: E_0 = E_1 = ..., no layers; minima as numerous as low saddles",
    "trivial": "ξ'' ≤ ξ': no exponentially many critical points, no thresholds",
}


def energy_thresholds(H, kmax=0, *, dps=15) -> EnergyThresholds:
    """``E_∞(H)`` and ``E_0(H) … E_kmax(H)``: the zeros of ``Θ_{k,H}(-E_k) = 0`` above ``E_∞``.

    Each root is bracketed (the theory guarantees one sign change on the bracket): ``E_k`` lies in
    ``(E_∞, E_{k-1})`` since ``Θ_{k,H}(-E_{k-1}) = -I_1(-E_{k-1}) < 0``, and ``E_0`` in
    ``(E_∞, √(2(H-1) log(H-1)/(H-2)))`` where the ``u²`` term alone already makes ``Θ_{0,H}`` negative;
    ``Θ_{k,H}(-E_∞) = ½ log(H-1) - (H-2)/H > 0``. Solved with mpmath's Anderson–Björck bracketing
    method at ``dps + 10`` digits, rounded to ``dps``.

    For a mixture ``H = {p: a_p²}``: ``E_∞(ξ)``, ``E'_∞(ξ)``, the criterion, the scenario (see
    :class:`EnergyThresholds`) and ``E_k``, the zero of ``θ_{k,ξ}`` below its top ``−E_∞`` (where it is
    ``½ log(ξ''/ξ') − (ξ'' − ξ')/(ξ'' + ξ') > 0``), bracketed by doubling the distance below ``−E_∞``
    until ``θ_{k,ξ} < 0``, then solved as above. In the full-mixture scenario every ``E_k`` is the same
    root of the same (index-free) parabola; in the trivial scenario ``E`` is empty.

    Args: ``H`` integer in 3..50 or a mixture of degrees up to 50; ``kmax`` integer in 0..100; ``dps`` integer
    in 5..1000.

    >>> print(energy_thresholds(3, 1, dps=9))
    energy thresholds, H = 3 (9 digits; energies per Λ, u = L/Λ)
         E_∞    1.63299316
         E_0    1.65699836
         E_1    1.65287320
    """
    H = complexity_model(H, maximum=H_MAX_THRESHOLDS)
    if kmax is None:
        raise InvalidInputError(f"kmax (the largest index) must be an integer in 0..{K_MAX_THRESHOLDS}, got None")
    kmax = _check_k(kmax, name="kmax (the largest index)", maximum=K_MAX_THRESHOLDS)
    dps = _check_dps(dps)
    if isinstance(H, Mixture):
        return _mixed_thresholds(H, kmax, dps)
    e_inf, values = _thresholds(H, kmax, dps)
    with mpmath.workdps(dps + GUARD_DIGITS):
        criterion = sym.theta_star_formula().compile("mpmath")(mpmath.mpf(H))
    with mpmath.workdps(dps):
        criterion = +criterion
    return EnergyThresholds(H=H, dps=dps, E_inf=e_inf, E=values, E_inf_prime=e_inf, criterion=criterion)


def scenario_criterion(H, *, dps=None):
    """``θ_{k,ξ}(−E'_∞) = ½ log(ξ''/ξ') − E'_∞²/2 + 1 − α²/(2ξ'')`` (the same for every k; derived here,
    ``mixed_criterion_formula``): the scenario is pure-like iff it is > 0 (it is ≤ M < 0 when ξ'' < ξ',
    and 0 at ξ'' = ξ', e.g. the pure 2-spin model). ``H``: an int ≥ 2 or a mixture. A float, or an mpf at
    ``dps`` digits. Pure ``H``: ``½ log(H−1) − (H−2)/H``.

    >>> round(scenario_criterion({2: 0.5, 3: 0.5}), 10)
    0.0025018146
    """
    m = as_mixture(H, name="H (a degree or a mixture {degree: a_p^2})", max_degree=MIXTURE_MAX_DEGREE)
    return _mixed_scalar(sym.mixed_criterion_formula(), m, _check_dps(dps))


def scenario_boundary(family, bracket, *, tol=1e-12) -> float:
    """The weight ``s`` in ``bracket`` where a one-parameter family of mixtures changes scenario: the zero
    of :func:`scenario_criterion` along ``s ↦ family(s)``. This answers "from how much skip does the
    picture change": pure-like (a layered band, ``E_0 > E_1 > …``) on one side, full mixture (or
    trivial) on the other.

    Args:
        family: a function of a float ``s`` returning a mixture (a mapping ``{degree: a_p²}``, a
            :class:`~polyloss.mixture.Mixture` or an int), e.g. ``lambda s: {1: s, 3: 1 - s}``.
        bracket: ``(s_lo, s_hi)``, floats where ``family`` gives a valid mixture (``{1: 1, 3: 0}`` is a
            linear field, not a spin glass); the criterion must be > 0 at one end and ≤ 0 at the other.
        tol: the bracket is bisected until it is narrower than ``tol`` (≥ 1e-15); returns its middle.

    The criterion is evaluated with mpmath at 30 digits from the exact weights, so the sign is right
    wherever ``|criterion| > 1e-25``; bisection needs only continuity in ``s``.

    >>> round(scenario_boundary(lambda s: {1: s, 3: 1 - s}, (0.0, 0.9)), 6)
    0.263331
    """
    if not callable(family):
        raise InvalidInputError(f"family must be a function of the weight s returning a mixture, got {family!r}")
    if not (isinstance(bracket, (tuple, list)) and len(bracket) == 2):
        raise InvalidInputError(f"bracket must be a pair (s_lo, s_hi), got {bracket!r}")
    lo, hi = (_validate.real(f"bracket[{i}]", b) for i, b in enumerate(bracket))
    if not lo < hi:
        raise InvalidInputError(f"bracket must satisfy s_lo < s_hi, got {bracket!r}")
    tol = _validate.real("tol", tol, minimum=1e-15)

    def criterion(sv):
        try:
            model = family(sv)
        except TypeError as error:
            raise InvalidInputError(f"family must be a function of one float s returning a mixture; family({sv!r}) "
                                    f"raised TypeError: {error}") from error
        return scenario_criterion(model, dps=30)

    def pure_like(sv):
        return criterion(sv) > 0

    at_lo, at_hi = pure_like(lo), pure_like(hi)
    if at_lo == at_hi:
        c_lo, c_hi = (float(criterion(x)) for x in (lo, hi))
        raise InvalidInputError(
            f"the family has the same scenario ({'pure-like' if at_lo else 'not pure-like'}) at both ends of "
            f"the bracket {bracket!r} (criterion {c_lo:.6g} and {c_hi:.6g}); give a bracket where it changes")
    while hi - lo > tol:
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        if pure_like(mid) == at_lo:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@functools.lru_cache(maxsize=256)
def _mixed_thresholds(m: Mixture, kmax: int, dps: int) -> EnergyThresholds:
    work = dps + GUARD_DIGITS
    first, second = _xi_fractions(m)
    roots = []
    with mpmath.workdps(work):
        x1, x2 = _mp(first), _mp(second)
        e_inf = sym.mixed_e_infinity_formula().compile("mpmath")(x1, x2)
        e_prime = sym.mixed_e_infinity_prime_formula().compile("mpmath")(x1, x2)
        criterion = sym.mixed_criterion_formula().compile("mpmath")(x1, x2)
        if _is_trivial(m):
            scenario = "trivial"
        else:
            scenario = "pure-like" if criterion > 0 else "full mixture"
            for j in range(kmax + 1):
                g = functools.partial(_mixed_level_residual, m=m, k=j)
                top = -e_inf
                step = mpmath.mpf(1) / 4
                while g(top - step) >= 0:  # θ_k → −∞ like −v²: a few doublings
                    step *= 2
                roots.append(_bracketed_root(lambda e, g=g: g(-e), e_inf, e_inf + step, work, offset=False))
    with mpmath.workdps(dps):
        return EnergyThresholds(H=m, dps=dps, E_inf=+e_inf, E=tuple(+r for r in roots), E_inf_prime=+e_prime,
                                criterion=+criterion, scenario=scenario)


def _mixed_level_residual(v, *, m, k):
    return _mixed_level(v, m, k, "mpmath")


@functools.lru_cache(maxsize=256)
def _thresholds(H: int, kmax: int, dps: int):
    f = sym.threshold_equation().compile("mpmath")
    work = dps + GUARD_DIGITS
    roots = []
    with mpmath.workdps(work):
        h = mpmath.mpf(H)
        e_inf = sym.e_infinity_formula().compile("mpmath")(h)
        upper = mpmath.sqrt(2 * (h - 1) * mpmath.log(h - 1) / (h - 2))
        for j in range(kmax + 1):
            g = functools.partial(_threshold_residual, f, h=h, k=mpmath.mpf(j))
            roots.append(_bracketed_root(g, e_inf, upper, work))
            upper = roots[-1]
    with mpmath.workdps(dps):
        return +e_inf, tuple(+r for r in roots)


def _threshold_residual(f, E, *, h, k):
    return f(E, h, k)


def _bracketed_root(g, lo, hi, work, *, offset=True):
    """The zero of ``g`` in ``(lo, hi)`` with ``g(lo) > 0 > g(hi)``, by the Anderson–Björck bracketing
    method to the working precision (``work`` digits; about 12 evaluations). ``offset``: start just
    above ``lo`` (the pure threshold equation is not smooth at ``E_∞``)."""
    # start just off lo, where sqrt(E^2 - E_inf^2) = 0 (g is continuous there, but not smooth)
    a, b = (lo + (hi - lo) * mpmath.mpf("1e-6") if offset else lo), hi
    ga, gb = g(a), g(b)
    if not (ga > 0 > gb):
        raise ArithmeticError(f"no sign change of the threshold equation on [{a}, {b}]: {ga}, {gb}")
    root = mpmath.findroot(g, (a, b), solver="anderson", tol=mpmath.eps, maxsteps=400)
    if not (a <= root <= b):  # pragma: no cover - the bracketing solver stays inside
        raise ArithmeticError(f"root {root} left its bracket [{a}, {b}]")
    return root


def _elementwise(u, one):
    """``one(u)`` for a scalar; for an array, ``one`` applied to each entry (an object array of mpf)."""
    if isinstance(u, (numbers.Real, mpmath.mpf)) and not isinstance(u, bool):
        return one(u)
    arr = np.asarray(u, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = one(arr[idx])
    return out
