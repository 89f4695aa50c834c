"""Reads for `rmjob check`'s cluster fit: the reused RayCluster, the GPU nodes and what is asked of them,
and the Kueue LocalQueues of the namespace. Read-only; through ``Cluster``'s clients and error mapping.
"""

from __future__ import annotations

from typing import Any

from rmjob.cluster_view import ClusterView, GpuNode, WorkerGroup
from rmjob.kube.cluster import TIMEOUT, Cluster, _json
from rmjob.kube.errors import NotFound, api_errors
from rmjob.platform import GPU_PRODUCT_LABEL, GPU_RESOURCE

KUEUE = ("kueue.x-k8s.io", "v1beta1", "localqueues")
FINISHED = ("Succeeded", "Failed")


def get_raycluster(cluster: Cluster, name: str) -> dict[str, Any] | None:
    try:
        with api_errors(cluster.server, f"RayCluster {name!r} in namespace {cluster.namespace}"):
            return _json(  # type: ignore[no-any-return]
                cluster._custom().get_namespaced_custom_object(
                    "ray.io",
                    "v1",
                    cluster.namespace,
                    "rayclusters",
                    name,
                    _preload_content=False,
                    _request_timeout=TIMEOUT,
                )
            )
    except NotFound:
        return None


def _gpus(resources: dict[str, Any] | None) -> int:
    value = (resources or {}).get(GPU_RESOURCE)
    return int(str(value)) if value is not None else 0


def worker_groups(raycluster: dict[str, Any]) -> tuple[WorkerGroup, ...]:
    groups = []
    for group in (raycluster.get("spec") or {}).get("workerGroupSpecs") or []:
        pod = (group.get("template") or {}).get("spec") or {}
        gpus = sum(
            _gpus((c.get("resources") or {}).get("limits"))
            or _gpus((c.get("resources") or {}).get("requests"))
            for c in pod.get("containers") or []
        )
        product = (pod.get("nodeSelector") or {}).get(GPU_PRODUCT_LABEL)
        groups.append(
            WorkerGroup(group.get("groupName", "?"), int(group.get("replicas") or 0), gpus, product)
        )
    return tuple(groups)


def gpu_nodes(cluster: Cluster) -> tuple[GpuNode, ...]:
    """Every node with GPUs, and the GPUs that running or pending pods already request on it."""
    with api_errors(cluster.server, "listing nodes"):
        nodes = _json(cluster._core().list_node(_preload_content=False, _request_timeout=TIMEOUT))["items"]
    with api_errors(cluster.server, "listing pods of all namespaces"):
        pods = _json(
            cluster._core().list_pod_for_all_namespaces(
                field_selector="spec.nodeName!=", _preload_content=False, _request_timeout=TIMEOUT
            )
        )["items"]
    requested: dict[str, int] = {}
    for pod in pods:
        if (pod.get("status") or {}).get("phase") in FINISHED:
            continue
        node = pod["spec"].get("nodeName")
        for c in pod["spec"].get("containers") or []:
            requested[node] = requested.get(node, 0) + _gpus((c.get("resources") or {}).get("requests"))
    found = []
    for node in nodes:
        gpus = _gpus((node.get("status") or {}).get("allocatable"))
        if not gpus:
            continue
        name = node["metadata"]["name"]
        found.append(
            GpuNode(
                name=name,
                product=(node["metadata"].get("labels") or {}).get(GPU_PRODUCT_LABEL),
                allocatable_gpus=gpus,
                requested_gpus=requested.get(name, 0),
                schedulable=not (node.get("spec") or {}).get("unschedulable", False),
            )
        )
    return tuple(found)


def local_queues(cluster: Cluster) -> list[str]:
    group, version, plural = KUEUE
    try:
        with api_errors(cluster.server, f"listing Kueue LocalQueues in {cluster.namespace}"):
            items = _json(
                cluster._custom().list_namespaced_custom_object(
                    group,
                    version,
                    cluster.namespace,
                    plural,
                    _preload_content=False,
                    _request_timeout=TIMEOUT,
                )
            )["items"]
    except NotFound:
        return []
    except Exception as exc:  # Kueue's CRD absent: the API server says it has no such resource
        if "not installed" in str(exc) or "could not find the requested resource" in str(exc):
            return []
        raise
    return [q["metadata"]["name"] for q in items]


def cluster_view(cluster: Cluster, reuse: str | None) -> ClusterView:
    """What cluster fit needs: for a reused cluster its RayCluster, else nodes and queues."""
    if reuse is not None:
        raycluster = get_raycluster(cluster, reuse)
        groups = worker_groups(raycluster) if raycluster else ()
        return ClusterView(cluster.context, cluster.namespace, raycluster, groups)
    queues = local_queues(cluster)
    return ClusterView(
        cluster.context, cluster.namespace, nodes=gpu_nodes(cluster), queue=queues[0] if queues else None
    )
