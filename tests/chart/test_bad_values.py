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
]


@pytest.mark.parametrize(("values", "path"), BAD_VALUES, ids=[path for _, path in BAD_VALUES])
def test_schema_refuses_bad_value_naming_it(helm: Helm, values: dict[str, Any], path: str) -> None:
    message = helm.refusal(values)
    assert "values don't meet the specifications of the schema" in message
    assert path in message, message
