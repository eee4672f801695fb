# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/stand_in_server.py
"""A stand-in OpenAI-compatible server on the loopback interface, for the tests of
predict through a server (test_predict_server.py) and of the teacher (test_teacher.py)."""

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server:
    """Answers each row's prompt with its labels; ``flaky``: a prompt's first request is
    an HTTP 500, its second a 200 that is not a chat completion; ``down``: prompts
    answered with 500 every time. ``sent`` counts the requests per prompt."""

    def __init__(self, answers: dict):
        self.answers, self.sent, self.flaky, self.down = answers, Counter(), False, set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                prompt = body["messages"][-1]["content"]
                server.sent[prompt] += 1
                if prompt in server.down or (server.flaky and server.sent[prompt] == 1):
                    return self.reply(500, {"error": {"message": "overloaded"}})
                if server.flaky and server.sent[prompt] == 2:
                    return self.reply(200, {"choices": []})
                content = server.answers.get(prompt)
                if content is None:  # a prompt no test expected: said at once, not retried
                    return self.reply(400, {"error": {"message": "no answer for this prompt"}})
                usage = {"prompt_tokens": 10, "completion_tokens": 4}
                choice = {"message": {"content": content}, "finish_reason": "stop"}
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
