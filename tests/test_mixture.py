"""polyloss.mixture: the weights of ξ, validated at the boundary, and ξ's derivatives at 1 checked
against sympy's differentiation of the exact expression (independent of the closed sums)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
import sympy

from polyloss.errors import InvalidInputError
from polyloss.mixture import MAX_DEGREE, Mixture, as_mixture

MIXTURES = [{2: 0.5, 3: 0.5}, {1: Fraction(1, 4), 3: Fraction(3, 4)}, {2: 0.2, 3: 0.3, 4: 0.5}, {3: 1}]


@pytest.mark.parametrize("weights", MIXTURES)
def test_derivatives_at_one_match_sympy(weights):
    m = as_mixture(weights)
    x = sympy.Symbol("x")
    xi = m.xi_expr(x)
    assert xi.subs(x, 1) == 1
    d1 = sympy.diff(xi, x).subs(x, 1)
    d2 = sympy.diff(xi, x, 2).subs(x, 1)
    assert m.xi1 == pytest.approx(float(d1), rel=1e-15)
    assert m.xi2 == pytest.approx(float(d2), rel=1e-15)
    assert m.alpha2 == pytest.approx(float(d2 + d1 - d1 ** 2), abs=1e-14)
    # α² is the variance of the degree under the weights: 0 exactly for a pure model
    mean = sum(p * w for p, w in m.as_dict().items())
    assert m.alpha2 == pytest.approx(sum((p - mean) ** 2 * w for p, w in m.as_dict().items()), abs=1e-14)
    assert (m.alpha2 == 0) == m.is_pure
    assert m.xi(0.3) == pytest.approx(float(xi.subs(x, sympy.Rational(3, 10))), rel=1e-14)


def test_int_is_the_pure_model():
    m = as_mixture(3)
    assert m.is_pure and m.degree == 3 and m.xi1 == 3 and m.xi2 == 6 and m.alpha2 == 0
    assert m == as_mixture({3: 1.0}) == Mixture.pure(3)
    assert str(m) == "3" and repr(m) == "Mixture.pure(3)"
    with pytest.raises(InvalidInputError, match="not a pure degree"):
        as_mixture({2: 0.5, 3: 0.5}).degree


@pytest.mark.parametrize("text, expected", [
    ("2:0.5,3:0.5", {2: 0.5, 3: 0.5}),
    (" 1:1/4 , 3:3/4 ", {1: 0.25, 3: 0.75}),
    ("4", {4: 1.0}),
])
def test_parse_reads_what_text_prints(text, expected):
    m = Mixture.parse(text)
    assert m.as_dict() == expected
    assert Mixture.parse(m.text()) == m


def test_amplitudes_square_to_weights_and_order_is_by_degree():
    m = as_mixture({4: 0.5, 2: 0.25, 3: 0.25})
    assert m.degrees == (2, 3, 4) and m.max_degree == 4
    assert all(math.isclose(a * a, m.weight(p)) for p, a in m.amplitudes().items())
    assert m.weight(5) == 0.0


def test_latex_is_exact():
    assert as_mixture({2: 0.5, 3: 0.5}).latex() == r"\tfrac{1}{2}\,x^{2} + \tfrac{1}{2}\,x^{3}"
    assert as_mixture({1: Fraction(1, 3), 2: Fraction(2, 3)}).latex("q") == r"\tfrac{1}{3}\,q + \tfrac{2}{3}\,q^{2}"


@pytest.mark.parametrize("bad, message", [
    ({}, "empty mapping"),
    ({2: 0.4}, "sum to 1"),
    ({2: 0.5, 3: 0.5 + 1e-6}, "sum to 1"),
    ({2: Fraction(1, 3), 3: Fraction(1, 3)}, "sum to 1"),
    ({0: 1}, "degree 0"),
    ({MAX_DEGREE + 1: 1}, f"degree {MAX_DEGREE + 1}"),
    ({2.0: 1}, "degree 2.0"),
    ({True: 1}, "degree True"),
    ({2: -0.5, 3: 1.5}, "-0.5"),
    ({2: float("nan"), 3: 1}, "finite"),
    ({2: "0.5", 3: 0.5}, "'0.5'"),
    ({1: 1}, "degree >= 2"),
    ({2: 0, 3: 0}, "positive"),
    (1, "got 1"),
    (3.0, "got 3.0"),
    ("2:0.5", "got '2:0.5'"),
    (None, "got None"),
])
def test_bad_mixtures_are_refused(bad, message):
    with pytest.raises(InvalidInputError, match="H") as info:
        as_mixture(bad)
    assert message in str(info.value)


@pytest.mark.parametrize("bad, message", [
    ("", "text such as"),
    ("2:0.5;3:0.5", "could not read"),
    ("2:0.5,2:0.5", "twice"),
    ("2:x,3:0.5", "'x'"),
    ("2:1/0,3:1", "'1/0'"),
])
def test_bad_text_is_refused(bad, message):
    with pytest.raises(InvalidInputError, match="xi") as info:
        Mixture.parse(bad)
    assert message in str(info.value)


@pytest.mark.parametrize("value", [3, {2: 0.5, 3: 0.5}, {1: Fraction(4, 25), 2: Fraction(12, 25), 3: Fraction(9, 25)}])
def test_configuration_value_round_trips_through_json(value):
    import json

    m = as_mixture(value)
    saved = json.loads(json.dumps(m.to_config()))
    assert saved == 3 if m.is_pure else isinstance(saved, dict)
    back = Mixture.from_config(saved)
    assert back.as_dict() == m.as_dict()


def test_configuration_value_with_a_bad_degree_is_refused():
    with pytest.raises(InvalidInputError, match="degrees must be integers"):
        Mixture.from_config({"two": 0.5, "3": 0.5})


@pytest.mark.parametrize("weights, message", [
    (((2, 0.7), (3, 0.7)), "sum to 1"),
    (((3, 0.5),), "sum to 1"),
    (((0, 1.0), (2, 0.0)), "degree 0"),
    (((3, 0.5), (2, 0.5)), "sorted"),
    (((2, 0.5), (2, 0.5)), "sorted"),
    ([(2, 0.5), (3, 0.5)], "sorted"),
    ((), "sorted"),
])
def test_a_mixture_object_is_valid_by_construction(weights, message):
    with pytest.raises(InvalidInputError, match="as_mixture") as info:
        Mixture(weights)
    assert message in str(info.value)


@pytest.mark.parametrize("value", [{2: Fraction(10 ** 400), 3: 1}, {2: 1e308, 3: 1e308}, {2: 10 ** 5000, 3: 0}])
def test_huge_weights_are_refused_before_any_sum(value):
    with pytest.raises(InvalidInputError, match="must be <= 1") as info:
        as_mixture(value)
    assert len(str(info.value)) < 400


def test_text_and_mapping_give_equal_mixtures_and_exact_weights_read_decimals():
    text, mapping = Mixture.parse("2:0.1,3:0.9"), as_mixture({2: 0.1, 3: 0.9})
    assert text == mapping
    assert mapping.exact_weights() == ((2, Fraction(1, 10)), (3, Fraction(9, 10)))
    assert mapping.xi_expr() == sympy.Rational(1, 10) * sympy.Symbol("x") ** 2 + sympy.Rational(9, 10) * sympy.Symbol("x") ** 3
    assert mapping.xi1 == 2.9 and mapping.alpha2 == pytest.approx(0.09, abs=1e-16)


def test_fraction_weights_survive_the_configuration_exactly():
    import json

    m = as_mixture({1: Fraction(4, 25), 2: Fraction(12, 25), 3: Fraction(9, 25)})
    back = Mixture.from_config(json.loads(json.dumps(m.to_config())))
    assert back == m and back.exact_weights() == m.exact_weights()


def test_max_degree_is_the_callers_limit():
    with pytest.raises(InvalidInputError, match=f"1..{MAX_DEGREE}"):
        as_mixture({3: 0.5, 30: 0.5})
    m = as_mixture({3: 0.5, 30: 0.5}, max_degree=50)
    assert m.max_degree == 30
    assert as_mixture(m, max_degree=50) is m
    with pytest.raises(InvalidInputError, match=f"1..{MAX_DEGREE}"):
        as_mixture(m)  # a valid object above this caller's limit


def test_parse_takes_the_callers_max_degree():
    assert Mixture.parse("3:0.5,30:0.5", max_degree=50).max_degree == 30
    with pytest.raises(InvalidInputError, match="1..20"):
        Mixture.parse("3:0.5,30:0.5")


@pytest.mark.parametrize("value", [{3: 1.0, 4: 1e-17}, {2: 1e-300, 3: 1 - 1e-300}, {2: 1 / 3, 3: 2 / 3}])
def test_float_weights_within_the_tolerance_give_xi_one_and_a_variance_not_below_zero(value):
    """Float weights summing to 1 only within the tolerance: the exact weights are divided by their sum, so
    ξ(1) = 1 and α² ≥ 0 exactly (α² of {3: 1.0, 4: 1e-17} read without it is −8e-17)."""
    m = as_mixture(value)
    assert sum(w for _, w in m.exact_weights()) == 1
    assert m.xi_expr().subs(sympy.Symbol("x"), 1) == 1
    assert m.alpha2 >= 0
