"""Units of the generated project: split, prompt parity with the compiler, metrics, acceptance."""

from __future__ import annotations

import pytest

from distillgen.checks import field_dicts
from distillgen.load import read_spec
from distillgen.prompting import make_env, schema_context

from .conftest import FIXTURES, ROOT, build_into, load_generated


@pytest.fixture(scope="module")
def poetry(tmp_path_factory):
    return load_generated(ROOT / "generated" / "poetry")


@pytest.fixture(scope="module")
def mini(tmp_path_factory):
    out = tmp_path_factory.mktemp("mini") / "out"
    build_into(FIXTURES / "mini" / "mini.yaml", out)
    return load_generated(out)


def test_split_is_exact_stable_and_independent_of_order(poetry):
    assign = poetry["split"].assign
    keys = [(f"id{i}", "") for i in range(397)]
    first = assign(keys, {"train": 0.9, "valid": 0.1, "test": 0.0}, 42)
    assert first.count("valid") == 40 and first.count("train") == 357  # seed 000's 357/40
    shuffled = list(reversed(keys))
    second = dict(
        zip(shuffled, assign(shuffled, {"train": 0.9, "valid": 0.1, "test": 0.0}, 42), strict=True)
    )
    assert all(second[k] == s for k, s in zip(keys, first, strict=True))
    other_seed = assign(keys, {"train": 0.9, "valid": 0.1, "test": 0.0}, 43)
    assert other_seed != first


def test_split_stratifies(poetry):
    assign = poetry["split"].assign
    keys = [(f"id{i}", "rare" if i < 20 else "common") for i in range(200)]
    result = assign(keys, {"train": 0.8, "valid": 0.1, "test": 0.1}, 1)
    rare = [s for (k, st), s in zip(keys, result, strict=True) if st == "rare"]
    assert rare.count("valid") == 2 and rare.count("test") == 2
    assert result.count("valid") == 20 and result.count("test") == 20


def test_prompt_rendering_matches_the_compiler(poetry):
    loaded = read_spec(ROOT / "specs" / "poetry.yaml")
    spec = loaded.spec
    row = {"title": "T", "author": "A", "year": None, "poem": "line one\nline two"}
    ctx = {
        **row,
        **schema_context(field_dicts(spec), spec.labels.na_token, spec.prompt.completion_format),
    }
    expected = make_env().from_string(spec.prompt.template).render(ctx)
    assert poetry["prompts"].user_prompt(row) == expected
    # The compiler's checks see the very field dicts the project's templates see.
    assert field_dicts(spec) == poetry["schema"].FIELDS


def test_poetry_prompt_counts_fields_from_the_schema(poetry):
    text = poetry["prompts"].user_prompt({"title": "T", "author": "A", "year": 1800, "poem": "p"})
    n = len(poetry["schema"].FIELDS)
    assert n == 21
    assert f"across {n} metadata dimensions" in text
    assert f"following {n} fields" in text
    for name in poetry["schema"].FIELD_NAMES:
        assert f"- {name}\n" in text
    assert "HISTORICAL:" in text and "RHETORICAL:" in text and "FORMAL:" in text


# Seed 000's prompt template (its "Instruction Format"), word for word, with the count its
# field list has: 21, where the seed said 28.
SEED_000_PROMPT = """Classify the following poem across 21 metadata dimensions:

Title: [title]
Author: [author]
Year: [year]

Poem:
[full poem text]

Provide classifications for the following 21 fields:

HISTORICAL:
- period
- literary_movement

RHETORICAL:
- register
- rhetorical_genre
- discursive_structure
- discourse_type
- narrative_level
- diegetic_mimetic
- focalization
- person
- deictic_orientation
- addressee_type
- deictic_object
- temporal_orientation
- temporal_structure
- tradition

FORMAL:
- mode
- genre
- stanza_structure
- meter
- rhyme

Format your response as:
period: [value]
literary_movement: [value]
... (continue for all 21 fields)

Use "N/A" or empty string for fields that don't apply."""


def test_poetry_prompt_is_seed_000s_wording(poetry):
    inputs = {"title": "[title]", "author": "[author]", "year": "[year]"}
    text = poetry["prompts"].user_prompt({**inputs, "poem": "[full poem text]"})
    assert text == SEED_000_PROMPT


def test_sandbox_blocks_escapes_and_huge_output(mini):
    from jinja2.sandbox import SecurityError

    env = mini["prompts"].make_env()
    with pytest.raises(SecurityError):
        env.from_string("{{ ''.__class__.__mro__ }}").render()
    with pytest.raises(SecurityError):
        env.from_string("{{ 'a' * 10000000 }}").render()


