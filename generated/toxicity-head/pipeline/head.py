# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/routes/head/runtime/pipeline/head.py
"""The head route: a prompt in, the head's outputs out.

Used by pipeline/train.py, pipeline/engine.py and pipeline/merge.py. The model is the
base model's sequence-classification form: a decoder reads the hidden state of the
prompt's last token that is not padding, an encoder its first ([CLS]). What the head
learns and how its outputs become the generative route's answer is the kind's
(pipeline/head_task.py: problem type, one output per label name, targets, answers).
A head always answers, so it has no parse failures.
"""

from . import head_task, schema
from .prompts import ADD_SPECIAL_TOKENS, plain_text


def prompt_ids(tokenizer, messages: list[dict]) -> list[int]:
    """The prompt's token ids, built as the generative route builds them (the chat
    template with its generation prompt), or its plain text with the tokenizer's
    special tokens (model.chat_template: false)."""
    if schema.CHAT_TEMPLATE:
        return tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, return_dict=False
        )
    return tokenizer(plain_text(messages), add_special_tokens=ADD_SPECIAL_TOKENS)["input_ids"]


def load_base(tokenizer, model_path: str | None = None):
    """The sequence-classification model (a new head on the base, or a merged model)."""
    from transformers import AutoModelForSequenceClassification

    names = list(head_task.LABEL_NAMES)
    model = AutoModelForSequenceClassification.from_pretrained(
        model_path or schema.MODEL,
        num_labels=len(names),
        problem_type=head_task.PROBLEM_TYPE,
        id2label=dict(enumerate(names)),
        label2id={name: i for i, name in enumerate(names)},
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
    """The head's raw outputs, one list per conversation, in order."""
    import torch

    prompts = [prompt_ids(tokenizer, c) for c in conversations]
    pad = model.config.pad_token_id
    width = max(len(p) for p in prompts)
    input_ids = torch.tensor([p + [pad] * (width - len(p)) for p in prompts])
    attention = torch.tensor([[1] * len(p) + [0] * (width - len(p)) for p in prompts])
    with torch.no_grad():
        logits = model(input_ids=input_ids, attention_mask=attention).logits
    return logits.float().tolist()
