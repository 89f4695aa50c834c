"""Finding the judge to evaluate: a run's verl checkpoint step, or a Hugging Face model directory.

verl writes ``<trainer.default_local_dir>/global_step_N/actor/`` (per-rank FSDP shards, ``fsdp_config.json``
and a ``huggingface/`` folder with config and tokenizer) and records the newest step in
``latest_checkpointed_iteration.txt`` (verl 0.4.1: ``trainer/ppo/ray_trainer.py`` ``_save_checkpoint``,
``utils/checkpoint/checkpoint_manager.py`` ``find_latest_ckpt_path``). rm-kit's default_local_dir is
``<checkpoints mount>/<RayJob name>`` (``rmjob.verl_args.checkpoint_dir``). No torch here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rmjob.errors import UserError

TRACKER = "latest_checkpointed_iteration.txt"
STEP_DIR = re.compile(r"^global_step_(\d+)$")
MERGED = "huggingface_merged"
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")


def steps(run_dir: Path) -> list[int]:
    return sorted(int(m[1]) for p in run_dir.iterdir() if (m := STEP_DIR.match(p.name)) and p.is_dir())


def checkpoint_step(run_dir: Path, step: int | None) -> int:
    """``step`` if that checkpoint exists, else (None) the tracker's step, else the highest saved."""
    if not run_dir.is_dir():
        raise UserError(f"--run: no checkpoint directory {run_dir}; pass the RayJob name of a training run")
    saved = steps(run_dir)
    if not saved:
        raise UserError(f"--run: {run_dir} holds no global_step_N checkpoint yet (trainer.save_freq)")
    if step is None:
        tracker = run_dir / TRACKER
        text = tracker.read_text().strip() if tracker.is_file() else ""
        step = int(text) if text.isdigit() and int(text) in saved else saved[-1]
    elif step not in saved:
        raise UserError(f"--step {step}: no global_step_{step} in {run_dir}; saved steps: {saved}")
    return step


def actor_dir(run_dir: Path, step: int) -> Path:
    actor = run_dir / f"global_step_{step}" / "actor"
    if not (actor / "fsdp_config.json").is_file() or not (actor / "huggingface" / "config.json").is_file():
        raise UserError(
            f"{actor} is not a verl FSDP checkpoint (needs fsdp_config.json and huggingface/config.json); "
            "only FSDP checkpoints are merged"
        )
    return actor


def merged_dir(run_dir: Path, step: int) -> Path:
    """Where the merged model lives: beside the actor shards, on the checkpoints volume."""
    return run_dir / f"global_step_{step}" / MERGED


def is_model_dir(path: Path) -> bool:
    return (
        path.is_dir()
        and (path / "config.json").is_file()
        and any((path / name).is_file() for name in ("tokenizer.json", "tokenizer_config.json"))
        and any(any(path.glob(pattern)) for pattern in WEIGHT_PATTERNS)
    )


def check_model_dir(path: Path) -> Path:
    if not path.is_dir():
        raise UserError(
            f"--model {path}: no such directory; pass a Hugging Face model directory or --run NAME"
        )
    if not is_model_dir(path):
        found = ", ".join(sorted(p.name for p in path.iterdir())[:6]) or "nothing"
        raise UserError(
            f"--model {path} is not a Hugging Face model directory (needs config.json, a tokenizer and "
            f"*.safetensors weights; found {found}); for a verl checkpoint use --run NAME [--step N]"
        )
    return path


def judge_model(
    model: Path | None,
    run: str | None,
    step: int | None,
    checkpoints: Path,
    log: Callable[[str], None],
) -> tuple[Path | None, dict[str, Any]]:
    """The model directory to generate with (merging ``run``'s checkpoint first), and where it came from.

    ``run`` is a RayJob name under ``checkpoints`` (where runs keep them) or a directory path.
    """
    if model is not None and run is not None:
        raise UserError("pass --model or --run, not both")
    if step is not None and run is None:
        raise UserError("--step needs --run (a checkpoint step of a training run)")
    if model is not None:
        return check_model_dir(model), {}
    if run is None:
        return None, {}
    run_dir = Path(run) if "/" in run else checkpoints / run
    chosen = checkpoint_step(run_dir, step)
    actor = actor_dir(run_dir, chosen)
    from rmjob.eval.merge import merge_checkpoint

    log(f"merging {actor} with verl's model merger")
    return merge_checkpoint(actor, merged_dir(run_dir, chosen)), {"checkpoint": str(run_dir), "step": chosen}
