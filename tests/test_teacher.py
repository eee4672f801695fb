"""The teacher (make calibrate, make label) against a loopback OpenAI-compatible server."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from distillgen.runtime.pipeline import llm, llm_jobs

from .conftest import ROOT, build_into
from .fake_openai import FakeOpenAI, completion_of, prompt_key, user_text

CANDIDATES = ROOT / "specs" / "data" / "uplifting_candidates.jsonl"
GOLD = {
    json.loads(line)["title"]: json.loads(line)
    for line in CANDIDATES.read_text(encoding="utf-8").splitlines()
}
KEY_ENV = {**os.environ, "GEMINI_API_KEY": "test-key", "PYTHONHASHSEED": "0"}


def title_of(body: dict) -> str:
    return re.search(r"Title: (.*)", user_text(body)).group(1)


def oracle(body: dict) -> str:
    return json.dumps(GOLD[title_of(body)]["dimensions"])


def all_nines(body: dict) -> str:
    return json.dumps(dict.fromkeys(GOLD[title_of(body)]["dimensions"], 9))


# ------------------------------------------------------------- the client itself


def _settings(url: str, **kw) -> llm.Settings:
    os.environ.setdefault("FAKE_KEY", "x")
    base = {"base_url": url, "model": "m", "api_key_env": "FAKE_KEY", "concurrency": 4}
    return llm.Settings(**{**base, **kw})


def _ask(settings, cache, prompts, budget=None):
    async def go():
        client = llm.Client(settings, cache, budget=budget)
        answers = {}

        async def handle(prompt):
            body = llm.body_of([{"role": "user", "content": prompt}], settings)
            answers[prompt] = await client.ask(llm.key_of(body), body)

        stop = await llm_jobs.run_jobs(prompts, handle, settings.concurrency)
        await client.close()
        return stop, answers, client

    return asyncio.run(go())


def test_faults_are_retried_each_prompt_is_paid_once_and_a_rerun_sends_nothing(tmp_path):
    faults = {"rate_limits": 3, "errors": 2, "malformed": 2, "timeouts": 1}
    with FakeOpenAI(lambda b: "re:" + user_text(b), timeout_hold=2.0, **faults) as server:
        settings = _settings(server.url, timeout=0.5, retries=6)
        cache = llm.Cache(tmp_path / "cache.sqlite")
        prompts = [f"q{i}" for i in range(12)] + ["q0", "q1"]  # two asked twice
        stop, answers, client = _ask(settings, cache, prompts)
        assert stop is None
        assert all(answers[p].content == "re:" + p for p in prompts)
        assert server.faults == faults  # every fault was met, and retried past
        assert max(server.answered.values()) == 1 and server.total_answered == 12
        assert server.requests == 12 + sum(faults.values())
        assert llm_jobs.ledger(cache)["requests"] == client.sent >= server.requests
        assert llm_jobs.ledger(cache)["answers"] == 12
        before = server.requests
        stop, again, client = _ask(settings, llm.Cache(tmp_path / "cache.sqlite"), prompts)
        assert server.requests == before and client.sent == 0  # a rerun sends nothing
        assert again == answers


def test_retry_after_is_honoured(tmp_path):
    with FakeOpenAI(lambda b: "ok", rate_limits=1, retry_after="0.8") as server:
        started = time.perf_counter()
        _ask(_settings(server.url), llm.Cache(tmp_path / "c.sqlite"), ["p"])
        assert time.perf_counter() - started >= 0.8
        assert server.requests == 2


def test_the_budget_stops_before_a_request_could_cross_it(tmp_path):
    with FakeOpenAI(lambda b: "x" * 20) as server:
        # worst case per request: (2 bytes + 8) prompt tokens at $1/M + 10 tokens at $100/M;
        # an answer costs 1 + 6 tokens
        settings = _settings(server.url, price_input=1.0, price_output=100.0, max_tokens=10)
        worst = llm.worst_cost(llm.body_of([{"role": "user", "content": "p0"}], settings), settings)
        budget = 5.5 * worst
        cache = llm.Cache(tmp_path / "c.sqlite")
        stop, answers, _ = _ask(settings, cache, [f"p{i}" for i in range(10)], budget=budget)
        assert isinstance(stop, llm.BudgetStop)
        assert "budget" in str(stop)
        assert cache.spent <= budget
        assert 1 <= server.total_answered == len(answers) < 10
        assert cache.spent + worst > budget  # the next one could have crossed it
        assert server.requests == server.total_answered  # nothing sent past the cap


# ------------------------------------------------------------ generated projects


def _project(tmp_path: Path, url: str, name: str = "proj", edit=None) -> Path:
    """specs/uplifting.yaml with its teacher pointed at ``url``, built into tmp_path."""
    specs = tmp_path / f"specs-{name}"
    if not specs.exists():
        shutil.copytree(ROOT / "specs" / "data", specs / "data")
    text = (ROOT / "specs" / "uplifting.yaml").read_text(encoding="utf-8")
    text = re.sub(r"base_url: \S+", f"base_url: {url}", text)
    if edit is not None:
        text = edit(text)
    (specs / "uplifting.yaml").write_text(text, encoding="utf-8")
    build_into(specs / "uplifting.yaml", tmp_path / name)
    return tmp_path / name


def _run(project: Path, *args, check=None):
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.teacher", *map(str, args)],
        cwd=project,
        env=KEY_ENV,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


def _unlabelled(path: Path, n: int | None = None, titles=None) -> Path:
    rows = [json.loads(x) for x in CANDIDATES.read_text(encoding="utf-8").splitlines()]
    with open(path, "w", encoding="utf-8") as out:
        for row in rows[:n]:
            if titles is None or row["title"] in titles:
                row.pop("dimensions")
                out.write(json.dumps(row) + "\n")
    return path


def test_calibration_passes_then_label_runs_and_one_byte_of_the_template_refuses_it(tmp_path):
    with FakeOpenAI(oracle) as server:
        project = _project(tmp_path, server.url)
        source = _unlabelled(tmp_path / "unlabelled.jsonl", n=30)
        refused = _run(project, "label", source, check=2)
        assert "no calibration yet" in refused.stderr and server.requests == 0

        cal = _run(project, "calibrate", check=0)
        assert "# Teacher calibration: PASS" in cal.stdout
        record = json.loads((project / "work/teacher/calibration.json").read_text())
        assert record["decision"] == "PASS" and len(record["rows"]) == 50
        val = _run(project, "calibrate", "--validate", check=0)
        assert "# Teacher validation: PASS" in val.stdout
        second = json.loads((project / "work/teacher/validation.json").read_text())
        assert not set(second["rows"]) & set(record["rows"]) and len(second["rows"]) == 50

        _run(project, "label", source, check=0)
        meta = json.loads((project / "work/teacher/labelled.meta.json").read_text())
        assert meta["teacher"]["prompt_hash"] == record["prompt_hash"]
        assert meta["calibration"] == {"passed": True, "override": False}

        # The teacher's own template: the student's with one byte more.
        def edit(text):
            template = re.search(r"  template: \|\n((?:    .*\n|\n)+)", text).group(1)
            return text.replace(
                "  calibration:\n",
                "  template: |\n"
                + template.replace("JSON only", "JSON only!")
                + "  calibration:\n",
                1,
            )

        _project(tmp_path, server.url, edit=edit)
        sent = server.requests
        refused = _run(project, "label", source, check=2)
        assert "for another teacher prompt" in refused.stderr
        assert server.requests == sent
        _run(project, "label", source, "--override", check=0)
        meta = json.loads((project / "work/teacher/labelled.meta.json").read_text())
        assert meta["calibration"]["override"] is True and meta["calibration"]["passed"] is False
        assert meta["teacher"]["prompt_hash"] != record["prompt_hash"]


def test_a_constrained_teacher_is_sent_the_schema_and_its_calibration_is_bound_to_it(tmp_path):
    """teacher.constrained: every request of calibrate and label carries response_format
    with the label schema's JSON Schema; a calibration made unconstrained does not let a
    constrained label run start (constrained answers are other answers)."""
    bodies: list[dict] = []

    def recording(body):
        bodies.append(body)
        return oracle(body)

    def constrained(text):
        return text.replace("  calibration:\n", "  constrained: true\n  calibration:\n", 1)

    with FakeOpenAI(recording) as server:
        project = _project(tmp_path, server.url)
        _run(project, "calibrate", check=0)
        assert bodies and not any("response_format" in b for b in bodies)
        _project(tmp_path, server.url, edit=constrained)
        source = _unlabelled(tmp_path / "unlabelled.jsonl", n=12)
        sent = server.requests
        refused = _run(project, "label", source, check=2)
        assert "for another teacher prompt, model or settings" in refused.stderr
        assert server.requests == sent
        bodies.clear()
        _run(project, "calibrate", check=0)
        _run(project, "label", source, check=0)
    # 50 drawn to calibrate, then the label rows not among them: each asked once.
    titles = [title_of(b) for b in bodies]
    label_titles = {json.loads(x)["title"] for x in source.read_text().splitlines()}
    assert len(set(titles)) == len(titles) and label_titles <= set(titles)
    assert len(titles) == 50 + len(label_titles - set(titles[:50])) > 50
    fields = [json.loads(line) for line in CANDIDATES.read_text(encoding="utf-8").splitlines()]
    names = list(fields[0]["dimensions"])
    for body in bodies:
        fmt = body["response_format"]
        assert fmt["type"] == "json_schema"
        assert list(fmt["json_schema"]["schema"]["properties"]) == names
    labelled = (project / "work/teacher/labelled.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(labelled) == 12


def test_an_oracle_scoring_off_topic_articles_high_fails_the_expectations(tmp_path):
    def broken(body):  # seed 001's oracle: toothbrushes are mass-deployed climate tech
        gold = GOLD[title_of(body)]
        return all_nines(body) if gold["stratum"] == "off_topic" else oracle(body)

    with FakeOpenAI(broken) as server:
        project = _project(tmp_path, server.url)
        cal = _run(project, "calibrate", check=4)
        record = json.loads((project / "work/teacher/calibration.json").read_text())
        rules = {r["metric"]: r["decision"] for r in record["rules"]}
        assert rules["expect.off_topic.1"] == "FAIL" and rules["expect.on_topic.2"] == "PASS"
        assert rules["expect.off_topic.3"] == "FAIL"
        assert {r["metric"]: r["decision"] for r in record["rules"]}["mae"] != "PASS"
        assert record["worst"][0]["stratum"] == "off_topic"
        assert '"agency": 9' in record["worst"][0]["teacher"]
        assert "off_topic: each of the fields <= 4.0" in cal.stdout
        assert "## Worst-judged examples" in (project / "work/teacher/report.md").read_text()


CLASSIFY_SPEC = """\
version: 1
name: sentiment
kind: classification
data:
  source: data/reviews.jsonl
  inputs:
    review: {type: text}
