"""Base model, classical baseline and tuned model in one table; gain_over_base gates."""

from __future__ import annotations

import json

from distillgen.load import read_spec

from .conftest import ROOT, load_generated


def _mods(name: str) -> dict:
    return load_generated(ROOT / "generated" / name, ("schema", "compare", "accept"))


def test_comparison_rows_and_gain_over_base(tmp_path):
    mods = _mods("toxicity")
    compare = mods["compare"]
    compare.BASE = tmp_path / "base.json"
    compare.CLASSICAL = tmp_path / "classical.json"
    tuned = {"accuracy": 0.8, "macro_f1": 0.7, "recall.safe": 0.9, "macro_f1_gain": 0.1}
    result = {"summary": dict(tuned)}
    compare.extend(result)
    assert result["summary"]["gain_over_base"] is None
    assert result["comparison"]["base"] is False
    assert compare.why_none(result) == "the base model has not been evaluated (make eval-base)"
    assert compare.markdown(result, lambda n, v: str(v)) == []
    compare.BASE.write_text(json.dumps({"summary": {"accuracy": 0.5, "macro_f1": 0.4}}))
    compare.CLASSICAL.write_text(json.dumps({"summary": {"accuracy": 0.6, "macro_f1": 0.62}}))
    result = {"summary": dict(tuned)}
    compare.extend(result)
    assert abs(result["summary"]["gain_over_base"] - 0.3) < 1e-12
    rows = result["comparison"]["rows"]
    assert [r["metric"] for r in rows] == ["accuracy", "macro_f1"]
    assert rows[1]["base"] == 0.4 and rows[1]["classical"] == 0.62 and rows[1]["tuned"] == 0.7
    text = "\n".join(compare.markdown(result, lambda n, v: f"{v:.2f}"))
    assert (
        "| metric | base model (zero-shot) | classical baseline | tuned | gain over base |" in text
    )
    assert "| macro_f1 | 0.40 | 0.62 | 0.70 | +0.30 |" in text
    # the gate: a spec threshold on gain_over_base is judged like any metric
    judged = mods["accept"].judge(
        result["summary"],
        [{"metric": "gain_over_base", "pass": 0.0, "review": None, "higher_is_better": True}],
    )
    assert judged["decision"] == "PASS"


def test_errors_gain_is_base_minus_tuned(tmp_path):
    compare = _mods("uplifting")["compare"]
    compare.BASE = tmp_path / "base.json"
    compare.CLASSICAL = tmp_path / "none.json"
    compare.BASE.write_text(json.dumps({"summary": {"mae": 3.0, "parse_rate": 0.5}}))
    result = {"summary": {"mae": 1.0, "parse_rate": 0.9}}
    compare.extend(result)
    assert result["summary"]["gain_over_base"] == 2.0
    rows = {r["metric"]: r["gain"] for r in result["comparison"]["rows"]}
    assert rows["mae"] == 2.0 and abs(rows["parse_rate"] - 0.4) < 1e-12


def test_a_spec_can_gate_on_the_gain_over_the_base_model():
    """Seed 004: the tuned model must beat the base model's pass rate."""
    loaded = read_spec(ROOT / "specs" / "support_distill.yaml")
    assert any(t.metric == "gain_over_base" for t in loaded.spec.acceptance.thresholds)
    schema = load_generated(ROOT / "generated" / "support_distill", ("schema",))["schema"]
    rule = next(r for r in schema.THRESHOLDS if r["metric"] == "gain_over_base")
    assert rule["higher_is_better"] is True and rule["pass"] == 0.01
