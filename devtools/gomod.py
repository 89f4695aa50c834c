"""Fetching Go modules (for their files: KubeRay's CRDs) through the Go module proxy.

``go mod download`` keeps them in GOMODCACHE, so each machine downloads a version once.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path


class ToolMissing(Exception):
    """A tool or download the caller needs cannot be had on this machine."""


def go_module_dir(module: str, version: str, go: str | None = None) -> Path:
    """The module's directory in GOMODCACHE, downloaded with ``go`` (default: the one on PATH)."""
    go = go or shutil.which("go")
    if go is None:
        raise ToolMissing("the go command is not installed (needed to fetch Go modules)")
    proc = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    try:
        info = json.loads(proc.stdout or "{}")
    except json.JSONDecodeError:
        info = {}
    if proc.returncode != 0 or "Dir" not in info:
        raise ToolMissing(
            f"go mod download {module}@{version} failed: "
            f"{info.get('Error') or proc.stderr.strip() or f'exit {proc.returncode}'}"
        )
    return Path(info["Dir"])
