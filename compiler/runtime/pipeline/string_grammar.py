# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/string_grammar.py
"""The regex of a string field's value (copied where the schema has string fields):
one line the parser reads back as that string, never as not-applicable."""

import re

from . import grammar
from .labels import NA_FORMS

# Characters a string value may hold: none that ends a line for str.splitlines (the
# key_value parser splits on them), no other control character; in JSON, no quote or
# backslash either (they would need escapes). A value starts and ends with a non-space.
_TEXT_EXCLUDED = (
    "\\x00-\\x1f\\x7f\x85\u2028\u2029"  # line ends and control characters
    "\xa0\u1680\u2000-\u200a\u202f\u205f\u3000"  # spaces other than " " (left out)
)
_JSON_EXCLUDED = _TEXT_EXCLUDED + '"\\\\'
_SPACES = " "


def string_regex(how: str) -> str:
    """One line of 1..string_cap() characters, without spaces around it (the parser
    strips them), that is not a not-applicable form ("n/a", "none", ...: the parser
    reads those as not-applicable, and a string field then fails)."""
    body = _string_body(_JSON_EXCLUDED if how == "json" else _TEXT_EXCLUDED, grammar.string_cap())
    return '"' + body + '"' if how == "json" else body


def _string_body(excluded: str, cap: int) -> str:
    """Strings of 1..cap characters (none of ``excluded``), first and last not a space,
    whose case-folded text is not one of NA_FORMS. Built on the trie of the forms: at
    each node the string ends (where no form ends), leaves the trie with a character
    no form continues with, or follows a form one more character."""
    trie: dict = {}
    for form in sorted(f for f in NA_FORMS if f):
        node = trie
        for ch in form:
            node = node.setdefault(ch, {})
        node[""] = {}  # a form ends here
    char = "[^" + excluded + "]"
    solid = "[^" + excluded + _SPACES + "]"

    def rest_after(used: int, space: bool) -> str | None:
        """What may follow once the string has left the trie with ``used`` characters,
        the last a space or not: more characters, ending in a non-space."""
        room = cap - used
        if room <= 0:
            return None if space else ""
        more = (char + "{0," + str(room - 1) + "}" if room > 1 else "") + solid
        return more if space else "(?:" + more + ")?"

    def walk(node: dict, depth: int, last_space: bool) -> str | None:
        options = []
        if depth and "" not in node and not last_space:
            options.append("")
        if depth < cap:
            nexts = [ch for ch in node if ch]
            spelled = {ch: _spellings(ch) for ch in nexts}
            taken = "".join(_class_char(c) for ch in nexts for c in spelled[ch])
            options.append("[^" + excluded + _SPACES + taken + "]" + rest_after(depth + 1, False))
            spaces = [c for c in _SPACES if not any(c in spelled[ch] for ch in nexts)]
            after_space = rest_after(depth + 1, True)
            if depth and spaces and after_space is not None:
                options.append("[" + "".join(spaces) + "]" + after_space)
            for ch in nexts:
                if (depth == 0 and ch in _SPACES) or re.fullmatch(char, ch) is None:
                    continue
                rest = walk(node[ch], depth + 1, ch in _SPACES)
                if rest is None:
                    continue
                forms = spelled[ch]
                head = (
                    grammar.escape(ch)
                    if len(forms) == 1
                    else "[" + "".join(map(_class_char, forms)) + "]"
                )
                options.append(head + rest)
        real = [o for o in options if o]
        if not real:
            return "" if options else None
        body = real[0] if len(real) == 1 else "(?:" + "|".join(real) + ")"
        return "(?:" + body + ")?" if "" in options else body

    return walk(trie, 0, False)


def _spellings(ch: str) -> list[str]:
    """The characters that case-fold to ``ch`` (for "n": "N" and "n")."""
    found = {ch, ch.upper(), ch.lower(), *_FOLDS.get(ch, "")}
    return sorted(c for c in found if len(c) == 1 and c.casefold() == ch)


# Characters beyond the plain upper/lower pair that case-fold to an ASCII letter.
_FOLDS = {"k": "\u212a", "s": "\u017f"}


def _class_char(ch: str) -> str:
    """A character inside [...], escaped where it would mean something there."""
    return "\\" + ch if ch in "\\]^-[&~" else ch
