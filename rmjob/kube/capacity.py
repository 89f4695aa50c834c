"""Reads for `rmjob check`'s cluster fit: the reused RayCluster, the GPU nodes and what is asked of them,
and the Kueue LocalQueues of the namespace. Read-only, every request through ``Cluster.call``.
"""

from __future__ import annotations

from typing import Any

from rmjob.cluster_view import ClusterView, GpuNode, WorkerGroup
from rmjob.errors import UserError
from rmjob.kube.cluster import Cluster
from rmjob.kube.errors import NotFound
from rmjob.platform import GPU_PRODUCT_LABEL, GPU_RESOURCE

KUEUE = ("kueue.x-k8s.io", "v1beta1", "localqueues")
FINISHED = ("Succeeded", "Failed")


def get_raycluster(cluster: Cluster, name: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = cluster.call(
            f"RayCluster {name!r} in namespace {cluster.namespace}",
            "CustomObjectsApi",
            "get_namespaced_custom_object",
            "ray.io",
            "v1",
            cluster.namespace,
            "rayclusters",
            name,
        )
    except NotFound:
        return None
    return found


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
    nodes = cluster.call("listing nodes", "CoreV1Api", "list_node")["items"]
    pods = cluster.call(
        "listing pods of all namespaces",
        "CoreV1Api",
        "list_pod_for_all_namespaces",
        field_selector="spec.nodeName!=",
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
    """The namespace's Kueue LocalQueues; none where Kueue is not installed."""
    group, version, plural = KUEUE
    try:
        items = cluster.call(
            f"listing Kueue LocalQueues in {cluster.namespace}",
            "CustomObjectsApi",
            "list_namespaced_custom_object",
            group,
            version,
            cluster.namespace,
            plural,
        )["items"]
    except NotFound:
        return []
    except UserError as exc:  # no such resource type: Kueue's CRDs are not installed
        if "CRDs" in str(exc):  # kube.errors words a 404 on a resource type as missing CRDs
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
