"""The eval report's figures and the training curves: the numbers behind each figure
exactly, the PNGs (exist, open, expected size, same bytes twice), history.jsonl from
each backend's logs, and the curve diagnoses."""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT, load_generated

NAMES = ("schema", "history", "plots", "parse", "metrics", "task")


def _project(name: str, *figures: str) -> dict:
    """The project's modules, with the figure modules its kind takes (``figures``)."""
    return load_generated(ROOT / "generated" / name, NAMES + figures)


@pytest.fixture(scope="module")
def toxicity():
    return _project("toxicity", "bar_plots", "confusion_plots", "class_metrics")


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_confusion_data_rows_columns_counts_and_shares(toxicity):
    data = toxicity["confusion_plots"].confusion_data(
        {"a": {"a": 3, "b": 1}, "b": {"<unparsed>": 2, "b": 2}, "c": {}, "z": {}}
    )
    assert data["rows"] == ["a", "b", "c", "z"]
    assert data["columns"] == ["a", "b", "c", "z", "<unparsed>"]
    assert data["counts"] == [[3, 1, 0, 0, 0], [0, 2, 0, 0, 2], [0] * 5, [0] * 5]
    assert data["shares"][0] == [0.75, 0.25, 0.0, 0.0, 0.0]
    assert data["shares"][1] == [0.0, 0.5, 0.0, 0.0, 0.5]
    # an answer outside the gold values gets its own column, before the unread one
    other = toxicity["confusion_plots"].confusion_data({"a": {"x": 1, "<unparsed>": 1}})
    assert other["columns"] == ["a", "x", "<unparsed>"]
    # the spec's order first, every value even without a gold example
    ordered = toxicity["confusion_plots"].confusion_data(
        {"b": {"b": 1}, "q": {"a": 1}}, ["b", "a", "c"]
    )
    assert ordered["rows"] == ["b", "a", "c", "q"]
    assert ordered["counts"] == [[1, 0, 0, 0], [0] * 4, [0] * 4, [0, 1, 0, 0]]
    schema = toxicity["schema"]
    assert toxicity["task"].value_order(schema.LABEL_FIELD) == schema.CLASSES


def test_value_order_of_multi_field_fields():
    mods = _project("poetry", "bar_plots", "confusion_plots")
    schema = mods["schema"]
    field = next(f for f in schema.FIELDS if f["type"] == "categorical" and f["allow_na"])
    assert mods["confusion_plots"].value_order(field["name"]) == field["values"] + [schema.NA_TOKEN]


def test_classification_bars_are_per_class_f1_with_the_macro_f1_lines(toxicity):
    schema = toxicity["schema"]
    per_class = {c: {"f1": 0.1 * (i + 1), "support": 1} for i, c in enumerate(schema.CLASSES)}
    result = {"fields": {schema.LABEL_FIELD: {"per_class": per_class}}}
    data = toxicity["task"].class_bars(result)
    assert data["names"] == schema.CLASSES
    assert data["values"] == [0.1 * (i + 1) for i in range(len(schema.CLASSES))]
    # a class with no example and no answer is shown, at 0 and marked n/a
    del per_class[schema.CLASSES[-1]]
    data = toxicity["task"].class_bars(result)
    assert data["names"] == schema.CLASSES
    assert data["values"][-1] == 0.0 and data["labels"][-1] == "n/a"
    assert data["labels"][0] == "10%"
    rule = next(r for r in schema.THRESHOLDS if r["metric"] == "macro_f1")
    assert data["rule"] == rule


def test_regression_scores_and_tier_boundaries():
    mods = _project("uplifting", "score_plots")
    schema = mods["schema"]
    dims = schema.DIMENSIONS
    scored = [
        {"gold": dict.fromkeys(dims, 2), "values": dict.fromkeys(dims, 3)},
        {"gold": dict.fromkeys(dims, 7), "values": {dims[0]: 6}},
    ]
    data = mods["score_plots"].score_data(scored)
    assert data["points"][dims[0]] == [(2.0, 3.0), (7.0, 6.0)]
    assert data["points"][dims[1]] == [(2.0, 3.0)]
    assert data["range"] == list(schema.SCORE_RANGE)
    assert data["boundaries"] == [t["below"] for t in schema.TIERS if t["below"] is not None]
    assert data["boundaries"] and all(isinstance(b, float | int) for b in data["boundaries"])


