"""Regression scores (seed 001): JSON answers, range checks, MAE/RMSE, tiers, acceptance."""

from __future__ import annotations

import json

import pytest

from .conftest import ROOT, load_generated


@pytest.fixture(scope="module")
def up():
    return load_generated(ROOT / "generated" / "uplifting")


DIMS = [
    "agency",
    "progress",
    "collective_benefit",
    "connection",
    "innovation",
    "justice",
    "resilience",
    "wonder",
]


def answer(**scores):
    return json.dumps({d: scores.get(d, 5) for d in DIMS})


def test_out_of_range_and_non_numeric_scores_are_parse_failures(up):
    parse = up["parse"]
    assert parse.parse(answer()).status == parse.PARSED
    bad = parse.parse(answer(agency=11))
    assert bad.status == parse.PARTIAL and "agency" in bad.problems and "agency" not in bad.values
    worse = parse.parse(answer(wonder="lots"))
    assert "wonder" in worse.problems
    assert parse.parse("I would rate it highly.").status == parse.UNPARSEABLE


def test_mae_rmse_and_tier_accuracy(up):
    parse, metrics = up["parse"], up["metrics"]
    gold_low = {d: 1.0 for d in DIMS}
    gold_high = {d: 9.0 for d in DIMS}
    answers = [
        parse.parse(answer(**{d: 2 for d in DIMS})),
        parse.parse(answer(**{d: 6 for d in DIMS})),
    ]
    s = metrics.compute([gold_low, gold_high], answers)["summary"]
    assert s["mae"] == pytest.approx(2.0)  # errors 1 x 8 and 3 x 8
    assert s["rmse"] == pytest.approx((0.5 * (1 + 9)) ** 0.5)
    assert s["mae_dim.agency"] == pytest.approx(2.0)
    assert s["tier_accuracy"] == pytest.approx(0.5)  # low stays low; high became medium
    assert s["parse_rate"] == 1.0


@pytest.mark.parametrize(
    ("written", "read"),
    [("7/10", 7.0), ("7.5 / 10", 7.5), ("7 (strong)", 7.0), ("**7/10**.", 7.0)],
)
def test_a_score_out_of_the_scale_or_with_a_note_is_read(up, written, read):
    parse = up["parse"]
    result = parse.parse("\n".join(f"{d}: {written}" for d in DIMS))
    assert result.status == parse.PARSED, result.problems
    assert result.values == {d: read for d in DIMS}


@pytest.mark.parametrize("written", ["7/5", "11/10", "7 out of 10", "7 (a) (b)", "7/10/10"])
def test_a_score_on_another_scale_is_not_guessed(up, written):
    result = up["parse"].parse("\n".join(f"{d}: {written}" for d in DIMS))
    assert result.status == up["parse"].UNPARSEABLE
    assert set(result.problems) == set(DIMS)


def test_the_report_gives_errors_in_score_points_per_dimension(up):
    parse, metrics = up["parse"], up["metrics"]
    evaluate = load_generated(ROOT / "generated" / "uplifting", ["schema", "evaluate"])["evaluate"]
    golds = [{d: 1.0 for d in DIMS}, {d: 9.0 for d in DIMS}]
    answers = [parse.parse(answer(**{d: 2 for d in DIMS})), parse.parse("no scores here")]
    result = metrics.compute(golds, answers)
    result.update(split="test", unknown_ids=[], duplicate_ids=[])
    result["unavailable"] = evaluate.unavailable(result)
    text = evaluate.report(result)
    assert "| mae | 1.000 |" in text and "| rmse | 1.000 |" in text  # points, not 100.0%
    assert "| agency | 1.000 | 1.000 | 1 |" in text
    assert result["unavailable"] == {}
    nothing = metrics.compute(golds, [parse.parse("?"), parse.parse("")])
    nothing.update(split="test", unknown_ids=[], duplicate_ids=[])
    reasons = evaluate.unavailable(nothing)
    assert reasons["mae"] == "no answer had a readable score"
    assert reasons["mae_dim.agency"] == "no answer had a readable score for agency"
    nothing["unavailable"] = reasons
    text = evaluate.report(nothing)
    assert "| mae | n/a |" in text and "- mae: no answer had a readable score" in text
    assert "- mae_dim.agency" not in text  # per dimension: in the table and metrics.json


def test_mae_acceptance_is_lower_is_better(up):
    judge = up["accept"].judge
    ok = {"tier_accuracy": 0.9, "parse_rate": 1.0}
    assert judge({**ok, "mae": 0.9})["decision"] == "PASS"
    assert judge({**ok, "mae": 1.1})["decision"] == "REVIEW"
    assert judge({**ok, "mae": 1.3})["decision"] == "FAIL"
    assert judge({**ok, "mae": None})["decision"] == "FAIL"


def test_tiers_cut_from_the_mean(up):
    tier_of = load_generated(ROOT / "generated" / "uplifting", ["tiers"])["tiers"].tier_of
    assert tier_of({d: 3.9 for d in DIMS}) == "low"
    assert tier_of({d: 4.0 for d in DIMS}) == "medium"
    assert tier_of({d: 7.0 for d in DIMS}) == "high"


