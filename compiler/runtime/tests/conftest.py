# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/tests/conftest.py
"""The tests' stand-in tokenizer: one token per word and a chat template of its own,
saved as the model's tokenizer would be. The steps that measure rows (the data step,
predict) take the code path the model's tokenizer takes."""

import pytest

TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


@pytest.fixture(scope="session")
def tokenizer(tmp_path_factory) -> str:
    """The stand-in tokenizer's folder."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    words = Tokenizer(models.WordLevel({"[UNK]": 0}, unk_token="[UNK]"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    folder = tmp_path_factory.mktemp("tokenizer")
    PreTrainedTokenizerFast(
        tokenizer_object=words, unk_token="[UNK]", chat_template=TEMPLATE
    ).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def tok(tokenizer):
    """The stand-in tokenizer, loaded as the steps load the model's."""
    from pipeline.data import load_tokenizer

    return load_tokenizer(tokenizer)
