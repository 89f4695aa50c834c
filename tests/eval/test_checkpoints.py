"""Choosing a run's checkpoint step and recognising model directories (no torch)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmjob.errors import UserError
from rmjob.eval.checkpoints import actor_dir, check_model_dir, checkpoint_step


def run_with_steps(tmp_path: Path, *steps: int, tracker: str | None = None) -> Path:
    for step in steps:
        (tmp_path / f"global_step_{step}" / "actor").mkdir(parents=True)
    if tracker is not None:
        (tmp_path / "latest_checkpointed_iteration.txt").write_text(tracker)
    return tmp_path


def test_the_default_step_is_the_one_verl_recorded_as_latest(tmp_path):
    assert checkpoint_step(run_with_steps(tmp_path, 20, 40, 60, tracker="40"), None) == 40


def test_without_a_usable_tracker_the_highest_saved_step_is_taken(tmp_path):
    assert checkpoint_step(run_with_steps(tmp_path, 20, 100, tracker="80"), None) == 100


def test_an_unsaved_step_names_the_saved_ones(tmp_path):
    with pytest.raises(UserError, match=r"saved steps: \[20, 40\]"):
        checkpoint_step(run_with_steps(tmp_path, 20, 40), 30)


def test_a_step_without_fsdp_files_is_not_a_verl_checkpoint(tmp_path):
    with pytest.raises(UserError, match="not a verl FSDP checkpoint"):
        actor_dir(run_with_steps(tmp_path, 20), 20)


def test_a_model_directory_needs_config_tokenizer_and_weights(tmp_path):
    for name in ("config.json", "tokenizer.json"):
        (tmp_path / name).write_text("{}")
    with pytest.raises(UserError, match="not a Hugging Face model directory"):
        check_model_dir(tmp_path)
    (tmp_path / "model.safetensors").write_bytes(b"")
    assert check_model_dir(tmp_path) == tmp_path
