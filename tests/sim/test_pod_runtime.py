"""RayJobs that really run: a real Ray head behind the head pod, the submitter pod's own command executed,
the operator following the Ray job through the head Service's DNS name (sim/runtime.py).

One head-only RayCluster serves the module's jobs (clusterSelector); the deadline case brings its own
cluster, since only a RayJob that owns its cluster is cut off at its deadline by KubeRay v1.6.2.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from sim import runtime
from tests.sim.conftest import SimCluster, tcp_sockets_of
from tests.sim.plain_ray import create_head_only_cluster, finished, head_group, rayjob, status

pytestmark = [pytest.mark.sim, pytest.mark.slow]
HEAD_TIMEOUT = 420.0  # a Ray head starts in 10-60 s here, minutes on a starved machine


def head_pod(sim: SimCluster, ns: str, cluster: str) -> Any:
    pods = sim.pods(ns, f"ray.io/cluster={cluster},ray.io/node-type=head")
    return pods[0] if pods and pods[0].status.phase == "Running" else None


def ray_job_status(head_ip: str, submission_id: str) -> str:
    """Ask the head's own dashboard (a loopback address) what became of a Ray job."""
    url = f"http://{head_ip}:8265/api/jobs/{submission_id}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=5) as response:
        status: str = json.load(response)["status"]
    return status


@pytest.fixture(scope="module")
def ray_cluster(sim: SimCluster) -> Iterator[tuple[str, Any]]:
    """A namespace whose pods run for real with a head-only RayCluster `sim-ray`: (namespace, head pod)."""
    with sim.namespace("sim-ray", real_pods=True) as ns:
        create_head_only_cluster(sim, ns, "sim-ray")
        head = sim.wait("the Ray head to run", lambda: head_pod(sim, ns, "sim-ray"), HEAD_TIMEOUT)
        yield ns, head


def test_head_pod_is_ready_only_once_a_real_ray_dashboard_answers_at_its_address(
    sim: SimCluster, ray_cluster: tuple[str, Any]
) -> None:
    ns, head = ray_cluster
    assert head.status.pod_ip.startswith("127.65.")
    assert any(c.type == "Ready" and c.status == "True" for c in head.status.conditions)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"http://{head.status.pod_ip}:8265/api/version", timeout=5) as response:
        assert json.load(response)["ray_version"] == "2.46.0"
    # `ray start` prints this once its raylet is up too, which can be after the dashboard answers.
    sim.wait(
        "the head pod's log to say the Ray runtime started",
        lambda: "Ray runtime started" in sim.core.read_namespaced_pod_log(head.metadata.name, ns),
        120,
    )


def test_succeeding_entrypoint_completes_and_its_output_is_the_submitter_log(
    sim: SimCluster, ray_cluster: tuple[str, Any]
) -> None:
    ns, _ = ray_cluster
    job = rayjob(
        "ok", "python3 -c \"print('entrypoint says hello')\"", clusterSelector={"ray.io/cluster": "sim-ray"}
    )
    sim.create_rayjob(ns, job)
    final = sim.wait("the RayJob to finish", lambda: finished(sim, ns, "ok"), 120)
    assert (final["jobDeploymentStatus"], final["jobStatus"]) == ("Complete", "SUCCEEDED")
    submitter = sim.wait(
        "the submitter pod to complete",
        lambda: [p for p in sim.pods(ns, "job-name=ok") if p.status.phase == "Succeeded"],
    )[0]
    assert submitter.status.container_statuses[0].state.terminated.exit_code == 0
    log = sim.core.read_namespaced_pod_log(submitter.metadata.name, ns)
    assert "entrypoint says hello" in log and "succeeded" in log


def test_failing_entrypoint_fails_the_rayjob_with_ray_s_message(
    sim: SimCluster, ray_cluster: tuple[str, Any]
) -> None:
    ns, _ = ray_cluster
    job = rayjob("bad", "python3 -c 'import sys; sys.exit(3)'", clusterSelector={"ray.io/cluster": "sim-ray"})
    sim.create_rayjob(ns, job)
    final = sim.wait("the RayJob to finish", lambda: finished(sim, ns, "bad"), 120)
    assert (final["jobDeploymentStatus"], final["jobStatus"], final["reason"]) == (
        "Failed",
        "FAILED",
        "AppFailed",
    )
    assert "exit code 3" in final["message"]


def test_deleting_a_rayjob_stops_its_ray_job(sim: SimCluster, ray_cluster: tuple[str, Any]) -> None:
    ns, head = ray_cluster
    sim.create_rayjob(ns, rayjob("sleeper", "sleep 600", clusterSelector={"ray.io/cluster": "sim-ray"}))
    sim.wait("the Ray job to run", lambda: status(sim, ns, "sleeper").get("jobStatus") == "RUNNING", 120)
    submission_id = status(sim, ns, "sleeper")["jobId"]
    sim.custom.delete_namespaced_custom_object("ray.io", "v1", ns, "rayjobs", "sleeper")
    sim.wait(
        "the operator to stop the Ray job",
        lambda: ray_job_status(head.status.pod_ip, submission_id) == "STOPPED",
        60,
    )


def test_active_deadline_cuts_off_the_job_and_its_cluster(sim: SimCluster) -> None:
    with sim.namespace("sim-deadline", real_pods=True) as ns:
        job = rayjob(
            "late",
            "sleep 600",
            rayClusterSpec={"rayVersion": "2.46.0", "headGroupSpec": head_group()},
            shutdownAfterJobFinishes=True,
            activeDeadlineSeconds=100,  # from the RayJob's start: the head starts and the job runs first
        )
        sim.create_rayjob(ns, job)

        def running() -> bool:
            current = status(sim, ns, "late")
            assert current.get("jobDeploymentStatus") != "Failed", f"cut off before the job ran: {current}"
            return current.get("jobStatus") == "RUNNING"

        sim.wait("the Ray job to run", running, 100)
        head = sim.pods(ns, "ray.io/node-type=head")[0]
        uid = head.metadata.uid
        final = sim.wait("the deadline", lambda: finished(sim, ns, "late"), 120)
        assert (final["jobDeploymentStatus"], final["reason"]) == ("Failed", "DeadlineExceeded")
        sim.wait("the head pod to go", lambda: not sim.pods(ns, "ray.io/node-type=head"), 60)
        sim.wait(
            "every process of the head (the `sleep` included) to stop",
            lambda: not runtime.marked_with(f"{runtime.POD_MARKER}={uid}"),
            60,
        )


def test_ray_head_connects_to_loopback_addresses_only(sim: SimCluster, ray_cluster: tuple[str, Any]) -> None:
    _, head = ray_cluster
    pids = set(runtime.marked_with(f"{runtime.POD_MARKER}={head.metadata.uid}"))
    sockets = tcp_sockets_of(pids)
    assert sockets
    remote = {getattr(a, "ipv4_mapped", None) or a for _, _, a in sockets if not a.is_unspecified}
    assert remote and all(address.is_loopback for address in remote), remote


def test_pods_in_a_fake_namespace_only_pretend(sim: SimCluster, tmp_path: Any) -> None:
    with sim.namespace("sim-fake") as ns:
        create_head_only_cluster(sim, ns, "pretend")
        head = sim.wait("the head pod to run", lambda: head_pod(sim, ns, "pretend"), 60)
        assert head.status.pod_ip.startswith("127.64.")
        assert not runtime.marked_with(f"{runtime.POD_MARKER}={head.metadata.uid}")
