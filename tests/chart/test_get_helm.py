"""scripts/get-helm: the path of the pinned helm on stdout, or one line on stderr and a non-zero exit."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from tests.chart.conftest import GET_HELM


def _pinned_version() -> str:
    match = re.search(r"^HELM_VERSION=(v[0-9.]+)", GET_HELM.read_text(), re.MULTILINE)
    assert match, "scripts/get-helm must pin HELM_VERSION"
    return match.group(1)


def test_prints_the_absolute_path_of_the_pinned_helm(helm_binary: str) -> None:
    path = Path(helm_binary)
    assert path.is_absolute() and os.access(path, os.X_OK)
    assert path.name == f"helm-{_pinned_version()}"
    version = subprocess.run([helm_binary, "version", "--short"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith(_pinned_version())


def test_without_go_and_without_a_cached_helm_it_fails_with_one_line(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "RMKIT_CACHE": str(tmp_path / "cache")}
    proc = subprocess.run([str(GET_HELM)], capture_output=True, text=True, check=False, env=env)
    assert proc.returncode != 0
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("get-helm: the go command is not installed")