def test_distillation_outcome_shares():
    mods = _project("support_distill", "bar_plots", "outcome_plots")
    outcomes = {
        "pass": 5,
        "wrong": 2,
        "schema_invalid": 1,
        "truncated": 1,
        "unparseable": 1,
        "missing": 0,
    }
    data = mods["outcome_plots"].outcome_data({"examples": 10, "outcomes": outcomes})
    assert data["names"] == list(outcomes)
    assert data["counts"] == [5, 2, 1, 1, 1, 0]
    assert data["shares"] == [0.5, 0.2, 0.1, 0.1, 0.1, 0.0]
    assert data["rule"]["metric"] == "pass_rate"


def test_generation_style_rates_against_targets():
    mods = load_generated(
        ROOT / "generated" / "gaea_style", ("schema", "history", "plots", "style_plots")
    )
    patterns = mods["schema"].PATTERNS
    result = {
        "style": {p["name"]: {"rate": 0.25} for p in patterns},
        "reference_style": {p["name"]: {"rate": 0.5} for p in patterns},
    }
    data = mods["style_plots"].style_data(result)
    assert data["names"] == [p["name"] for p in patterns]
    assert data["targets"] == [p["target"] for p in patterns]
    assert data["samples"] == [0.25] * len(patterns) and data["author"] == [0.5] * len(patterns)


# ---------------------------------------------------------------- history


LOG_HISTORY = [  # transformers Trainer.state.log_history, as peft and Axolotl leave it
    {"epoch": 0.5, "grad_norm": 1.0, "learning_rate": 2e-4, "loss": 2.5, "step": 10},
    {"epoch": 0.5, "eval_loss": 2.4, "eval_runtime": 1.0, "step": 10},
    {"epoch": 1.0, "learning_rate": 1e-4, "loss": 2.0, "step": 20},
    {"epoch": 1.0, "eval_loss": 2.2, "step": 20},
    {"epoch": 1.0, "step": 20, "train_loss": 2.25, "train_runtime": 9.0},
]


@pytest.fixture(scope="module")
def trainer_history():
    """pipeline/trainer_history.py of a peft project (mlx projects record their own)."""
    mods = load_generated(ROOT / "generated" / "poetry-peft", ("history", "trainer_history"))
    assert not (ROOT / "generated" / "poetry" / "pipeline" / "trainer_history.py").exists()
    return mods


def test_history_from_the_trainer_log(trainer_history):
    rows = trainer_history["trainer_history"].from_log_history(LOG_HISTORY)
    assert rows == [
        {"step": 10, "train_loss": 2.5, "learning_rate": 2e-4},
        {"step": 10, "val_loss": 2.4},
        {"step": 20, "train_loss": 2.0, "learning_rate": 1e-4},
        {"step": 20, "val_loss": 2.2},
    ]


def test_history_from_axolotl_trainer_state(trainer_history, tmp_path):
    history, trainer = trainer_history["history"], trainer_history["trainer_history"]
    output = tmp_path / "adapters"
    for step, losses in ((10, LOG_HISTORY[:2]), (20, LOG_HISTORY)):
        checkpoint = output / f"checkpoint-{step}"
        checkpoint.mkdir(parents=True)
        (checkpoint / "trainer_state.json").write_text(
            json.dumps({"global_step": step, "log_history": losses})
        )
    state = trainer.newest_trainer_state(output)
    assert state == output / "checkpoint-20" / "trainer_state.json"
    path = trainer.write(trainer.from_trainer_state(state), tmp_path / "history.jsonl")
    assert history.read(path) == trainer.from_log_history(LOG_HISTORY)
    (output / "trainer_state.json").write_text(json.dumps({"log_history": LOG_HISTORY[:1]}))
    assert trainer.newest_trainer_state(output) == output / "trainer_state.json"


def test_history_mlx_callback_records_reports(tmp_path):
    pytest.importorskip("mlx_lm")
    mods = load_generated(ROOT / "generated" / "poetry", ("history", "mlx_history"))
    history = mods["history"]
    path = tmp_path / "train" / "history.jsonl"
    seen = []

    class Wrapped:
        def on_train_loss_report(self, info):
            seen.append(("train", info["iteration"]))

        def on_val_loss_report(self, info):
            seen.append(("val", info["iteration"]))

    callback = mods["mlx_history"].callback(path, Wrapped())
    callback.on_val_loss_report({"iteration": 0, "val_loss": 3.0, "val_time": 0.1})
    callback.on_train_loss_report(
        {
            "iteration": 10,
            "train_loss": 2.5,
            "learning_rate": 1e-4,
            "iterations_per_second": 1.0,
            "tokens_per_second": 300.0,
            "trained_tokens": 3000,
            "peak_memory": 1.0,
        }
    )
    assert history.read(path) == [
        {"step": 0, "val_loss": 3.0},
        {"step": 10, "train_loss": 2.5, "learning_rate": 1e-4, "tokens_per_second": 300.0},
    ]
    assert seen == [("val", 0), ("train", 10)]


