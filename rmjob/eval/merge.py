"""A verl FSDP checkpoint -> a Hugging Face model directory, with verl's own model merger.

Calls ``verl.model_merger.fsdp_model_merger.FSDPModelMerger`` (verl 0.4.1), the code behind
``python -m verl.model_merger merge --backend fsdp``. The merger writes into a staging directory next to
the target, renamed into place when complete, so a half-merged model never appears under its name.
Imports torch and verl inside the function only.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import tempfile
from pathlib import Path

from rmjob.errors import UserError
from rmjob.eval.checkpoints import is_model_dir


def merge_checkpoint(actor: Path, target: Path) -> Path:
    """Merge ``actor`` (``global_step_N/actor``) into ``target``; an existing merged model is reused."""
    if is_model_dir(target):
        return target
    try:
        from verl.model_merger.base_model_merger import ModelMergerConfig
        from verl.model_merger.fsdp_model_merger import FSDPModelMerger
    except ImportError as exc:
        raise UserError(
            f"merging a checkpoint needs verl and torch ({exc.name} is missing): pip install 'rmjob[train]'"
        ) from None

    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        config = ModelMergerConfig(
            operation="merge",
            backend="fsdp",
            local_dir=str(actor),
            hf_model_config_path=str(actor / "huggingface"),
            target_dir=str(staging),
        )
        chatter = io.StringIO()  # the merger prints its progress; keep it for the error message
        try:
            with contextlib.redirect_stdout(chatter):
                merger = FSDPModelMerger(config)
                merger.merge_and_save()
                merger.cleanup()
        except (OSError, ValueError, RuntimeError, AssertionError, KeyError) as exc:
            raise UserError(f"cannot merge the checkpoint {actor}: {type(exc).__name__}: {exc}") from None
        # mkdtemp makes 0700 and safetensors writes 0600; other users' jobs read the model.
        staging.chmod(0o755)
        for file in staging.iterdir():
            file.chmod(0o644)
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
