"""Fixtures for the verl-on-CPU tests: a tokenizer built here (no hub downloads) and converted parquet."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmjob.data.convert import ConvertOptions, convert
from rmjob.data.synthetic import generate

# Qwen-style ChatML; like Qwen3's template, enable_thinking=false pre-fills an empty thinking block.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}"
    "{% endif %}"
)
SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("helpsteer2-synthetic")
    generate(out, size="sample", seed=7)
    return out


@pytest.fixture(scope="session")
def parquet_dir(synthetic_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parquet")
    for mode in ("pointwise", "pairwise"):
        convert(ConvertOptions(mode=mode, src=synthetic_dir, out=out))
    return out


@pytest.fixture(scope="session")
def tokenizer(synthetic_dir: Path):
    """A byte-level BPE (exact decode round trip) trained on the synthetic text, with a chat template."""
    import gzip

    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    with gzip.open(synthetic_dir / "train.jsonl.gz", "rt") as lines:
        corpus = lines.read().splitlines()
    model = Tokenizer(models.BPE())
    model.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    model.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=800,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    model.train_from_iterator(corpus, trainer)
    model.add_tokens(["<think>", "</think>"])  # ordinary added tokens, as in Qwen3: kept by decode
    return PreTrainedTokenizerFast(
        tokenizer_object=model,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
    )
