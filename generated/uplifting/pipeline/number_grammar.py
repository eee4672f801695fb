# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/number_grammar.py
"""The regexes of integer and number values inside their ranges (copied where the
schema has integer or number fields)."""

import math
from decimal import Decimal

from . import grammar

# Digits after a number's decimal point (more where a bound has more). Digits are
# written [0-9]: \d would allow any Unicode digit, in Python's re and in Rust's regex.
FRACTION_DIGITS = 3
UNBOUNDED = 10**9 - 1  # a number field without a bound: at most 9 digits before the point


def integer_regex(minimum, maximum) -> str:
    """Integers in [minimum, maximum] (either may be None), written without leading zeros."""
    lo = -UNBOUNDED if minimum is None else math.ceil(minimum)
    hi = UNBOUNDED if maximum is None else math.floor(maximum)
    parts = []
    if hi >= 0:
        parts.append(_int_range(max(lo, 0), hi))
    if lo < 0:
        parts.append("-" + _int_range(max(-hi, 1), -lo))
    return grammar.alt(parts)


def _int_range(lo: int, hi: int) -> str:
    """Non-negative integers lo..hi as decimal digits (no leading zeros)."""
    parts = []
    for n in range(len(str(lo)), len(str(hi)) + 1):
        a = max(lo, 10 ** (n - 1) if n > 1 else 0)
        b = min(hi, 10**n - 1)
        if a <= b:
            parts.append(_same_length(str(a), str(b)))
    return grammar.alt(parts)


def _digits(a: str, b: str) -> str:
    return a if a == b else f"[{a}-{b}]"


def _any_digits(n: int) -> str:
    return "[0-9]" if n == 1 else "[0-9]{" + str(n) + "}"


def _same_length(a: str, b: str) -> str:
    """Digit strings s of len(a) == len(b) with a <= s <= b."""
    if a == b:
        return a
    if len(a) == 1:
        return _digits(a, b)
    if a[0] == b[0]:
        return a[0] + _same_length(a[1:], b[1:])
    rest = len(a) - 1
    if a[1:] == "0" * rest and b[1:] == "9" * rest:
        return _digits(a[0], b[0]) + _any_digits(rest)
    parts = [a[0] + _same_length(a[1:], "9" * rest)]
    if int(b[0]) - int(a[0]) > 1:
        parts.append(_digits(str(int(a[0]) + 1), str(int(b[0]) - 1)) + _any_digits(rest))
    parts.append(b[0] + _same_length("0" * rest, b[1:]))
    return grammar.alt(parts)


def number_regex(minimum, maximum) -> str:
    """Decimal numbers in [minimum, maximum], written I.F (as completions write floats):
    an integer part without leading zeros and 1..FRACTION_DIGITS fraction digits (more
    where a bound has more). A missing bound: at most 9 digits before the point."""
    lo = None if minimum is None else Decimal(repr(float(minimum)))
    hi = None if maximum is None else Decimal(repr(float(maximum)))
    digits = max([FRACTION_DIGITS] + [_places(v) for v in (lo, hi) if v is not None])
    top = (UNBOUNDED, "9" * digits)  # the largest magnitude written
    parts = []
    if hi is None or hi >= 0:
        low = (0, "0" * digits) if lo is None or lo <= 0 else _split(lo, digits)
        parts.append(_decimal_range(low, top if hi is None else _split(hi, digits)))
    if lo is None or lo < 0:
        low = (0, "0" * digits) if hi is None or hi >= 0 else _split(-hi, digits)
        parts.append("-" + _decimal_range(low, top if lo is None else _split(-lo, digits)))
    return grammar.alt(parts)


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _split(value: Decimal, digits: int) -> tuple[int, str]:
    """(integer part, fraction digits padded to ``digits``) of a non-negative value."""
    whole, _, fraction = format(value, "f").partition(".")
    return int(whole), (fraction + "0" * digits)[:digits]


def _decimal_range(low: tuple[int, str], high: tuple[int, str]) -> str:
    """Non-negative I.F from ``low`` to ``high`` ((integer part, fraction digits)), F of
    1..len(fraction) digits."""
    (i_lo, f_lo), (i_hi, f_hi) = low, high
    digits = len(f_lo)
    if i_lo == i_hi:
        return str(i_lo) + r"\." + _fraction_between(f_lo, f_hi)
    # Integer parts whose every fraction is inside, then the two ends.
    first = i_lo if f_lo == "0" * digits else i_lo + 1
    last = i_hi if f_hi == "9" * digits else i_hi - 1
    parts = []
    if first > i_lo:
        parts.append(str(i_lo) + r"\." + _fraction_between(f_lo, "9" * digits))
    if first <= last:
        parts.append(_int_range(first, last) + r"\.[0-9]{1," + str(digits) + "}")
    if last < i_hi:
        parts.append(str(i_hi) + r"\." + _fraction_between("0" * digits, f_hi))
    return grammar.alt(parts)


def _fraction_between(a: str, b: str) -> str:
    """Fraction digit strings f of 1..len(a) digits with 0.a <= 0.f <= 0.b (a, b of
    equal length, a <= b)."""
    return _between(a, b, nonempty=True)


def _between(a: str, b: str, *, nonempty: bool) -> str | None:
    """Digit strings f of (0 or 1)..len(a) digits, 0.a <= 0.f <= 0.b, as a regex;
    None when there is none."""
    n = len(a)
    zero_ok = set(a) <= {"0"}  # the empty string is 0.0
    if n == 0:
        return None if nonempty or not zero_ok else ""
    if a == "0" * n and b == "9" * n:
        return "[0-9]{" + ("1" if nonempty else "0") + "," + str(n) + "}"
    parts = []
    if a[0] == b[0]:
        rest = _between(a[1:], b[1:], nonempty=False)
        if rest is not None:
            parts.append(a[0] + rest)
    else:
        rest = _between(a[1:], "9" * (n - 1), nonempty=False)
        if rest is not None:
            parts.append(a[0] + rest)
        if int(b[0]) - int(a[0]) > 1:
            parts.append(
                _digits(str(int(a[0]) + 1), str(int(b[0]) - 1)) + "[0-9]{0," + str(n - 1) + "}"
            )
        rest = _between("0" * (n - 1), b[1:], nonempty=False)
        if rest is not None:
            parts.append(b[0] + rest)
    if not parts:
        return None
    body = grammar.alt(parts)
    return "(?:" + body + ")?" if zero_ok and not nonempty else body
