"""Cluster fit on a described cluster (the API-server reads are tested on the simulated cluster in
tests/kube/test_capacity_on_sim.py)."""

import dataclasses

from rmjob.cluster_view import ClusterView, GpuNode, WorkerGroup
from rmjob.preflight.cluster_fit import cluster_capacity, cluster_shape
from rmjob.preflight.inputs import Inputs
from rmjob.preflight.rules import load_rules
from tests.conftest import spec_variant

RULE = load_rules()[0]  # the checks do not read their rule
A100_80 = "NVIDIA-A100-SXM4-80GB"


def inputs(spec, view):
    return Inputs(spec, None, (), (), cluster=view)


def raycluster_view(replicas: int, gpus: int = 8, product: str | None = A100_80) -> ClusterView:
    raycluster = {"metadata": {"name": "rm-cluster"}, "spec": {"rayVersion": "2.46.0"}}
    return ClusterView("sim", "ns", raycluster, (WorkerGroup("gpu-workers", replicas, gpus, product),))


def test_a_reused_cluster_of_the_specs_shape_passes_and_another_is_refused_with_both_fixes():
    assert cluster_shape(RULE, inputs(spec_variant("pairwise"), raycluster_view(1)))[0].status == "pass"
    (refused,) = cluster_shape(RULE, inputs(spec_variant("pairwise", nodes=2), raycluster_view(1)))
    assert refused.status == "fail" and "2 x 8" in refused.detail and "1 x 8" in refused.detail
    assert "cluster.nodes: 1" in refused.fix and "workers.nodes=2" in refused.fix


def test_a_reused_cluster_with_another_gpu_product_is_refused():
    spec = spec_variant("pairwise")
    (refused,) = cluster_shape(RULE, inputs(spec, raycluster_view(1, product="NVIDIA-A100-SXM4-40GB")))
    assert refused.status == "fail"


def test_a_missing_reused_cluster_is_refused_and_no_context_skips():
    view = dataclasses.replace(raycluster_view(1), raycluster=None, worker_groups=())
    assert "helm install" in cluster_shape(RULE, inputs(spec_variant("pairwise"), view))[0].fix
    assert cluster_shape(RULE, inputs(spec_variant("pairwise"), None))[0].status == "skip"


def nodes(*free: int, product: str = A100_80) -> ClusterView:
    found = tuple(GpuNode(f"gpu-{i}", product, 8, 8 - f, True) for i, f in enumerate(free))
    return ClusterView("sim", "ns", nodes=found)


def test_an_ephemeral_cluster_needs_free_gpus_on_distinct_nodes():
    spec = spec_variant("pairwise", reuse=None, nodes=2)
    assert cluster_capacity(RULE, inputs(spec, nodes(8, 8)))[0].status == "pass"
    busy = cluster_capacity(RULE, inputs(spec, nodes(8, 4)))[0]
    assert busy.status == "fail" and "only 1 free now" in busy.detail
    queued = dataclasses.replace(nodes(8, 4), queue="rm-kit")
    assert "LocalQueue rm-kit" in cluster_capacity(RULE, inputs(spec, queued))[0].detail
    too_few = cluster_capacity(RULE, inputs(spec_variant("pairwise", reuse=None, nodes=3), nodes(8, 8)))[0]
    assert too_few.status == "fail" and too_few.fix == "set cluster.nodes: 2"
    wrong = cluster_capacity(RULE, inputs(spec, nodes(8, 8, product="NVIDIA-H100-80GB-HBM3")))[0]
    assert wrong.status == "fail" and "NVIDIA-H100-80GB-HBM3" in wrong.fix
