"""parse(render(labels)) == labels for every label value the schema accepts, in both
completion formats; and the parser never raises, whatever it is given."""

from __future__ import annotations

import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import FIXTURES, build_into, load_generated

FORMATS = ["key_value", "json"]


@pytest.fixture(scope="module", params=FORMATS)
def project(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(f"spec-{request.param}")
    shutil.copytree(FIXTURES / "mini" / "data", base / "data")
    text = (FIXTURES / "mini" / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("completion_format: key_value", f"completion_format: {request.param}")
    (base / "mini.yaml").write_text(text, encoding="utf-8")
    build_into(base / "mini.yaml", base / "out")
    mods = load_generated(base / "out")
    assert mods["schema"].COMPLETION_FORMAT == request.param
    return mods


def raw_value(field):
    weird = st.text(max_size=40)
    na = st.sampled_from([None, "", "N/A", "n/a", "none"])
    kind = field["type"]
    if kind == "categorical":
        values = st.sampled_from(field["values"])
        return st.one_of(values, values.map(str.upper), values.map(lambda v: f"  {v} "), weird, na)
    if kind == "string":
        return st.one_of(weird, st.text(min_size=1), na)
    if kind == "integer":
        return st.one_of(st.integers(-10, 10), st.integers(), weird, st.floats(), na)
    if kind == "number":
        return st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(), weird, na)
    return st.one_of(st.booleans(), st.sampled_from(["yes", "No", "TRUE", "0", "maybe"]), na)


@st.composite
def raw_rows(draw, schema):
    return {f["name"]: draw(raw_value(f)) for f in schema.FIELDS}


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_accepted_labels_round_trip(project, data):
    schema, labels, parse = project["schema"], project["labels"], project["parse"]
    row = data.draw(raw_rows(schema))
    values, problems = labels.check_labels(row)
    if problems:
        return
    completion = labels.render_completion(values)
    back = parse.parse(completion)
    assert back.status == parse.PARSED, (completion, back.problems)
    assert back.values == values
    for name, value in values.items():
        assert type(back.values[name]) is type(value)


def test_every_type_is_accepted_somewhere(project):
    """The property above is not vacuous: typical rows are accepted."""
    labels = project["labels"]
    values, problems = labels.check_labels(
        {"sentiment": "Positive", "topic": "a: b", "stars": 5, "score": 0.1, "sarcastic": "yes"}
    )
    assert problems == []
    assert values == {
        "sentiment": "positive",
        "topic": "a: b",
        "stars": 5,
        "score": 0.1,
        "sarcastic": True,
    }


@settings(
    max_examples=600, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.one_of(st.text(), st.binary().map(lambda b: b.decode("latin-1"))))
def test_parser_never_raises_on_arbitrary_text(project, text):
    parse = project["parse"]
    result = parse.parse(text)
    assert result.status in (parse.PARSED, parse.PARTIAL, parse.UNPARSEABLE)
    if result.status == parse.PARSED:
        assert not result.problems
    else:
        assert result.problems


@st.composite
def near_misses(draw, schema, labels):
    values = {}
    for f in schema.FIELDS:
        if f["type"] == "categorical":
            values[f["name"]] = draw(st.sampled_from(f["values"]))
        elif f["type"] == "string":
            values[f["name"]] = draw(
                st.text(alphabet="abc xyz", min_size=1, max_size=8).map(str.strip).filter(bool)
            )
        elif f["type"] == "integer":
            values[f["name"]] = draw(st.integers(1, 5))
        elif f["type"] == "number":
            values[f["name"]] = draw(st.floats(0, 1))
        else:
            values[f["name"]] = draw(st.booleans())
    text = labels.render_completion(values)
    mutation = draw(st.sampled_from(["truncate", "fence", "case", "prose", "repeat", "unicode"]))
    if mutation == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif mutation == "fence":
        text = f"```{draw(st.sampled_from(['', 'json', 'yaml']))}\n{text}\n```"
    elif mutation == "case":
        text = text.upper()
    elif mutation == "prose":
        text = f"Here is my analysis.\n\n{text}\n\nLet me know if you need more."
    elif mutation == "repeat":
        text = text + "\n" + text
    else:
        text = text.replace("a", "\u0430")  # Cyrillic look-alike
    return mutation, values, text


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_near_miss_answers_are_classified(project, data):
    parse = project["parse"]
    mutation, values, text = data.draw(near_misses(project["schema"], project["labels"]))
    result = parse.parse(text)
    if mutation in ("fence", "case", "prose", "repeat"):
        assert result.status == parse.PARSED, (mutation, text, result.problems)
        expected = {
            k: (v.upper().casefold() if isinstance(v, str) and mutation == "case" else v)
            for k, v in values.items()
        }
        if mutation == "case":
            for name, value in result.values.items():
                if isinstance(value, str):
                    assert value.casefold() == expected[name]
        else:
            assert result.values == values
    else:
        assert result.status in (parse.PARSED, parse.PARTIAL, parse.UNPARSEABLE)
        missing = set(values) - set(result.values)
        assert missing <= set(result.problems) or "*" in result.problems


@pytest.fixture(scope="module")
def poetry():
    from .conftest import ROOT

    mods = load_generated(ROOT / "generated" / "poetry")
    assert mods["parse"].FAST  # all-categorical: the fast path is on
    return mods


@st.composite
def poetry_answers(draw, schema):
    lines = []
    for f in schema.FIELDS:
        value = draw(st.sampled_from(f["values"] + [schema.NA_TOKEN]))
        lines.append(f"{f['name']}: {value}")
    text = "\n".join(lines)
    if draw(st.booleans()):
        text = text.upper() if draw(st.booleans()) else text.title()
    before = draw(st.sampled_from(["", "```\n", "Answer:\n", "period: modern\n", "x" * 3 + "\n"]))
    after = draw(st.sampled_from(["", "\n```", "\nDone.", "\nmeter: free_verse", " "]))
    cut = draw(st.one_of(st.none(), st.integers(0, len(text))))
    if cut is not None:
        text = text[:cut]
    return before + text + after


@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_fast_path_agrees_with_the_full_parser(poetry, data):
    parse = poetry["parse"]
    text = data.draw(poetry_answers(poetry["schema"]))
    fast = parse.parse(text)
    full = parse._parse_full(text)
    assert (fast.status, fast.values, fast.problems) == (full.status, full.values, full.problems), (
        text
    )


def test_field_names_with_doubled_or_trailing_underscores_are_read(tmp_path):
    """The parser matched 'topic__main' and 'stars_' under a different normal form from
    the one it applied to the answer's keys, so only the exact fast path read them."""
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "mini", base)
    text = (base / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace("    topic: {type: string}", "    topic__main: {type: string}")
    text = text.replace("    stars: {type: integer", "    stars_: {type: integer")
    (base / "mini.yaml").write_text(text, encoding="utf-8")
    build_into(base / "mini.yaml", tmp_path / "out")
    parse = load_generated(tmp_path / "out")["parse"]
    expected = {
        "sentiment": "positive",
        "topic__main": "x",
        "stars_": 3,
        "score": 0.5,
        "sarcastic": False,
    }
    for answer in [
        "sentiment: positive\ntopic__main: x\nstars_: 3\nscore: 0.5\nsarcastic: false",
        "- **sentiment**: positive\n- topic__main: x\n- stars_: 3\n- score: 0.5\n"
        "- sarcastic: false\nThat is all.",
        "Sentiment: positive\nTopic main: x\nStars: 3\nScore: 0.5\nSarcastic: false",
        '{"sentiment": "positive", "topic__main": "x", "stars_": 3, "score": 0.5, '
        '"sarcastic": false}',
    ]:
        result = parse.parse(answer)
        assert (result.status, result.values) == (parse.PARSED, expected), (answer, result)
