"""The filled literal blocks of schema.py (py_rows): the same values as py_literal writes,
lines within the width wherever an atom allows, and kept as they are by ruff format."""

from __future__ import annotations

import ast
import subprocess

import pytest

from distillgen.render import _ruff_bin, py_literal, py_rows

HOSTILE = [
    {"name": "plain", "type": "categorical", "values": ["a", "b"]},
    {"name": "quotes", "description": "it's \"quoted\" and it's not", "values": ['"', "'"]},
    {"name": "escapes", "description": "back\\slash\nnew line\ttab\u2028sep \x00 nul"},
    {"name": "unicode", "description": "Gaëa — ünïcödé 詩", "values": ["é", "ß"]},
    {"name": "empty", "values": [], "nested": {}},
    {"name": "numbers", "minimum": -1.5, "maximum": 1e-07, "allow_na": True, "path": None},
    {
        "name": "long",
        "values": [f"value_number_{i}" for i in range(40)],
        "description": "a description far longer than one line of one hundred characters, "
        "which cannot be split and so stays on a line of its own",
        "nested": {"deep": [[1, 2, 3] * 12, {"k": "v" * 30}], "more": list(range(30))},
    },
]


@pytest.mark.parametrize("indent", [4, 8, 16])
def test_rows_are_the_same_values_as_the_plain_literal(indent):
    text = py_rows(HOSTILE, indent)
    assert ast.literal_eval(text) == HOSTILE == ast.literal_eval(py_literal(HOSTILE))


@pytest.mark.parametrize("indent", [4, 8])
def test_lines_fit_the_width_unless_one_atom_is_wider(indent):
    text = py_rows(HOSTILE, indent, width=100)
    long_lines = [line for line in text.splitlines() if len(line) > 100]
    # Only the long description overflows: a string is never split.
    assert len(long_lines) == 1
    assert long_lines[0].strip().startswith('"description": "a description far longer')
    assert text.count("\n" + " " * indent + "{") == len(HOSTILE)  # a row per line at indent
    assert text.splitlines()[0] == "["


def test_a_row_that_fits_stays_on_one_line():
    assert py_rows([{"name": "a", "type": "string"}], 8) == (
        '[\n        {"name": "a", "type": "string"},\n    ]'
    )


def test_quotes_follow_ruff(tmp_path):
    """Inside # fmt: off ruff does not normalise quotes, so the block writes them as ruff
    would outside it; and ruff format leaves the block unchanged."""
    source = (
        "# fmt: off\nFIELDS = [\n    {**spec}\n    for spec in "
        + py_rows(HOSTILE, 8)
        + "\n]\n# fmt: on\n"
    )
    path = tmp_path / "schema.py"
    path.write_text(source, encoding="utf-8")
    subprocess.run([_ruff_bin(), "format", "--no-cache", "--quiet", str(path)], check=True)
    assert path.read_text(encoding="utf-8") == source
    assert '"it\'s \\"quoted\\" and it\'s not"' not in source
    assert "'it\\'s \"quoted\" and it\\'s not'" in source  # both kinds: repr's own escape
