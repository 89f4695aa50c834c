"""Fake KWOK nodes: 8xA100 machines of the platform's default shape, CPU machines for heads and submitters.

Pure data. KWOK keeps the status given here (capacity, addresses) and adds the conditions that make the
node Ready. Node addresses are loopback addresses: nothing may ever connect to a private-range address.
"""

from __future__ import annotations

from typing import Any

from rmjob.platform import GPU_PRODUCT_LABEL, GPU_RESOURCE, NodeShape

MANAGED_ANNOTATION = "kwok.x-k8s.io/node"  # KWOK manages nodes carrying this annotation
SIM_LABEL = "rm-kit.sim/role"  # gpu or cpu: how the launcher finds its own nodes
GPU_TAINT = {"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"}
# A memory-optimised machine with room for several Ray heads (platform.yaml `head`) and submitter pods.
CPU_NODE = {"cpu": "128", "memory": "1024Gi", "instance": "r6i.32xlarge"}
PODS_PER_NODE = "110"


def gpu_node_name(index: int) -> str:
    return f"sim-gpu-{index}"


def cpu_node_name(index: int) -> str:
    return f"sim-cpu-{index}"


# Every fake node's kubelet is the one KWOK process on 127.0.0.1, so that is each node's address: the API
# server reaches it there for pod logs. Several nodes may share an address.
NODE_ADDRESS = "127.0.0.1"


def _node(name: str, role: str, labels: dict[str, str], capacity: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {MANAGED_ANNOTATION: "fake"},
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kwok",
                SIM_LABEL: role,
                **labels,
            },
        },
        "spec": {"taints": [GPU_TAINT]} if role == "gpu" else {},
        "status": {
            "capacity": capacity,
            "allocatable": capacity,
            "addresses": [
                {"type": "InternalIP", "address": NODE_ADDRESS},
                {"type": "Hostname", "address": name},
            ],
        },
    }


def gpu_node(index: int, shape: NodeShape) -> dict[str, Any]:
    capacity = {
        "cpu": str(shape.node.cpu),
        "memory": f"{shape.node.memory_gib}Gi",
        "pods": PODS_PER_NODE,
        GPU_RESOURCE: str(shape.gpus),
    }
    labels = {
        "node.kubernetes.io/instance-type": shape.instance,
        GPU_PRODUCT_LABEL: shape.product,
        "nvidia.com/gpu.count": str(shape.gpus),
        "nvidia.com/gpu.memory": str(shape.gpu_memory_gb * 1024),  # MiB, as GPU feature discovery writes it
        "nvidia.com/gpu.present": "true",
    }
    return _node(gpu_node_name(index), "gpu", labels, capacity)


def cpu_node(index: int) -> dict[str, Any]:
    capacity = {"cpu": CPU_NODE["cpu"], "memory": CPU_NODE["memory"], "pods": PODS_PER_NODE}
    labels = {"node.kubernetes.io/instance-type": CPU_NODE["instance"]}
    return _node(cpu_node_name(index), "cpu", labels, capacity)


def desired_nodes(gpu_nodes: int, cpu_nodes: int, shape: NodeShape) -> list[dict[str, Any]]:
    return [gpu_node(i, shape) for i in range(gpu_nodes)] + [cpu_node(i) for i in range(cpu_nodes)]
