# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/llm.py
"""A client for any OpenAI-compatible server (chat or text completions), paid for once
per answer.

- Requests go through ``openai.AsyncOpenAI`` (its retries with backoff on 429, 5xx
  and timeouts, honouring Retry-After) over aiohttp, at most ``concurrency`` in flight.
- Every answer is stored on arrival in an SQLite database (WAL), keyed by the
  sha256 of the request body (prompt bytes, model and settings): a rerun sends
  nothing, and a run killed at any point resumes without asking anything twice.
- A ledger of tokens, cost and requests sent (retries included) lives in the same
  database. Before a request is sent, its worst case (every prompt byte a token,
  plus the whole max_tokens) is added to what is spent and in flight; a request
  that could cross the budget is not sent (``BudgetStop``).
- The teacher's many rows at a time, its progress bar, the ledger's totals and Batch API
  files are in pipeline/llm_jobs.py (copied only with a teacher).
"""

import asyncio
import hashlib
import json
import os
import sqlite3
from collections import deque
from dataclasses import dataclass
from pathlib import Path

TOKENS_PER_MESSAGE = 8  # chat-template tokens around each message, counted in the worst case
NO_KEY_ENV = "DISTILLGEN_NO_API_KEY"  # what is sent when the key's variable is unset


@dataclass(frozen=True)
class Settings:
    base_url: str
    model: str
    api_key_env: str
    temperature: float = 0.0
    max_tokens: int = 512
    concurrency: int = 8
    timeout: float = 60.0
    retries: int = 5
    price_input: float = 0.0  # USD per million prompt tokens
    price_output: float = 0.0  # USD per million completion tokens
    budget: float | None = None  # USD; None: no cap
    extra_body: dict | None = None  # added to each request (constrained decoding)


@dataclass(frozen=True)
class Answer:
    content: str
    finish_reason: str | None
    prompt_tokens: int
    completion_tokens: int
    cost: float
    # [token text, log-probability] per generated token, where the request asked for
    # them ("logprobs": true) and the server gave them; else None
    logprobs: list | None = None


class LLMError(Exception):
    """A problem that stops the run; the message says what to do."""


class Stop(LLMError):
    """The run stops early: no new request is started, those in flight finish."""


class BudgetStop(Stop):
    """The next request could cross the budget: it was not sent."""


class RequestFailed(LLMError):
    """A request that failed after its retries (nothing was stored for it)."""


def base_url(url: str) -> str:
    """The OpenAI client's base URL (…/v1) from a server's address, with or without /v1."""
    url = url.rstrip("/")
    return url if url.endswith("/v1") else url + "/v1"


def key_env_or_none(name: str) -> str:
    """The variable that holds the server's key, or, when it is unset, one holding a
    placeholder: a local vLLM server needs no key, and one that does answers 401, which
    the error names."""
    if os.environ.get(name):
        return name
    print(f"note: ${name} is not set: requests are sent without an API key")
    os.environ[NO_KEY_ENV] = "none"
    return NO_KEY_ENV


def body_of(messages: list[dict], settings: Settings) -> dict:
    """The request body: what is sent, and what the cache key is made of."""
    body = {
        "model": settings.model,
        "messages": messages,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
    }
    if settings.extra_body:
        body.update(settings.extra_body)
    return body


def text_body_of(prompt: str, settings: Settings, seed: int | None = None) -> dict:
    """A text-completion request (the server's /completions): the prompt continued as it
    is, no chat template; ``seed`` where sampling should be repeatable."""
    body = {
        "model": settings.model,
        "prompt": prompt,
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
    }
    if seed is not None:
        body["seed"] = seed
    return body


def key_of(body: dict, attempt: int = 0) -> str:
    """sha256 of the request's canonical JSON bytes (attempt n > 0: the n-th re-ask)."""
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if attempt:
        data += f"#attempt={attempt}"
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def cost_of(prompt_tokens: int, completion_tokens: int, settings: Settings) -> float:
    return (prompt_tokens * settings.price_input + completion_tokens * settings.price_output) / 1e6


def worst_cost(body: dict, settings: Settings) -> float:
    """An upper bound on what a request can cost: a token is at least one byte."""
    if "prompt" in body:  # a text completion
        tokens = len(body["prompt"].encode("utf-8")) + TOKENS_PER_MESSAGE
    else:
        tokens = sum(
            len(m["content"].encode("utf-8")) + TOKENS_PER_MESSAGE for m in body["messages"]
        )
    return cost_of(tokens, body["max_tokens"], settings)


