"""What a cluster has for a run, as plain data: the kube part reads it, the preflight judges it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WorkerGroup:
    name: str
    replicas: int
    gpus: int
    product: str | None


@dataclass(frozen=True)
class GpuNode:
    name: str
    product: str | None
    allocatable_gpus: int
    requested_gpus: int
    schedulable: bool

    @property
    def free_gpus(self) -> int:
        return self.allocatable_gpus - self.requested_gpus


@dataclass(frozen=True)
class ClusterView:
    """What the API server said; built by ``rmjob.kube.capacity.cluster_view``."""

    context: str
    namespace: str
    raycluster: dict[str, Any] | None = None  # the reused RayCluster, None if not found
    worker_groups: tuple[WorkerGroup, ...] = ()
    nodes: tuple[GpuNode, ...] = ()
    queue: str | None = None  # the Kueue LocalQueue the spec's namespace offers, if any
