# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/quantized.py
"""QLoRA for the peft train step (copied only where training.quantize is 4bit)."""

from . import schema


def load_quantized(config: dict):
    """QLoRA: the base model in 4-bit NF4 (bitsandbytes, CUDA); the adapter trains in 16-bit."""
    import torch
    from peft import prepare_model_for_kbit_training
    from transformers import AutoModelForCausalLM, BitsAndBytesConfig

    if not torch.cuda.is_available():
        raise SystemExit(
            "train: training.quantize 4bit (QLoRA) needs a CUDA GPU and bitsandbytes; "
            "set training.quantize: none in the spec to train in full precision"
        )
    model = AutoModelForCausalLM.from_pretrained(
        schema.MODEL,
        quantization_config=BitsAndBytesConfig(**config["quantization"]),
        dtype=torch.bfloat16,
    )
    checkpointing = bool(config["training"].get("activation_checkpointing"))
    return prepare_model_for_kbit_training(model, use_gradient_checkpointing=checkpointing)
