# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/inference.py
"""The engines eval and predict share, besides the local one of pipeline/engine.py.

- server: any OpenAI-compatible chat-completions server (vLLM, a provider) through
  pipeline/llm.py: ``concurrency`` requests in flight, retries with backoff on 429,
  5xx and timeouts, the API key from the environment, every answer stored in an
  SQLite cache as it arrives (a rerun or a resumed run asks nothing twice).
- vllm: vLLM offline in this process (``vllm.LLM`` with prefix caching, tensor
  parallelism from an option, the adapter through ``LoRARequest`` or a merged model).

With ``constrained``, every engine holds the answers to the label schema
(pipeline/constrain.py): vLLM through its structured outputs, a server through
``response_format`` (JSON answers) or vLLM's ``structured_outputs`` body.

Every engine takes items (dicts with "messages": the chat messages up to the answer)
and yields (item, answer) in the items' order, whatever the concurrency: an answer is
{"output": text, "finish": "stop" | "length" | ..., "tokens": completion tokens}.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from . import constrain, corpus, schema

ENGINES = ("local", "server", "vllm")


@dataclass(frozen=True)
class Options:
    engine: str = "local"  # one of ENGINES
    adapter: Path | None = None  # LoRA adapter (local, vllm); None: the model alone
    model: str | None = None  # a merged model (local, vllm) or the served model's name
    server: str | None = None  # server: base URL, e.g. http://127.0.0.1:8000/v1
    concurrency: int = 64  # server: requests in flight
    batch_size: int = schema.EVAL_BATCH_SIZE  # local: prompts per batch; vllm: per call
    max_new_tokens: int = schema.MAX_NEW_TOKENS
    cache: Path | None = None  # server: the SQLite answer cache; None: in memory
    api_key_env: str = "OPENAI_API_KEY"
    timeout: float = 600.0
    retries: int = 5
    tensor_parallel: int = 1  # vllm: GPUs per engine
    logprobs: bool = False  # each answer also has "logprobs" (local transformers, server)
    constrained: bool = False  # answers held to the label schema (pipeline/constrain.py)
    constrain_with: str = "response_format"  # server: response_format or vllm


def remote(items, opts: Options):
    """The server or vllm engine's answers, in order."""
    if opts.engine == "server":
        return server_stream(items, opts)
    if opts.engine == "vllm":
        return vllm_stream(items, opts)
    raise SystemExit(f"unknown engine {opts.engine!r}; choose one of {', '.join(ENGINES)}")


# ---------------------------------------------------------------------- server


def server_settings(opts: Options):
    from . import llm

    if not opts.server:
        raise SystemExit("the server engine needs the server's URL: --server URL")
    return llm.Settings(
        base_url=llm.base_url(opts.server),
        model=opts.model or schema.MODEL,
        api_key_env=llm.key_env_or_none(opts.api_key_env),
        temperature=0.0,
        max_tokens=opts.max_new_tokens,
        concurrency=opts.concurrency,
        timeout=opts.timeout,
        retries=opts.retries,
        extra_body=constrain.server_body(opts.constrain_with) if opts.constrained else None,
    )


def server_stream(items, opts: Options):
    """(item, answer) in order, through llm.in_order (``concurrency`` requests in flight,
    memory flat)."""
    from . import llm

    settings = server_settings(opts)

    def body_of(item):
        body = llm.body_of(item["messages"], settings)
        if opts.logprobs:
            body["logprobs"] = True
        return body

    try:
        for item, answer in llm.in_order(items, body_of, settings, opts.cache):
            reply = {
                "output": answer.content,
                "finish": answer.finish_reason,
                "tokens": answer.completion_tokens,
            }
            if opts.logprobs:
                reply["logprobs"] = answer.logprobs
            yield item, reply
    except llm.LLMError as exc:
        raise SystemExit(
            f"the server at {settings.base_url} failed: {exc}\n"
            "What was answered is kept; run the same command again to resume."
        ) from None


# ------------------------------------------------------------------------ vllm


def vllm_args(opts: Options) -> tuple[dict, dict, tuple | None]:
    """(LLM kwargs, SamplingParams kwargs, LoRARequest args or None): what the vllm
    engine builds, apart so that it can be checked without vLLM."""
    merged = opts.model is not None
    engine = {
        "model": opts.model or schema.MODEL,
        "tokenizer": schema.TOKENIZER,
        "enable_prefix_caching": True,  # every prompt shares the template's prefix
        "tensor_parallel_size": opts.tensor_parallel,
        "max_model_len": schema.MAX_SEQ_LENGTH,
        "seed": 0,
    }
    lora = None
    if opts.adapter is not None and not merged:
        engine["enable_lora"] = True
        config = Path(opts.adapter) / "adapter_config.json"  # peft's: its rank is "r"
        if config.is_file():
            rank = json.loads(config.read_text(encoding="utf-8")).get("r")
            if rank:
                engine["max_lora_rank"] = rank  # vLLM's default (16) refuses larger ranks
        lora = ("adapter", 1, str(opts.adapter))
    sampling = {"temperature": 0.0, "max_tokens": opts.max_new_tokens}
    if opts.logprobs:
        sampling["logprobs"] = 1  # the chosen token's (vLLM adds it to the top 1)
    if opts.constrained:  # StructuredOutputsParams(**this)
        sampling["structured_outputs"] = constrain.vllm_params()
    return engine, sampling, lora


def vllm_stream(items, opts: Options):
    """(item, answer) in order: ``batch_size`` conversations per ``LLM.chat`` call
    (vLLM schedules within a call; the caller checkpoints between calls)."""
    try:
        from vllm import LLM, SamplingParams
        from vllm.lora.request import LoRARequest
    except ImportError:
        raise SystemExit(
            "the vllm engine needs vLLM (pip install vllm, on a machine with a CUDA GPU); "
            "or serve the model with `vllm serve` and use --engine server"
        ) from None
    engine, sampling, lora = vllm_args(opts)
    llm = LLM(**engine)
    if "structured_outputs" in sampling:  # vLLM 0.11 and later
        from vllm.sampling_params import StructuredOutputsParams

        sampling["structured_outputs"] = StructuredOutputsParams(**sampling["structured_outputs"])
    params = SamplingParams(**sampling)
    request = LoRARequest(*lora) if lora else None
    for batch in corpus.blocks(items, opts.batch_size):
        yield from _vllm_batch(llm, params, request, batch, opts.logprobs)


def _vllm_batch(llm, params, request, batch, logprobs: bool):
    outputs = llm.chat(
        [item["messages"] for item in batch],
        params,
        lora_request=request,
        add_generation_prompt=True,
        use_tqdm=False,
    )
    for item, result in zip(batch, outputs, strict=True):
        out = result.outputs[0]
        reply = {"output": out.text, "finish": out.finish_reason, "tokens": len(out.token_ids)}
        if logprobs:
            reply["logprobs"] = [
                [step[token].decoded_token, step[token].logprob]
                for token, step in zip(out.token_ids, out.logprobs or [], strict=False)
            ]
        yield item, reply
