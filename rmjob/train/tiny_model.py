"""A tiny judge model made offline: Qwen3 architecture, random weights, a tokenizer trained here.

It lets everything up to the first GPU run for real without a download: verl's ``main_ppo`` loads its
config and tokenizer, our dataset class renders prompts with its chat template, and eval generates with
it on CPU. The numbers it produces mean nothing; the code paths are the real ones.

The tokenizer is a byte-level BPE (exact decode round trip, like Qwen's) trained on the synthetic
HelpSteer2 text and the judge templates' own wording, so judge prompts tokenize to realistic lengths.
Its chat template is ChatML and honours ``enable_thinking`` the way Qwen3's does: ``False`` pre-fills an
empty ``<think>\\n\\n</think>\\n\\n`` block after the generation prompt; ``True`` (the default) leaves the
model to think. ``<think>``/``</think>`` are ordinary added tokens, as in Qwen3, so decode keeps them.

Imports torch, transformers and tokenizers: call it from the train extra only (the CLI imports it lazily).
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# ChatML as Qwen uses it; with enable_thinking=false the assistant turn starts with an empty thinking block.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% if enable_thinking is defined and enable_thinking is false %}"
    "{{ '<think>\\n\\n</think>\\n\\n' }}{% endif %}"
    "{% endif %}"
)
SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")
THINK_TOKENS = ("<think>", "</think>")
EOS_TOKEN = "<|im_end|>"
PAD_TOKEN = "<|endoftext|>"


@dataclass(frozen=True)
class TinyShape:
    """Qwen3 hyper-parameters of the tiny model (about 0.2 M parameters at the defaults)."""

    layers: int = 2
    hidden: int = 64
    heads: int = 4
    kv_heads: int = 2
    intermediate: int = 128
    vocab: int = 1024
    # Long enough for the presets' max_prompt_length + max_response_length (4096 + 2048).
    context: int = 8192


def _corpus() -> Iterator[str]:
    """The synthetic HelpSteer2 sample's prompts and responses, and the judge templates' wording."""
    from rmjob.data.synthetic import generate
    from rmjob.modes import PAIRWISE, POINTWISE
    from rmjob.train.templates import template_for

    with tempfile.TemporaryDirectory(prefix="rmjob-tiny-corpus-") as scratch:
        summary = generate(Path(scratch), size="sample")
        with gzip.open(summary.files["train"], "rt", encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                yield row["prompt"]
                yield row["response"]
    for source in (POINTWISE, PAIRWISE):
        template = template_for(source)
        yield template.text.description
        yield template.text.rubric
        yield template.answer_instruction


def build_tokenizer(corpus: Iterable[str], vocab_size: int = TinyShape.vocab) -> Any:
    """A ``PreTrainedTokenizerFast``: byte-level BPE trained on ``corpus``, with the chat template."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    model = Tokenizer(models.BPE())
    model.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    model.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    model.train_from_iterator(corpus, trainer)
    model.add_tokens(list(THINK_TOKENS))
    return PreTrainedTokenizerFast(
        tokenizer_object=model,
        eos_token=EOS_TOKEN,
        pad_token=PAD_TOKEN,
        chat_template=CHAT_TEMPLATE,
    )


def build_model(tokenizer: Any, shape: TinyShape, seed: int) -> Any:
    """A randomly initialised ``Qwen3ForCausalLM`` sized to the tokenizer (deterministic for a seed)."""
    import torch
    from transformers import Qwen3Config, Qwen3ForCausalLM

    config = Qwen3Config(
        vocab_size=len(tokenizer),
        hidden_size=shape.hidden,
        intermediate_size=shape.intermediate,
        num_hidden_layers=shape.layers,
        num_attention_heads=shape.heads,
        num_key_value_heads=shape.kv_heads,
        head_dim=shape.hidden // shape.heads,
        max_position_embeddings=shape.context,
        tie_word_embeddings=True,
        torch_dtype="float32",
        bos_token_id=None,
        eos_token_id=tokenizer.convert_tokens_to_ids(EOS_TOKEN),
        pad_token_id=tokenizer.convert_tokens_to_ids(PAD_TOKEN),
    )
    torch.manual_seed(seed)
    return Qwen3ForCausalLM(config).eval()


def write_tiny_model(out: Path, shape: TinyShape | None = None, seed: int = 0) -> Path:
    """Write config, weights (safetensors), generation config and tokenizer into ``out``.

    The directory appears whole or not at all: it is built beside ``out`` and renamed into place, so a
    job never loads a half-written model. An existing model directory at ``out`` is replaced.
    """
    shape = shape or TinyShape()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(_corpus(), shape.vocab)
    model = build_model(tokenizer, shape, seed)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        model.save_pretrained(staging, safe_serialization=True)
        tokenizer.save_pretrained(staging)
        # mkdtemp makes 0700 and safetensors writes 0600; the model is read by other users' jobs.
        os.chmod(staging, 0o755)
        for file in staging.iterdir():
            os.chmod(file, 0o644)
        if out.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.replace(out, retired / out.name)
            os.replace(staging, out)
            shutil.rmtree(retired, ignore_errors=True)
        else:
            os.replace(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out
