"""The axolotl backend: Axolotl 0.19 (`axolotl preprocess|train configs/axolotl.yaml`);
training needs CUDA, preprocessing runs anywhere."""

from __future__ import annotations

from pathlib import Path

from distillgen.backends import axolotl_config, constrained_requirements
from distillgen.plugins import Backend, register_backend

ROOT = Path(__file__).resolve().parent


def config(project) -> tuple[dict, list]:
    return axolotl_config(
        project.training,
        project.model,
        project.split["eval_split"],
        text=project.source_format == "text",  # text chunks, not chat records
        tracking=project.tracking,
    )


def smoke(plan: list, python: str, project: Path, cuda: bool) -> tuple[list, str | None]:
    """make targets, with `axolotl preprocess` after the data step; without CUDA only
    data, preprocess and the project's tests run."""
    from distillgen.smoke import insert_after, through_make

    plan = through_make(plan, python)
    plan = insert_after(
        plan, "data", [("prep", [python, "-m", "pipeline.train", "--preprocess-only"])]
    )
    if cuda:
        return plan, None
    kept = [step for step in plan if step[0] in ("calibrate", "label", "data", "prep", "tests")]
    return kept, "axolotl train needs CUDA (none here): train, eval and accept not run"


BACKEND = register_backend(
    Backend(
        name="axolotl",
        title="Axolotl",
        kinds=frozenset(
            {"multi_field", "classification", "regression", "distillation", "generation"}
        ),
        routes=frozenset({"generative"}),
        quantize=frozenset({"none", "4bit"}),
        config=config,
        config_file="configs/axolotl.yaml",
        config_template="project/configs/axolotl.yaml.j2",
        readme="project/backends/axolotl/readme.md.j2",
        schema_block="project/backends/axolotl/schema.py.j2",
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
            "# Axolotl brings its own pins of torch, transformers and peft; 0.19.0 runs on",
            "# Python 3.11, releases from 0.20 need Python 3.12.",
            "axolotl==0.19.0",
            *constrained_requirements(project),
        ],
        uses=frozenset(
            {
                "pipeline/merge.py",
                "pipeline/weights.py",
                "pipeline/generate_hf.py",
                "pipeline/trainer_history.py",
            }
        ),
        why_not={
            "head": (
                "a head route (regression or classification) is trained with transformers + "
                "peft; backend 'axolotl' "
                "trains causal LMs only (use backend peft, or route generative)"
            )
        },
    )
)