def test_metrics_separate_unreadable_from_wrong(mini):
    parse, metrics = mini["parse"], mini["metrics"]
    gold = {
        "sentiment": "positive",
        "topic": "kitchen",
        "stars": 5,
        "score": 0.9,
        "sarcastic": False,
    }
    right = parse.parse(
        "sentiment: positive\ntopic: kitchen\nstars: 5\nscore: 0.9\nsarcastic: false"
    )
    wrong = parse.parse(
        "sentiment: negative\ntopic: kitchen\nstars: 5\nscore: 0.9\nsarcastic: false"
    )
    garbage = parse.parse("I'd rather not say.")
    m = metrics.compute([gold, gold, gold], [right, wrong, garbage])
    s = m["summary"]
    assert s["parse_rate"] == pytest.approx(2 / 3)
    assert s["exact_match"] == pytest.approx(1 / 3)
    sent = m["fields"]["sentiment"]
    assert sent["accuracy"] == pytest.approx(1 / 3)
    assert sent["accuracy_when_parsed"] == pytest.approx(1 / 2)
    assert sent["confusion"] == {"positive": {"<unparsed>": 1, "negative": 1, "positive": 1}}
    assert m["answers"] == {
        "parsed": 2,
        "partial": 0,
        "unparseable": 1,
        "truncated": 0,
        "missing": 0,
    }
    assert s["mean_field_accuracy"] == pytest.approx((1 / 3 + 4 * 2 / 3) / 5)


def test_metrics_with_no_examples_cannot_pass(mini):
    m = mini["metrics"].compute([], [])
    assert m["summary"]["mean_field_accuracy"] is None
    result = mini["accept"].judge(m["summary"])
    assert result["decision"] == "FAIL"
    assert all(r["reason"] == "could not be computed" for r in result["rules"])


def test_acceptance_bands(mini):
    judge = mini["accept"].judge
    assert judge({"mean_field_accuracy": 0.85, "parse_rate": 0.99})["decision"] == "PASS"
    assert judge({"mean_field_accuracy": 0.7, "parse_rate": 0.99})["decision"] == "REVIEW"
    assert judge({"mean_field_accuracy": 0.5, "parse_rate": 0.99})["decision"] == "FAIL"
    # parse_rate has no review band: short of pass is FAIL
    assert judge({"mean_field_accuracy": 0.85, "parse_rate": 0.9})["decision"] == "FAIL"
    assert judge({"mean_field_accuracy": float("nan"), "parse_rate": 0.99})["decision"] == "FAIL"


PIECE_TEMPLATES = [
    "Title: {{ title }}\n{% for g in groups %}{{ g.name }}:\n"
    "{% for f in g.fields %}- {{ f.name }}\n{% endfor %}{% endfor %}",
    "{{ title | upper }} {{ n_fields }} {% if title %}yes{% else %}no{% endif %}",
    "{{ answer_format }}{{ title }}{{ author }}{{ year }}",
    "{% set x = title %}{{ x }} {{ n_fields }}",
    "{% macro m(a) %}[{{ a }}]{% endmacro %}{{ m(title) }}{{ m(n_fields) }}",
    "{% for f in fields %}{{ loop.index }}{{ title if loop.first }}{% endfor %}",
    "{{ poem }}{# comment #}{% raw %}{{ not a tag }}{% endraw %}{{ na_token }}",
    "{% if year is none %}unknown{% else %}{{ year + 1 }}{% endif %}",
    "{{ field_names | join(', ') }} {{ year }}",
]


@pytest.mark.parametrize("source", PIECE_TEMPLATES)
def test_piecewise_prompt_rendering_equals_whole_rendering(source):
    from distillgen.runtime.pipeline.sandbox import PromptTemplate, make_env

    loaded = read_spec(ROOT / "specs" / "poetry.yaml")
    spec = loaded.spec
    constants = schema_context(
        field_dicts(spec), spec.labels.na_token, spec.prompt.completion_format
    )
    env = make_env()
    template = PromptTemplate(env, source, ["title", "author", "year", "poem"], constants)
    for row in (
        {"title": "T", "author": "A", "year": 1800, "poem": "p\nq"},
        {"title": "", "author": "B", "year": None, "poem": "{{ x }}"},
    ):
        whole = env.from_string(source).render({**row, **constants})
        assert template.render(row) == whole


