"""Distillation (seed 004): weighted sources, a declared JSON answer schema, a strict
parser, and a pass rate that keeps formatting failures apart from wrong answers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from distillgen.ir import Overrides

from .conftest import ROOT, build_into, load_generated, project_imported

SPEC = ROOT / "specs" / "support_distill.yaml"
GOLD = {"intent": "refund", "urgency": "high", "product": "Mobile app", "needs_human": True}


@pytest.fixture(scope="module")
def dist():
    return load_generated(ROOT / "generated" / "support_distill")


def outcome(dist, text, finish="stop", gold=GOLD):
    return dist["metrics"].outcome(gold, dist["parse"].parse(text), finish)[0]


def test_each_answer_has_exactly_one_outcome(dist):
    right = json.dumps(GOLD)
    assert outcome(dist, right) == "pass"
    # per_key on intent, urgency and needs_human: product may differ
    assert outcome(dist, json.dumps({**GOLD, "product": "Other"})) == "pass"
    # a value outside the schema's enum is a schema failure, even if it matches ignoring case
    assert outcome(dist, json.dumps({**GOLD, "urgency": "HIGH"})) == "schema_invalid"
    assert outcome(dist, json.dumps({**GOLD, "needs_human": False})) == "wrong"
    assert outcome(dist, json.dumps({**GOLD, "urgency": "critical"})) == "schema_invalid"
    assert outcome(dist, json.dumps({**GOLD, "extra": 1})) == "schema_invalid"
    assert outcome(dist, right[:30]) == "truncated"  # ends inside the object
    assert outcome(dist, "The intent is refund", finish="length") == "truncated"
    assert outcome(dist, "The intent is refund") == "unparseable"
    assert outcome(dist, "Sure! " + right) == "unparseable"  # prose around JSON is a failure
    assert outcome(dist, "```json\n" + right + "\n```") == "unparseable"  # no fences allowed
    assert outcome(dist, right, finish="length") == "pass"  # complete and valid at the limit


def test_values_compare_by_json_value_not_by_python_truthiness(dist):
    same = dist["metrics"].same
    assert same(1, 1.0) and not same(True, 1) and not same(0, False)
    assert same([1, {"a": "x"}], [1.0, {"a": "x"}]) and not same([1], [1, 2])
    assert not same(None, "null") and same(None, None)
    assert same(" Mobile App", "mobile app")  # the spec sets ignore_case


def test_pass_rate_and_formatting_failures_are_counted_apart(dist):
    parse = dist["parse"].parse
    texts = [
        json.dumps(GOLD),  # pass
        json.dumps({**GOLD, "intent": "how_to"}),  # wrong
        json.dumps({**GOLD, "intent": 3}),  # schema_invalid
        json.dumps(GOLD)[:25],  # truncated
        "no idea",  # unparseable
        None,  # missing
    ]
    finishes = ["stop", "stop", "stop", "length", "stop", "missing"]
    result = dist["metrics"].compute([GOLD] * 6, [parse(t) for t in texts], finishes=finishes)
    s = result["summary"]
    assert result["outcomes"] == {
        "pass": 1,
        "wrong": 1,
        "schema_invalid": 1,
        "truncated": 1,
        "unparseable": 1,
        "missing": 1,
    }
    assert s["pass_rate"] == pytest.approx(1 / 6)
    assert s["pass_rate_when_valid"] == pytest.approx(1 / 2)
    assert s["format_failure_rate"] == pytest.approx(3 / 6)
    assert s["wrong_rate"] == pytest.approx(1 / 6)
    assert s["json_rate"] == pytest.approx(3 / 6)
    assert s["key_accuracy.intent"] == pytest.approx(1 / 6)
    assert s["key_accuracy.urgency"] == pytest.approx(2 / 6)


def test_distillation_metrics_are_declared_for_acceptance(dist):
    from distillgen.plugins.kinds.distillation import DISTILLATION_METRICS

    result = dist["metrics"].compute(
        [GOLD], [dist["parse"].parse(json.dumps(GOLD))], finishes=["stop"]
    )
    for name in result["summary"]:
        assert name.partition(".")[0] in DISTILLATION_METRICS, name


def make_project(
    tmp_path, tiny_model, rows_a: list, rows_b: list, weight_b: float = 1.5, id_field=None
):
    base = tmp_path / "spec"
    (base / "data").mkdir(parents=True)
    text = SPEC.read_text().replace("weight: 1.5", f"weight: {weight_b}")
    if id_field is not None:
        text = text.replace("id_field: null", f"id_field: {id_field}")
    (base / "s.yaml").write_text(text)
    a, b = base / "data" / "a.jsonl", base / "data" / "b.jsonl"
    a.write_text("".join(json.dumps(r) + "\n" for r in rows_a))
    b.write_text("".join(json.dumps(r) + "\n" for r in rows_b))
    shutil.copy(a, base / "data" / "distill_self_critique.jsonl")
    shutil.copy(b, base / "data" / "distill_hard_failures.jsonl")
    # The spec's teacher calibrates on its own candidate file.
    shutil.copy(SPEC.parent / "data" / "support_candidates.jsonl", base / "data")
    out = tmp_path / "project"
    build_into(
        base / "s.yaml",
        out,
        Overrides(sources={"self_critique": a, "hard_failures": b}, model_base=str(tiny_model)),
    )
    return load_generated(out), out


def rows(n, start=0, key="output", as_text=True):
    intents = ["refund", "bug_report", "how_to", "account_access", "cancellation"]
    made = []
    for i in range(start, start + n):
        answer = {
            "intent": intents[i % 5],
            "urgency": "low",
            "product": f"p{i}",
            "needs_human": i % 2 == 0,
        }
        made.append(
            {
                "instruction": f"Ticket {i}: something {i}",
                key: json.dumps(answer) if as_text else answer,
            }
        )
    return made


def test_sources_are_renamed_mixed_by_weight_and_bad_references_rejected(tmp_path, tiny_model):
    a = rows(20)
    b = rows(40, start=100, key="reference_answer", as_text=False)
    b[2]["reference_answer"] = {"intent": "refund"}  # misses required keys
    b[5]["reference_answer"] = '{"intent": "refund", '  # not JSON
    mods, out = make_project(tmp_path, tiny_model, a, b)
    data = mods["data"]
    sources = data.default_sources()
    with pytest.raises(data.DataError, match="rejected"):
        data.build(sources, out / "work" / "data", str(tiny_model))
    rejects = [
        json.loads(x) for x in (out / "work" / "data" / "rejects.jsonl").read_text().splitlines()
    ]
    assert [r["row"] for r in rejects] == ["hard_failures:3", "hard_failures:6"]
    assert "does not match the answer schema" in rejects[0]["reasons"][0]
    assert "'urgency' is a required property" in rejects[0]["reasons"][0]
    assert "not valid JSON" in rejects[1]["reasons"][0]
    assert not (out / "work" / "data" / "train.jsonl").exists()  # nothing partial

    del b[5], b[2]
    mods, out = make_project(tmp_path / "ok", tiny_model, a, b)
    stats = mods["data"].build(
        mods["data"].default_sources(), out / "work" / "data", str(tiny_model)
    )
    mix = stats["sources"]
    assert mix["self_critique"]["train_written"] == mix["self_critique"]["rows"]["train"]
    train_b = mix["hard_failures"]["rows"]["train"]
    # 1.5: every train row once, and about half of them twice
    assert train_b < mix["hard_failures"]["train_written"] < 2 * train_b
    assert 0.35 < (mix["hard_failures"]["train_written"] - train_b) / train_b < 0.65
    golds = (out / "work" / "data" / "train.gold.jsonl").read_text().splitlines()
    assert len(golds) == stats["splits"]["train"]["written_after_mixing"]
    ids = [json.loads(g)["id"] for g in golds]
    assert all(i.startswith(("self_critique:", "hard_failures:")) for i in ids)
    # Valid and test rows are written once.
    held_out = (out / "work" / "data" / "valid.gold.jsonl").read_text().splitlines()
    assert len(held_out) == len({json.loads(g)["id"] for g in held_out})


@pytest.mark.parametrize("id_field", [None, "ticket"])
def test_rows_are_named_by_source_and_line_for_any_block_size(tmp_path, tiny_model, id_field):
    """Line numbers start again with each source. With an id column the workers count
    a block's lines from 0 and the main process adds the lines before the block (of
    that source); without one it counts them first (the lines are the ids)."""
    a = rows(30)
    b = rows(30, start=100, key="reference_answer", as_text=False)
    for i, row in enumerate(a + b):
        row["ticket"] = f"t{i}"
    a[23]["output"] = "nope"
    b[17]["reference_answer"] = '{"intent": '
    _, out = make_project(tmp_path, tiny_model, a, b, id_field=id_field)
    seen = []
    with project_imported(out) as mods:
        data = mods["data"]
        for chunk_bytes, workers in ((1 << 22, 1), (300, 2), (700, 3)):
            data.CHUNK_BYTES = chunk_bytes
            target = tmp_path / f"d-{chunk_bytes}"
            with pytest.raises(data.DataError, match="rejected"):
                data.build(data.default_sources(), target, str(tiny_model), workers)
            rejects = [json.loads(x) for x in (target / "rejects.jsonl").read_text().splitlines()]
            seen.append([(r["row"], r["id"]) for r in rejects])
    ids = (
        ("self_critique:24", "hard_failures:18")
        if id_field is None
        else ("self_critique:t23", "hard_failures:t47")
    )
    assert seen[0] == [("self_critique:24", ids[0]), ("hard_failures:18", ids[1])]
    assert seen[1] == seen[0] and seen[2] == seen[0]


def test_a_missing_source_is_named(tmp_path, tiny_model):
    mods, out = make_project(tmp_path, tiny_model, rows(5), rows(5, 50))
    data = mods["data"]
    with pytest.raises(data.DataError, match="source 'hard_failures': file not found"):
        data.build(
            {
                "self_critique": tmp_path / "spec" / "data" / "a.jsonl",
                "hard_failures": tmp_path / "nope.jsonl",
            },
            out / "w",
            None,
        )


@pytest.mark.slow
def test_distillation_smoke(tmp_path):
    keep = tmp_path / "d"
    proc = subprocess.run(
        [sys.executable, "-m", "distillgen", "smoke", str(SPEC), "--keep", str(keep)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for step in ("data", "train", "resume", "merge", "eval", "score", "accept", "tests"):
        assert f"smoke: {step:<6} ok" in proc.stdout, proc.stdout
    work = keep / "project" / "work"
    metrics = json.loads((work / "eval" / "metrics.json").read_text())
    assert sum(metrics["outcomes"].values()) == metrics["examples"] == 3
    scored = [json.loads(x) for x in (work / "eval" / "scored.jsonl").read_text().splitlines()]
    assert {s["outcome"] for s in scored} <= set(metrics["outcomes"])


def test_make_data_passes_only_options_the_data_step_takes():
    """`make data SOURCE=...` would hand a multi-source data step an option it refuses."""
    import re

    for project, takes_source in (("support_distill", False), ("poetry", True)):
        makefile = (ROOT / "generated" / project / "Makefile").read_text()
        recipe = re.search(r"^data:\n\t(.*)$", makefile, re.M).group(1)
        data_step = (ROOT / "generated" / project / "pipeline" / "data.py").read_text()
        for option in re.findall(r"--[a-z-]+", recipe):
            assert f'"{option}"' in data_step, (project, option)
        assert ("--source" in recipe) == takes_source, project


def test_a_reject_names_the_column_as_the_users_file_does(dist):
    """hard_failures renames reference_answer to output: its rejects say reference_answer."""
    row = {"instruction": "Refund me", "reference_answer": {"intent": "refund"}}
    _, _, _, problems = dist["data"].check_row(row, "hard_failures:3")
    assert problems and problems[0].startswith(
        "reference_answer (read as output): does not match the answer schema"
    ), problems
    _, _, _, problems = dist["data"].check_row({"instruction": "x"}, "hard_failures:4")
    assert problems == ["reference_answer (read as output): missing reference answer"], problems
    # A source without renames names its own column.
    _, _, _, problems = dist["data"].check_row({"instruction": "x"}, "self_critique:4")
    assert problems == ["output: missing reference answer"], problems
