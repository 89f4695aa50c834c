"""Compose Hydra overrides against the ppo_trainer.yaml inside the installed verl wheel.

This is what ``verl.trainer.main_ppo`` does before training, minus the training: an unknown or
misspelled key fails here exactly as it would on the cluster. Needs the ``train`` extra.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any


def verl_config_dir() -> Path:
    spec = importlib.util.find_spec("verl")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("verl is not installed: pip install -e '.[train]'")
    return Path(spec.origin).parent / "trainer" / "config"


def compose(overrides: list[str]) -> Any:
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(verl_config_dir()), version_base=None):
        return hydra_compose(config_name="ppo_trainer", overrides=overrides)