def test_reads_back_agrees_with_the_parser(poetry):
    """The data step skips parsing a completion when parse.reads_back says it is known
    to read back; that must never be said of a completion the parser would misread."""
    import random

    schema, labels, parse = poetry["schema"], poetry["labels"], poetry["parse"]
    options = {
        f["name"]: list(f["values"]) + ([None] if f["allow_na"] else []) for f in schema.FIELDS
    }
    rng = random.Random(7)
    for _ in range(300):
        values = {name: rng.choice(choices) for name, choices in options.items()}
        assert parse.reads_back(values)  # every declared value's line reads back
        back = parse.parse(labels.render_completion(values))
        assert back.status == parse.PARSED and back.values == values
    # Not a declared spelling, a missing field, or a value whose line was not checked:
    # not known, so the data step parses the completion.
    first = next(iter(options))
    assert not parse.reads_back({**values, first: options[first][0].upper()})
    assert not parse.reads_back({k: v for k, v in values.items() if k != first})


def test_reads_back_is_never_said_where_a_line_does_not_read_back(poetry):
    """A value whose line the parser misreads is left out of the table built at import."""
    schema, parse = poetry["schema"], poetry["parse"]
    field = schema.FIELDS[0]
    value = field["values"][1]  # (not the value the other fields' checks are made with)
    real = parse.parse

    def misreads(text):
        back = real(text)
        if f"{field['name']}: {value}\n" in text + "\n":
            back.values[field["name"]] = "something else"
        return back

    table = dict(parse.exact_answers.lines_that_read_back(misreads, parse.PARSED))
    assert value not in table[field["name"]]
    assert table[field["name"]] and all(table[f["name"]] for f in schema.FIELDS[1:])


def test_reads_back_is_never_said_for_other_schemas(mini):
    """Schemas with free text or numbers always parse the completion back."""
    assert mini["parse"]._READ_BACK == []
    values = {"sentiment": "positive", "topic": "a", "stars": 5, "score": 0.1, "sarcastic": True}
    assert not mini["parse"].reads_back(values)


def test_split_cut_points_from_rank_ordered_parts(poetry):
    """The data step reads its rows a hash partition at a time, in rank order; the cut
    points found that way give every row the split that sorting all rows gives."""
    import numpy as np

    split = poetry["split"]
    rng = np.random.default_rng(3)
    n, names = 5000, ["a", "b", "c", "rare"]
    ranks = rng.integers(0, 2**63, n, dtype=np.int64).astype(np.uint64) * np.uint64(2)
    ranks[100:110] = ranks[0]  # equal ranks: file order decides
    strata = rng.choice(4, n, p=[0.5, 0.3, 0.195, 0.005]).astype(np.int32)
    rows = np.arange(n, dtype=np.int64)
    ratios = {"train": 0.8, "valid": 0.13, "test": 0.07}
    sizes = np.bincount(strata, minlength=4).tolist()
    n_test, n_held = split.held_out(sizes, names, ratios)
    expected = np.zeros(n, dtype=np.int8)
    for s in range(4):
        members = sorted(np.flatnonzero(strata == s).tolist(), key=lambda i: (int(ranks[i]), i))
        for position, i in enumerate(members):
            expected[i] = 2 if position < n_test[s] else 1 if position < n_held[s] else 0
    parts = []
    for part in range(8):  # by the top 3 bits of the rank
        chosen = np.flatnonzero(ranks >> np.uint64(61) == part)
        rng.shuffle(chosen)  # within a part the order does not matter
        parts.append((ranks[chosen], rows[chosen], strata[chosen]))
    cuts = split.cut_points(parts, n_test, n_held)
    assert (split.codes_at(ranks, rows, strata, cuts) == expected).all()
    assert (split.assign_codes(ranks, strata, names, ratios) == expected).all()
    assert int((expected == 2).sum()) == round(n * 0.07) and int((expected == 1).sum()) == round(
        n * 0.13
    )


