# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/distillation/runtime/pipeline/grammar.py
"""The answer's constraint for constrained decoding: the answer schema itself.

A distillation answer is a JSON object that must match ANSWER_SCHEMA (the schema
pipeline/labels.py checks the reference answers with and pipeline/parse.py judges the
model's answers by), so the constraint is that JSON Schema: llguidance compiles it for
local generation, vLLM takes it as its JSON structured output, and an OpenAI-compatible
server as ``response_format``. (The labelled kinds derive theirs from the label fields.)
"""

from . import schema


def constraint() -> dict:
    """{"regex", "choice", "json_schema"} for this project's answers (None: not used)."""
    return {"regex": None, "choice": None, "json_schema": schema.ANSWER_SCHEMA}
