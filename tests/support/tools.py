"""Finding or fetching the real tools tests run against (Go modules, binaries), cached per machine.

Where a tool cannot be had, tests skip with one reason; with RMKIT_REQUIRE_TOOLS=1 (set by .ci/run)
that skip becomes a failure so CI always runs them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("RMKIT_CACHE", Path.home() / ".cache" / "rm-kit"))


def unavailable(reason: str) -> None:
    """Skip the calling test, or fail it when CI requires every tool."""
    if os.environ.get("RMKIT_REQUIRE_TOOLS") == "1":
        pytest.fail(f"required tool unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def go_module_dir(module: str, version: str) -> Path:
    """Download a Go module through the module proxy (cached in GOMODCACHE) and return its directory."""
    go = shutil.which("go")
    if go is None:
        unavailable("the go command is not installed (needed to fetch Go modules)")
    proc = subprocess.run(
        [go, "mod", "download", "-json", f"{module}@{version}"],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "GOFLAGS": "-mod=mod"},
    )
    info = json.loads(proc.stdout or "{}")
    if proc.returncode != 0 or "Dir" not in info:
        unavailable(f"go mod download {module}@{version} failed: {info.get('Error') or proc.stderr.strip()}")
    return Path(info["Dir"])
