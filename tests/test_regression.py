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


def test_mae_acceptance_is_lower_is_better(up):
    judge = up["accept"].judge
    ok = {"tier_accuracy": 0.9, "parse_rate": 1.0}
    assert judge({**ok, "mae": 0.9})["decision"] == "PASS"
    assert judge({**ok, "mae": 1.1})["decision"] == "REVIEW"
    assert judge({**ok, "mae": 1.3})["decision"] == "FAIL"
    assert judge({**ok, "mae": None})["decision"] == "FAIL"


def test_tiers_cut_from_the_mean(up):
    tier_of = up["data"].tier_of
    assert tier_of({d: 3.9 for d in DIMS}) == "low"
    assert tier_of({d: 4.0 for d in DIMS}) == "medium"
    assert tier_of({d: 7.0 for d in DIMS}) == "high"
