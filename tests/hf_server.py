"""A transformers-backed stand-in for an OpenAI-compatible server (vLLM), on 127.0.0.1 only.

    with HFServer(model_dir, tokenizer_dir, chat_template=None) as server:
        server.url  # http://127.0.0.1:PORT/v1

It answers /v1/chat/completions greedily, one request at a time: the messages through
the tokenizer's chat template (or ``chat_template``, to play a server configured with
another one), ``max_tokens`` new tokens at most, the answer decoded without special
tokens, as vLLM does. ``adapter``: a peft adapter on top of the model (unmerged)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HFServer:
    def __init__(self, model_dir, tokenizer_dir=None, *, chat_template=None, adapter=None):
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir or model_dir))
        self.model = AutoModelForCausalLM.from_pretrained(str(model_dir))
        if adapter is not None:
            from peft import PeftModel

            self.model = PeftModel.from_pretrained(self.model, str(adapter))
        self.model.eval()
        self.chat_template = chat_template
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def answer(self, body: dict) -> tuple[str, str, int]:
        tok = self.tokenizer
        ids = tok.apply_chat_template(
            body["messages"],
            add_generation_prompt=True,
            return_dict=False,
            chat_template=self.chat_template,
        )
        eos = tok.eos_token_id
        with self.lock, self.torch.no_grad():
            out = self.model.generate(
                input_ids=self.torch.tensor([ids]),
                attention_mask=self.torch.ones(1, len(ids), dtype=self.torch.long),
                max_new_tokens=body["max_tokens"],
                do_sample=False,
                pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else eos,
                eos_token_id=eos,
            )
        new = out[0, len(ids) :].tolist()
        stop = new.index(eos) if eos in new else None
        answer = new if stop is None else new[:stop]
        text = tok.decode(answer, skip_special_tokens=True)
        return text, "length" if stop is None else "stop", len(new)

    def _handler(self):
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - the http.server API
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                assert body["temperature"] == 0  # parity asks greedily
                text, finish, tokens = stand_in.answer(body)
                payload = json.dumps(
                    {
                        "object": "chat.completion",
                        "model": body["model"],
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": text},
                                "finish_reason": finish,
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": tokens},
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
