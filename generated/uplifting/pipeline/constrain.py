# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/constrain.py
"""Constrained decoding: every engine held to the answer's constraint (pipeline/grammar.py).

- local generation (transformers): llguidance masks the tokens the grammar does
  not allow, as a logits processor. llguidance (guidance-ai, also one of vLLM's
  structured-output backends) is one small wheel without dependencies for Linux,
  macOS and Windows, takes a regex, a Lark grammar or a JSON Schema, and works on
  any tokenizer the fast Hugging Face tokenizers load.
- vLLM offline: ``SamplingParams(structured_outputs=StructuredOutputsParams(...))``
  with ``vllm_params()``.
- a server (``server_body``): ``response_format`` with the JSON Schema where the answer is
  JSON (the OpenAI API); with ``with_="vllm"``, vLLM's ``structured_outputs`` body
  (regex, choice or JSON), which also constrains key_value and label answers.
"""

import json

from . import grammar

SERVER_MODES = ("response_format", "vllm")


def add_options(parser, default: bool) -> None:
    """--constrained / --unconstrained (default: the spec's) and --constrain-with."""
    on = "on" if default else "off"
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--constrained",
        dest="constrained",
        action="store_true",
        default=default,
        help=f"hold the answers to the label schema (the spec's default: {on})",
    )
    mode.add_argument("--unconstrained", dest="constrained", action="store_false")
    parser.add_argument(
        "--constrain-with",
        choices=SERVER_MODES,
        default="response_format",
        help="server engine: response_format (JSON answers) or vllm (structured_outputs)",
    )


class ConstraintError(SystemExit):
    """Constrained decoding cannot be done as asked; the message says why and what to do."""


def local_grammar() -> str:
    """The llguidance grammar of the answer: its regex, else its JSON Schema (compact, keys
    separated as json.dumps writes them)."""
    import llguidance

    c = grammar.constraint()
    if c["regex"] is not None:
        return llguidance.LLMatcher.grammar_from_regex(c["regex"])
    return llguidance.LLMatcher.grammar_from_json_schema(
        c["json_schema"],
        overrides={"whitespace_flexible": False, "item_separator": ", ", "key_separator": ": "},
    )


def vllm_params() -> dict:
    """vLLM's StructuredOutputsParams arguments: the choice, regex or JSON Schema."""
    c = grammar.constraint()
    if c["choice"] is not None:
        return {"choice": c["choice"]}
    if c["regex"] is not None:
        return {"regex": c["regex"]}
    return {"json": c["json_schema"]}


def server_body(with_: str) -> dict:
    """What a chat-completions request adds to be constrained (``with_`` one of SERVER_MODES)."""
    if with_ == "vllm":
        return {"structured_outputs": vllm_params()}
    if with_ != "response_format":
        raise ConstraintError(f"constrain with {with_!r}? choose one of {', '.join(SERVER_MODES)}")
    c = grammar.constraint()
    if c["json_schema"] is None:
        raise ConstraintError(
            "constrained decoding through response_format needs a JSON answer, and this "
            "project's answers are not JSON: the OpenAI API constrains only JSON. Where the "
            "server is vLLM, constrain with vllm (its structured_outputs regex and choice), "
            "or turn constrained decoding off."
        )
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": c["json_schema"], "strict": True},
        }
    }


# ----------------------------------------------------------------- llguidance


def _tokenizer(hf_tokenizer, vocab: int):
    try:
        import llguidance.hf
    except ImportError:
        raise ConstraintError(
            "constrained decoding needs llguidance: pip install llguidance "
            "(it is in requirements.txt)"
        ) from None
    return llguidance.hf.from_tokenizer(hf_tokenizer, n_vocab=vocab)


class Matchers:
    """One llguidance matcher per sequence of a batch: which tokens may come next."""

    def __init__(self, hf_tokenizer, vocab: int, n: int):
        import llguidance

        self.vocab = vocab
        self.tokenizer = _tokenizer(hf_tokenizer, vocab)
        text = local_grammar()
        self.matchers = [llguidance.LLMatcher(self.tokenizer, text, log_level=0) for _ in range(n)]
        problem = self.matchers[0].get_error() if self.matchers else ""
        if problem:
            raise ConstraintError(f"llguidance refused the answer's grammar: {problem}")

    def allowed(self, i: int):
        """A numpy bool array over the vocabulary: the tokens sequence ``i`` may take next
        (EOS only, once its answer is complete or the matcher has stopped)."""
        import numpy as np

        matcher = self.matchers[i]
        bits = np.frombuffer(matcher.compute_bitmask(), dtype=np.uint8)
        mask = np.unpackbits(bits, bitorder="little")[: self.vocab].astype(bool)
        if not mask.any():  # an error state: only the end
            mask[self.tokenizer.eos_token] = True
        return mask

    def consume(self, i: int, token: int) -> None:
        matcher = self.matchers[i]
        if not matcher.is_stopped():
            matcher.consume_token(token)


class HFProcessor:
    """A transformers LogitsProcessor: before each token, every row's disallowed tokens get
    -inf. The rows' first call sees the prompt only; each later call consumes the token
    the row took last (rows that have ended are padded, and their matchers stopped)."""

    def __init__(self, hf_tokenizer, vocab: int, n: int, width: int):
        self.matchers = Matchers(hf_tokenizer, vocab, n)
        self.width = width  # prompt length (left-padded): generated tokens start there

    def __call__(self, input_ids, scores):
        import torch

        for i in range(scores.shape[0]):
            if input_ids.shape[1] > self.width:
                self.matchers.consume(i, int(input_ids[i, -1]))
            allowed = torch.from_numpy(self.matchers.allowed(i)).to(scores.device)
            if allowed.shape[0] < scores.shape[1]:
                allowed = torch.nn.functional.pad(allowed, (0, scores.shape[1] - allowed.shape[0]))
            scores[i] = scores[i].masked_fill(~allowed, float("-inf"))
        return scores


def describe() -> str:
    """The constraint as one line for logs and reports."""
    c = grammar.constraint()
    if c["choice"] is not None:
        return "one of " + json.dumps(c["choice"], ensure_ascii=False)
    if c["regex"] is not None:
        return f"a regex of {len(c['regex'])} characters from the label schema"
    return "the answer's JSON Schema"
