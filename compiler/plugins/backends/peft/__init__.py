"""The peft backend: transformers' Trainer with a peft LoRA adapter (CPU, CUDA or MPS);
also the head routes (regression, classification) and QLoRA (4-bit, CUDA)."""

from __future__ import annotations

from pathlib import Path

from distillgen import plugins
from distillgen.backends import constrained_requirements, peft_config
from distillgen.plugins import Backend, register_backend

ROOT = Path(__file__).resolve().parent


def config(project) -> tuple[dict, list]:
    kind = plugins.kind(project.kind)
    return peft_config(
        project.training,
        project.model,
        head=kind.head_config(project) if project.task.route == "head" else None,
        text=project.source_format == "text",  # text chunks, not chat records
        tracking=project.tracking,
    )


def smoke(plan: list, python: str, project: Path, cuda: bool) -> tuple[list, str | None]:
    """The steps one by one, with an interruption after training (a rerun must resume
    from the newest checkpoint), the merge check and the merged model exported (its
    server, vLLM, needs a GPU: no parity here)."""
    from distillgen.smoke import insert_after, with_export

    if (project / "pipeline" / "baseline.py").is_file():
        plan = insert_after(plan, "data", [("baseline", [python, "-m", "pipeline.baseline"])])
    plan = insert_after(
        plan,
        "train",
        [
            ("interrupt", None),
            ("resume", [python, "-m", "pipeline.train"]),
            ("merge", [python, "-m", "pipeline.merge"]),
        ],
    )
    return with_export(plan, python, project, serve=False), None


BACKEND = register_backend(
    Backend(
        name="peft",
        title="transformers + peft",
        kinds=frozenset(
            {"multi_field", "classification", "regression", "distillation", "generation"}
        ),
        routes=frozenset({"generative", "head"}),
        quantize=frozenset({"none", "4bit"}),
        config=config,
        config_file="configs/peft.yaml",
        config_template="project/configs/peft.yaml.j2",
        readme="project/backends/peft/readme.md.j2",
        smoke=smoke,
        root=ROOT,
        exports=(
            "base + adapter merged (`make merge`, with its check that the merged model answers "
            "as base + adapter); `GGUF=1` is refused: transformers and peft do not write GGUF "
            "(convert `work/export` with llama.cpp's `convert_hf_to_gguf.py`)"
        ),
        serves=(
            "`vllm serve` (vLLM's OpenAI-compatible server, port 8000; needs vLLM and a CUDA "
            "GPU, so not run by distillgen's tests) with the merged model, or with `ADAPTER=1` "
            "the base model and the adapter as a LoRA module (`--enable-lora`)"
        ),
        requirements=lambda project: [
            "torch>=2.4",
            "peft==0.21.2",
            "accelerate>=1.0",
            *(
                ["bitsandbytes>=0.45  # training.quantize: 4bit (QLoRA), CUDA"]
                if project.training["quantize"] == "4bit"
                else []
            ),
            *constrained_requirements(project),
        ],
        resumes=True,
        selects_by_metric=True,
        uses=frozenset(
            {
                "pipeline/merge.py",
                "pipeline/weights.py",
                "pipeline/generate_hf.py",
                "pipeline/examples.py",
                "pipeline/causal.py",
                "pipeline/quantized.py",
                "pipeline/trainer_history.py",
            }
        ),
        why_not={
            "head+4bit": ("a head route trains in full precision; use route generative for QLoRA")
        },
    )
)
