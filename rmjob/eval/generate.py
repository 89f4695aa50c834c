"""Judge outputs from a model: vLLM on GPUs, transformers ``generate`` on CPU (tests, small models).

Both backends read the same token ids: the chat template applied by ``rmjob.train.templates.chat_text``
with the run's thinking flag, tokenized without extra special tokens (as verl's dataset does for
``raw_prompt_ids``), passed to vLLM as ``{"prompt_token_ids": ...}`` (as verl 0.4.1's rollout does,
``workers/rollout/vllm_rollout/vllm_rollout_spmd.py``), and decode the answer without special tokens
(as ``workers/reward_manager/naive.py`` does before the reward parses it).
torch, transformers and vLLM are imported inside the functions only.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from rmjob.errors import UserError
from rmjob.train.templates import chat_text

Backend = Literal["vllm", "transformers"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Sampling:
    """Decoding settings, recorded in the report. Temperature 0 is greedy (verl's validation default)."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 2048
    seed: int = 0
    batch_size: int = 8

    def summary(self) -> dict[str, Any]:
        return asdict(self)


def check_backend(backend: Backend) -> None:
    """Refuse a backend whose library is missing before any work starts (finds it without importing)."""
    import importlib.util

    needs = {"vllm": "vllm", "transformers": "torch"}[backend]
    if importlib.util.find_spec(needs) is None:
        hint = (
            "in the trainer image; use --backend transformers here"
            if backend == "vllm"
            else "pip install 'rmjob[train]'"
        )
        raise UserError(f"--backend {backend} needs {needs} ({hint})")


def load_tokenizer(model_dir: Path) -> Any:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def prompt_ids(
    tokenizer: Any, conversations: Sequence[list[dict[str, str]]], enable_thinking: bool
) -> list[list[int]]:
    texts = [chat_text(tokenizer, messages, enable_thinking=enable_thinking) for messages in conversations]
    return [list(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]


def generate(
    model_dir: Path,
    conversations: Sequence[list[dict[str, str]]],
    *,
    enable_thinking: bool,
    backend: Backend,
    sampling: Sampling,
    tensor_parallel_size: int = 1,
    progress: Progress | None = None,
) -> list[str]:
    """One output text per conversation, in order."""
    tokenizer = load_tokenizer(model_dir)
    ids = prompt_ids(tokenizer, conversations, enable_thinking)
    longest = _check_context(model_dir, ids, sampling)
    if backend == "vllm":
        return _generate_vllm(model_dir, ids, sampling, tensor_parallel_size, longest)
    return _generate_transformers(model_dir, tokenizer, ids, sampling, progress)


def _check_context(model_dir: Path, ids: list[list[int]], sampling: Sampling) -> int:
    """The longest prompt plus answer, refused when it exceeds the model's own context."""
    context = json.loads((model_dir / "config.json").read_text()).get("max_position_embeddings")
    longest = max(len(p) for p in ids) + sampling.max_new_tokens
    if context and longest > context:
        raise UserError(
            f"the longest prompt plus --max-new-tokens is {longest} tokens, more than the model's "
            f"context of {context}; lower --max-new-tokens or use --limit to skip long rows"
        )
    return longest


def _generate_vllm(
    model_dir: Path, ids: list[list[int]], sampling: Sampling, tensor_parallel_size: int, longest: int
) -> list[str]:
    from vllm import LLM, SamplingParams

    llm = LLM(
        model=str(model_dir),
        tensor_parallel_size=tensor_parallel_size,
        seed=sampling.seed,
        max_model_len=longest,
    )
    params = SamplingParams(
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        max_tokens=sampling.max_new_tokens,
        seed=sampling.seed,
        skip_special_tokens=True,
    )
    results = llm.generate([{"prompt_token_ids": p} for p in ids], params)
    return [result.outputs[0].text for result in results]


def _generate_transformers(
    model_dir: Path, tokenizer: Any, ids: list[list[int]], sampling: Sampling, progress: Progress | None
) -> list[str]:
    import torch
    from transformers import AutoModelForCausalLM

    torch.manual_seed(sampling.seed)
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), torch_dtype=torch.float32).eval()
    pad = tokenizer.pad_token_id
    # Similar lengths share a batch, so little of each batch is padding.
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    outputs: list[str] = [""] * len(ids)
    for start in range(0, len(order), sampling.batch_size):
        batch = order[start : start + sampling.batch_size]
        width = max(len(ids[i]) for i in batch)
        input_ids = torch.tensor([[pad] * (width - len(ids[i])) + ids[i] for i in batch])
        mask = torch.tensor([[0] * (width - len(ids[i])) + [1] * len(ids[i]) for i in batch])
        sample = sampling.temperature > 0
        with torch.no_grad():
            generated = model.generate(
                input_ids=input_ids,
                attention_mask=mask,
                max_new_tokens=sampling.max_new_tokens,
                do_sample=sample,
                temperature=sampling.temperature if sample else None,
                top_p=sampling.top_p if sample else None,
                top_k=None,
                pad_token_id=pad,
                eos_token_id=tokenizer.eos_token_id,
            )
        for row, index in enumerate(batch):
            outputs[index] = tokenizer.decode(generated[row, width:], skip_special_tokens=True)
        if progress is not None:
            progress(min(start + sampling.batch_size, len(order)), len(order))
    return outputs