labels:
  field: label
  classes: [positive, negative]
  baseline: {enabled: false}
prompt:
  template: |
    Is this review {{ fields[0]["values"] | join(" or ") }}?

    {{ review }}
split: {train: 0.8, valid: 0.1, test: 0.1, seed: 1}
model: {base: tiny, max_seq_length: 256}
training:
  lora: {rank: 4, alpha: 8}
  steps: 1
  learning_rate: 1.0e-4
acceptance:
  thresholds:
    - {metric: accuracy, pass: 0.9, review: 0.8}
teacher:
  base_url: URL
  model: judge
  api_key_env: GEMINI_API_KEY
  calibration:
    stratum_field: kind
    strata: {short: 20, long: 20}
    gold: true
"""


@pytest.mark.parametrize(
    ("wrong", "decision", "code"), [(0.0, "PASS", 0), (0.15, "REVIEW", 3), (0.4, "FAIL", 4)]
)
def test_wrong_label_rates_give_pass_review_fail_against_gold(tmp_path, wrong, decision, code):
    rows = _reviews(60)
    truth = {r["review"]: r["label"] for r in rows}

    def answer(body):
        return next(label for text, label in truth.items() if text in user_text(body))

    def flip(body):
        return "negative" if answer(body) == "positive" else "positive"

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "reviews.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
    )
    with FakeOpenAI(answer, wrong=flip, wrong_fraction=wrong) as server:
        (tmp_path / "sentiment.yaml").write_text(CLASSIFY_SPEC.replace("URL", server.url))
        build_into(tmp_path / "sentiment.yaml", tmp_path / "proj")
        proc = _run(tmp_path / "proj", "calibrate", check=code)
        assert f"# Teacher calibration: {decision}" in proc.stdout
        summary = json.loads((tmp_path / "proj/work/teacher/calibration.json").read_text())
        accuracy = next(r["value"] for r in summary["rules"] if r["metric"] == "accuracy")
        assert accuracy == pytest.approx(1 - int(40 * wrong + 1e-9) / 40)
        assert server.total_answered == 40


def _reviews(n: int) -> list[dict]:
    return [
        {
            "id": f"r{i}",
            "kind": "short" if i % 2 else "long",
            "review": f"Review number {i}: " + ("loved it" if i % 3 else "hated it"),
            "label": "positive" if i % 3 else "negative",
        }
        for i in range(n)
    ]


def _review_answer(body: dict) -> str:
    return "negative" if "hated it" in user_text(body) else "positive"


def test_a_csv_project_labels_a_csv_without_label_columns(tmp_path, tiny_model):
    import csv

    rows = _reviews(60)
    (tmp_path / "data").mkdir()
    with open(tmp_path / "data" / "reviews.csv", "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    unlabelled = tmp_path / "unlabelled.csv"
    with open(unlabelled, "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["id", "review"])
        writer.writeheader()
        writer.writerows({"id": f"u{r['id']}", "review": r["review"] + "!"} for r in rows)
    with FakeOpenAI(_review_answer) as server:
        spec = CLASSIFY_SPEC.replace("URL", server.url).replace("reviews.jsonl", "reviews.csv")
        (tmp_path / "sentiment.yaml").write_text(spec)
        build_into(tmp_path / "sentiment.yaml", tmp_path / "proj")
        _run(tmp_path / "proj", "calibrate", check=0)
        _run(tmp_path / "proj", "label", unlabelled, check=0)
    labelled = tmp_path / "proj" / "work" / "teacher" / "labelled.csv"
    read = list(csv.DictReader(open(labelled, newline="")))
    assert len(read) == 60 and list(read[0]) == ["id", "review", "label"]
    assert read[0]["label"] == "negative" and read[1]["label"] == "positive"
    data = subprocess.run(
        [sys.executable, "-m", "pipeline.data", "--source", str(labelled)]
        + ["--tokenizer", str(tiny_model), "--workers", "1"],
        cwd=tmp_path / "proj",
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert data.returncode == 0, data.stdout + data.stderr


def test_an_endpoint_that_keeps_failing_stops_the_run_and_writes_nothing(tmp_path):
    with FakeOpenAI(oracle) as server:
        project = _calibrated(
            tmp_path,
            server,
            edit=lambda t: t.replace("  budget: 10.0", "  retries: 0\n  budget: 10.0"),
        )
        server.errors = 10_000
        proc = _run(project, "label", _unlabelled(tmp_path / "u.jsonl"), check=1)
        assert "requests failed after their retries" in proc.stderr
        assert "HTTP 500" in proc.stderr
        assert not (project / "work/teacher/labelled.jsonl").exists()


def _calibrated(tmp_path, server, **kw) -> Path:
    project = _project(tmp_path, server.url, **kw)
    _run(project, "calibrate", check=0)
    return project


def test_bad_answers_are_quarantined_with_reasons_and_the_output_passes_the_data_step(
    tmp_path, tiny_model
):
    bad: dict = {}  # title -> what goes wrong with its answer

    def answer(body):
        title = title_of(body)
        if bad.get(title) == "prose":
            return "What a sad story. I would rather not score it."
        if bad.get(title) == "range":
            return json.dumps(dict.fromkeys(GOLD[title]["dimensions"], 11))
        return oracle(body)

    with FakeOpenAI(oracle) as server:
        project = _calibrated(tmp_path, server)
        sampled = set(json.loads((project / "work/teacher/calibration.json").read_text())["rows"])
        fresh = [t for t, row in GOLD.items() if row["id"] not in sampled][:40]
        bad.update({fresh[0]: "cut", fresh[1]: "cut", fresh[2]: "prose", fresh[3]: "range"})
        server.answer = answer
        server.truncate = lambda body: bad.get(title_of(body)) == "cut"
        source = _unlabelled(tmp_path / "unlabelled.jsonl", titles=set(fresh))
        proc = _run(project, "label", source, check=0)
        quarantine = [
            json.loads(x)
            for x in (project / "work/teacher/labelled.quarantine.jsonl").read_text().splitlines()
        ]
        reasons = {q["id"]: q["reason"] for q in quarantine}
        ids = [GOLD[t]["id"] for t in fresh[:4]]
        assert reasons[ids[0]].startswith("truncated: the answer stopped at max_tokens (200)")
        assert reasons[ids[1]].startswith("truncated")
        assert reasons[ids[2]].startswith("unparseable")
        assert "outside [0.0, 10.0]" in reasons[ids[3]], reasons[ids[3]]
        assert all(q["answer"] for q in quarantine)  # the teacher's answer, for a person to read
        assert len(quarantine) == 4 and "4 quarantined" in proc.stdout
        labelled = (project / "work/teacher/labelled.jsonl").read_text().splitlines()
        assert len(labelled) == 36
        meta = json.loads((project / "work/teacher/labelled.meta.json").read_text())
        assert meta["labelled"] == 36 and meta["quarantined"] == 4

        sent = server.requests
        again = (project / "work/teacher/labelled.jsonl").read_bytes()
        _run(project, "label", source, check=0)
        assert server.requests == sent  # a rerun sends nothing ...
        assert (project / "work/teacher/labelled.jsonl").read_bytes() == again  # ... same bytes

    data = subprocess.run(
        [sys.executable, "-m", "pipeline.data", "--source", "work/teacher/labelled.jsonl"]
        + ["--tokenizer", str(tiny_model), "--workers", "1"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert data.returncode == 0, data.stdout + data.stderr


def test_reasks_replace_a_bad_answer(tmp_path):
    with FakeOpenAI(oracle) as server:
        project = _calibrated(
            tmp_path,
            server,
            edit=lambda t: t.replace("  budget: 10.0", "  reasks: 1\n  budget: 10.0"),
        )
        first = set()

        def flaky(body):  # the first answer of each prompt is prose, the second is right
            key = prompt_key(body)
            if key in first:
                return oracle(body)
            first.add(key)
            return "no idea"

        server.answer = flaky
        source = _unlabelled(tmp_path / "u.jsonl", n=5)
        _run(project, "label", source, check=0)
        assert len((project / "work/teacher/labelled.jsonl").read_text().splitlines()) == 5
        assert max(server.answered.values()) == 2  # asked again once, on purpose


def test_kill_9_then_resume_is_byte_identical_and_asks_nothing_twice(tmp_path):
    source = _unlabelled(tmp_path / "unlabelled.jsonl")
    with FakeOpenAI(oracle) as clean:
        reference = _calibrated(tmp_path, clean, name="clean")
        _run(reference, "label", source, check=0)
    with FakeOpenAI(oracle) as server:
        project = _calibrated(tmp_path, server, name="killed")
        calibration_answers = server.total_answered
        server.latency = 0.01
        server.hold_after = calibration_answers + 30
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.teacher", "label", str(source)],
            cwd=project,
            env=KEY_ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        db = project / "work/teacher/cache.sqlite"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sqlite3.connect(db) as con:
                stored = con.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
            if stored >= server.hold_after and stored == server.total_answered:
                break
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (project / "work/teacher/labelled.jsonl").exists()  # no partial output
        server.hold_after = None
        server.release()
        _run(project, "label", source, check=0)
        assert max(server.answered.values()) == 1  # nothing answered twice
        rows = source.read_text().splitlines()
        assert server.total_answered == len(rows)  # the calibration sample's 50 + the rest
        # requests = answers + those held when the run was killed (never answered)
        assert server.requests == server.total_answered + server.faults["hold"]
        assert server.faults["hold"] > 0
    assert (project / "work/teacher/labelled.jsonl").read_bytes() == (
        reference / "work/teacher/labelled.jsonl"
    ).read_bytes()


def test_label_stops_at_the_budget_and_writes_nothing(tmp_path):
    with FakeOpenAI(oracle) as server:
        project = _calibrated(tmp_path, server)
        spent = llm.Cache(project / "work/teacher/cache.sqlite").spent
        source = _unlabelled(tmp_path / "u.jsonl")
        sent = server.total_answered
        proc = _run(project, "label", source, "--budget", f"{spent + 0.0004:.6f}", check=1)
        assert "STOPPED" in proc.stderr and "--budget" in proc.stderr
        assert not (project / "work/teacher/labelled.jsonl").exists()
        cache = llm.Cache(project / "work/teacher/cache.sqlite")
        assert cache.spent <= spent + 0.0004
        assert 0 < server.total_answered - sent < 58


def test_batch_mode_writes_requests_and_reads_the_output_through_the_same_checks(tmp_path):
    with FakeOpenAI(oracle) as server:
        project = _calibrated(tmp_path, server)
        sent = server.requests
        source = _unlabelled(tmp_path / "u.jsonl", n=12)
        _run(project, "label", source, "--batch", check=0)
        lines = [
            json.loads(x)
            for x in (project / "work/teacher/batch_input.jsonl").read_text().splitlines()
        ]
        # rows of the calibration sample are answered already: only the others are asked
        assert 0 < len(lines) <= 12
        assert all(set(x) == {"custom_id", "method", "url", "body"} for x in lines)
        assert lines[0]["url"] == "/v1/chat/completions"
        output = tmp_path / "batch_output.jsonl"
        with open(output, "w") as out:
            for n, line in enumerate(lines):
                body = line["body"]
                finish = "length" if n == 0 else "stop"
                response = {"status_code": 200, "body": completion_of(body, oracle(body), finish)}
                record = {"id": f"b{n}", "custom_id": line["custom_id"], "response": response}
                out.write(json.dumps({**record, "error": None}) + "\n")
        _run(project, "label", source, "--batch-output", output, check=0)
        assert server.requests == sent  # nothing was asked of the server
        labelled = (project / "work/teacher/labelled.jsonl").read_text().splitlines()
        quarantine = (project / "work/teacher/labelled.quarantine.jsonl").read_text()
        assert len(labelled) == 11 and "truncated" in quarantine


def test_a_missing_api_key_is_named_and_nothing_is_sent(tmp_path):
    with FakeOpenAI(oracle) as server:
        project = _project(tmp_path, server.url)
        env = {k: v for k, v in KEY_ENV.items() if k != "GEMINI_API_KEY"}
        proc = subprocess.run(
            [sys.executable, "-m", "pipeline.teacher", "calibrate"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 2, proc.stdout + proc.stderr
        assert "the environment variable GEMINI_API_KEY is not set" in proc.stderr
        assert server.requests == 0
        assert not (project / "work/teacher/calibration.json").exists()


@pytest.mark.slow
def test_smoke_runs_calibrate_and_label_against_a_loopback_oracle(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "distillgen", "smoke", "specs/uplifting.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "smoke: calibrate ok" in proc.stdout and "decision PASS" in proc.stdout
    assert "smoke: label  ok" in proc.stdout and "30 of 30 rows labelled" in proc.stdout
    assert "smoke: data   ok" in proc.stdout and "smoke: passed" in proc.stdout
