"""Base model, classical baseline and tuned model in one table; gain_over_base gates."""

from __future__ import annotations

import json

import pytest

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


def _write_split(data, name, rows):
    """A split's chat records and gold labels, as the data step writes them."""
    with open(data / f"{name}.jsonl", "w") as chats, open(data / f"{name}.gold.jsonl", "w") as gold:
        for key, text, label in rows:
            messages = [
                {"role": "system", "content": "Classify."},
                {"role": "user", "content": text},
                {"role": "assistant", "content": label},
            ]
            chats.write(json.dumps({"messages": messages}) + "\n")
            gold.write(json.dumps({"id": key, "labels": {"label": label}}) + "\n")


def test_k_shot_base_run_shows_train_examples_as_earlier_turns(tmp_path, monkeypatch):
    """eval.base_shots: k distinct train rows (oversampled copies count once), drawn with
    the split seed, before each held-out prompt as user/assistant turns; never a held-out
    row; recorded, so that a rerun with another k refuses to mix the answers."""
    mods = load_generated(
        ROOT / "generated" / "toxicity", ("schema", "evaluate", "compare", "few_shot")
    )
    evaluate, schema, few_shot = mods["evaluate"], mods["schema"], mods["few_shot"]
    assert schema.BASE_SHOTS == 4  # specs/toxicity.yaml
    data = tmp_path / "data"
    data.mkdir()
    train = [(f"t{i}", f"train text {i}", "safe" if i % 2 else "toxic") for i in range(6)]
    _write_split(data, "train", train + train[:2])  # oversampled rows repeat
    _write_split(data, schema.EVAL_SPLIT, [("h0", "held out 0", "safe"), ("h1", "held 1", "mild")])
    (data / "stats.json").write_text("{}")
    monkeypatch.setattr(evaluate, "DATA", data)
    monkeypatch.setattr(evaluate.stamp, "unfinished", lambda step: None)

    turns, ids = few_shot.example_turns(4, data)
    assert ids == few_shot.example_turns(4, data)[1] and len(set(ids)) == 4  # seeded, distinct
    assert set(ids) <= {key for key, _, _ in train}
    assert [t["role"] for t in turns] == ["user", "assistant"] * 4
    by_id = {key: (text, label) for key, text, label in train}
    assert [(turns[2 * i]["content"], turns[2 * i + 1]["content"]) for i in range(4)] == [
        by_id[key] for key in ids
    ]
    with pytest.raises(SystemExit, match="train split has 6 examples"):
        few_shot.example_turns(7, data)

    seen = []

    def fake_stream(items, opts):
        for item in items:
            seen.append(item["messages"])
            yield item, {"output": "safe", "finish": "stop", "tokens": 1}

    monkeypatch.setattr(evaluate.engine, "stream", fake_stream)
    out = tmp_path / "eval-base" / "predictions.jsonl"
    evaluate.generate(None, out, shots=4)
    assert len(seen) == 2
    for messages, text in zip(seen, ["held out 0", "held 1"], strict=True):
        assert messages[0] == {"role": "system", "content": "Classify."}
        assert messages[1:-1] == turns and messages[-1] == {"role": "user", "content": text}
    assert json.loads((out.parent / "shots.json").read_text()) == {"shots": 4, "ids": ids}
    with pytest.raises(SystemExit, match="holds answers after 4 examples"):
        evaluate.generate(None, out, shots=2)

    # the comparison names how the base model was asked
    compare = mods["compare"]
    monkeypatch.setattr(compare, "BASE", tmp_path / "base.json")
    monkeypatch.setattr(compare, "CLASSICAL", tmp_path / "none.json")
    compare.BASE.write_text(
        json.dumps({"summary": {"macro_f1": 0.2}, "shots": {"shots": 4, "ids": ids}})
    )
    result = {"summary": {"macro_f1": 0.5}}
    compare.extend(result)
    assert "| metric | base model (4-shot) | tuned | gain over base |" in "\n".join(
        compare.markdown(result, lambda n, v: f"{v:.2f}")
    )


def test_head_route_base_model_answers_generatively(monkeypatch):
    """An untrained regression head answers noise: the base run (no adapter, no merged
    model) goes through the generative route's causal LM and parser instead."""
    mods = load_generated(ROOT / "generated" / "uplifting-head", ("schema", "engine"))
    engine = mods["engine"]
    calls = []

    def fake_generative(items, opts):
        calls.append(opts)
        for item in items:
            yield item, {"output": '{"agency": 3}', "finish": "stop", "tokens": 5}

    monkeypatch.setattr(engine.generate_hf, "stream", fake_generative)
    monkeypatch.setattr(engine.head, "load_model", lambda *a: pytest.fail("loaded the head"))
    items = [{"messages": [{"role": "user", "content": "x"}]}]
    answers = list(engine.stream(items, engine.Options(adapter=None)))
    assert answers[0][1]["output"] == '{"agency": 3}' and len(calls) == 1
    with pytest.raises(pytest.fail.Exception, match="loaded the head"):
        list(engine.stream(items, engine.Options(adapter="work/adapters")))
