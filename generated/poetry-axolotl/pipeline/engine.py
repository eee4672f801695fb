# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/engine.py
"""How eval and predict get their answers (one code path for both): transformers +
peft, batched with left padding (pipeline/generate_hf.py; constrained to the label
schema with llguidance when asked, pipeline/constrain.py), or the server and vllm
engines of pipeline/inference.py."""

from . import generate_hf, inference
from .inference import Options


def stream(items, opts: Options):
    """(item, answer) for each item (a dict with "messages"), in order."""
    if opts.engine != "local":
        yield from inference.remote(items, opts)
        return
    yield from generate_hf.stream(items, opts)
