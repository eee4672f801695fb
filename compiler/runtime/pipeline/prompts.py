# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/prompts.py
"""The exact prompt text, identical at training and at inference.

The spec's template runs in the bounded, immutable jinja2 sandbox of
pipeline/sandbox.py with StrictUndefined.
"""

from . import schema
from .sandbox import PromptTemplate, make_env, schema_context

_ENV = make_env()
_SCHEMA = schema_context(schema.FIELDS, schema.NA_TOKEN, schema.COMPLETION_FORMAT)
_INPUTS = [field["name"] for field in schema.INPUTS]
_TEMPLATE = PromptTemplate(_ENV, schema.PROMPT_TEMPLATE, _INPUTS, _SCHEMA)
_SYSTEM = (
    None
    if schema.SYSTEM_PROMPT is None
    else PromptTemplate(_ENV, schema.SYSTEM_PROMPT, _INPUTS, _SCHEMA)
)


def user_prompt(inputs: dict) -> str:
    """The user message for one row's input fields."""
    return _TEMPLATE.render(inputs)


def prompt_messages(inputs: dict) -> list[dict]:
    """Chat messages up to (not including) the answer: what the model sees at eval."""
    messages = []
    if _SYSTEM is not None:
        messages.append({"role": "system", "content": _SYSTEM.render(inputs)})
    messages.append({"role": "user", "content": user_prompt(inputs)})
    return messages


def training_messages(inputs: dict, completion: str) -> list[dict]:
    """Prompt messages plus the answer: one training example."""
    return [*prompt_messages(inputs), {"role": "assistant", "content": completion}]


# The chat template writes its own special tokens (BOS, turn markers), so its text is
# encoded without the tokenizer's; plain text (model.chat_template: false, on a head
# route: an encoder) gets them ([CLS] ... [SEP]).
ADD_SPECIAL_TOKENS = not schema.CHAT_TEMPLATE


def plain_text(messages: list[dict]) -> str:
    """A prompt without a chat template: the messages' contents, a blank line apart."""
    return "\n\n".join(message["content"] for message in messages)


def model_texts(tokenizer, conversations: list[list[dict]]) -> list[str]:
    """The text the model reads for each prompt (encode it with ADD_SPECIAL_TOKENS): the
    chat template with its generation prompt, or the plain text."""
    if schema.CHAT_TEMPLATE:
        return tokenizer.apply_chat_template(
            conversations, tokenize=False, add_generation_prompt=True
        )
    return [plain_text(c) for c in conversations]
