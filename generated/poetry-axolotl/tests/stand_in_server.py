# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/stand_in_server.py
"""A stand-in OpenAI-compatible server on the loopback interface, for the tests of
predict through a server (test_predict_server.py, or test_continue.py where a project
continues prompts) and of the teacher (test_teacher.py)."""

import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server:
    """Answers each prompt (a chat's last message, or a text completion's prompt) with
    ``answers[prompt]``, and a sampled request's with " [seed N]" after it; where asked
    for log-probabilities, each word, space and sign of the answer is a token at -0.1.
    ``flaky``: a prompt's first request is an HTTP 500, its second a 200 that is not a
    completion; ``down``: prompts answered with 500 every time; ``cut``: prompts whose
    answer stops at max_tokens. ``sent`` counts the requests per prompt, ``bodies``
    keeps them."""

    def __init__(self, answers: dict):
        self.answers, self.sent, self.flaky, self.down = answers, Counter(), False, set()
        self.bodies: list[dict] = []
        self.cut: set = set()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                chat = "messages" in body
                prompt = body["messages"][-1]["content"] if chat else body["prompt"]
                with server.lock:  # (one thread per request)
                    server.sent[prompt] += 1
                    server.bodies.append(body)
                    count = server.sent[prompt]
                if prompt in server.down or (server.flaky and count == 1):
                    return self.reply(500, {"error": {"message": "overloaded"}})
                if server.flaky and count == 2:
                    return self.reply(200, {"choices": []})
                content = server.answers.get(prompt)
                if content is None:  # a prompt no test expected: said at once, not retried
                    return self.reply(400, {"error": {"message": "no answer for this prompt"}})
                if "seed" in body:
                    content += f" [seed {body['seed']}]"
                usage = {"prompt_tokens": 10, "completion_tokens": 4}
                choice = {"message": {"content": content}} if chat else {"text": content}
                choice["finish_reason"] = "length" if prompt in server.cut else "stop"
                if body.get("logprobs"):
                    tokens = re.findall(r"\s+|\w+|[^\w\s]", content)
                    choice["logprobs"] = {
                        "content": [{"token": t, "logprob": -0.1} for t in tokens]
                    }
                return self.reply(200, {"choices": [choice], "usage": usage})

            def reply(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("retry-after-ms", "1")  # the client's retry comes at once
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
