# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/teacher.py
"""Step 0, the teacher: calibrate its prompt on a stratified sample, then label with it.

    python -m pipeline.teacher calibrate [--validate] [--budget USD]
    python -m pipeline.teacher label SOURCE [--out FILE] [--override] [--budget USD]
                                            [--batch | --batch-output FILE]

The teacher sees the student's prompt (same bytes) unless the spec gives it its own
system message or template. Its answers are read by the project's parser and
checked by the data step's row checks, exactly as gold labels are.

calibrate draws the spec's strata from the candidates (``--validate``: a second
draw with validation_seed, disjoint from the first), asks the teacher, and judges
the answers against the gold labels (the project's metrics and thresholds) and/or
the per-stratum expectations. PASS / REVIEW / FAIL exit as the accept step does
(0 / 3 / 4), with work/teacher/report.md listing the worst-judged examples. The
result is bound to the hash of the teacher prompt, model and settings.

label refuses (exit 2) unless calibration passed for the current hash
(``--override`` labels anyway and says so in the metadata). Answers come from the
cache when known (work/teacher/cache.sqlite), else from the teacher; a run stopped
by the budget, by failing requests or by a kill resumes where it was. Answers
that are truncated, unreadable or fail the row checks are quarantined with the
reason (asked again ``reasks`` times first). The labelled file is written whole
or not at all, in the source's order, and ``make data SOURCE=...`` reads it as it
is. ``--batch`` writes the requests as an OpenAI Batch API input file instead;
``--batch-output`` reads the provider's output file into the cache first.
With teacher.constrained, every request asks the server to hold the answer to the
label schema (pipeline/constrain.py): ``response_format`` with the JSON Schema, or
vLLM's ``structured_outputs`` (teacher.constrain_with: vllm); the calibration is bound
to that too.
Exit status: 0 done, 1 stopped (budget, failed requests, unanswered rows),
2 refused or unreadable input.
"""

import argparse
import asyncio
import csv
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

from . import accept, constrain, data, labels, llm, llm_jobs, metrics, parse, schema
from .paths import value_at
from .sandbox import PromptTemplate, make_env, schema_context

if schema.SOURCE_FORMAT == "csv":
    from .csv_rows import read_csv

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "work" / "teacher"
T = schema.TEACHER
CAL = T["calibration"]
SETTINGS = llm.Settings(
    base_url=T["base_url"],
    model=T["model"],
    api_key_env=T["api_key_env"],
    temperature=T["temperature"],
    max_tokens=T["max_tokens"],
    concurrency=T["concurrency"],
    timeout=T["timeout"],
    retries=T["retries"],
    price_input=T["price_input"],
    price_output=T["price_output"],
    budget=T["budget"],
    # teacher.constrained: answers held to the label schema by the server.
    extra_body=constrain.server_body(T["constrain_with"]) if T["constrained"] else None,
)
MAX_FAILED = 20  # requests failing after their retries before the run gives up
SHOW = 10  # quarantined rows and worst examples shown

_ENV = make_env()
_SCHEMA = schema_context(schema.FIELDS, schema.NA_TOKEN, schema.COMPLETION_FORMAT)
_INPUTS = [field["name"] for field in schema.INPUTS]
SYSTEM = T["system"] if T["system"] is not None else schema.SYSTEM_PROMPT
TEMPLATE = T["template"] if T["template"] is not None else schema.PROMPT_TEMPLATE
_USER = PromptTemplate(_ENV, TEMPLATE, _INPUTS, _SCHEMA)
_SYSTEM = None if SYSTEM is None else PromptTemplate(_ENV, SYSTEM, _INPUTS, _SCHEMA)


class TeacherError(Exception):
    """The step cannot run as asked; the message says why and what to do."""


def messages(inputs: dict) -> list[dict]:
    """The teacher's chat messages for one row (the student's, unless the spec says)."""
    out = [] if _SYSTEM is None else [{"role": "system", "content": _SYSTEM.render(inputs)}]
    return [*out, {"role": "user", "content": _USER.render(inputs)}]


