"""The rules that give the report's verdicts, on made-up numbers (they are fixed before any result is seen)."""

from __future__ import annotations

import math

import pytest

from polyloss.experiments import criteria as C


def test_exact_identities():
    assert C.exact(True, "x = x").word == "agrees" and C.exact(True, "x = x").agrees is True
    v = C.exact(False, "x = y")
    assert v.word == "disagrees" and v.agrees is False and "exact: x = y" in str(v)


@pytest.mark.parametrize("paper, low, high, word", [(0.76, 0.72, 0.79, "agrees"), (0.76, 0.77, 0.80, "disagrees"),
                                                    (0.72, 0.72, 0.79, "agrees"), (0.5, math.nan, 0.6, "not judged")])
def test_inside_interval(paper, low, high, word):
    v = C.inside_interval(paper, low, high)
    assert v.word == word
    assert "paper's value lies inside our 95% interval" in v.criterion


def test_bounds():
    assert C.at_most(0.009, 0.01, what="mean index").word == "agrees"
    assert C.at_most(0.011, 0.01, what="mean index").word == "disagrees"
    assert C.at_least(0.9, 0.9, what="fraction").word == "agrees"
    assert C.at_least(0.89, 0.9, what="fraction").word == "disagrees"
    assert C.at_most(math.nan, 1, what="x").word == "not judged"


def test_trends_strict_partial_and_wrong():
    xs = [25, 50, 100, 250, 500]
    assert C.decreasing(xs, [5, 4, 3, 2, 1], what="v", along="Λ").word == "trend agrees"
    assert C.decreasing(xs, [5, 4, 4.5, 2, 1], what="v", along="Λ").word == "sign agrees"
    assert C.decreasing(xs, [1, 2, 3, 4, 5], what="v", along="Λ").word == "disagrees"
    assert C.decreasing(xs, [5, 4, 3, 2, 5], what="v", along="Λ").word == "disagrees"  # ends level: not lower
    # the order of the inputs does not matter: they are sorted by x
    assert C.decreasing(xs[::-1], [1, 2, 3, 4, 5], what="v", along="Λ").word == "trend agrees"
    assert C.increasing(xs, [1, 2, 3, 4, 5], what="v", along="Λ").word == "trend agrees"
    assert C.decreasing([1], [1], what="v", along="Λ").word == "not judged"
    v = C.decreasing(xs, [5, 4, 3, 2, 1], what="the spread", along="Λ")
    assert "the spread decreases at every step along Λ" in v.criterion and "500: 1" in v.detail


def test_verdict_words_are_checked():
    with pytest.raises(ValueError):
        C.Verdict("roughly", "x")
    assert C.not_judged("rule", "too small").agrees is None
