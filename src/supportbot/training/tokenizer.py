"""A byte-level BPE tokenizer trained on the support corpus, with our chat template."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from supportbot.core.prompt import CHAT_TEMPLATE, END, SPECIAL_TOKENS

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

PAD = "<|pad|>"


def train_tokenizer(
    texts: Iterable[str], *, vocab_size: int = 4096, max_length: int = 512
) -> PreTrainedTokenizerFast:
    """Train on ``texts`` (already rendered in the prompt format) and wrap for transformers.

    Byte-level, so any input encodes (no unknown token); the role markers and end-of-turn are
    single special tokens, so a turn boundary is one token the model cannot split or misspell.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[PAD, *SPECIAL_TOKENS],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=END,
        pad_token=PAD,
        additional_special_tokens=[t for t in SPECIAL_TOKENS if t != END],
        model_max_length=max_length,
        padding_side="left",  # batched generation needs left padding
        clean_up_tokenization_spaces=False,
    )
    wrapped.chat_template = CHAT_TEMPLATE
    return wrapped
