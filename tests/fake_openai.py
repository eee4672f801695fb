"""A small OpenAI-compatible server on 127.0.0.1 (chat completions at /v1/chat/completions,
text completions at /v1/completions: a body with "prompt"), with faults to turn on.

    with FakeOpenAI(answer=lambda body: "...") as server:
        server.url  # http://127.0.0.1:PORT/v1

Faults (counts are of requests, in arrival order, and use themselves up):
rate_limits (429 with Retry-After), errors (500), malformed (a 200 whose body is
not JSON), timeouts (requests held ``timeout_hold`` seconds, longer than the
client waits), latency (seconds before every answer), truncate (a predicate on
the body: the answer is cut and finish_reason is "length"), wrong_fraction (that
share of distinct prompts, exactly, answered by ``wrong(body)``), hold_after
(after that many answers, requests hang until ``release()``, then the connection
is closed unanswered). ``answered`` counts the answers delivered per prompt.
A request with "logprobs": true gets them from ``tokens(content)`` (a list of
(token text, log-probability)), or none when ``tokens`` is not given.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def prompt_key(body: dict) -> str:
    """The chat messages, or a text completion's prompt and seed (a sample of its own)."""
    asked = body["messages"] if "messages" in body else [body["prompt"], body.get("seed")]
    return hashlib.sha256(json.dumps(asked, sort_keys=True).encode()).hexdigest()


def user_text(body: dict) -> str:
    if "prompt" in body:
        return body["prompt"]
    return next(m["content"] for m in body["messages"] if m["role"] == "user")


class FakeOpenAI:
    def __init__(self, answer, *, wrong=None, **faults):
        self.answer = answer
        self.wrong = wrong
        self.rate_limits = faults.pop("rate_limits", 0)
        self.retry_after = faults.pop("retry_after", "0.05")
        self.errors = faults.pop("errors", 0)
        self.malformed = faults.pop("malformed", 0)
        self.timeouts = faults.pop("timeouts", 0)
        self.timeout_hold = faults.pop("timeout_hold", 3.0)
        self.latency = faults.pop("latency", 0.0)
        self.truncate = faults.pop("truncate", None)
        self.wrong_fraction = faults.pop("wrong_fraction", 0.0)
        self.hold_after = faults.pop("hold_after", None)
        self.tokens = faults.pop("tokens", None)
        if faults:
            raise TypeError(f"unknown faults: {sorted(faults)}")
        self.lock = threading.Lock()
        self.requests = 0
        self.faults = Counter()
        self.answered = Counter()  # prompt key -> answers delivered
        self.paths = Counter()  # request path -> requests
        self._seen: dict[str, bool] = {}  # prompt key -> answered wrong
        self._released = threading.Event()
        ThreadingHTTPServer.request_queue_size = 256  # many clients connect at once
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._released.set()
        self.server.shutdown()
        self.server.server_close()

    def release(self):
        self._released.set()

    @property
    def total_answered(self) -> int:
        return sum(self.answered.values())

    def _take(self, name: str) -> bool:
        if getattr(self, name) > 0:
            setattr(self, name, getattr(self, name) - 1)
            self.faults[name] += 1
            return True
        return False

    def _is_wrong(self, key: str) -> bool:
        if key not in self._seen:
            i = len(self._seen)
            f = self.wrong_fraction
            self._seen[key] = int((i + 1) * f + 1e-9) > int(i * f + 1e-9)
        return self._seen[key]

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _send(self, status: int, payload: bytes, headers=()):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                key = prompt_key(body)
                with fake.lock:
                    fake.requests += 1
                    fake.paths[self.path] += 1
                    if fake._take("rate_limits"):
                        fault = "429"
                    elif fake._take("errors"):
                        fault = "500"
                    elif fake._take("malformed"):
                        fault = "malformed"
                    elif fake._take("timeouts"):
                        fault = "timeout"
                    elif fake.hold_after is not None and fake.total_answered >= fake.hold_after:
                        fault = "hold"
                    else:
                        fault = None
                        wrong = fake._is_wrong(key)
                if fault == "429":
                    error = {"error": {"message": "slow down", "type": "rate_limit"}}
                    return self._send(
                        429,
                        json.dumps(error).encode(),
                        [("Retry-After", fake.retry_after)],
                    )
                if fault == "500":
                    return self._send(500, b'{"error": {"message": "boom"}}')
                if fault == "malformed":
                    return self._send(200, b'{"id": "x", "choices": [{"message": ')
                if fault == "timeout":
                    time.sleep(fake.timeout_hold)
                    self.close_connection = True
                    return None
                if fault == "hold":
                    with fake.lock:
                        fake.faults["hold"] += 1
                    fake._released.wait()
                    self.close_connection = True
                    return None
                if fake.latency:
                    time.sleep(fake.latency)
                content = fake.wrong(body) if wrong and fake.wrong else fake.answer(body)
                finish = "stop"
                if fake.truncate is not None and fake.truncate(body):
                    content, finish = content[: max(1, len(content) // 2)], "length"
                if "prompt" in body:  # a text completion
                    prompt_tokens = len(body["prompt"]) // 4 + 1
                    kind = "text_completion"
                    choice = {"index": 0, "text": content, "finish_reason": finish}
                else:
                    prompt_tokens = sum(len(m["content"]) for m in body["messages"]) // 4 + 1
                    kind = "chat.completion"
                    choice = {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": finish,
                    }
                completion_tokens = len(content) // 4 + 1
                payload = {
                    "id": "cmpl-" + key[:12],
                    "object": kind,
                    "created": 0,
                    "model": body["model"],
                    "choices": [choice],
                    "usage": {
                        "prompt_tokens": prompt_tokens,
                        "completion_tokens": completion_tokens,
                        "total_tokens": prompt_tokens + completion_tokens,
                    },
                }
                if body.get("logprobs") and fake.tokens is not None:
                    payload["choices"][0]["logprobs"] = {
                        "content": [
                            {"token": token, "logprob": logprob, "bytes": None, "top_logprobs": []}
                            for token, logprob in fake.tokens(content)
                        ]
                    }
                self._send(200, json.dumps(payload).encode())
                with fake.lock:
                    fake.answered[key] += 1

        return Handler


def completion_of(body: dict, content: str, finish: str = "stop") -> dict:
    """A chat completion as a provider's batch output file holds it."""
    return {
        "id": "chatcmpl-batch",
        "object": "chat.completion",
        "model": body["model"],
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish,
            }
        ],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
