"""Checking the kubeconfig files before the kubernetes client reads them.

The client loads them with plain PyYAML and indexes into the result, so random bytes, a directory,
1,000 nested brackets or a list where a mapping belongs escape as tracebacks of many kinds. The files
kubectl would read are read here first, within bounds, and any such problem becomes one line.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from rmjob.bounded_yaml import load_yaml_file
from rmjob.errors import UserError

# Kubeconfigs embed certificates (a few KB each); tens of clusters stay far below this.
MAX_KUBECONFIG_BYTES = 16 * 1024 * 1024
_LISTS = ("clusters", "contexts", "users")


def kubeconfig_paths() -> list[Path]:
    """The files kubectl reads: each entry of $KUBECONFIG, else ~/.kube/config."""
    chosen = os.environ.get("KUBECONFIG")
    if chosen:
        return [Path(p).expanduser() for p in chosen.split(os.pathsep) if p]
    return [Path.home() / ".kube" / "config"]


def check_kubeconfig(context: str | None = None) -> None:
    """Refuse an unreadable or malformed kubeconfig, or a missing credential plugin, in one line.

    Missing files and unknown contexts are left to the client's loader, which reports them.
    """
    files = _read_files()
    _check_exec_plugin(files, context)


def _read_files() -> list[dict[str, Any]]:
    files = []
    for path in kubeconfig_paths():
        if not os.path.lexists(path):
            continue
        data = load_yaml_file(path, "kubeconfig", MAX_KUBECONFIG_BYTES)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise UserError(
                f"kubeconfig {path} is not a kubeconfig (a YAML mapping of clusters, contexts, users)"
            )
        for key in _LISTS:
            entries = data.get(key)
            if entries is None:
                continue
            if not isinstance(entries, list) or not all(
                isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
            ):
                raise UserError(f"kubeconfig {path}: {key} must be a list of entries, each with a name")
        files.append(data)
    return files


def _first(files: list[dict[str, Any]], key: str, name: Any) -> dict[str, Any]:
    """kubectl's merge: the first file that defines an entry wins."""
    for data in files:
        for entry in data.get(key) or []:
            if entry["name"] == name:
                return entry
    return {}


def _check_exec_plugin(files: list[dict[str, Any]], context: str | None) -> None:
    """The client logs a missing plugin and goes on unauthenticated; say what is missing instead."""
    name = context or next((d["current-context"] for d in files if d.get("current-context")), None)
    ctx = _first(files, "contexts", name).get("context")
    user = _first(files, "users", ctx.get("user")).get("user") if isinstance(ctx, dict) else None
    plugin = user.get("exec") if isinstance(user, dict) else None
    command = plugin.get("command") if isinstance(plugin, dict) else None
    if isinstance(command, str) and command and shutil.which(command) is None:
        raise UserError(
            f"kube context {name!r} gets its credentials from {command!r}, which is not installed or not "
            "on PATH: install it (see your cluster provider's kubectl setup) or pick another --context"
        )
