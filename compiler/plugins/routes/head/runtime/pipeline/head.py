# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/head.py
"""The regression head: a prompt in, one score per dimension out.

Used by pipeline/train.py, pipeline/evaluate.py and pipeline/merge.py. The model
is the base model's sequence-classification form (problem_type regression,
num_labels = the number of dimensions, mean squared error); it reads the hidden
state of the prompt's last token that is not padding. Scores are learned on a
0..1 scale (from the declared range) and scaled back, clipped to the range, when
predicted: a head always answers, so it has no parse failures.
"""

from . import schema

LOW, HIGH = schema.SCORE_RANGE


def prompt_ids(tokenizer, messages: list[dict]) -> list[int]:
    """The prompt's token ids, built as the generative route builds them."""
    return tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_dict=False)


def to_unit(labels: dict) -> list[float]:
    return [(float(labels[name]) - LOW) / (HIGH - LOW) for name in schema.DIMENSIONS]


def from_unit(values) -> dict:
    return {
        name: round(min(HIGH, max(LOW, LOW + float(value) * (HIGH - LOW))), 3)
        for name, value in zip(schema.DIMENSIONS, values, strict=True)
    }


def load_base(tokenizer, model_path: str | None = None):
    """The sequence-classification model (a new head on the base, or a merged model)."""
    from transformers import AutoModelForSequenceClassification

    model = AutoModelForSequenceClassification.from_pretrained(
        model_path or schema.MODEL,
        num_labels=len(schema.DIMENSIONS),
        problem_type="regression",
    )
    if model.config.pad_token_id is None:
        pad = tokenizer.pad_token_id
        model.config.pad_token_id = pad if pad is not None else tokenizer.eos_token_id
    return model


def load_model(adapter, model_path: str | None = None):
    """(model, tokenizer): base + trained adapter and head, or the model at ``model_path``."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(schema.TOKENIZER)
    model = load_base(tokenizer, model_path)
    if adapter is not None and model_path is None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter))
    model.eval()
    return model, tokenizer


def predict(model, tokenizer, conversations: list[list[dict]]) -> list[list[float]]:
    """Raw head outputs (0..1 scale, not clipped), one list per conversation, in order."""
    import torch

    prompts = [prompt_ids(tokenizer, c) for c in conversations]
    pad = model.config.pad_token_id
    width = max(len(p) for p in prompts)
    input_ids = torch.tensor([p + [pad] * (width - len(p)) for p in prompts])
    attention = torch.tensor([[1] * len(p) + [0] * (width - len(p)) for p in prompts])
    with torch.no_grad():
        logits = model(input_ids=input_ids, attention_mask=attention).logits
    return logits.float().tolist()
