"""Mistakes are refused by values.schema.json at install time, with a message naming the value."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chart.conftest import Helm

# (values, the value's path as helm names it)
BAD_VALUES: list[tuple[dict[str, Any], str]] = [
    ({"workers": {"nodes": -1}}, "/workers/nodes"),
    ({"workers": {"nodes": 1.5}}, "/workers/nodes"),
    ({"workers": {"nodes": "2"}}, "/workers/nodes"),
    ({"workers": {"shape": {"gpus": 0}}}, "/workers/shape/gpus"),
    ({"workers": {"shape": {"gpus": -8}}}, "/workers/shape/gpus"),
    ({"workers": {"shape": {"gpus": 2.5}}}, "/workers/shape/gpus"),
    ({"workers": {"shape": {"gpus": "8"}}}, "/workers/shape/gpus"),
    ({"workers": {"nodeShape": "aws-p5"}}, "/workers/nodeShape"),
    ({"workers": {"nodeShape": "AWS-P4DE"}}, "/workers/nodeShape"),
    ({"workers": {"shape": {"cpu": "lots"}}}, "/workers/shape/cpu"),
    ({"workers": {"shape": {"cpu": "-4"}}}, "/workers/shape/cpu"),
    ({"workers": {"shape": {"memory": "1000GB"}}}, "/workers/shape/memory"),
    ({"workers": {"shape": {"memory": 1000}}}, "/workers/shape/memory"),
    ({"head": {"memory": "12QB"}}, "/head/memory"),
    ({"head": {"cpu": "16 cores"}}, "/head/cpu"),
    ({"head": {"rayStartParams": {"num-cpus": 8}}}, "/head/rayStartParams/num-cpus"),
    ({"workers": {"gpus": 8}}, "/workers"),
    ({"storage": {"data": {"size": "big"}}}, "/storage/data/size"),
    ({"storage": {"checkpoints": {"accessModes": ["ReadWriteOnce"]}}}, "/storage/checkpoints/accessModes"),
    ({"storage": {"models": {"accessModes": ["ReadWriteAll"]}}}, "/storage/models/accessModes/0"),
    ({"storage": {"data": {"existingClaim": "Data_PVC"}}}, "/storage/data/existingClaim"),
    ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
    ({"image": {"tag": "v1:latest"}}, "/image/tag"),
    ({"fullnameOverride": "RM-Cluster"}, "/fullnameOverride"),
    ({"fullnameOverride": "a" * 54}, "/fullnameOverride"),
    ({"secrets": {"optional": "yes"}}, "/secrets/optional"),
    ({"secrets": {"name": "Team Secrets"}}, "/secrets/name"),
    ({"nccl": {"debug": "LOUD"}}, "/nccl/debug"),
    ({"nccl": {"infiniband": {"resourceCount": 0}}}, "/nccl/infiniband/resourceCount"),
    ({"nccl": {"infiniband": {"resourceName": "rdma ib"}}}, "/nccl/infiniband/resourceName"),
    ({"kueue": {"enabled": "true"}}, "/kueue/enabled"),
    ({"kueue": {"nodes": 0}}, "/kueue/nodes"),
    ({"kueue": {"apiVersion": "kueue.x-k8s.io/v1alpha1"}}, "/kueue/apiVersion"),
    ({"rbac": {"extraSubjects": [{"kind": "Robot", "name": "ci"}]}}, "/rbac/extraSubjects/0/kind"),
    ({"env": [{"value": "1"}]}, "/env/0"),
    ({"kuberay-operator": {"enabled": "no"}}, "/kuberay-operator/enabled"),
    ({"typo": True}, "typo"),
    # Unsafe values (issue 15): credentials only through secretKeyRef, no root, no privileges.
    (
        {"env": [{"name": "WANDB_API_KEY", "value": "0123456789abcdef0123456789abcdef01234567"}]},
        "/env/0/name",
    ),
    ({"env": [{"name": "HF_TOKEN", "value": "hf_" + "a" * 30}]}, "/env/0/name"),
    (
        {"env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "x", "key": "y"}}}]},
        "/env/0/name",
    ),
    ({"env": [{"name": "MY_API_KEY", "value": "abc123"}]}, "/env/0"),
    (
        {"env": [{"name": "DB_PASSWORD", "valueFrom": {"configMapKeyRef": {"name": "x", "key": "y"}}}]},
        "/env/0",
    ),
    ({"env": [{"name": "MIRROR", "value": "https://user:pass@mirror.example/simple"}]}, "/env/0/value"),
    ({"env": [{"name": "DATA", "value": "https://b.example/x?X-Amz-Signature=ab"}]}, "/env/0/value"),
    ({"env": [{"name": "SOMETHING", "value": "hf_" + "b" * 30}]}, "/env/0/value"),
    ({"securityContext": {"privileged": True}}, "/securityContext/privileged"),
    ({"securityContext": {"allowPrivilegeEscalation": True}}, "/securityContext/allowPrivilegeEscalation"),
    ({"securityContext": {"capabilities": {"add": ["SYS_ADMIN"]}}}, "/securityContext/capabilities/add/0"),
    ({"securityContext": {"runAsUser": 0}}, "/securityContext/runAsUser"),
    ({"podSecurityContext": {"runAsUser": 0}}, "/podSecurityContext/runAsUser"),
    ({"image": {"tag": "latest"}}, "/image/tag"),
    ({"image": {"repository": "rm-kit/trainer:latest"}}, "/image/repository"),
    ({"image": {"repository": "Not An Image"}}, "/image/repository"),
    ({"workers": {"nodes": 0}}, "/workers/nodes"),
    ({"workers": {"nodes": 100000}}, "/workers/nodes"),
    ({"kueue": {"nodes": 100000}}, "/kueue/nodes"),
]


@pytest.mark.parametrize(("values", "path"), BAD_VALUES, ids=[path for _, path in BAD_VALUES])
def test_schema_refuses_bad_value_naming_it(helm: Helm, values: dict[str, Any], path: str) -> None:
    message = helm.refusal(values)
    assert "values don't meet the specifications of the schema" in message
    assert path in message, message


SAFE_VALUES: list[dict[str, Any]] = [
    {"env": [{"name": "HF_HUB_DISABLE_IMPLICIT_TOKEN", "value": "1"}]},
    {"env": [{"name": "GOOGLE_APPLICATION_CREDENTIALS", "value": "/var/secrets/gcp/key.json"}]},
    {"env": [{"name": "MY_API_KEY", "valueFrom": {"secretKeyRef": {"name": "team", "key": "api"}}}]},
    {"env": [{"name": "PIP_INDEX_URL", "value": "https://mirror.example/simple"}]},
    {"securityContext": {"runAsUser": 1000, "runAsNonRoot": True, "capabilities": {"add": ["IPC_LOCK"]}}},
    {"image": {"repository": "registry.example.com:5000/team/rm-kit-trainer", "tag": "0.1.0"}},
    {"workers": {"nodes": 256}},
    {"workers": {"nodes": 4, "parked": True}},
]


@pytest.mark.parametrize("values", SAFE_VALUES, ids=[str(v) for v in SAFE_VALUES])
def test_schema_accepts_the_safe_neighbours_of_refused_values(helm: Helm, values: dict[str, Any]) -> None:
    helm.template(values)


def test_parked_cluster_has_no_workers_and_keeps_the_node_count(helm: Helm) -> None:
    objects = helm.template({"workers": {"nodes": 4, "parked": True}})
    cluster = next(o for o in objects if o["kind"] == "RayCluster")
    group = cluster["spec"]["workerGroupSpecs"][0]
    assert group["replicas"] == group["minReplicas"] == group["maxReplicas"] == 0