def _write(history, rows: list[dict]) -> None:
    for r in rows:
        history.append(r, history.HISTORY)


def _rows(train, val):
    return [{"step": s, "train_loss": v} for s, v in train] + [
        {"step": s, "val_loss": v} for s, v in val
    ]


def test_diagnose_flags_overfitting_and_a_flat_loss(toxicity):
    diagnose = toxicity["history"].diagnose
    healthy = _rows([(1, 3.0), (2, 2.0), (3, 1.5)], [(1, 3.1), (2, 2.2), (3, 1.9)])
    assert diagnose(healthy) == []
    overfit = _rows([(1, 3.0), (2, 2.0), (3, 1.0)], [(1, 3.1), (2, 2.0), (3, 2.6)])
    (flag,) = diagnose(overfit)
    assert flag.startswith("overfitting: validation loss rose from 2.0000 (step 2) to 2.6000")
    flat = _rows([(1, 3.0), (2, 3.1), (3, 2.99)], [])
    (flag,) = diagnose(flat)
    assert flag.startswith("training loss never falls: 3.0000 at step 1")
    # a validation loss that rises while the training loss rises too is not overfitting
    both = _rows([(1, 3.0), (2, 2.0), (3, 2.5)], [(1, 3.1), (2, 2.0), (3, 2.6)])
    assert diagnose(both) == []


# ---------------------------------------------------------------- the PNGs


def test_figures_are_written_open_and_are_the_same_bytes_twice(toxicity, tmp_path):
    matplotlib = pytest.importorskip("matplotlib")
    schema = toxicity["schema"]
    history, plots = toxicity["history"], toxicity["plots"]
    classes = schema.CLASSES
    confusion = {c: {c: 2, classes[0]: 1} if c != classes[0] else {c: 3} for c in classes}
    _, per_class = toxicity["class_metrics"].f1_table(confusion)
    result = {"fields": {schema.LABEL_FIELD: {"confusion": confusion, "per_class": per_class}}}
    history.HISTORY = tmp_path / "history.jsonl"
    _write(history, _rows([(1, 3.0), (2, 2.0), (3, 1.0)], [(1, 3.1), (2, 2.0), (3, 2.6)]))
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    figures = plots.write_figures(toxicity["task"].figures(result, []), first)
    plots.write_figures(toxicity["task"].figures(result, []), second)
    files = [f["file"] for f in figures]
    assert files == ["bars.png", f"confusion-{schema.LABEL_FIELD}.png", "training.png"]
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
        image = matplotlib.image.imread(first / name)
        assert image.shape[2] == 4
    assert _png_size(first / "bars.png") == (800, 400)
    assert _png_size(first / "training.png") == (800, 400)
    confusion_size = toxicity["confusion_plots"].confusion_size
    width, height = confusion_size(len(classes))
    assert _png_size(first / files[1]) == (width * 100, height * 100)
    assert confusion_size(4) == (4.5, 3.75) and confusion_size(30) == (12.0, 10.25)
    text = "\n".join(plots.markdown(figures, history.diagnose(history.read())))
    assert "![training curves](training.png)" in text
    assert f"![confusion matrix: {schema.LABEL_FIELD}" in text
    assert "- overfitting: validation loss rose" in text


def test_regression_and_distillation_figures(tmp_path):
    pytest.importorskip("matplotlib")
    mods = _project("uplifting", "score_plots")
    mods["history"].HISTORY = tmp_path / "none.jsonl"
    dims = mods["schema"].DIMENSIONS
    scored = [{"gold": dict.fromkeys(dims, 2), "values": dict.fromkeys(dims, 3)}]
    figures = mods["plots"].write_figures(mods["task"].figures({"fields": {}}, scored), tmp_path)
    assert [f["file"] for f in figures] == ["scores.png"]
    width, height = mods["score_plots"].score_size(len(dims))
    assert _png_size(tmp_path / "scores.png") == (width * 100, height * 100)
    assert mods["score_plots"].score_size(8) == (10.5, 5.5)
    mods = _project("support_distill", "bar_plots", "outcome_plots")
    mods["history"].HISTORY = tmp_path / "none.jsonl"
    outcomes = dict.fromkeys(
        ("pass", "wrong", "schema_invalid", "truncated", "unparseable", "missing"), 1
    )
    result = {"examples": 6, "outcomes": outcomes, "fields": {}}
    figures = mods["plots"].write_figures(mods["task"].figures(result, []), tmp_path)
    assert [f["file"] for f in figures] == ["outcomes.png"]
    assert _png_size(tmp_path / "outcomes.png") == (800, 400)
