"""The cluster's DNS, as a hosts file: each Service that selects a running Ray head resolves to that head's
loopback address. Processes that need it (the operator, job pods, Ray heads) see it as /etc/hosts in their
own mount namespace (sim/podns.py); the machine's /etc/hosts is never touched."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

CLUSTER_DOMAIN = "cluster.local"  # KubeRay's default (utils.GetClusterDomainName)
BASE = "127.0.0.1 localhost\n::1 localhost\n"


def service_names(service: str, namespace: str) -> list[str]:
    """The names a pod's resolver accepts for a Service (search paths written out)."""
    return [
        f"{service}.{namespace}.svc.{CLUSTER_DOMAIN}",
        f"{service}.{namespace}.svc",
        f"{service}.{namespace}",
    ]


def selects(selector: dict[str, str] | None, labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in (selector or {}).items())


def entries(
    services: Iterable[dict[str, Any]], heads: Iterable[tuple[str, dict[str, str], str]]
) -> dict[str, str]:
    """Name -> address for every Service selecting one of ``heads`` (namespace, pod labels, address)."""
    found: dict[str, str] = {}
    heads = list(heads)
    for service in services:
        meta, spec = service["metadata"], service.get("spec") or {}
        for namespace, labels, ip in heads:
            if namespace == meta["namespace"] and selects(spec.get("selector"), labels):
                for name in service_names(meta["name"], namespace):
                    found[name] = ip
    return found


def render(names: dict[str, str]) -> str:
    return BASE + "".join(f"{ip} {name}\n" for name, ip in sorted(names.items()))


def write_in_place(path: Path, text: str) -> None:
    """Replace the file's content keeping its inode: a bind mount shows the file it was made with, so a
    rename would go unseen. Written before truncating, a reader never finds the file empty."""
    data = text.encode()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)
