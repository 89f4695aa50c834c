"""Scale: 64 fake GPU nodes and a 16-node RayJob; every pod scheduled, each worker on its own GPU node.

The times are printed (the benchmark `make bench` reports them too), never asserted. The cluster is
shrunk back to its default size afterwards, so later tests see 2 GPU nodes again.
"""

from __future__ import annotations

import time

import pytest

from benchmarks.sim import GPU_NODES, JOB_NODES, scale_run
from sim import cluster
from tests.sim.conftest import SimCluster

pytestmark = pytest.mark.sim


def test_a_16_node_rayjob_on_64_gpu_nodes_gets_every_pod_scheduled_on_distinct_nodes(sim: SimCluster) -> None:
    started = time.monotonic()
    try:
        cluster.up(cluster.Sizes(gpu_nodes=GPU_NODES))
        grown = time.monotonic() - started
        timings = scale_run(sim.kubeconfig, JOB_NODES)
    finally:
        cluster.up(cluster.Sizes())
    print(
        f"\nscale: grew to {GPU_NODES} GPU nodes in {grown:.1f} s; "
        + ", ".join(f"{label} {value:.1f}" for label, value in timings.items())
    )
    assert timings["distinct GPU nodes used"] == JOB_NODES
    assert {
        "all pods scheduled",
        "all pods running",
        "RayCluster ready",
        "submitter Job created",
    } <= timings.keys()
