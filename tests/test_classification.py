"""Single-label classification (seed 002): parsing bare labels, metrics, oversampling."""

from __future__ import annotations

import json
import shutil

import pytest

from .conftest import ROOT, build_into, load_generated


@pytest.fixture(scope="module")
def tox():
    return load_generated(ROOT / "generated" / "toxicity")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("toxic", "toxic"),
        ("  Severe\n", "severe"),
        ("SAFE.", "safe"),
        ("label: mild", "mild"),
        ('{"label": "toxic"}', "toxic"),
        ("```\nmild\n```", "mild"),
        ("This comment is toxic.", "toxic"),
        ("Classification: severe (it contains a threat)", "severe"),
    ],
)
def test_label_answers_are_read(tox, answer, expected):
    result = tox["parse"].parse(answer)
    assert result.status == tox["parse"].PARSED, result.problems
    assert result.values == {"label": expected}


@pytest.mark.parametrize(
    "answer", ["", "I cannot decide.", "It is either mild or toxic.", "tox", "unsafe!!"]
)
def test_ambiguous_or_garbage_answers_are_unparseable(tox, answer):
    result = tox["parse"].parse(answer)
    assert result.status == tox["parse"].UNPARSEABLE
    assert result.problems


def test_classification_metrics(tox):
    parse, metrics = tox["parse"], tox["metrics"]
    golds = [
        {"label": g} for g in ["safe", "safe", "safe", "safe", "mild", "toxic", "severe", "severe"]
    ]
    answers = [
        parse.parse(a) for a in ["safe", "safe", "safe", "mild", "mild", "safe", "severe", "???"]
    ]
    m = metrics.compute(golds, answers)["summary"]
    assert m["accuracy"] == pytest.approx(5 / 8)
    assert m["parse_rate"] == pytest.approx(7 / 8)
    assert m["recall.severe"] == pytest.approx(0.5)
    assert m["precision.safe"] == pytest.approx(3 / 4)
    assert m["recall.toxic"] == 0.0
    # per class F1: safe 0.75, mild 2/3, toxic 0, severe 2/3 -> macro 0.5208
    assert m["macro_f1"] == pytest.approx((0.75 + 2 / 3 + 0 + 2 / 3) / 4)
    assert m["weighted_f1"] == pytest.approx((0.75 * 4 + 2 / 3 * 1 + 0 * 1 + 2 / 3 * 2) / 8)


def test_accuracy_can_look_fine_while_macro_f1_fails(tox):
    """Seed 002's lesson: always answering the majority class."""
    parse, metrics, accept = tox["parse"], tox["metrics"], tox["accept"]
    golds = [{"label": "safe"}] * 90 + [{"label": "severe"}] * 10
    m = metrics.compute(golds, [parse.parse("safe")] * 100)["summary"]
    assert m["accuracy"] == 0.9
    assert m["macro_f1"] < 0.5
    m.update({"baseline_macro_f1": 0.3, "macro_f1_gain": m["macro_f1"] - 0.3})
    assert accept.judge(m)["decision"] == "FAIL"


def test_oversampling_balances_train_exactly(tox):
    import numpy as np

    codes = np.array([0] * 7 + [1] * 2 + [-1], dtype=np.int8)  # train, valid, a dropped row
    classes = [0, 0, 0, 0, 1, 1, 2, 0, 3, 1]
    labels = np.array([[c, 0] for c in classes], dtype=np.uint8)  # the class is the first label
    module = load_generated(ROOT / "generated" / "toxicity", ["oversample"])["oversample"]
    copies = module.oversample(codes, labels)
    per_class: dict = {}
    for code, cls, n in zip(codes.tolist(), classes, copies, strict=True):
        if code == 0:
            per_class[cls] = per_class.get(cls, 0) + n
    assert per_class == {0: 4, 1: 4, 2: 4}
    assert copies[1:4] == [1, 1, 1] and copies[4:6] == [2, 2] and copies[6] == 4
    assert copies[7:] == [1, 1, 1]  # valid and dropped rows are never repeated
    # Given a task at a time (as the data step does), the copies are the same.
    sizes = np.bincount(labels[codes == 0, 0], minlength=4)
    balance = module.Oversample(sizes)
    chunked = [
        balance.copies(codes[a:b], labels[a:b]) for a, b in ((0, 3), (3, 3), (3, 8), (8, 10))
    ]
    assert np.concatenate(chunked).tolist() == copies


def test_missing_baseline_fails_acceptance(tox):
    result = tox["accept"].judge(
        {"macro_f1": 0.9, "macro_f1_gain": None, "recall.severe": 0.9, "parse_rate": 1.0}
    )
    assert result["decision"] == "FAIL"
    assert any(r["reason"] == "could not be computed" for r in result["rules"])