def prompt_hash() -> str:
    """What a calibration is valid for: the teacher prompt's bytes, model and settings."""
    bound = {
        "system": SYSTEM,
        "template": TEMPLATE,
        "model": SETTINGS.model,
        "temperature": SETTINGS.temperature,
        "max_tokens": SETTINGS.max_tokens,
        "completion_format": schema.COMPLETION_FORMAT,
        "fields": schema.FIELDS,
    }
    if SETTINGS.extra_body:  # constrained answers are other answers
        bound["constrained"] = SETTINGS.extra_body
    text = json.dumps(bound, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------------- rows


def read(path: Path):
    """(row number, row dict or None, problem or None) per record of a source file."""
    if not path.is_file():
        raise TeacherError(f"{path}: no such file")
    if schema.SOURCE_FORMAT == "csv":
        # As the data step reads CSV, except that a file to label has no label columns.
        yield from read_csv(path, TeacherError, with_labels=False)
        return
    source = {path.stem: path} if hasattr(schema, "SOURCES") else path
    try:
        yield from data.iter_rows(source)
    except data.DataError as exc:
        raise TeacherError(str(exc)) from exc


def label_source(row: dict):
    """Where a row keeps its labels (what labels.check_labels reads)."""
    return value_at(row, schema.LABELS_KEY) if schema.LABELS_KEY else row


def judge(row: dict, answer: llm.Answer):
    """(labelled row or None, why it is quarantined or None, Parsed) for one answer."""
    parsed = parse.parse(answer.content)
    if answer.finish_reason == "length":
        why = f"truncated: the answer stopped at max_tokens ({SETTINGS.max_tokens})"
        return None, why, parsed
    if parsed.status != parse.PARSED:
        why = "; ".join(v if k == "*" else f"{k}: {v}" for k, v in parsed.problems.items())
        return None, f"{parsed.status}: {why or 'no answer'}"[:500], parsed
    labelled = labels.with_labels(row, parsed.values)
    source = label_source(labelled)
    problems = labels.check_labels(source)[1] if isinstance(source, dict) else ["no labels"]
    if problems:
        return None, ("schema-invalid: " + "; ".join(problems))[:500], parsed
    return labelled, None, parsed


def row_id(number, row: dict) -> str:
    value = row.get(schema.ID_FIELD) if schema.ID_FIELD else None
    return str(number) if value is None else str(value)


def outcome(cache: llm.Cache, row: dict, body: dict):
    """What the cache holds for a row: (state, labelled row, why, answer, Parsed), state
    "ok", "quarantined" (every attempt judged bad) or "missing" (an attempt not asked)."""
    last = (None, None, None)
    for attempt in range(T["reasks"] + 1):
        answer = cache.get(llm.key_of(body, attempt))
        if answer is None:
            return "missing", None, last[0], last[1], last[2]
        labelled, why, parsed = judge(row, answer)
        if why is None:
            return "ok", labelled, None, answer, parsed
        last = (why, answer, parsed)
    return "quarantined", None, *last


# --------------------------------------------------------------------- asking


async def _ask_all(jobs, cache: llm.Cache, total: int, desc: str, budget):
    """Ask the teacher for every (row, body) job that the cache does not answer."""
    client = llm.Client(SETTINGS, cache, budget=budget)
    failed: list[str] = []

    async def handle(job):
        number, row, body = job
        for attempt in range(T["reasks"] + 1):
            try:
                answer = await client.ask(llm.key_of(body, attempt), body)
            except llm.RequestFailed as exc:
                failed.append(f"row {number}: {exc}")
                if len(failed) >= MAX_FAILED:
                    raise llm.Stop(f"{len(failed)} requests failed after their retries") from exc
                return
            if attempt == T["reasks"] or judge(row, answer)[1] is None:
                return  # (no re-ask left: the answer is judged when the output is written)

    progress = llm_jobs.Progress(total, client, desc)
    try:
        stop = await llm_jobs.run_jobs(jobs, handle, SETTINGS.concurrency, progress)
    finally:
        progress.close()
        await client.close()
    return stop, failed, client


def ask(jobs, cache: llm.Cache, total: int, desc: str, budget) -> int:
    """Run the jobs; 0 when every row is answered, else 1 with the reason printed."""
    started = time.perf_counter()
    stop, failed, client = asyncio.run(_ask_all(jobs, cache, total, desc, budget))
    ledger = llm_jobs.ledger(cache)
    print(
        f"teacher: {client.answered} answers received with {client.sent} requests in "
        f"{time.perf_counter() - started:.1f} s; "
        f"the ledger: {ledger['answers']} answers, {ledger['prompt_tokens']} + "
        f"{ledger['completion_tokens']} tokens, ${ledger['cost_usd']:.4f}"
    )
    for line in failed[:SHOW]:
        print(f"teacher: failed: {line}", file=sys.stderr)
    if stop is not None:
        print(f"teacher: STOPPED: {stop}", file=sys.stderr)
    if stop is not None or failed:
        print(
            "teacher: every answer received is kept; run the same command again to go on "
            "(nothing answered is asked twice)"
            + ("; raise the budget with --budget USD" if isinstance(stop, llm.BudgetStop) else ""),
            file=sys.stderr,
        )
        return 1
    return 0


def _jobs(path: Path, cache: llm.Cache):
    """(number, row, body) for each readable row whose answer the cache lacks or rejects."""
    for number, row, problem in read(path):
        if problem is not None:
            continue
        inputs, problems = data.check_inputs(row)
        if problems:
            continue
        body = llm.body_of(messages(inputs), SETTINGS)
        if outcome(cache, row, body)[0] != "missing":
            continue
        yield number, row, body


# ---------------------------------------------------------------------- label


def calibration_problem() -> str | None:
    """Why labelling may not start (None: calibration passed for this prompt hash)."""
    current = prompt_hash()
    for name in ("calibration.json", "validation.json"):
        path = WORK / name
        if not path.is_file():
            if name == "calibration.json":
                return "no calibration yet: run `make calibrate` until it passes"
            continue
        try:
            result = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            return f"{path} is unreadable ({exc}): run `make calibrate` again"
        if result.get("prompt_hash") != current:
            if name == "validation.json":
                continue  # a validation of an older prompt says nothing about this one
            return (
                f"the calibration in {path} is for another teacher prompt, model or settings "
                f"(hash {str(result.get('prompt_hash'))[:12]}, now {current[:12]}): run "
                "`make calibrate` again"
            )
        if result.get("decision") != "PASS":
            return (
                f"{path.stem} decided {result.get('decision')}: revise the teacher prompt "
                "(see work/teacher/report.md) and calibrate until it passes"
            )
    return None


def _csv_value(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _write_output(path: Path, out: Path, cache: llm.Cache, calibration: dict) -> int:
    """Write the labelled file, its quarantine and metadata; 1 (nothing written) when a
    row has no answer yet."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    qpath = out.with_name(out.stem + ".quarantine.jsonl")
    qtmp = qpath.with_name(qpath.name + ".tmp")
    started = time.perf_counter()
    counts = {"rows": 0, "labelled": 0, "quarantined": 0, "missing": 0}
    reasons: dict = {}
    shown: list[str] = []
    tokens = [0, 0, 0.0]
    digest = hashlib.sha256()
    csv_out = schema.SOURCE_FORMAT == "csv"
    writer = None
    with (
        open(tmp, "w", encoding="utf-8", newline="") as handle,
        open(qtmp, "w", encoding="utf-8") as qhandle,
    ):

        def quarantine(number, row, why, answer=None):
            counts["quarantined"] += 1
            kind = why.partition(":")[0]
            reasons[kind] = reasons.get(kind, 0) + 1
            record = {"row": number, "id": None if row is None else row_id(number, row)}
            record["reason"] = why
            if answer is not None:
                record["answer"] = answer.content
                record["finish_reason"] = answer.finish_reason
            qhandle.write(json.dumps(record, ensure_ascii=False) + "\n")
            if len(shown) < SHOW:
                shown.append(f"  row {number}: {why}"[:300])

        for number, row, problem in read(path):
            counts["rows"] += 1
            if problem is not None:
                quarantine(number, None, f"unreadable row: {problem}")
                continue
            inputs, problems = data.check_inputs(row)
            if problems:
                quarantine(number, row, "input: " + "; ".join(problems))
                continue
            body = llm.body_of(messages(inputs), SETTINGS)
            state, labelled, why, answer, _ = outcome(cache, row, body)
            if state == "missing":
                counts["missing"] += 1
                continue
            if state == "quarantined":
                quarantine(number, row, why, answer)
                continue
            tokens[0] += answer.prompt_tokens
            tokens[1] += answer.completion_tokens
            tokens[2] += answer.cost
            counts["labelled"] += 1
            if csv_out:
                if writer is None:
                    writer = csv.DictWriter(handle, fieldnames=list(labelled), lineterminator="\n")
                    writer.writeheader()
                line = {k: _csv_value(v) for k, v in labelled.items()}
                writer.writerow(line)
            else:
                text = json.dumps(labelled, ensure_ascii=False) + "\n"
                handle.write(text)
    if counts["missing"]:
        tmp.unlink()
        qtmp.unlink()
        print(
            f"label: {counts['missing']} rows have no answer yet: nothing was written; "
            "run label again (or read the batch output with --batch-output FILE)",
            file=sys.stderr,
        )
        return 1
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    meta = {
        "source": str(path),
        "source_sha256": digest.hexdigest(),
        "teacher": {
            "model": SETTINGS.model,
            "base_url": SETTINGS.base_url,
            "temperature": SETTINGS.temperature,
            "max_tokens": SETTINGS.max_tokens,
            "prompt_hash": prompt_hash(),
        },
        "calibration": calibration,
        "rows": counts["rows"],
        "labelled": counts["labelled"],
        "quarantined": counts["quarantined"],
        "quarantine_reasons": dict(sorted(reasons.items())),
        "answers": {
            "prompt_tokens": tokens[0],
            "completion_tokens": tokens[1],
            "cost_usd": round(tokens[2], 6),
        },
        "quarantine_file": qpath.name,
    }
    meta_path = out.with_name(out.stem + ".meta.json")
    _atomic_text(meta_path, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    os.replace(qtmp, qpath)
    os.replace(tmp, out)
    print(
        f"label: {counts['labelled']} of {counts['rows']} rows labelled -> {out}; "
        f"{counts['quarantined']} quarantined -> {qpath} ({time.perf_counter() - started:.1f} s)"
    )
    for line in shown:
        print(line)
    if hasattr(schema, "SOURCES"):
        print(f"label: next, point a data.sources entry of the spec at {out}")
    else:
        print(f"label: next, make data SOURCE={out}")
    return 0


def _atomic_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _count(path: Path) -> int:
    """Rows in a source, for the progress bar (lines of a JSONL file)."""
    if schema.SOURCE_FORMAT == "csv":
        return sum(1 for _ in read(path))
    with open(path, "rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def write_batch(path: Path, cache: llm.Cache, target: Path, budget) -> int:
    """The requests the cache lacks, as an OpenAI Batch API input file."""
    seen: set = set()
    worst = 0.0
    written = 0
    tmp = target.with_name(target.name + ".tmp")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(tmp, "w", encoding="utf-8") as handle:
        for _, _row, body in _jobs(path, cache):
            attempt = next(
                a for a in range(T["reasks"] + 1) if cache.get(llm.key_of(body, a)) is None
            )
            key = llm.key_of(body, attempt)
            if key in seen:
                continue
            cost = llm.worst_cost(body, SETTINGS)
            if budget is not None and cache.spent + worst + cost > budget:
                print(
                    f"label: the budget (${budget:.4f}) stops the batch at {written} requests",
                    file=sys.stderr,
                )
                break
            seen.add(key)
            worst += cost
            handle.write(llm_jobs.batch_line(key, body) + "\n")
            written += 1
    os.replace(tmp, target)
    print(
        f"label: wrote {written} requests to {target} (at most ${worst:.4f}); submit it to a "
        f"batch API (or `vllm run-batch -i {target} -o OUT --model {SETTINGS.model}`), then "
        "run label with BATCH_OUTPUT=OUT"
    )
    return 0


def label(args) -> int:
    if str(args.source) in ("", "."):
        print("label: give the file to label: make label SOURCE=FILE", file=sys.stderr)
        return 2
    problem = calibration_problem()
    if problem is not None and not args.override:
        print(f"label: REFUSED: {problem} (or label anyway with --override)", file=sys.stderr)
        return 2
    calibration = {"passed": problem is None, "override": bool(args.override)}
    if problem is not None:
        calibration["problem"] = problem
        print(f"label: WARNING: {problem}; labelling anyway (--override, recorded)")
    budget = args.budget if args.budget is not None else SETTINGS.budget
    suffix = ".csv" if schema.SOURCE_FORMAT == "csv" else ".jsonl"
    out = args.out or WORK / f"labelled{suffix}"
    cache = llm.Cache(WORK / "cache.sqlite")
    try:
        if args.batch:
            return write_batch(args.source, cache, WORK / "batch_input.jsonl", budget)
        if args.batch_output is not None:
            stored, problems = llm_jobs.store_batch_output(args.batch_output, cache, SETTINGS)
            print(f"label: {stored} answers read from {args.batch_output}")
            for line in problems[:SHOW]:
                print(f"label: {line}", file=sys.stderr)
        else:
            total = _count(args.source)
            status = ask(_jobs(args.source, cache), cache, total, "label", budget)
            if status:
                return status
        return _write_output(args.source, out, cache, calibration)
    finally:
        cache.close()


# ------------------------------------------------------------------ calibrate


def draw(validate: bool) -> list[tuple]:
    """(row number, row, stratum) of the calibration sample (or of the validation draw)."""
    path = ROOT / CAL["candidates"]
    pools: dict = {name: [] for name in CAL["strata"]}
    for number, row, problem in read(path):
        if problem is None and str(row.get(CAL["stratum_field"])) in pools:
            pools[str(row.get(CAL["stratum_field"]))].append((number, row))
    chosen = []
    for name, size in CAL["strata"].items():
        pool = pools[name]
        need = 2 * size if validate else size
        if len(pool) < need:
            more = f" and {size} more for the validation draw" if validate else ""
            raise TeacherError(
                f"{path}: stratum {name!r} (column {CAL['stratum_field']!r}) has {len(pool)} "
                f"rows; the sample needs {size}{more}: add candidates or lower its size"
            )
        first = random.Random(f"{CAL['seed']}:{name}").sample(range(len(pool)), size)
        picks = first
        if validate:
            rest = sorted(set(range(len(pool))) - set(first))
            picks = random.Random(f"{CAL['validation_seed']}:{name}").sample(rest, size)
        chosen += [(pool[i][0], pool[i][1], name) for i in sorted(picks)]
    return chosen


def meets(rule: dict, values: dict) -> bool:
    got = [values.get(name) for name in rule["fields"]]
    if any(v is None for v in got):
        return False
    if rule["one_of"] is not None:
        allowed = {str(v).casefold() for v in rule["one_of"]}
        return all(labels.format_value(v).casefold() in allowed for v in got)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in got):
        return False
    numbers = [sum(got) / len(got)] if rule["of"] == "mean" else got
    lo, hi = rule["at_least"], rule["at_most"]
    return all((lo is None or x >= lo) and (hi is None or x <= hi) for x in numbers)


def describe(rule: dict) -> str:
    what = "the mean of " if rule["of"] == "mean" else "each of "
    fields = "the fields" if len(rule["fields"]) > 3 else ", ".join(rule["fields"])
    parts = []
    if rule["at_least"] is not None:
        parts.append(f">= {rule['at_least']}")
    if rule["at_most"] is not None:
        parts.append(f"<= {rule['at_most']}")
    if rule["one_of"] is not None:
        parts.append("one of " + ", ".join(rule["one_of"]))
    return f"{rule['stratum']}: {what}{fields} {' and '.join(parts)}"


def _miss(field: dict, gold, got) -> float:
    """How far one answered value is from the gold one, 0..1."""
    if got is None and gold is not None:
        return 1.0
    if field["type"] in ("integer", "number") and isinstance(got, int | float):
        span = (field["maximum"] or 0) - (field["minimum"] or 0)
        return min(1.0, abs(got - gold) / span) if span > 0 else float(got != gold)
    return float(got != gold)


def calibrate(args) -> int:
    which = "validation" if args.validate else "calibration"
    sample = draw(args.validate)
    rows = []
    for number, row, stratum in sample:
        inputs, problems = data.check_inputs(row)
        if problems:
            raise TeacherError(f"candidate row {number}: " + "; ".join(problems))
        gold = None
        if CAL["gold"]:
            source = label_source(row)
            gold, problems = (
                labels.check_labels(source) if isinstance(source, dict) else ({}, ["no labels"])
            )
            if problems:
                raise TeacherError(
                    f"candidate row {number}: its gold labels fail the row checks: "
                    + "; ".join(problems)
                )
        rows.append((number, row, stratum, llm.body_of(messages(inputs), SETTINGS), gold))
    cache = llm.Cache(WORK / "cache.sqlite")
    try:
        budget = args.budget if args.budget is not None else SETTINGS.budget
        jobs = [(n, r, b) for n, r, _, b, _ in rows if outcome(cache, r, b)[0] == "missing"]
        status = ask(jobs, cache, len(jobs), which, budget)
        if status:
            return status
        judged = [outcome(cache, r, b) for _, r, _, b, _ in rows]
    finally:
        cache.close()

    values: dict = {}
    thresholds: list = []
    reasons: dict = {}
    parsed = [p if p is not None else parse.parse("") for _, _, _, _, p in judged]
    usable = [state == "ok" for state, *_ in judged]
    not_judged: list[str] = []
    if CAL["gold"]:
        golds = [gold for *_, gold in rows]
        finishes = [answer.finish_reason or "stop" for _, _, _, answer, _ in judged]
        records = [{"finish": finish} for finish in finishes]
        scored = metrics.score(golds, parsed, records, [{} for _ in golds], truncated=0, missing=0)
        values.update(scored["summary"])
        reasons.update(scored.get("unavailable", {}))
        # Thresholds on the answers themselves; those comparing the trained model with
        # another one (gain_over_base, a baseline's) do not apply to a teacher.
        thresholds += [r for r in schema.THRESHOLDS if r["metric"] in scored["summary"]]
        not_judged = [r["metric"] for r in schema.THRESHOLDS if r["metric"] not in values]
    failed_rules: list[list[str]] = [[] for _ in rows]
    for i, rule in enumerate(CAL["expectations"], start=1):
        name = f"expect.{rule['stratum']}.{i}"
        members = [j for j, r in enumerate(rows) if r[2] == rule["stratum"]]
        met = 0
        for j in members:
            if usable[j] and meets(rule, parsed[j].values):
                met += 1
            else:
                failed_rules[j].append(describe(rule))
        values[name] = met / len(members) if members else None
        thresholds.append(
            {
                "metric": name,
                "pass": rule["pass"],
                "review": rule["review"],
                "higher_is_better": True,
                "rule": describe(rule),
            }
        )
    result = accept.judge(values, thresholds, reasons)

    worst = []
    for j, ((number, row, stratum, _, gold), (state, _, why, answer, p)) in enumerate(
        zip(rows, judged, strict=True)
    ):
        miss = 0.0
        if gold is not None and isinstance(gold, dict) and not hasattr(schema, "OUTPUT_FIELD"):
            miss = sum(
                _miss(f, gold.get(f["name"]), p.values.get(f["name"])) for f in schema.FIELDS
            ) / len(schema.FIELDS)
        elif gold is not None:
            miss = 0.0 if p.values == gold else 1.0
        badness = (1.0 if state != "ok" else miss) + len(failed_rules[j])
        if badness > 0:
            worst.append(
                {
                    "row": number,
                    "id": row_id(number, row),
                    "stratum": stratum,
                    "badness": round(badness, 4),
                    "why": ([why] if why else []) + failed_rules[j],
                    "gold": gold,
                    "teacher": answer.content if answer is not None else None,
                }
            )
    worst.sort(key=lambda w: -w["badness"])
    record = {
        "decision": result["decision"],
        "draw": which,
        "prompt_hash": prompt_hash(),
        "model": SETTINGS.model,
        "settings": {"temperature": SETTINGS.temperature, "max_tokens": SETTINGS.max_tokens},
        "seed": CAL["validation_seed"] if args.validate else CAL["seed"],
        "sample": {name: size for name, size in CAL["strata"].items()},
        "rows": [row_id(n, r) for n, r, *_ in rows],
        "usable_rate": sum(usable) / len(usable) if usable else None,
        "rules": result["rules"],
        "not_judged": not_judged,
        "worst": worst[:SHOW],
    }
    WORK.mkdir(parents=True, exist_ok=True)
    _atomic_text(WORK / f"{which}.json", json.dumps(record, indent=2, ensure_ascii=False) + "\n")
    report = _report(record, result)
    _atomic_text(WORK / ("report.md" if which == "calibration" else "validation.md"), report)
    print(report, end="")
    return accept.EXIT[result["decision"]]


def _report(record: dict, result: dict) -> str:
    lines = [
        f"# Teacher {record['draw']}: {record['decision']}",
        "",
        f"Teacher `{record['model']}`, prompt hash `{record['prompt_hash'][:16]}`; "
        f"{len(record['rows'])} rows drawn with seed {record['seed']} "
        f"({', '.join(f'{k} {v}' for k, v in record['sample'].items())}); "
        f"{record['usable_rate']:.0%} of the answers pass the row checks.",
        "",
        accept.table(result),
        "",
    ]
    for rule in result["rules"]:
        if "rule" in rule:
            lines.append(f"- `{rule['metric']}`: share of rows where {rule['rule']}")
    if record["not_judged"]:
        names = ", ".join(f"`{name}`" for name in record["not_judged"])
        lines.append(f"- Not judged here (they compare the trained model with another): {names}")
    lines += ["", "## Worst-judged examples", ""]
    if not record["worst"]:
        lines.append("None: every answer matches.")
    for k, w in enumerate(record["worst"], start=1):
        lines += [f"### {k}. row {w['id']} ({w['stratum']}), badness {w['badness']}", ""]
        lines += [f"- {why}" for why in w["why"]]
        if w["gold"] is not None:
            gold = json.dumps(w["gold"], ensure_ascii=False)
            lines.append(f"- gold: `{gold}`")
        lines += ["", "```", str(w["teacher"]).replace("```", "'''"), "```", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cal = sub.add_parser("calibrate", help="judge the teacher on the stratified sample")
    cal.add_argument("--validate", action="store_true", help="the second, disjoint draw")
    cal.add_argument("--budget", type=float, default=None, help="USD cap instead of the spec's")
    lab = sub.add_parser("label", help="label a source file with the teacher")
    lab.add_argument("source", type=Path)
    lab.add_argument("--out", type=Path, default=None)
    lab.add_argument("--override", action="store_true", help="label without a passed calibration")
    lab.add_argument("--budget", type=float, default=None, help="USD cap instead of the spec's")
    mode = lab.add_mutually_exclusive_group()
    mode.add_argument("--batch", action="store_true", help="write a Batch API input file")
    mode.add_argument("--batch-output", type=Path, default=None, help="read a batch output file")
    args = parser.parse_args(argv)
    try:
        return calibrate(args) if args.command == "calibrate" else label(args)
    except (TeacherError, llm.LLMError) as exc:
        print(f"teacher: FAILED: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