# ------------------------------------------------------------ the regression-head route


def test_head_route_needs_the_peft_backend(tmp_path):
    from distillgen.compile import compile_spec
    from distillgen.errors import SpecError
    from distillgen.ir import Overrides

    with pytest.raises(SpecError, match="--route/--backend: a head route .regression or class"):
        compile_spec(
            ROOT / "specs" / "uplifting.yaml", None, Overrides(route="head", backend="mlx")
        )
    with pytest.raises(SpecError, match="--route applies to classification and regression specs"):
        compile_spec(ROOT / "specs" / "poetry.yaml", None, Overrides(route="head"))
    text = (ROOT / "specs" / "uplifting.yaml").read_text()
    spec = tmp_path / "specs" / "head.yaml"
    spec.parent.mkdir()
    (tmp_path / "specs" / "data").symlink_to(ROOT / "specs" / "data")
    spec.write_text(
        text.replace("  tiers:\n", "  route: head\n  tiers:\n").replace(
            "backend: peft", "backend: axolotl"
        )
    )
    with pytest.raises(SpecError) as caught:
        compile_spec(spec)
    [problem] = [p for p in caught.value.problems if p.path == "labels.route"]
    assert "backend 'axolotl'" in problem.message
    lines = spec.read_text().splitlines()
    assert lines[problem.line - 1] == "  route: head"


def test_head_route_shares_the_data_step_and_scores_with_the_generative_route(in_repo):
    head = ROOT / "generated" / "uplifting-head"
    gen = ROOT / "generated" / "uplifting"
    for name in ("data.py", "parse.py", "metrics.py", "labels.py", "split.py", "accept.py"):
        assert (head / "pipeline" / name).read_text() == (gen / "pipeline" / name).read_text()
    assert (head / "pipeline" / "head.py").is_file()
    assert (head / "pipeline" / "head_task.py").is_file()
    # make eval-base: the base model has no trained head, so it answers generatively
    assert "generate_hf.stream" in (head / "pipeline" / "engine.py").read_text()
    assert not (gen / "pipeline" / "head.py").exists()
    config = (head / "configs" / "peft.yaml").read_text()
    assert "task_type: SEQ_CLS" in config


def test_head_scales_scores_to_the_unit_range_and_clips_predictions():
    mods = load_generated(ROOT / "generated" / "uplifting-head", ["schema", "head_task"])
    head = mods["head_task"]
    labels = {d: float(i) for i, d in enumerate(DIMS)}
    unit = head.to_unit(labels)
    assert unit == [i / 10 for i in range(8)]
    assert head.from_unit(unit) == pytest.approx(labels)
    clipped = head.from_unit([-0.5, 1.7, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5])
    assert (
        clipped["agency"] == 0
        and clipped["progress"] == 10
        and clipped["collective_benefit"] == 2.5
    )


@pytest.mark.slow
def test_head_route_smoke_trains_mse_regression_resumes_merges_and_scores(tmp_path):
    import subprocess
    import sys

    keep = tmp_path / "head"
    proc = subprocess.run(
        [sys.executable, "-m", "distillgen", "smoke", "specs/uplifting.yaml", "--route", "head"]
        + ["--keep", str(keep)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for step in ("data", "train", "resume", "merge", "eval", "score", "accept", "tests"):
        assert f"smoke: {step:<6} ok" in proc.stdout, proc.stdout
    project = keep / "project"
    merged = json.loads((project / "work" / "merged" / "config.json").read_text())
    assert merged["problem_type"] == "regression"
    assert len(merged["id2label"]) == len(DIMS)
    metrics = json.loads((project / "work" / "eval" / "metrics.json").read_text())
    assert metrics["summary"]["parse_rate"] == 1.0  # a head always answers, in range
    assert metrics["summary"]["mae"] is not None

    # The loss the Trainer minimised is the mean squared error over every dimension.
    import torch

    mods = load_generated(project, ["schema", "head", "head_task"])
    model, tokenizer = mods["head"].load_model(None, str(project / "work" / "merged"))
    chats = (project / "work" / "data" / "train.jsonl").read_text().splitlines()[:3]
    golds = (project / "work" / "data" / "train.gold.jsonl").read_text().splitlines()[:3]
    prompts = [mods["head"].prompt_ids(tokenizer, json.loads(c)["messages"][:-1]) for c in chats]
    target = torch.tensor([mods["head_task"].to_unit(json.loads(g)["labels"]) for g in golds])
    width = max(map(len, prompts))
    pad = model.config.pad_token_id
    ids = torch.tensor([p + [pad] * (width - len(p)) for p in prompts])
    mask = torch.tensor([[1] * len(p) + [0] * (width - len(p)) for p in prompts])
    with torch.no_grad():
        out = model(input_ids=ids, attention_mask=mask, labels=target)
    assert out.logits.shape == (3, len(DIMS))
    assert out.loss.item() == pytest.approx(((out.logits - target) ** 2).mean().item(), rel=1e-5)
