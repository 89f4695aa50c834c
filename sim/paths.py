"""Where the simulated cluster keeps its binaries, state and kubeconfig (per machine, under RMKIT_CACHE)."""

from __future__ import annotations

import os
from pathlib import Path

from rmjob import machine_cache

SIM_SOURCE = Path(__file__).resolve().parent


def cache_root() -> Path:
    return machine_cache.cache_root() / "sim"


def home() -> Path:
    """Where one cluster keeps its state, logs and kubeconfig. RMKIT_SIM_HOME runs a second, independent
    cluster side by side (with another SIM_PORT_BASE); the built binaries are shared either way."""
    return Path(os.environ.get("RMKIT_SIM_HOME") or cache_root())


def state_dir() -> Path:
    """PIDs, certificates and etcd data of the running cluster; removed by ``down``."""
    return home() / "state"


def log_dir() -> Path:
    """Component logs; kept after ``down`` for post-mortems, replaced by the next ``up``."""
    return home() / "logs"


def kubeconfig_path() -> Path:
    """The kubeconfig the rest of the kit uses (admin of the simulated cluster)."""
    return home() / "kubeconfig"
