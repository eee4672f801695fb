"""The review sheet: a seeded sample of held-out examples, with per-field agreement."""

from __future__ import annotations

import csv

from .conftest import ROOT, load_generated

NAMES = ("schema", "review")


def _mods(name: str) -> dict:
    return load_generated(ROOT / "generated" / name, NAMES)


def test_the_spec_sets_the_sample_size():
    schema = _mods("poetry")["schema"]
    assert schema.REVIEW_SAMPLE == 20  # seed 000's manual review of 20


def test_pick_is_seeded_and_independent_of_file_order():
    review = _mods("poetry")["review"]
    ids = [f"id{i:03d}" for i in range(100)]
    first = [ids[i] for i in review.pick(ids, 20, seed=7)]
    assert len(first) == 20 == len(set(first)) and first == sorted(first)
    shuffled = list(reversed(ids))
    assert [shuffled[i] for i in review.pick(shuffled, 20, seed=7)] == first
    assert [ids[i] for i in review.pick(ids, 20, seed=8)] != first
    assert review.pick(ids[:5], 20, seed=7) == [0, 1, 2, 3, 4]


def _example(i: int, text: str) -> dict:
    return {"id": f"p{i}", "messages": [{"role": "user", "content": text}]}


def test_multi_field_sheet_csv_and_markdown(tmp_path):
    mods = _mods("poetry")
    schema, review = mods["schema"], mods["review"]
    names = schema.FIELD_NAMES
    gold = {n: "a" for n in names}
    values = {**gold, names[0]: "b"}
    del values[names[1]]
    examples = [_example(i, "Title:  X\n" + "word " * 200) for i in range(3)]
    records = [{"id": f"p{i}", "output": "answer text"} for i in range(3)]
    scored = [{"gold": gold, "values": values, "status": "partial"} for _ in range(3)]
    sheet = review.rows(examples, records, scored, 2)
    assert len(sheet) == 2
    row = sheet[0]
    assert row["agreement"][names[0]] == "no"
    assert row["agreement"][names[1]] == "unread"
    assert row["agreement"][names[2]] == "yes"
    assert row["input"].startswith("Title: X word") and len(row["input"]) == review.EXCERPT
    review.write(sheet, tmp_path)
    with open(tmp_path / "review.csv", encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["id", "input", "gold", "answer", "status", *names, "verdict", "notes"]
    assert table[1][5:8] == ["no", "unread", "yes"] and table[1][-2:] == ["", ""]
    md = (tmp_path / "review.md").read_text(encoding="utf-8")
    assert f"2 examples, seed {schema.SPLIT_SEED}" in md
    expected = f'{len(names) - 2}/{len(names)} | {names[0]}: "a" → "b"; {names[1]}: "a" → unread |'
    assert expected in md


def test_regression_agreement_is_the_error():
    mods = _mods("uplifting")
    dims = mods["schema"].DIMENSIONS
    gold = dict.fromkeys(dims, 5.0)
    values = {dims[0]: 7.5, dims[1]: 5.0}
    marks = mods["review"].agreement(gold, values)
    assert marks[dims[0]] == "2.5" and marks[dims[1]] == "0" and marks[dims[2]] == "unread"


def test_distillation_agreement_per_key_or_whole_answer():
    mods = _mods("support_distill")
    schema, review = mods["schema"], mods["review"]
    keys = schema.MATCH_KEYS
    gold = {k: "x" for k in keys}
    marks = review.agreement(gold, {**gold, keys[0]: "y"} if keys else gold)
    if keys:
        assert marks[keys[0]] == "no" and all(marks[k] == "yes" for k in keys[1:])
    schema.MATCH_KEYS = []
    try:
        assert review.agreement({"a": 1}, {"a": 1}) == {"answer": "yes"}
        assert review.agreement({"a": 1}, {"a": 2}) == {"answer": "no"}
        assert review.agreement({"a": 1}, {}) == {"answer": "unread"}
    finally:
        schema.MATCH_KEYS = keys


def test_regression_sheet_says_the_mean_error_and_lists_only_dimensions_off(tmp_path):
    mods = _mods("uplifting")
    dims, review = mods["schema"].DIMENSIONS, mods["review"]
    gold = dict.fromkeys(dims, 5.0)
    values = {**gold, dims[0]: 7.0}
    del values[dims[1]]
    sheet = review.rows(
        [_example(0, "text")], [{"output": "x"}], [{"gold": gold, "values": values}], 1
    )
    review.write(sheet, tmp_path)
    md = (tmp_path / "review.md").read_text(encoding="utf-8")
    # the error averaged over the dimensions read (2 and six 0s), the unread one listed
    assert f"mean error {2 / (len(dims) - 1):.2f}" in md
    assert f"{dims[0]}: 5.0 → 7.0; {dims[1]}: 5.0 → unread |" in md
    assert dims[2] not in md.split("|")[-2]


def test_generation_projects_ship_no_review_sheet_or_base_comparison():
    # generation's evaluate reports style rates and perplexity itself: the labelled
    # kinds' review sheet and base comparison are code its spec cannot reach
    pipeline = ROOT / "generated" / "gaea_style" / "pipeline"
    assert (pipeline / "evaluate.py").is_file()
    assert not (pipeline / "review.py").exists() and not (pipeline / "compare.py").exists()
    assert (ROOT / "generated" / "poetry" / "pipeline" / "review.py").is_file()