def test_token_summary_from_histogram_matches_sorting(poetry):
    """stats.json's min / mean / p95 / max come from per-split histograms."""
    import math

    import numpy as np

    data = poetry["data"]
    rng = np.random.default_rng(5)
    for n in (1, 2, 19, 20, 21, 1000):
        values = rng.integers(0, 3000, n)
        ordered = np.sort(values)
        expected = {
            "min": int(ordered[0]),
            "mean": round(int(values.sum()) / n, 1),
            "p95": int(ordered[math.ceil(0.95 * n) - 1]),
            "max": int(ordered[-1]),
        }
        halves = data._add_counts(np.bincount(values[: n // 2]), np.bincount(values[n // 2 :]))
        assert data._summary(halves) == expected, n
    assert data._summary(np.zeros(0, dtype=np.int64))["p95"] is None


def test_predictions_lines_that_are_not_predictions_are_named_not_dropped(tmp_path):
    """A line with no id (or not JSON, or no output text) was skipped in silence, and its
    example then counted as missing; only a torn last line may be left out."""
    evaluate = load_generated(ROOT / "generated" / "toxicity", ["schema", "evaluate"])["evaluate"]
    path = tmp_path / "predictions.jsonl"
    good = '{"id": "a", "output": "safe"}\n{"id": 7, "output": ""}\n\n'
    path.write_text(good + '{"id": "b", "outp')  # a torn last line and a blank line
    duplicates: list = []
    found = evaluate.read_predictions(path, repair=True, duplicates=duplicates)
    assert sorted(found) == ["7", "a"] and duplicates == []
    assert path.read_text() == good  # repaired: cut after the last complete line
    bad = [
        "not json",
        '{"output": "safe"}',
        '{"id": true, "output": "safe"}',
        '{"id": "c"}',
        '{"id": "d", "output": 3}',
        "[1, 2]",
    ]
    path.write_text(good + "\n".join(bad) + "\n" + '{"id": "a", "output": "mild"}\n')
    with pytest.raises(SystemExit) as caught:
        evaluate.read_predictions(path)
    message = str(caught.value)
    assert message.startswith(f"eval: {path}: 6 line(s) are not a prediction object")
    for number, reason in [
        (4, "not JSON"),
        (5, 'no "id"'),
        (6, '"id" must be a string or an integer, not True'),
        (7, '"output" must be the answer text, not None'),
        (8, '"output" must be the answer text, not 3'),
        (9, "a JSON list, not an object"),
    ]:
        assert f"\n  line {number}: {reason}" in message
    path.write_text(good + '{"id": "a", "output": "mild"}\n')
    found = evaluate.read_predictions(path, duplicates=duplicates)
    assert found["a"]["output"] == "safe" and duplicates == ["a"]  # the first answer counts


def test_a_note_in_parentheses_after_a_value_is_not_part_of_it(mini):
    parse = mini["parse"]
    answer = (
        "sentiment: positive (mostly)\ntopic: x (y)\nstars: 4/5 (good)\nscore: 0.5\n"
        "sarcastic: yes (clearly)"
    )
    result = parse.parse(answer)
    assert result.status == parse.PARSED, result.problems
    # A text field keeps its parentheses; other types drop one note after the value.
    assert result.values == {
        "sentiment": "positive",
        "topic": "x (y)",
        "stars": 4,
        "score": 0.5,
        "sarcastic": True,
    }
    for value in ["positive (a) (b)", "(positive)", "positive (a", "unsure (positive)"]:
        result = parse.parse(answer.replace("positive (mostly)", value))
        assert result.status == parse.PARTIAL and set(result.problems) == {"sentiment"}, value


def test_a_server_started_for_a_check_that_fails_says_why_and_is_stopped(tmp_path, monkeypatch):
    """serve.started (make parity SERVE=1): a server that exits is reported with its log's
    end; one that never answers is stopped (its whole process group) after the timeout."""
    import sys
    import time
    from pathlib import Path

    serve = load_generated(ROOT / "generated" / "poetry", ["serve"])["serve"]
    monkeypatch.setattr(serve.weights, "check_server_tools", lambda: None)
    pid_file = tmp_path / "child.pid"

    def server(then: str) -> list[str]:
        """A server that starts a worker of its own, then ``then``."""
        return [
            sys.executable,
            "-c",
            "import subprocess, sys, time; "
            "c = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
            f"open({str(pid_file)!r}, 'w').write(str(c.pid)); {then}",
        ]

    def worker_gone() -> bool:  # (gone, or a zombie nobody reaped)
        stat = Path(f"/proc/{int(pid_file.read_text())}/stat")
        time.sleep(0.5)
        return not stat.exists() or stat.read_text().rsplit(")", 1)[1].split()[0] in "ZX"

    exits = server("print('no such model'); sys.exit(3)")
    monkeypatch.setattr(serve, "command", lambda adapter, host, port: exits)
    with pytest.raises(SystemExit) as exited:
        with serve.started(False, tmp_path / "exits.log"):
            pass
    assert "the server exited (3)" in str(exited.value.code)
    assert "no such model" in str(exited.value.code)
    assert worker_gone()
    silent = server("time.sleep(60)")  # never answers
    monkeypatch.setattr(serve, "command", lambda adapter, host, port: silent)
    started = time.monotonic()
    with pytest.raises(SystemExit) as silence:
        with serve.started(False, tmp_path / "silent.log", timeout=2):
            pass
    assert "no answer from http://127.0.0.1:" in str(silence.value.code)
    assert time.monotonic() - started < 30
    assert worker_gone()
