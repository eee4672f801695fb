"""Refuse regular expressions that can backtrack for exponential time.

Python's ``re`` backtracks: when a repeated group can match the same text in more than
one way, a failing search tries every way, 2**n of them for n repetitions
(``(a+)+``, ``(a|aa)*``, ``(\\w|\\d)+``, ``(\\s*,\\s*)*``). The check below parses the
pattern (``re._parser``, the parser ``re.compile`` uses) and asks, for every choice a
backtracking loop's body makes (an alternation, an optional part, a quantifier's
"once more or go on"), whether the next character decides it. If the sets of
characters that can come first on each side of a choice meet, the pattern is refused.
That is stricter than needed (``(ab|ac)*`` is refused, ``a(b|c)`` is not), never laxer
for the patterns above. Choices that atomic groups, possessive quantifiers and
lookarounds commit to are not counted: ``(?>\\w+\\s?)+`` and ``(\\w++\\s?)+`` pass.

Character sets are compared on a sample alphabet: the first 768 code points, letters,
digits and spaces of other scripts, and every character the pattern names.
"""

from __future__ import annotations

import re
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

_SAMPLES = "ßéøıſ\u00a0\u2028\u3000中文한글Ωωжд٣४๓ｆ１"
_CATEGORIES = {
    C.CATEGORY_DIGIT: re.compile(r"\d"),
    C.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
    C.CATEGORY_SPACE: re.compile(r"\s"),
    C.CATEGORY_NOT_SPACE: re.compile(r"\S"),
    C.CATEGORY_WORD: re.compile(r"\w"),
    C.CATEGORY_NOT_WORD: re.compile(r"\W"),
}
_LOOPING = (C.MAX_REPEAT, C.MIN_REPEAT)

REPEAT_PROBLEM = (
    "a quantifier inside a repeated group can match the same text in more than one way, "
    r"like (a+)+ or (\s*,\s*)*, which takes exponential time on some text; simplify the "
    "pattern, or make the quantifier possessive (a++) or the group atomic ((?>...))"
)
BRANCH_PROBLEM = (
    "alternatives inside a repeated group can start with the same character, "
    r"like (a|aa)* or (\w|\d)+, which takes exponential time on some text; make them "
    "start differently (a(b|c) for (ab|ac)) or the group atomic ((?>...))"
)


class _Unsafe(Exception):
    pass


