"""A tiny random causal LM and tokenizer, built locally (no hub downloads).

It is saved in the Hugging Face layout (config.json, model.safetensors,
tokenizer.json, chat template) so that transformers, mlx-lm and peft load it
through the same code paths as a 7B model. The tokenizer is a byte-level BPE
trained on the given texts; its chat template ends every turn with the EOS
token, so a trained model can learn to stop.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ["<unk>", "<s>", "<|end|>", "<pad>", "<|system|>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>{{ message['content'] }}<|end|>"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def build_tiny_model(
    out: Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 2048,
    hidden_size: int = 64,
    layers: int = 2,
    max_positions: int = 4096,
    seed: int = 0,
    output_std: float | None = None,
) -> Path:
    """Train a tokenizer on ``texts`` and save a random Llama-architecture model.

    ``output_std``: the standard deviation of the output layer's random weights
    (default: the config's initializer range, 0.02). The output layer is frozen
    under LoRA and reads the final RMSNorm, whose output has norm sqrt(hidden_size),
    so no logit can move by more than about ``output_std * hidden_size`` from the
    others: at 0.02 and 64 that is about 1.3, and the model can never be confident
    about an answer. The learnability test uses 0.3 (a margin near 19).
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(list(texts), trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        bos_token="<s>",
        eos_token="<|end|>",
        unk_token="<unk>",
        pad_token="<pad>",
        chat_template=CHAT_TEMPLATE,
        padding_side="left",
    )
    tokenizer.save_pretrained(out)

    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=max_positions,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config)
    if output_std is not None:
        with torch.no_grad():
            model.lm_head.weight.normal_(0.0, output_std)
    model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(out, safe_serialization=True)
    return out


ENCODER_SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tiny_encoder(
    out: Path,
    texts: Iterable[str],
    *,
    vocab_size: int = 2048,
    hidden_size: int = 64,
    layers: int = 2,
    max_positions: int = 512,
    seed: int = 0,
    init_std: float = 0.02,
    dropout: float = 0.1,
) -> Path:
    """Train a WordPiece tokenizer on ``texts`` and save a random BERT encoder.

    BERT-shaped as a hub checkpoint is (BertModel: embeddings, encoder.layer.N with
    attention.self.query/key/value, dense layers, pooler), with a BertTokenizerFast that
    adds [CLS] ... [SEP] and has no chat template, so AutoModelForSequenceClassification
    puts a new classifier on its pooled [CLS] state, as it would on bert-base-uncased.

    ``init_std`` (BERT's initializer_range, 0.02) and ``dropout`` (hidden and attention,
    0.1): at BERT's values a random encoder's attention is near uniform and its [CLS]
    state carries the other tokens only faintly through post-LayerNorm blocks, so LoRA
    moves it slowly (the keyword task: valid accuracy 0.77 after 100 updates, where full
    fine-tuning reaches 1.0 after 80). The learnability test uses 0.1 and no dropout
    (LoRA: 0.97 after 60 updates).
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from tokenizers.processors import TemplateProcessing
    from transformers import BertConfig, BertModel, BertTokenizerFast

    out.mkdir(parents=True, exist_ok=True)
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=ENCODER_SPECIAL_TOKENS, show_progress=False
    )
    wordpiece.train_from_iterator(list(texts), trainer)
    cls, sep = wordpiece.token_to_id("[CLS]"), wordpiece.token_to_id("[SEP]")
    wordpiece.post_processor = TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls), ("[SEP]", sep)],
    )
    tokenizer = BertTokenizerFast(tokenizer_object=wordpiece, do_lower_case=True)
    tokenizer.save_pretrained(out)

    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=layers,
        num_attention_heads=4,
        max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id,
        initializer_range=init_std,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
    )
    BertModel(config).save_pretrained(out, safe_serialization=True)
    return out
