"""Values the chart is rendered with in the tests: defaults, every node shape, and every option."""

from __future__ import annotations

from typing import Any

from rmjob.platform import load_platform

SCENARIOS: dict[str, dict[str, Any]] = {
    "defaults": {},
    **{f"shape-{name}": {"workers": {"nodeShape": name}} for name in load_platform().node_shapes},
    "multi-node": {"workers": {"nodes": 4}},
    "parked-no-workers": {"workers": {"parked": True}},
    "shape-overrides": {
        "workers": {"shape": {"gpus": 4, "cpu": "40", "memory": "400Gi", "product": "NVIDIA-A100-PCIE-40GB"}},
        "head": {"cpu": "8", "memory": "64Gi"},
    },
    "operator-on": {"kuberay-operator": {"enabled": True}},
    "operator-customised": {
        "kuberay-operator": {
            "enabled": True,
            "fullnameOverride": "kuberay",
            "image": {"repository": "mirror.example/kuberay/operator", "pullPolicy": "Always"},
            "imagePullSecrets": [{"name": "regcred"}],
            "watchNamespaces": ["rm-kit"],
            "leaderElection": {"enabled": False},
            "featureGates": {"RayCronJob": True},
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "2Gi"}},
            "nodeSelector": {"pool": "system"},
            "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
            "priorityClassName": "system-cluster-critical",
            "serviceAccount": {"annotations": {"iam.example/role": "kuberay"}},
        }
    },
    "kueue-on": {"kueue": {"enabled": True, "nodes": 2, "cohort": "gpu-pool"}},
    "kueue-v1beta2": {
        "kueue": {"enabled": True, "apiVersion": "kueue.x-k8s.io/v1beta2", "cohort": "gpu-pool"}
    },
    "network-policy": {"networkPolicy": {"enabled": True, "operatorNamespace": "ray-system"}},
    "infiniband": {
        "nccl": {
            "infiniband": {"enabled": True, "resourceName": "rdma/ib", "hca": "mlx5"},
            "socketIfname": "eth0",
        }
    },
    "existing-claims": {
        "storage": {name: {"existingClaim": f"shared-{name}"} for name in ("data", "checkpoints", "models")}
    },
    "custom-everything": {
        "fullnameOverride": "judge-cluster",
        "image": {
            "repository": "registry.example/rm-kit/trainer",
            "tag": "0.2.0-rc1",
            "pullPolicy": "Always",
        },
        "imagePullSecrets": [{"name": "regcred"}],
        "priorityClassName": "training-high",
        "serviceAccount": {"name": "ray-pods", "annotations": {"iam.example/role": "trainer"}},
        "rbac": {
            "extraSubjects": [{"kind": "Group", "name": "ml-team", "apiGroup": "rbac.authorization.k8s.io"}]
        },
        "env": [{"name": "RAY_DEDUP_LOGS", "value": "0"}],
        "secrets": {"name": "team-secrets", "optional": False},
        "head": {"rayStartParams": {"num-cpus": "8"}, "nodeSelector": {"pool": "cpu"}},
        "workers": {
            "nodes": 2,
            "rayStartParams": {"object-store-memory": "100000000000"},
            "nodeSelector": {"pool": "a100"},
            "tolerations": [{"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoSchedule"}],
        },
        "storage": {
            "checkpoints": {"storageClassName": "filestore", "size": "10Ti"},
            "keepOnUninstall": False,
        },
        "kueue": {"enabled": True},
        "networkPolicy": {"enabled": True},
    },
}