class _Checker:
    def __init__(self, pattern: str, parsed) -> None:
        chars = set(map(chr, range(768))) | set(_SAMPLES) | set(pattern)
        chars |= set(_named_chars(parsed))
        self.ignorecase = bool(parsed.state.flags & re.IGNORECASE) or _has_ignorecase(parsed)
        self.alphabet = frozenset(chars)

    # -- which characters can come first

    def atom(self, op, av) -> frozenset:
        if op is C.LITERAL:
            return frozenset(chr(av))
        if op is C.NOT_LITERAL:
            return self.alphabet - {chr(av)}
        if op is C.ANY:
            return self.alphabet
        if op is C.IN:
            return frozenset(c for c in self.alphabet if _in_set(c, av))
        return self.alphabet  # anything else that consumes text: assume any character

    def first(self, items) -> tuple[frozenset, bool]:
        """Characters a match of ``items`` can start with, and whether it can be empty."""
        chars: frozenset = frozenset()
        for op, av in items:
            start, empty = self.first_of(op, av)
            chars |= start
            if not empty:
                return chars, False
        return chars, True

    def first_of(self, op, av) -> tuple[frozenset, bool]:
        if op in _LOOPING or op is C.POSSESSIVE_REPEAT:
            start, empty = self.first(av[2])
            return start, empty or av[0] == 0
        if op is C.SUBPATTERN:
            return self.first(av[3])
        if op is C.ATOMIC_GROUP:
            return self.first(av)
        if op is C.BRANCH:
            firsts = [self.first(alt) for alt in av[1]]
            return frozenset().union(*(f for f, _ in firsts)), any(e for _, e in firsts)
        if op is C.GROUPREF_EXISTS:
            yes, no = self.first(av[1]), self.first(av[2] or [])
            return yes[0] | no[0], yes[1] or no[1]
        if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
            return frozenset(), True
        if op is C.GROUPREF:
            return self.alphabet, True
        return self.atom(op, av), False

    def meet(self, a: frozenset, b: frozenset) -> bool:
        if self.ignorecase:
            a, b = {c.lower() for c in a}, {c.lower() for c in b}
        return not a.isdisjoint(b)

    # -- every choice a backtracking loop makes must be decided by the next character

    def check(self, items, follow: frozenset, in_loop: bool) -> None:
        for i, (op, av) in enumerate(items):
            rest, rest_empty = self.first(items[i + 1 :])
            after = rest | follow if rest_empty else rest
            if op in _LOOPING:
                low, high, body = av
                start, empty = self.first(body)
                if in_loop and low < high and (empty or self.meet(start, after)):
                    raise _Unsafe(REPEAT_PROBLEM)
                loops = high > 1
                # In a loop, a body's last choice is followed by the body again, and,
                # inside an outer loop, by what follows this loop there.
                inner = (start | after if in_loop else start) if loops else after
                self.check(body, inner, in_loop or loops)
            elif op is C.BRANCH:
                alts = av[1]
                if in_loop:
                    seen: frozenset = frozenset()
                    for alt in alts:
                        start, empty = self.first(alt)
                        if empty:
                            start = start | after
                        if self.meet(start, seen):
                            raise _Unsafe(BRANCH_PROBLEM)
                        seen = seen | start
                for alt in alts:
                    self.check(alt, after, in_loop)
            elif op is C.SUBPATTERN:
                self.check(av[3], after, in_loop)
            elif op is C.GROUPREF_EXISTS:
                self.check(av[1], after, in_loop)
                self.check(av[2] or [], after, in_loop)
            elif op is C.ATOMIC_GROUP:
                self.check(av, frozenset(), False)
            elif op is C.POSSESSIVE_REPEAT:
                self.check(av[2], frozenset(), False)
            elif op in (C.ASSERT, C.ASSERT_NOT):
                self.check(av[1], frozenset(), False)


def _in_set(char: str, items) -> bool:
    code = ord(char)
    negate = False
    hit = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            hit = hit or code == av
        elif op is C.RANGE:
            hit = hit or av[0] <= code <= av[1]
        elif op is C.CATEGORY:
            pattern = _CATEGORIES.get(av)
            hit = hit or pattern is None or bool(pattern.match(char))
        else:  # an item kind this module does not know: assume it matches
            hit = True
    return hit != negate


def _walk(items):
    """Every (op, av) of a parsed pattern, nested ones included."""
    for op, av in items:
        yield op, av
        if op in _LOOPING or op is C.POSSESSIVE_REPEAT:
            yield from _walk(av[2])
        elif op is C.SUBPATTERN:
            yield from _walk(av[3])
        elif op is C.ATOMIC_GROUP:
            yield from _walk(av)
        elif op is C.BRANCH:
            for alt in av[1]:
                yield from _walk(alt)
        elif op is C.GROUPREF_EXISTS:
            yield from _walk(av[1])
            yield from _walk(av[2] or [])
        elif op in (C.ASSERT, C.ASSERT_NOT):
            yield from _walk(av[1])


def _named_chars(parsed):
    for op, av in _walk(parsed):
        if op in (C.LITERAL, C.NOT_LITERAL):
            yield chr(av)
        elif op is C.IN:
            for item_op, item_av in av:
                if item_op is C.LITERAL:
                    yield chr(item_av)
                elif item_op is C.RANGE:
                    yield chr(item_av[0])
                    yield chr(item_av[1])


def _has_ignorecase(parsed) -> bool:
    return any(op is C.SUBPATTERN and av[1] & re.IGNORECASE for op, av in _walk(parsed))


def exponential_problem(pattern: str) -> str | None:
    """Why ``pattern`` (already known to compile) can take exponential time; None if not."""
    parsed = _parser.parse(pattern)
    try:
        _Checker(pattern, parsed).check(list(parsed), frozenset(), False)
    except _Unsafe as exc:
        return str(exc)
    return None
