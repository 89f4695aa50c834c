"""Finding or fetching the real tools tests run against (Go modules, binaries), cached per machine.

Where a tool cannot be had, tests skip with one reason; with RMKIT_REQUIRE_TOOLS=1 (set by .ci/run)
that skip becomes a failure so CI always runs them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devtools import gomod

CACHE = Path(os.environ.get("RMKIT_CACHE", Path.home() / ".cache" / "rm-kit"))


def unavailable(reason: str) -> None:
    """Skip the calling test, or fail it when CI requires every tool."""
    if os.environ.get("RMKIT_REQUIRE_TOOLS") == "1":
        pytest.fail(f"required tool unavailable in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def go_module_dir(module: str, version: str) -> Path:
    """Download a Go module through the module proxy (cached in GOMODCACHE) and return its directory."""
    try:
        return gomod.go_module_dir(module, version)
    except gomod.ToolMissing as exc:
        unavailable(str(exc))
        raise  # unreachable
