# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/llm_jobs.py
"""The teacher's side of the LLM client (pipeline/llm.py; copied only with a teacher):
many rows asked at a bounded concurrency with a progress bar, the ledger's totals, and
Batch API files: ``batch_line`` writes one request of an OpenAI Batch API input file
(also what ``vllm run-batch`` reads) and ``store_batch_output`` reads a provider's
output file into the same cache and ledger."""

import asyncio
import json
from pathlib import Path

from .llm import Cache, Client, Settings, Stop, answer_of


async def run_jobs(jobs, handle, concurrency: int, progress=None):
    """Run ``await handle(job)`` for each job, ``concurrency`` at a time, in order of
    start. Jobs are drawn lazily (memory does not grow with their number). Returns the
    Stop (a BudgetStop, say) that ended the run early, or None; in-flight jobs finish."""
    it = iter(jobs)
    stop = None

    async def worker():
        nonlocal stop
        while stop is None:
            try:
                job = next(it)
            except StopIteration:
                return
            try:
                await handle(job)
            except Stop as exc:
                stop = exc
            if progress is not None:
                progress()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return stop


class Progress:
    """A tqdm bar with rate, ETA, requests sent and spend (quiet when not a terminal)."""

    def __init__(self, total: int, client: Client, desc: str):
        from tqdm import tqdm

        self.client = client
        self.bar = tqdm(total=total, desc=desc, unit="row", disable=None, smoothing=0.1)

    def __call__(self) -> None:
        self.bar.update(1)
        if self.bar.n % 16 == 0 or self.bar.n == self.bar.total:
            self.bar.set_postfix(
                sent=self.client.sent, spent=f"${self.client.cache.spent:.4f}", refresh=False
            )

    def close(self) -> None:
        self.bar.close()


def ledger(cache: Cache) -> dict:
    """Totals over every answer stored: what the teacher has cost so far."""
    n, spent, tin, tout = cache.db.execute(
        "SELECT COUNT(*), COALESCE(SUM(cost), 0), COALESCE(SUM(prompt_tokens), 0),"
        " COALESCE(SUM(completion_tokens), 0) FROM answers"
    ).fetchone()
    requests = dict(cache.db.execute("SELECT name, value FROM ledger").fetchall())
    return {
        "answers": n,
        "requests": int(requests.get("requests", 0)),
        "prompt_tokens": tin,
        "completion_tokens": tout,
        "cost_usd": round(spent, 6),
    }


def batch_line(key: str, body: dict) -> str:
    """One request of an OpenAI Batch API input file (custom_id: the cache key)."""
    line = {"custom_id": key, "method": "POST", "url": "/v1/chat/completions", "body": body}
    return json.dumps(line, ensure_ascii=False, sort_keys=True)


def store_batch_output(path: Path, cache: Cache, settings: Settings) -> tuple[int, list[str]]:
    """Read a provider's batch output file into the cache: (answers stored, problems)."""
    stored, problems = 0, []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                key = record["custom_id"]
                response = record.get("response") or {}
                if record.get("error") or response.get("status_code") != 200:
                    error = record.get("error") or response.get("body")
                    problems.append(f"{path}:{number}: {key}: the request failed: {error}"[:300])
                    continue
                answer = answer_of(response["body"], settings)
            except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                problems.append(f"{path}:{number}: not a batch output line ({exc})"[:300])
                continue
            stored += cache.put(key, answer, via="batch", requests=1)
    return stored, problems
