"""A loopback OpenAI-compatible teacher for `distillgen smoke`: it answers each prompt
with the gold completion of the row it was rendered from (127.0.0.1 only)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _key(messages: list[dict]) -> str:
    return json.dumps(messages, sort_keys=True, ensure_ascii=False)


class OracleServer:
    """``answers``: messages -> completion; anything else gets ``fallback``."""

    def __init__(self, answers: dict[str, str], fallback: str):
        self.answers = answers
        self.fallback = fallback
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                server.requests += 1
                content = server.answers.get(_key(body["messages"]), server.fallback)
                payload = json.dumps(
                    {
                        "id": "chatcmpl-smoke",
                        "object": "chat.completion",
                        "created": 0,
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": content},
                                "finish_reason": "stop",
                            }
                        ],
                        "usage": {"prompt_tokens": 100, "completion_tokens": 20},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        ThreadingHTTPServer.request_queue_size = 256
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def oracle_answers(project_dir, paths) -> tuple[dict[str, str], str]:
    """Each labelled row of the calibration candidates and of ``paths`` (in the project's
    source format): the teacher's messages -> the gold completion; and one gold
    completion to answer anything else."""
    from .compile import import_project

    mods = import_project(project_dir, ["schema", "labels", "data", "teacher"])
    teacher, labels, data = mods["teacher"], mods["labels"], mods["data"]
    answers: dict[str, str] = {}
    for path in [teacher.ROOT / teacher.CAL["candidates"], *paths]:
        for _, row, problem in teacher.read(path):
            if problem is not None:
                continue
            inputs, problems = data.check_inputs(row)
            source = teacher.label_source(row)
            if problems or not isinstance(source, dict):
                continue
            gold, problems = labels.check_labels(source)
            if not problems:
                answers[_key(teacher.messages(inputs))] = labels.render_completion(gold)
    fallback = next(iter(answers.values()), "")
    return answers, fallback
