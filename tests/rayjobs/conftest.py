"""A real local Ray head (Ray 2.46.0 from this virtualenv) for the Ray-backend tests, one per session.

Every port is a free one, so it never collides with `make ray-up` or another test run; its volumes
(data, models with the tiny model, checkpoints) live in a temporary directory; it is stopped after.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rmjob.rayjobs.head import HeadPorts, start_head, stop_head
from rmjob.rayjobs.layout import STORAGE_ENV


@dataclass(frozen=True)
class LocalRay:
    address: str
    storage: Path
    synthetic: Path
    env: dict[str, str]

    def rmjob(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "rmjob.cli", *args],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=timeout,
            cwd=Path(__file__).resolve().parents[2],
        )


@pytest.fixture(scope="session")
def local_ray(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRay]:
    from rmjob.data.synthetic import generate
    from rmjob.rayjobs.layout import LocalLayout
    from rmjob.rayjobs.local import prepare_storage

    root = tmp_path_factory.mktemp("local-ray")
    storage = root / "storage"
    prepare_storage(LocalLayout(storage, ""))  # the volumes and the tiny model
    synthetic = root / "helpsteer2-synthetic"
    generate(synthetic, size="sample", seed=42)
    state_dir = root / "state"
    state, _ = start_head(state_dir, HeadPorts.all_free())
    env = {
        **os.environ,
        STORAGE_ENV: str(storage),
        "RAY_ADDRESS": state.address,
        "PYDANTIC_DISABLE_PLUGINS": "__all__",
    }
    try:
        yield LocalRay(state.address, storage, synthetic, env)
    finally:
        stop_head(state_dir)
