from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from rmjob.platform import load_platform
from rmjob.render import render_rayjob
from rmjob.runtime_env import load_runtime_env
from rmjob.schema import replace
from rmjob.spec import RunSpec, load_spec

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def runtime_env() -> dict[str, Any]:
    return load_runtime_env(ROOT / "runtime_env.yaml")


def spec_variant(preset: str, **cluster: Any) -> RunSpec:
    """A preset with some cluster fields changed (nodes, reuse, node_shape, ...)."""
    spec = load_spec(preset)
    return replace(spec, cluster=replace(spec.cluster, **cluster))


def rendered(preset: str, env: dict[str, Any], **cluster: Any) -> dict[str, Any]:
    return render_rayjob(spec_variant(preset, **cluster), env, load_platform())
