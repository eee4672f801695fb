# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/backends/mlx/runtime/pipeline/weights.py
"""The exported model of an mlx-lm project, and how it is served.

`make export` (pipeline/export.py) calls ``write``: the adapter fused into the base
model with mlx-lm's own fuse code (what `mlx_lm fuse` does: every LoRA layer's
``fuse()``, then ``mlx_lm.utils.save``), the adapter beside it in ``adapter/``, and with
``gguf`` a GGUF file (mlx-lm's converter, which writes llama, mistral and mixtral
models only). `make serve` (pipeline/serve.py) runs ``serve_command``: mlx-lm's
OpenAI-compatible server (`mlx_lm server`) with the fused model, or the base model and
the adapter.
"""

import json
import shutil
import sys
from pathlib import Path

from . import schema

ROOT = Path(__file__).resolve().parent.parent
ADAPTERS = ROOT / "work" / "adapters"
LIBRARY = "mlx"  # the model card's library_name
SERVED_MODEL = "default_model"  # mlx_lm.server's name for the model it was started with
DEFAULT_PORT = 8080  # mlx_lm.server's
GGUF_FILE = "model.gguf"
# What mlx_lm.fuse --export-gguf converts (mlx-lm 0.32: mlx_lm/fuse.py); others it refuses.
GGUF_MODEL_TYPES: tuple[str, ...] = ("llama", "mistral", "mixtral")
GGUF_WHY_NOT = ""


def adapter_ready() -> str | None:
    """Why there is no trained adapter to export (None: there is)."""
    if not (ADAPTERS / "adapters.safetensors").is_file():
        return "train first (work/adapters has no adapters.safetensors)"
    return None


def write(out: Path, gguf: bool = False) -> list[str]:
    """The fused model (weights, config, tokenizer, chat template) into ``out``, the
    adapter into ``out/adapter``, and with ``gguf`` ``out/model.gguf``; returns notes for
    the model card. Raises SystemExit when the model cannot be written as asked."""
    from mlx.utils import tree_flatten, tree_unflatten
    from mlx_lm.utils import load, save

    model, tokenizer, config = load(schema.MODEL, adapter_path=str(ADAPTERS), return_config=True)
    kind = config.get("model_type")
    if gguf and kind not in GGUF_MODEL_TYPES:
        raise SystemExit(
            f"export: GGUF: mlx-lm converts only {', '.join(GGUF_MODEL_TYPES)} models to GGUF, "
            f"and {schema.MODEL} is a {kind!r} model; export without GGUF=1 and convert the "
            "exported model with llama.cpp's convert_hf_to_gguf.py"
        )
    if gguf and "quantization" in config:
        raise SystemExit(
            "export: GGUF: mlx-lm does not convert quantized models to GGUF; export without GGUF=1"
        )
    fused = [
        (name, m.fuse(dequantize=False)) for name, m in model.named_modules() if hasattr(m, "fuse")
    ]
    if not fused:
        raise SystemExit(f"export: {ADAPTERS} adds no LoRA layer to {schema.MODEL}")
    model.update_modules(tree_unflatten(fused))
    save(out, schema.MODEL, model, tokenizer, config, donate_model=False)
    (out / "README.md").unlink(missing_ok=True)  # mlx-lm's stub card; export writes the card
    (out / "adapter").mkdir()
    for name in ("adapter_config.json", "adapters.safetensors"):  # not the checkpoints
        shutil.copy2(ADAPTERS / name, out / "adapter" / name)
    notes = [
        f"The weights are base + adapter fused with mlx-lm ({len(fused)} LoRA layers), "
        "in mlx-lm's safetensors layout, which transformers also loads.",
        "`adapter/` holds the LoRA adapter alone (mlx-lm format: `mlx_lm server --model "
        "BASE --adapter-path adapter`).",
    ]
    if gguf:
        from mlx_lm.gguf import convert_to_gguf

        weights = dict(tree_flatten(model.parameters()))
        convert_to_gguf(out, weights, config, str(out / GGUF_FILE))
        notes.append(f"`{GGUF_FILE}`: the fused model in GGUF (f16), written by mlx-lm.")
    return notes


def model_type(export: Path) -> str | None:
    config = export / "config.json"
    if not config.is_file():
        return None
    return json.loads(config.read_text(encoding="utf-8")).get("model_type")


def serve_command(
    export: Path | None, host: str, port: int, adapter: Path | None = None
) -> list[str]:
    """mlx-lm's server with the fused model, or (``adapter``) the base model and the
    adapter. Requests name the model "default_model" (SERVED_MODEL): any other name
    would make the server load that model."""
    command = [sys.executable, "-m", "mlx_lm", "server", "--host", host, "--port", str(port)]
    if adapter is None:
        return [*command, "--model", str(export)]
    return [*command, "--model", schema.MODEL, "--adapter-path", str(adapter)]


def check_server_tools() -> str | None:
    """Why the server cannot start here (None: it can)."""
    try:
        import mlx_lm  # noqa: F401
    except ImportError:
        return f"mlx-lm is not installed in {sys.executable}: pip install -r requirements.txt"
    return None
