"""verl's own Hydra config (``ppo_trainer.yaml`` from the installed wheel), composed with overrides."""

from __future__ import annotations

from pathlib import Path

import rmjob.train

PAYLOAD_DIR = Path(rmjob.train.__file__).parent
DATASETS_FILE = PAYLOAD_DIR / "datasets.py"
REWARDS_FILE = PAYLOAD_DIR / "rewards.py"


def compose(*overrides: str):
    import verl
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    config_dir = Path(verl.__file__).parent / "trainer" / "config"
    with initialize_config_dir(config_dir=str(config_dir), version_base=None):
        return hydra_compose(config_name="ppo_trainer", overrides=list(overrides))


def data_overrides(
    parquet: Path, cls: str, *, max_prompt_length: int = 8192, thinking: bool = True
) -> list[str]:
    return [
        f"data.train_files={parquet}",
        f"data.val_files={parquet}",
        f"data.max_prompt_length={max_prompt_length}",
        f"data.custom_cls.path={DATASETS_FILE}",
        f"data.custom_cls.name={cls}",
        f"+data.judge.enable_thinking={str(thinking).lower()}",
    ]