def test_a_class_missing_from_the_eval_split_is_named_where_it_fails(tox, tmp_path):
    """recall.severe cannot be measured without a severe example: the data step warns,
    and eval and accept say why instead of a bare 'could not be computed'."""
    mods = load_generated(ROOT / "generated" / "toxicity", ["schema", "task", "evaluate", "accept"])
    splits = {
        name: {"labels": {"label": {"safe": 5, "mild": 2, "severe": 1}}}
        for name in ("train", "valid")
    }
    splits["test"] = {"labels": {"label": {"safe": 5, "mild": 2, "toxic": 1}}}
    (warning,) = mods["task"].data_warnings(splits)
    assert warning.startswith("acceptance threshold recall.severe: the test split has no 'severe'")
    splits["test"]["labels"]["label"]["severe"] = 1
    assert mods["task"].data_warnings(splits) == []
    # A precision threshold on a class the split lacks is as certain to fail: warned too.
    thresholds = mods["schema"].THRESHOLDS
    thresholds.append({"metric": "precision.mild", "pass": 0.5, "review": 0.4})
    try:
        del splits["test"]["labels"]["label"]["mild"]
        (warning,) = mods["task"].data_warnings(splits)
        assert warning.startswith("acceptance threshold precision.mild: the test split has no")
    finally:
        thresholds.pop()

    parse, metrics = tox["parse"], tox["metrics"]
    golds = [{"label": g} for g in ["safe", "mild", "toxic"]]
    result = metrics.compute(golds, [parse.parse(a) for a in ["safe", "mild", "mild"]])
    result.update(split="test", unknown_ids=[], duplicate_ids=[])
    result["summary"].update(baseline_macro_f1=None, macro_f1_gain=None)
    reasons = mods["evaluate"].unavailable(result)
    no_baseline = "the baseline has not run (python -m pipeline.baseline, part of make data)"
    assert reasons == {
        "recall.severe": "the test split has no 'severe' example",
        "precision.severe": "the test split has no 'severe' example and no answer named it",
        "baseline_macro_f1": no_baseline,
        "macro_f1_gain": no_baseline,
    }
    result["unavailable"] = reasons
    text = mods["evaluate"].report(result)
    assert "- recall.severe: the test split has no 'severe' example" in text  # a threshold's
    assert "precision.severe" not in text  # no threshold, not in the table: metrics.json only

    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(result))
    assert mods["accept"].main(["--metrics", str(path), "--out", str(tmp_path)]) == 4
    rules = {r["metric"]: r for r in json.loads((tmp_path / "accept.json").read_text())["rules"]}
    assert rules["recall.severe"]["reason"] == "the test split has no 'severe' example"
    assert rules["macro_f1_gain"]["reason"].startswith("the baseline has not run")
    assert "FAIL (the test split has no 'severe' example)" in (tmp_path / "accept.md").read_text()
    # Metrics written before reasons existed are still judged.
    del result["unavailable"]
    path.write_text(json.dumps(result))
    assert mods["accept"].main(["--metrics", str(path), "--out", str(tmp_path)]) == 4
    rules = {r["metric"]: r for r in json.loads((tmp_path / "accept.json").read_text())["rules"]}
    assert rules["recall.severe"]["reason"] == "could not be computed"
    path.write_text(json.dumps({"summary": {}, "unavailable": ["not", "a", "mapping"]}))
    assert mods["accept"].main(["--metrics", str(path), "--out", str(tmp_path)]) == 2


def test_classes_match_whatever_the_unicode_form(tmp_path):
    """An accented class written decomposed (NFD, as macOS text often is) or in full-width
    letters is the same class, in the data and in answers; the spec cannot declare both."""
    import unicodedata

    from distillgen.errors import SpecError

    spec = (ROOT / "tests" / "bad_specs" / "classification_duplicate_class.yaml").read_text()
    shutil.copytree(ROOT / "tests" / "bad_specs" / "data", tmp_path / "data")
    nfc, nfd = "négatif", unicodedata.normalize("NFD", "négatif")
    assert nfc != nfd
    (tmp_path / "dup.yaml").write_text(
        spec.replace("[safe, mild, toxic, Toxic]", f"[positif, {nfc}, {nfd}]"), encoding="utf-8"
    )
    with pytest.raises(SpecError, match="duplicate value"):
        build_into(tmp_path / "dup.yaml", tmp_path / "never")
    (tmp_path / "fr.yaml").write_text(
        spec.replace("[safe, mild, toxic, Toxic]", f"[positif, {nfc}, neutre]").replace(
            "recall.severe", "recall.negatif"
        ),
        encoding="utf-8",
    )
    build_into(tmp_path / "fr.yaml", tmp_path / "out")
    mods = load_generated(tmp_path / "out")
    assert mods["schema"].CLASS_METRIC_NAMES == {
        "positif": "positif",
        nfc: "negatif",  # accents dropped from metric names, which stay ASCII
        "neutre": "neutre",
    }
    parse, labels = mods["parse"], mods["labels"]
    assert mods["schema"].COMPLETION_FORMAT == "label"
    wide = "ｎéｇａｔｉｆ"
    for answer in [nfc, nfd, nfd.upper(), wide, f"Le commentaire est {nfd}.", f"label: {nfd}"]:
        result = parse.parse(answer)
        assert (result.status, result.values) == (parse.PARSED, {"label": nfc}), answer
    values, problems = labels.check_labels({"label": nfd})
    assert (values, problems) == ({"label": nfc}, [])


def test_class_metric_names_are_ascii_unique_and_referable(tmp_path):
    from distillgen.errors import SpecError
    from distillgen.spec import class_metric_names

    names = class_metric_names(["négatif", "Mild: rude", "5 stars", "正面", "a+b", "a/b"])
    assert names == {
        "négatif": "negatif",
        "Mild: rude": "mild_rude",
        "5 stars": "class_3",  # a metric name starts with a letter
        "正面": "class_4",
        "a+b": "a_b",
        "a/b": "a_b",  # the compiler refuses this pair (below)
    }
    spec = (ROOT / "tests" / "bad_specs" / "classification_duplicate_class.yaml").read_text()
    shutil.copytree(ROOT / "tests" / "bad_specs" / "data", tmp_path / "data")
    (tmp_path / "c.yaml").write_text(
        spec.replace("[safe, mild, toxic, Toxic]", "[a+b, a/b, toxic]")
    )
    with pytest.raises(SpecError) as caught:
        build_into(tmp_path / "c.yaml", tmp_path / "never")
    assert (
        "labels.classes[1]: classes 'a+b' and 'a/b' have one metric name, 'a_b' "
        "(recall.a_b); rename one of them" in str(caught.value)
    )
