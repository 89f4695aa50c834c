"""Rendered RayJobs with their own (ephemeral) RayCluster, and a job too big for the cluster.

Each test has a namespace of its own holding the claims the rendered pods mount; it is deleted, and its
pods gone, before the next test needs the GPU nodes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from tests.sim.conftest import SimCluster

pytestmark = [pytest.mark.sim, pytest.mark.slow]


@pytest.fixture
def job_namespace(sim: SimCluster) -> Iterator[str]:
    with sim.namespace("rm-job") as ns:
        yield ns


def _ephemeral(sim: SimCluster, preset: str, tmp: Path, ns: str, nodes: int) -> dict[str, Any]:
    job = sim.render(preset, tmp, reuse=None, nodes=nodes)
    claims = [v["persistentVolumeClaim"]["claimName"] for v in _head_volumes(job)]
    sim.create_claims(ns, claims)
    return job


def _head_volumes(job: dict[str, Any]) -> list[dict[str, Any]]:
    volumes: list[dict[str, Any]] = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"][
        "volumes"
    ]
    return [v for v in volumes if "persistentVolumeClaim" in v]


def _rayjob_status(sim: SimCluster, ns: str, name: str) -> dict[str, Any]:
    status: dict[str, Any] = (sim.get_ray(ns, "rayjobs", name) or {}).get("status", {})
    return status


@pytest.mark.parametrize("preset", ["pointwise", "pairwise"])
def test_rendered_ephemeral_rayjob_gets_its_cluster_and_submitter(
    sim: SimCluster, job_namespace: str, tmp_path: Path, preset: str
) -> None:
    ns = job_namespace
    job = _ephemeral(sim, preset, tmp_path, ns, nodes=2)
    name = job["metadata"]["name"]
    sim.create_rayjob(ns, job, dry_run=True)
    sim.create_rayjob(ns, job)

    cluster_name = sim.wait(
        "the operator to name the RayJob's cluster",
        lambda: _rayjob_status(sim, ns, name).get("rayClusterName"),
    )
    raycluster = sim.wait("the RayCluster", lambda: sim.get_ray(ns, "rayclusters", cluster_name))
    assert raycluster["metadata"]["ownerReferences"][0]["name"] == name
    sim.wait(
        "the RayCluster to be ready",
        lambda: (
            (sim.get_ray(ns, "rayclusters", cluster_name) or {}).get("status", {}).get("state") == "ready"
        ),
        120,
    )
    roles = sim.node_roles()
    workers = sim.pods(ns, "ray.io/node-type=worker")
    assert len({w.spec.node_name for w in workers}) == 2 and {roles[w.spec.node_name] for w in workers} == {
        "gpu"
    }

    def submitter() -> Any:
        try:
            return sim.batch.read_namespaced_job(name, ns)
        except client.ApiException:
            return None

    sim.wait("the submitter Job", submitter)
    sim.wait(
        "the RayJob to run", lambda: _rayjob_status(sim, ns, name).get("jobDeploymentStatus") == "Running"
    )
    submitter_pods = sim.pods(ns, f"job-name={name}")
    assert submitter_pods and all(roles[p.spec.node_name] == "cpu" for p in submitter_pods)


def test_job_wanting_more_gpus_than_the_cluster_has_stays_pending_with_the_reason(
    sim: SimCluster, job_namespace: str, tmp_path: Path
) -> None:
    ns = job_namespace
    gpu_nodes = sum(1 for role in sim.node_roles().values() if role == "gpu")
    job = _ephemeral(sim, "pointwise", tmp_path, ns, nodes=gpu_nodes + 1)
    name = job["metadata"]["name"]
    sim.create_rayjob(ns, job)

    def unschedulable() -> list[Any]:
        return [e for e in sim.events(ns, "FailedScheduling") if "Insufficient nvidia.com/gpu" in e.message]

    events = sim.wait("a FailedScheduling event naming the GPU shortage", unschedulable, 120)

    def placed_and_pending() -> tuple[list[Any], list[Any]] | None:
        workers = sim.pods(ns, "ray.io/node-type=worker")
        running = [p for p in workers if p.status.phase == "Running"]
        pending = [p for p in workers if p.status.phase == "Pending" and not p.spec.node_name]
        return (running, pending) if len(running) == gpu_nodes and len(pending) == 1 else None

    running, pending = sim.wait(f"{gpu_nodes} workers running and one pending", placed_and_pending)
    assert {e.involved_object.name for e in events} == {pending[0].metadata.name}
    status = _rayjob_status(sim, ns, name)
    assert status.get("jobDeploymentStatus") == "Initializing"
    assert sim.pods(ns, f"job-name={name}") == []  # no submitter before the cluster is ready
