"""`helm install rm-cluster charts/rm-cluster` on the simulated cluster, and RayJobs that reuse it.

One release (two 8xA100 workers) in a namespace of its own for the whole module; the namespace is deleted,
and its pods gone, before the next module needs the GPU nodes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client

from sim import api, cluster, podns, processes
from sim.paths import log_dir
from tests.sim.conftest import SimCluster, tcp_sockets_of

pytestmark = [pytest.mark.sim, pytest.mark.slow]

RELEASE = "rm-cluster"  # the cluster name rmjob's presets select
WORKERS = 2


@pytest.fixture(scope="module")
def release(sim: SimCluster) -> Iterator[str]:
    """The namespace where the chart is installed and its RayCluster is ready."""
    with sim.namespace("rm-chart") as ns:
        installed = sim.helm(
            "install", RELEASE, "charts/rm-cluster", "--namespace", ns, "--set", f"workers.nodes={WORKERS}"
        )
        assert installed.returncode == 0, installed.stderr
        api.replenish_volumes(sim.api)  # keep spare volumes for the next claims
        sim.wait("the RayCluster to be ready", lambda: _state(sim, ns) == "ready", 120)
        yield ns
        sim.helm("uninstall", RELEASE, "--namespace", ns)


def _state(sim: SimCluster, ns: str) -> str | None:
    found = sim.get_ray(ns, "rayclusters", RELEASE)
    return (found or {}).get("status", {}).get("state")


def test_helm_release_is_deployed(sim: SimCluster, release: str) -> None:
    shown = sim.helm("status", RELEASE, "--namespace", release, "-o", "json")
    assert shown.returncode == 0, shown.stderr
    assert '"status":"deployed"' in shown.stdout.replace(" ", "")


def test_head_runs_on_the_cpu_node_and_each_worker_on_its_own_gpu_node(sim: SimCluster, release: str) -> None:
    roles = sim.node_roles()
    head = sim.pods(release, "ray.io/node-type=head")
    workers = sim.pods(release, "ray.io/node-type=worker")
    assert len(head) == 1 and roles[head[0].spec.node_name] == "cpu"
    assert len(workers) == WORKERS
    assert all(roles[w.spec.node_name] == "gpu" for w in workers)
    assert len({w.spec.node_name for w in workers}) == WORKERS
    assert all(p.status.phase == "Running" for p in head + workers)


def test_raycluster_reports_its_pods_ready(sim: SimCluster, release: str) -> None:
    status = (sim.get_ray(release, "rayclusters", RELEASE) or {})["status"]
    assert status["state"] == "ready"
    assert status["readyWorkerReplicas"] == WORKERS
    assert status["desiredGPU"] == str(8 * WORKERS)


def _allowed(sim: SimCluster, ns: str, verb: str, resource: str, group: str = "", sub: str = "") -> bool:
    review = {
        "spec": {
            "user": f"system:serviceaccount:{ns}:{RELEASE}-rmjob",
            "groups": ["system:serviceaccounts", f"system:serviceaccounts:{ns}", "system:authenticated"],
            "resourceAttributes": {
                "namespace": ns, "verb": verb, "group": group, "resource": resource, "subresource": sub,
            },
        }
    }  # fmt: skip
    return bool(sim.authz.create_subject_access_review(review).status.allowed)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("verb", "resource", "group", "sub"),
    [
        ("create", "rayjobs", "ray.io", ""),
        ("patch", "rayjobs", "ray.io", ""),  # rmjob submit is a server-side apply, rmjob stop a patch
        ("get", "rayjobs", "ray.io", ""),
        ("list", "rayjobs", "ray.io", ""),
        ("delete", "rayjobs", "ray.io", ""),
        ("watch", "rayjobs", "ray.io", ""),
        ("get", "rayclusters", "ray.io", ""),
        ("list", "pods", "", ""),
        ("get", "pods", "", "log"),
        ("list", "events", "", ""),
    ],
)
def test_rmjob_role_allows_what_rmjob_needs(
    sim: SimCluster, release: str, verb: str, resource: str, group: str, sub: str
) -> None:
    assert _allowed(sim, release, verb, resource, group, sub)


@pytest.mark.parametrize(
    ("verb", "resource", "group", "sub"),
    [
        ("get", "secrets", "", ""),
        ("create", "pods", "", "exec"),
        ("create", "pods", "", "portforward"),
        ("delete", "rayclusters", "ray.io", ""),
        ("create", "pods", "", ""),
        ("create", "rolebindings", "rbac.authorization.k8s.io", ""),
    ],
)
def test_rmjob_role_refuses_what_rmjob_does_not_need(
    sim: SimCluster, release: str, verb: str, resource: str, group: str, sub: str
) -> None:
    assert not _allowed(sim, release, verb, resource, group, sub)


def test_impersonated_rmjob_account_may_submit_a_rayjob_but_not_read_secrets(
    sim: SimCluster, release: str, tmp_path: Path
) -> None:
    impersonating = api.api_client(sim.kubeconfig)
    impersonating.set_default_header("Impersonate-User", f"system:serviceaccount:{release}:{RELEASE}-rmjob")
    as_rmjob = client.CustomObjectsApi(impersonating)
    job = sim.render("pointwise", tmp_path)
    as_rmjob.create_namespaced_custom_object("ray.io", "v1", release, "rayjobs", job, dry_run="All")
    with pytest.raises(client.ApiException) as refused:
        client.CoreV1Api(impersonating).list_namespaced_secret(release)
    assert refused.value.status == 403
    with pytest.raises(client.ApiException) as elsewhere:
        as_rmjob.create_namespaced_custom_object("ray.io", "v1", "default", "rayjobs", job, dry_run="All")
    assert elsewhere.value.status == 403


@pytest.mark.parametrize("preset", ["pointwise", "pairwise"])
def test_rendered_rayjob_reusing_the_cluster_is_accepted_and_submitted(
    sim: SimCluster, release: str, tmp_path: Path, preset: str
) -> None:
    job = sim.render(preset, tmp_path)
    assert job["spec"]["clusterSelector"] == {"ray.io/cluster": RELEASE}
    name = job["metadata"]["name"]
    sim.create_rayjob(release, job, dry_run=True)
    assert sim.get_ray(release, "rayjobs", name) is None  # a dry run stores nothing
    sim.create_rayjob(release, job)

    def submitted() -> Any:
        try:
            return sim.batch.read_namespaced_job(name, release)
        except client.ApiException:
            return None

    submitter = sim.wait("the operator to create the submitter Job", submitted)
    assert submitter.metadata.owner_references[0].kind == "RayJob"
    status = sim.wait(
        "the RayJob to be running on rm-cluster",
        lambda: (
            (sim.get_ray(release, "rayjobs", name) or {}).get("status", {}).get("jobDeploymentStatus")
            == "Running"
        ),
    )
    assert status
    assert (sim.get_ray(release, "rayjobs", name) or {})["status"]["rayClusterName"] == RELEASE
    rayclusters = sim.custom.list_namespaced_custom_object("ray.io", "v1", release, "rayclusters")["items"]
    assert [c["metadata"]["name"] for c in rayclusters] == [RELEASE]  # no new cluster for a reusing job


def test_operator_finds_no_dashboard_of_a_pretend_cluster_and_asks_no_real_dns(
    sim: SimCluster, release: str
) -> None:
    """In a namespace whose pods only pretend no Ray head runs, so the head Service has no entry in the
    pod runtime's hosts file: the operator's dashboard query fails at name resolution, asking only the
    unused loopback nameserver of its own mount namespace (sim/podns.py). No process of the cluster talks
    to a non-loopback peer."""
    jobs = sim.custom.list_namespaced_custom_object("ray.io", "v1", release, "rayjobs")["items"]
    running = [j for j in jobs if j.get("status", {}).get("jobDeploymentStatus") == "Running"]
    assert running, "needs the RayJobs submitted by the tests above"
    name = f"{RELEASE}-head-svc.{release}.svc.cluster.local"
    operator_log = log_dir() / "ray-operator.log"
    sim.wait(
        "the operator's failed lookup of the head Service",
        lambda: f"lookup {name} on {podns.NO_NAMESERVER}:53" in operator_log.read_text(errors="replace"),
    )
    pids = set(processes.recorded_pids(cluster.state_dir()).values())
    remote = {str(peer) for _pid, _local, peer in tcp_sockets_of(pids) if not peer.is_unspecified}
    assert remote and all(ipaddress.ip_address(peer).is_loopback for peer in remote), remote