def answer_of(completion: dict, settings: Settings) -> Answer:
    """An Answer from a chat-completion or text-completion object (a dict, as JSON has it)."""
    choice = completion["choices"][0]
    usage = completion.get("usage") or {}
    prompt, done = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    tokens = (choice.get("logprobs") or {}).get("content")
    return Answer(
        content=(choice["message"].get("content") if "message" in choice else choice["text"]) or "",
        finish_reason=choice.get("finish_reason"),
        prompt_tokens=prompt,
        completion_tokens=done,
        cost=cost_of(prompt, done, settings),
        logprobs=None if tokens is None else [[t["token"], t["logprob"]] for t in tokens],
    )


# ----------------------------------------------------------------------- cache


class Cache:
    """Answers and the ledger, in one SQLite file. Each answer is committed as it comes."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # durable when the process is killed
        self.db.executescript(
            "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, content TEXT NOT NULL,"
            " finish_reason TEXT, prompt_tokens INTEGER, completion_tokens INTEGER,"
            " cost REAL, via TEXT);"
            "CREATE TABLE IF NOT EXISTS ledger (name TEXT PRIMARY KEY, value REAL NOT NULL);"
        )
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(answers)")}
        if "logprobs" not in columns:  # a cache written before answers kept them
            self.db.execute("ALTER TABLE answers ADD COLUMN logprobs TEXT")
        self.spent = self.db.execute("SELECT COALESCE(SUM(cost), 0) FROM answers").fetchone()[0]

    def get(self, key: str) -> Answer | None:
        row = self.db.execute(
            "SELECT content, finish_reason, prompt_tokens, completion_tokens, cost, logprobs"
            " FROM answers WHERE key = ?",
            (key,),
        ).fetchone()
        if row is None:
            return None
        return Answer(*row[:5], logprobs=None if row[5] is None else json.loads(row[5]))

    def put(self, key: str, answer: Answer, *, via: str = "api", requests: int = 0) -> bool:
        """Store one answer (and the requests it took) in one transaction; False if known."""
        with self.db:
            self.db.execute("BEGIN")
            cur = self.db.execute(
                "INSERT OR IGNORE INTO answers (key, content, finish_reason, prompt_tokens,"
                " completion_tokens, cost, via, logprobs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    answer.content,
                    answer.finish_reason,
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    answer.cost,
                    via,
                    None if answer.logprobs is None else json.dumps(answer.logprobs),
                ),
            )
            if requests:
                self._add("requests", requests)
        if cur.rowcount:
            self.spent += answer.cost
        return bool(cur.rowcount)

    def add_requests(self, n: int) -> None:
        if n:
            with self.db:
                self.db.execute("BEGIN")
                self._add("requests", n)

    def _add(self, name: str, value: float) -> None:
        self.db.execute(
            "INSERT INTO ledger VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = value + ?",
            (name, value, value),
        )

    def close(self) -> None:
        self.db.close()


# ---------------------------------------------------------------------- client


class Client:
    """Asks the teacher, through the cache: ``await client.ask(key, body)``."""

    def __init__(self, settings: Settings, cache: Cache, budget: float | None = None):
        self.settings = settings
        self.cache = cache
        self.budget = settings.budget if budget is None else budget
        self.reserved = 0.0  # worst-case cost of the requests in flight
        self.sent = 0  # HTTP requests sent in this run, retries included
        self._unrecorded = 0
        self.answered = 0  # answers received in this run
        self._inflight: dict[str, asyncio.Future] = {}
        self._client = None

    def _open(self):
        import openai

        try:
            import httpx2 as httpx  # what openai 3 uses
        except ImportError:  # pragma: no cover - older openai releases use httpx
            import httpx

        key = os.environ.get(self.settings.api_key_env)
        if not key:
            raise LLMError(
                f"the environment variable {self.settings.api_key_env} is not set: it holds the "
                f"teacher's API key (teacher.api_key_env in the spec); export it and run again "
                f"(any non-empty value for a server without keys)"
            )

        async def count(request):
            self.sent += 1
            self._unrecorded += 1

        self._httpx = httpx
        # aiohttp as the client's transport (openai's own, `openai[aiohttp]`): about 30%
        # less CPU per request than the default httpx one, and the client is the bottleneck.
        http = openai.DefaultAioHttpClient(
            limits=httpx.Limits(
                max_connections=self.settings.concurrency,
                max_keepalive_connections=self.settings.concurrency,
            ),
            event_hooks={"request": [count]},
        )
        return openai.AsyncOpenAI(
            base_url=self.settings.base_url,
            api_key=key,
            max_retries=self.settings.retries,
            timeout=self.settings.timeout,
            http_client=http,
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        self.cache.add_requests(self._unrecorded)
        self._unrecorded = 0

    async def ask(self, key: str, body: dict) -> Answer:
        """The cached answer, or the teacher's (stored before it is returned)."""
        worst = worst_cost(body, self.settings)
        while True:
            known = self.cache.get(key)
            if known is not None:
                return known
            if key in self._inflight:  # the same prompt twice in one run: asked once
                return await asyncio.shield(self._inflight[key])
            if self.budget is None or self.cache.spent + self.reserved + worst <= self.budget:
                break
            if not self._inflight:
                raise BudgetStop(
                    f"the next request could cost up to ${worst:.4f}, and "
                    f"${self.cache.spent:.4f} of the ${self.budget:.4f} budget is spent"
                )
            # What is in flight may cost less than its worst case: wait for some of it.
            await asyncio.wait(list(self._inflight.values()), return_when="FIRST_COMPLETED")
        future = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        self.reserved += worst
        try:
            answer = await self._send(body)
            self.cache.put(key, answer, requests=self._unrecorded)
            self._unrecorded = 0
            self.answered += 1
            future.set_result(answer)
            return answer
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: nobody else may be waiting
            raise
        except BaseException:
            future.cancel()
            raise
        finally:
            self.reserved -= worst
            del self._inflight[key]

    async def _send(self, body: dict) -> Answer:
        import openai

        if self._client is None:
            self._client = self._open()
        problem = ""
        # openai retries 429, 5xx and timeouts itself; a 200 whose body is not a chat
        # completion (malformed JSON, no choices) is asked again here, as often.
        for _ in range(self.settings.retries + 1):
            try:
                # The client's generic post: its retries, backoff and timeouts, without
                # the typed-parameter transform (1.6 ms of CPU a request, the bottleneck).
                raw = await self._client.post(
                    "/completions" if "prompt" in body else "/chat/completions",
                    body=body,
                    cast_to=self._httpx.Response,
                )
            except openai.APIStatusError as exc:
                raise RequestFailed(f"HTTP {exc.status_code}: {str(exc)[:200]}") from exc
            except openai.APIError as exc:
                raise RequestFailed(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
            try:
                completion = json.loads(raw.text)
                return answer_of(completion, self.settings)
            except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
                problem = f"a malformed response body ({type(exc).__name__}: {str(exc)[:120]})"
        raise RequestFailed(f"{problem}, {self.settings.retries + 1} times")


def in_order(items, body_of_item, settings: Settings, cache_path: Path | None):
    """(item, Answer) for each item, in the items' order whatever the concurrency: at
    most ``settings.concurrency`` requests in flight and at most 4 x that many answers
    held back waiting for an earlier one (memory is flat). ``body_of_item(item)`` is the
    request; answers are cached in ``cache_path`` (None: in memory). Raises LLMError when
    a request fails after its retries; what was answered stays in the cache, and so do
    the answers to the requests in flight then (they are let finish: each is paid for,
    and the next run does not ask it again)."""
    cache = Cache(cache_path if cache_path is not None else Path(":memory:"))
    client = Client(settings, cache)
    loop = asyncio.new_event_loop()
    gate = asyncio.Semaphore(max(1, settings.concurrency))
    window = 4 * max(1, settings.concurrency)
    in_flight: set = set()  # the tasks whose request is out

    async def ask(item):
        body = body_of_item(item)
        key = key_of(body)
        known = cache.get(key)
        if known is not None:
            return known
        async with gate:
            task = asyncio.current_task()
            in_flight.add(task)
            try:
                return await client.ask(key, body)
            finally:
                in_flight.discard(task)

    pending: deque = deque()
    source = iter(items)
    failed = False
    try:
        while True:
            while len(pending) < window:
                item = next(source, None)
                if item is None:
                    break
                pending.append((item, loop.create_task(ask(item))))
            if not pending:
                return
            item, task = pending.popleft()
            yield item, loop.run_until_complete(task)
    except LLMError:
        failed = True
        raise
    finally:
        for _, task in pending:  # a failure lets the requests in flight finish
            if not (failed and task in in_flight):
                task.cancel()
        if pending:
            loop.run_until_complete(
                asyncio.gather(*(t for _, t in pending), return_exceptions=True)
            )
        loop.run_until_complete(client.close())
        loop.close()
        cache.close()
