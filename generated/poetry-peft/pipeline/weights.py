# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/weights.py
"""The exported model of a transformers + peft or Axolotl project, and how it is served.

`make export` (pipeline/export.py) calls ``write``: base + adapter merged into one model
(pipeline/merge.py, which also proves that the merged model answers held-out prompts
exactly as base + adapter), its tokenizer, and the adapter beside it in ``adapter/``.
`make serve` (pipeline/serve.py) runs ``serve_command``: vLLM's OpenAI-compatible
server with the merged model, or with the base model and the adapter as a LoRA module.
"""

import json
import os
import shutil
import sys
from pathlib import Path

from . import schema

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "work" / "adapters"
MERGED = ROOT / "work" / "merged"
LIBRARY = "transformers"  # the model card's library_name
SERVED_MODEL = schema.PROJECT  # the model name the server answers to (requests' "model")
DEFAULT_PORT = 8000  # vLLM's
GGUF_MODEL_TYPES: tuple[str, ...] = ()  # none: transformers and peft do not write GGUF
GGUF_WHY_NOT = (
    "transformers + peft cannot write GGUF; export without GGUF=1, then convert the "
    "exported model with llama.cpp's convert_hf_to_gguf.py (work/export is a plain "
    "Hugging Face model directory)"
)


def adapter_ready() -> str | None:
    """Why there is no trained adapter to export (None: there is)."""
    if not (ADAPTERS / "adapter_config.json").is_file():
        return "train first (work/adapters has no adapter)"
    return None


def write(out: Path, gguf: bool = False) -> list[str]:
    """The merged model and its tokenizer into ``out``, the adapter into ``out/adapter``;
    returns notes for the model card. Raises SystemExit when the merge fails its check."""
    if gguf:
        raise SystemExit(f"export: GGUF: {GGUF_WHY_NOT}")
    from . import merge

    if merge.main([]) != 0:
        raise SystemExit("export: the merge failed its check (see above); nothing exported")
    link_tree(MERGED, out)
    link_tree(ADAPTERS, out / "adapter", skip=("checkpoint-",))
    return [
        "The weights are base + adapter merged (`make merge`), and checked: the merged "
        "model answers held-out prompts as base + adapter does (pipeline/merge.py).",
        "`adapter/` holds the LoRA adapter alone (peft format).",
    ]


def link_tree(source: Path, dest: Path, skip: tuple[str, ...] = ()) -> None:
    """Copy a directory's files (hard links where the file system allows: a model is not
    stored twice), leaving out entries whose name starts with one of ``skip``."""

    def link(src, dst):
        try:
            os.link(src, dst)
        except OSError:
            shutil.copy2(src, dst)

    ignore = (lambda folder, names: [n for n in names if n.startswith(skip)]) if skip else None
    shutil.copytree(source, dest, copy_function=link, ignore=ignore, dirs_exist_ok=True)


def model_type(export: Path) -> str | None:
    config = export / "config.json"
    if not config.is_file():
        return None
    return json.loads(config.read_text(encoding="utf-8")).get("model_type")


def serve_command(
    export: Path | None, host: str, port: int, adapter: Path | None = None
) -> list[str]:
    """vLLM's server (`vllm serve`) with the exported model, or (``adapter``) with the
    base model and the adapter as the LoRA module named SERVED_MODEL. Greedy answers need
    the request's temperature 0 only: ``--generation-config vllm`` keeps the model's own
    generation_config.json (a repetition penalty, say) from changing them."""
    common = [
        "--host",
        host,
        "--port",
        str(port),
        "--max-model-len",
        str(schema.MAX_SEQ_LENGTH),
        "--seed",
        "0",
        "--generation-config",
        "vllm",
    ]
    if adapter is None:
        return ["vllm", "serve", str(export), "--served-model-name", SERVED_MODEL, *common]
    command = ["vllm", "serve", schema.MODEL, "--tokenizer", schema.TOKENIZER, *common]
    command += ["--enable-lora", "--lora-modules", f"{SERVED_MODEL}={adapter}"]
    config = adapter / "adapter_config.json"
    if config.is_file():
        rank = json.loads(config.read_text(encoding="utf-8")).get("r")
        if rank:
            command += ["--max-lora-rank", str(rank)]  # vLLM's default (16) refuses more
    return command


def check_server_tools() -> str | None:
    """Why the server cannot start here (None: it can)."""
    if shutil.which("vllm") is None:
        return (
            "the vllm command is not installed here: pip install vllm (a CUDA GPU), or serve "
            f"the exported model with any OpenAI-compatible server (python: {sys.executable})"
        )
    return None
