"""Sequence lengths: the model's context, and the prompts verl would drop."""

from __future__ import annotations

from typing import Any

from rmjob.preflight.inputs import Inputs
from rmjob.preflight.local_files import local_file
from rmjob.preflight.models import known_models, local_model_dir, model_shape
from rmjob.preflight.result import Verdict, failed, passed, skipped
from rmjob.preflight.rules import Rule
from rmjob.preflight.verl_config import config_or_skip


def context_length(rule: Rule, inputs: Inputs) -> list[Verdict]:
    t, path = inputs.spec.training, inputs.spec.model.path
    shape = model_shape(path, inputs.spec_dir)
    if shape is None:
        return [
            skipped(
                f"{path} is neither a local directory with config.json nor in rm-kit's table "
                f"({', '.join(known_models())}); context length not checked"
            )
        ]
    if shape.max_position_embeddings is None:
        return [skipped(f"{shape.source} names no max_position_embeddings")]
    limit = int(shape.max_position_embeddings)
    scaling = shape.rope_scaling or {}
    if scaling.get("factor"):
        # With rope scaling verl skips its check and vLLM stretches the context by the factor.
        limit = int(limit * float(scaling["factor"]))
    total = t.max_prompt_length + t.max_response_length
    if total > limit:
        return [
            failed(
                f"max_prompt_length + max_response_length = {t.max_prompt_length} + {t.max_response_length} "
                f"= {total} > {limit}, the context of {path} ({shape.source})",
                f"lower training.max_response_length to {max(1, limit - t.max_prompt_length)} "
                f"or max_prompt_length to {max(1, limit - t.max_response_length)}",
            )
        ]
    return [passed(f"{total} tokens fit the {limit}-token context of {path}")]


def _counted(inputs: Inputs) -> tuple[int, int] | Verdict:
    """(rows, rows kept) of the local train files, or why they cannot be counted here."""
    if "prompt_counts" in inputs.extra:
        return inputs.extra["prompt_counts"]  # type: ignore[no-any-return]
    spec = inputs.spec
    local = [f for f in (local_file(p, inputs.spec_dir) for p in spec.data.train_files) if f]
    model_dir = local_model_dir(spec.model.path, inputs.spec_dir)
    counted: tuple[int, int] | Verdict
    if not local:
        counted = skipped(
            "the train files are not readable here (paths inside the pods); prompts not counted"
        )
    elif model_dir is None:
        counted = skipped(f"{spec.model.path}'s tokenizer is not local; prompts not counted")
    else:
        config = config_or_skip(inputs)
        counted = (
            config
            if isinstance(config, Verdict)
            else _count_kept(config, [str(f) for f in local], str(model_dir), spec.mode)
        )
    inputs.extra["prompt_counts"] = counted
    return counted


def overlong_prompts(rule: Rule, inputs: Inputs) -> list[Verdict]:
    counted = _counted(inputs)
    if isinstance(counted, Verdict):
        return [counted]
    rows, kept = counted
    dropped, limit = rows - kept, inputs.spec.training.max_prompt_length
    if dropped:
        return [
            failed(
                f"{dropped} of {rows} train prompts ({dropped / rows:.0%}) exceed max_prompt_length={limit} "
                "and are dropped",
                "raise training.max_prompt_length (and lower max_response_length to keep the context) "
                "if those prompts matter",
            )
        ]
    return [passed(f"all {rows} train prompts fit max_prompt_length={limit}")]


def prompts_left(rule: Rule, inputs: Inputs) -> list[Verdict]:
    counted = _counted(inputs)
    if isinstance(counted, Verdict):
        return [counted]
    rows, kept = counted
    batch, limit = inputs.spec.training.train_batch_size, inputs.spec.training.max_prompt_length
    if kept < batch:
        return [
            failed(
                f"{kept} of {rows} train prompts fit max_prompt_length={limit}, fewer than "
                f"train_batch_size={batch}: verl stops with 'Train dataloader is empty!'",
                "raise training.max_prompt_length, lower train_batch_size, or add data",
            )
        ]
    return [passed(f"{kept} prompts left for train_batch_size={batch}")]


def _count_kept(config: Any, files: list[str], model_dir: str, mode: str) -> tuple[int, int]:
    """Build the run's own dataset class on the local files, with the model's tokenizer, as the
    TaskRunner does; its length is what survives the overlong filter."""
    import pyarrow.parquet as pq
    from omegaconf import OmegaConf
    from verl.utils import hf_tokenizer

    from rmjob.modes import MODES
    from rmjob.train import datasets

    rows = sum(pq.read_metadata(f).num_rows for f in files)
    data_config = OmegaConf.create(OmegaConf.to_container(config.data))
    data_config.train_files = files
    try:
        dataset = getattr(datasets, MODES[mode].dataset_class)(files, hf_tokenizer(model_dir), data_config)
    except ValueError as exc:  # rm-kit's class refuses a dataset left empty by the filter
        if "longer than" in str(exc):
            return rows, 0
        raise
    return rows, len(dataset)
