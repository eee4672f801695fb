# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/test_number_grammar.py
"""The regexes of integer and number values (pipeline/number_grammar.py), for any range
and not only this project's own: a value is allowed exactly when it lies inside the
range, written as completions write it (no leading zeros; a number with 1 to 3 digits
after its point)."""

import re
from decimal import Decimal

import pytest

from pipeline.number_grammar import integer_regex, number_regex

INTEGER_RANGES = [(0, 10), (-7, 12), (15, 250), (0, 999), (-1000, -3), (None, 5), (3, None)]
NUMBER_RANGES = [(0, 1), (-2.5, 3.75), (0.125, 10), (-1, 0), (-3.5, -0.25), (None, 1.5), (2, None)]


def near(bounds) -> set[Decimal]:
    """Values on both sides of each bound, in steps of 0.001, 0.1 and 1, and around 0."""
    values = {Decimal(k) for k in range(-30, 31)}
    for bound in (b for b in bounds if b is not None):
        b = Decimal(repr(float(bound)))
        for step in ("0.001", "0.1", "1", "10"):
            values |= {b + k * Decimal(step) for k in range(-25, 26)}
    return values


@pytest.mark.parametrize(("lo", "hi"), INTEGER_RANGES)
def test_an_integer_is_allowed_exactly_inside_its_range(lo, hi):
    regex = re.compile(integer_regex(lo, hi))
    for value in {int(v) for v in near((lo, hi))}:
        inside = (lo is None or value >= lo) and (hi is None or value <= hi)
        assert bool(regex.fullmatch(str(value))) == inside, value
    assert not regex.fullmatch("007") and not regex.fullmatch("+5") and not regex.fullmatch("")


@pytest.mark.parametrize(("lo", "hi"), NUMBER_RANGES)
def test_a_number_is_allowed_exactly_inside_its_range(lo, hi):
    regex = re.compile(number_regex(lo, hi))
    for value in near((lo, hi)):
        inside = (lo is None or value >= Decimal(str(lo))) and (
            hi is None or value <= Decimal(str(hi))
        )
        for places in (1, 2, 3):
            text = f"{value:.{places}f}"
            if Decimal(text) != value:
                continue  # more digits than this writing has
            assert bool(regex.fullmatch(text)) == inside, text
    assert not regex.fullmatch("1") and not regex.fullmatch("01.5") and not regex.fullmatch(".5")
