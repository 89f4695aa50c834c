"""Does the cluster the run lands on have the nodes and GPUs the spec asks verl for?"""

from __future__ import annotations

from rmjob.preflight.inputs import Inputs, node_shape
from rmjob.preflight.result import Verdict, failed, passed, skipped
from rmjob.preflight.rules import Rule


def cluster_shape(rule: Rule, inputs: Inputs) -> list[Verdict]:
    spec = inputs.spec
    if spec.cluster.reuse is None:
        return [passed("ephemeral cluster: rendered from the spec itself (see cluster-capacity)")]
    if inputs.cluster is None:
        return [skipped(f"RayCluster {spec.cluster.reuse} not read: {inputs.cluster_skip}")]
    view, name = inputs.cluster, spec.cluster.reuse
    if view.raycluster is None:
        return [
            failed(
                f"no RayCluster {name} in namespace {view.namespace} (context {view.context})",
                f"helm install {name} charts/rm-cluster -n {view.namespace}, or set cluster.reuse: null "
                "for a cluster per job",
            )
        ]
    product = node_shape(spec).product
    want = f"{spec.cluster.nodes} x {spec.cluster.gpus_per_node} {product}"
    gpu_groups = [g for g in view.worker_groups if g.gpus]
    have = (
        " + ".join(f"{g.replicas} x {g.gpus} {g.product or 'any GPU'} ({g.name})" for g in gpu_groups)
        or "no GPU workers"
    )
    matching = [
        g
        for g in gpu_groups
        if g.replicas == spec.cluster.nodes
        and g.gpus == spec.cluster.gpus_per_node
        and g.product in (product, None)
    ]
    if len(gpu_groups) == 1 and matching:
        return [passed(f"RayCluster {name} has {have}, as the spec asks ({want})")]
    nodes = sum(g.replicas for g in gpu_groups)
    gpus = {g.gpus for g in gpu_groups}
    return [
        failed(
            f"the spec asks verl for {want}; RayCluster {name} has {have}",
            f"set cluster.nodes: {nodes}"
            + (f", cluster.gpus_per_node: {gpus.pop()}" if len(gpus) == 1 else "")
            + f" in the spec, or `helm upgrade {name} charts/rm-cluster "
            f"--set workers.nodes={spec.cluster.nodes}`",
        )
    ]


def cluster_capacity(rule: Rule, inputs: Inputs) -> list[Verdict]:
    spec = inputs.spec
    if spec.cluster.reuse is not None:
        return [passed(f"reused cluster {spec.cluster.reuse} (see cluster-shape)")]
    if inputs.cluster is None:
        return [skipped(f"nodes not read: {inputs.cluster_skip}")]
    product = node_shape(spec).product
    need, per_node = spec.cluster.nodes, spec.cluster.gpus_per_node
    nodes = [n for n in inputs.cluster.nodes if n.product == product and n.schedulable]
    able = [n for n in nodes if n.allocatable_gpus >= per_node]
    free = [n for n in able if n.free_gpus >= per_node]
    want = f"{need} nodes with {per_node} free {product}"
    if len(able) < need:
        return [
            failed(
                f"{want}: the cluster has only {len(able)} such node(s) at all",
                f"set cluster.nodes: {len(able)}"
                if able
                else "pick a node_shape whose product the cluster has "
                f"(its GPU nodes: {', '.join(sorted({str(n.product) for n in inputs.cluster.nodes}))})",
            )
        ]
    if len(free) >= need:
        return [passed(f"{want}: {len(free)} available")]
    if inputs.cluster.queue:
        return [
            passed(
                f"{want}: {len(free)} free now; the Kueue LocalQueue {inputs.cluster.queue} will hold the job"
            )
        ]
    return [
        failed(
            f"{want}: only {len(free)} free now ({len(able)} exist), and no Kueue LocalQueue to wait in",
            "wait for running jobs to finish, lower cluster.nodes, or enable the chart's kueue.enabled",
        )
    ]
