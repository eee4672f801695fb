"""The mlx backend: mlx-lm's LoRA trainer (`mlx_lm.lora -c configs/mlx_lora.yaml`), on
Apple silicon or on Linux CPU."""

from __future__ import annotations

from pathlib import Path

from distillgen.backends import constrained_requirements, mlx_config
from distillgen.plugins import Backend, register_backend

ROOT = Path(__file__).resolve().parent


def config(project) -> tuple[dict, list]:
    return mlx_config(
        project.training,
        project.model,
        data_dir="work/data",
        adapter_dir="work/adapters",
        tracking=project.tracking,
    )


def smoke(plan: list, python: str, project: Path, cuda: bool) -> tuple[list, str | None]:
    """The project's own make targets, as a user runs them; then the fused model
    exported and served (mlx_lm server runs on CPU) for the parity check."""
    from distillgen.smoke import through_make, with_export

    return with_export(through_make(plan, python), python, project, serve=True), None


BACKEND = register_backend(
    Backend(
        name="mlx",
        title="mlx-lm",
        kinds=frozenset({"multi_field", "classification", "regression", "distillation"}),
        routes=frozenset({"generative"}),
        quantize=frozenset({"none"}),
        config=config,
        config_file="configs/mlx_lora.yaml",
        config_template="project/configs/mlx_lora.yaml.j2",
        readme="project/backends/mlx/readme.md.j2",
        smoke=smoke,
        root=ROOT,
        exports=(
            "the adapter fused into the base model with mlx-lm's fuse code (what "
            "`mlx_lm fuse` does); `GGUF=1` also writes `model.gguf` with mlx-lm's converter, "
            "which converts llama, mistral and mixtral models and is refused for others"
        ),
        serves=(
            "`mlx_lm server` (mlx-lm's OpenAI-compatible server, port 8080, CPU or Apple "
            "silicon; mlx-lm says it is not for production) with the fused model, or with "
            "`ADAPTER=1` the base model and the adapter"
        ),
        uses=frozenset({"pipeline/weights.py"}),
        requirements=lambda project: [
            'mlx[cpu]==0.32.4; platform_system == "Linux"',
            'mlx==0.32.4; platform_system == "Darwin"',
            "mlx-lm==0.32.2",
            *constrained_requirements(project),
        ],
        why_not={
            "generation": (
                "generation projects are built for backend peft (transformers + peft) or "
                "axolotl so far; their eval loads the adapter with peft"
            ),
            "head": (
                "a head route (regression or classification) is trained with transformers + "
                "peft; backend 'mlx' "
                "trains causal LMs only (use backend peft, or route generative)"
            ),
            "4bit": (
                "mlx-lm trains QLoRA on a model that is already quantized: convert it with "
                "`mlx_lm.convert -q`, point model.base at it and remove quantize"
            ),
        },
        early_stopping=False,
    )
)
