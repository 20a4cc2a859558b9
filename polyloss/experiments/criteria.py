"""Verdicts and the rules that give them, written before any number is seen.

Every claim of the paper that ``polyloss reproduce`` checks is judged by one of the rules below, and
the report prints the rule beside the verdict. The rules are code and are tested on made-up numbers,
so the wording of a verdict cannot drift towards what the numbers happen to say.

Verdict words:

* ``agrees``: the rule is met (an exact identity holds; our estimate and the paper's are equal within
  a stated test; a bound is met);
* ``trend agrees``: the paper states a trend and ours has the same sign and the same ordering;
* ``sign agrees``: the same sign (first against last) but not the same ordering at every step;
* ``disagrees``: the rule is not met;
* ``not judged``: the run is too small for the rule to mean anything (the ``smoke`` scale), or a
  number it needs is missing; the reason is given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Verdict", "exact", "inside_interval", "same_correlation", "at_most", "at_least", "decreasing", "increasing",
           "not_judged", "WORDS"]

WORDS = ("agrees", "trend agrees", "sign agrees", "disagrees", "not judged")


@dataclass(frozen=True)
class Verdict:
    """A verdict ``word`` (one of :data:`WORDS`), the ``criterion`` that gave it, and what it saw."""

    word: str
    criterion: str
    detail: str = ""

    def __post_init__(self):
        if self.word not in WORDS:
            raise ValueError(f"verdict must be one of {WORDS}, got {self.word!r}")

    @property
    def agrees(self) -> bool | None:
        """True for agrees / trend agrees, False for sign agrees / disagrees, None when not judged."""
        if self.word == "not judged":
            return None
        return self.word in ("agrees", "trend agrees")

    def __str__(self) -> str:
        return f"{self.word} ({self.criterion}{'; ' + self.detail if self.detail else ''})"


def not_judged(criterion: str, reason: str) -> Verdict:
    return Verdict("not judged", criterion, reason)


def exact(holds: bool, identity: str) -> Verdict:
    """An identity checked exactly (symbolically, or to a stated floating-point tolerance)."""
    return Verdict("agrees" if holds else "disagrees", f"exact: {identity}")


def inside_interval(paper_value: float, low: float, high: float, *, what: str = "our 95% interval") -> Verdict:
    """Agrees when the paper's value lies inside ``[low, high]``."""
    criterion = f"agrees if the paper's value lies inside {what}"
    if not all(map(math.isfinite, (paper_value, low, high))):
        return not_judged(criterion, "the interval is undefined")
    inside = low <= paper_value <= high
    return Verdict("agrees" if inside else "disagrees", criterion,
                   f"paper {paper_value:.4g} {'in' if inside else 'outside'} [{low:.4g}, {high:.4g}]")


def same_correlation(r: float, n: int, paper_r: float, paper_n: int, *, max_stderr: float = 0.1) -> Verdict:
    """Two correlations, ours from ``n`` pairs and the paper's from ``paper_n``, tested for equality.

    Both are estimates: with Fisher's ``z = atanh r``, ``z - z_paper`` has standard error
    ``s = √(1/(n−3) + 1/(paper_n−3))``; they agree when ``|z − z_paper| ≤ 1.96 s`` (a two-sided 5% test).
    When ``s > max_stderr`` (fewer than about 110 networks against the paper's 1000) the test cannot tell
    apart correlations that differ by much, and the claim is not judged rather than "agreeing" by ignorance.
    """
    criterion = ("agrees if our r and the paper's are equal within a two-sided 5% test on Fisher's z "
                 f"(|atanh r − atanh r_paper| ≤ 1.96·√(1/(n−3) + 1/(n_paper−3))); not judged when that standard "
                 f"error exceeds {max_stderr:g}")
    if n <= 3 or paper_n <= 3 or not (abs(r) < 1 and abs(paper_r) < 1):
        return not_judged(criterion, "too few networks or |r| = 1")
    s = math.sqrt(1.0 / (n - 3) + 1.0 / (paper_n - 3))
    z = (math.atanh(r) - math.atanh(paper_r)) / s
    detail = f"z difference {z:+.2f} standard errors (s = {s:.3f}; n = {n}, n_paper = {paper_n})"
    if s > max_stderr:
        return not_judged(criterion, detail + ": too few networks to tell")
    return Verdict("agrees" if abs(z) <= 1.959964 else "disagrees", criterion, detail)


def at_most(value: float, bound: float, *, what: str) -> Verdict:
    """Agrees when ``value ≤ bound``."""
    criterion = f"agrees if {what} ≤ {bound:g}"
    if not math.isfinite(value):
        return not_judged(criterion, f"{what} is undefined")
    return Verdict("agrees" if value <= bound else "disagrees", criterion, f"{what} = {value:.4g}")


def at_least(value: float, bound: float, *, what: str) -> Verdict:
    """Agrees when ``value ≥ bound``."""
    criterion = f"agrees if {what} ≥ {bound:g}"
    if not math.isfinite(value):
        return not_judged(criterion, f"{what} is undefined")
    return Verdict("agrees" if value >= bound else "disagrees", criterion, f"{what} = {value:.4g}")


def _trend(xs, ys, *, what: str, along: str, sign: int) -> Verdict:
    direction = "decreases" if sign < 0 else "increases"
    criterion = (f"trend agrees if {what} {direction} at every step along {along}; sign agrees if only the "
                 f"last is {'below' if sign < 0 else 'above'} the first (point estimates)")
    pairs = sorted(zip(xs, ys))
    values = [float(y) for _, y in pairs]
    if len(values) < 2 or not all(map(math.isfinite, values)):
        return not_judged(criterion, "fewer than two finite values")
    steps = [sign * (b - a) > 0 for a, b in zip(values, values[1:])]
    shown = ", ".join(f"{x}: {y:.4g}" for x, y in pairs)
    if all(steps):
        return Verdict("trend agrees", criterion, shown)
    if sign * (values[-1] - values[0]) > 0:
        return Verdict("sign agrees", criterion, shown)
    return Verdict("disagrees", criterion, shown)


def decreasing(xs, ys, *, what: str, along: str) -> Verdict:
    """The paper says ``what`` falls as ``along`` grows: strict at every step, or only end to end."""
    return _trend(xs, ys, what=what, along=along, sign=-1)


def increasing(xs, ys, *, what: str, along: str) -> Verdict:
    """The paper says ``what`` grows as ``along`` grows."""
    return _trend(xs, ys, what=what, along=along, sign=+1)
