"""Regenerate ``rmjob/verl_keys.txt`` from the ppo_trainer.yaml inside the installed verl wheel.

The renderer checks raw verl overrides against this snapshot so that ``rmjob render`` stays fast and
needs no verl; ``tests/test_verl_args.py`` fails when the snapshot and the pinned wheel disagree.
Run: ``python -m devtools.verl_keys``.
"""

from __future__ import annotations

import importlib.metadata
from typing import Any

import yaml

from devtools.verl_compose import verl_config_dir
from rmjob.atomic import write_text_atomic
from rmjob.verl_args import KEYS_FILE


def flatten(node: Any, prefix: str = "") -> list[str]:
    """Dotted paths of a config tree; mappings end with '.' so additions under them can be allowed."""
    if not isinstance(node, dict):
        return [prefix]
    paths = [f"{prefix}."] if prefix else []
    for key, value in node.items():
        if key == "defaults":
            continue
        paths += flatten(value, f"{prefix}.{key}" if prefix else str(key))
    return paths


def snapshot() -> str:
    config = yaml.safe_load((verl_config_dir() / "ppo_trainer.yaml").read_text())
    version = importlib.metadata.version("verl")
    header = f"# verl {version} ppo_trainer.yaml keys; regenerate: python -m devtools.verl_keys\n"
    return header + "\n".join(sorted(flatten(config))) + "\n"


if __name__ == "__main__":
    write_text_atomic(KEYS_FILE, snapshot())
    print(f"wrote {KEYS_FILE}")
