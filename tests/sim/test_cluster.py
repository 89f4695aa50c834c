"""The simulated cluster itself: fake 8xA100 nodes, running pods, loopback only, reuse, clean teardown."""

from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rmjob.platform import GPU_PRODUCT_LABEL, GPU_RESOURCE, load_platform
from sim import cluster, processes
from tests.sim.conftest import ROOT, SimCluster, _free_port_base, tcp_sockets_of

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def test_gpu_nodes_advertise_eight_a100s_and_are_ready(sim: SimCluster) -> None:
    platform = load_platform()
    shape = platform.node_shapes[platform.default_node_shape]
    gpu_nodes = [n for n in sim.core.list_node().items if n.metadata.labels.get("rm-kit.sim/role") == "gpu"]
    assert len(gpu_nodes) == 2
    for node in gpu_nodes:
        assert node.status.allocatable[GPU_RESOURCE] == "8"
        assert node.metadata.labels[GPU_PRODUCT_LABEL] == shape.product
        assert [(t.key, t.effect) for t in node.spec.taints] == [(GPU_RESOURCE, "NoSchedule")]
        assert any(c.type == "Ready" and c.status == "True" for c in node.status.conditions)


def test_a_scheduled_pod_runs_ready_with_a_loopback_pod_ip(sim: SimCluster) -> None:
    with sim.namespace("sim-pod") as ns:
        pod = {
            "metadata": {"name": "hello"},
            "spec": {
                "containers": [{"name": "main", "image": "busybox", "resources": {"requests": {"cpu": "1"}}}]
            },
        }
        sim.core.create_namespaced_pod(ns, pod)  # type: ignore[arg-type]

        def running() -> object:
            found = sim.core.read_namespaced_pod("hello", ns)
            return found if found.status.phase == "Running" else None

        found = sim.wait("the pod to run", running)
        assert sim.node_roles()[found.spec.node_name] == "cpu"  # untolerated GPU taint keeps it off GPU nodes
        assert any(c.type == "Ready" and c.status == "True" for c in found.status.conditions)
        assert ipaddress.ip_address(found.status.pod_ip).is_loopback
        assert ipaddress.ip_address(found.status.host_ip).is_loopback


def test_starting_again_reuses_the_running_cluster(sim: SimCluster) -> None:
    before = processes.recorded_pids(cluster.state_dir())
    assert cluster.up(cluster.Sizes()) == sim.kubeconfig
    assert processes.recorded_pids(cluster.state_dir()) == before


def test_status_reports_every_component_healthy(sim: SimCluster) -> None:
    report = cluster.status()
    assert report["running"]
    assert set(report["components"]) == {
        "etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok", "ray-operator",
        "pod-runtime",
    }  # fmt: skip
    assert all(c["healthy"] for c in report["components"].values())
    assert sim.apiserver_ready()


def test_everything_listens_on_loopback_only(sim: SimCluster) -> None:
    sockets = tcp_sockets_of(set(processes.recorded_pids(cluster.state_dir()).values()))
    listening = [(pid, local) for pid, local, remote in sockets if remote.is_unspecified]
    assert listening, "found no listening sockets at all: the check itself is broken"
    assert [(pid, str(local)) for pid, local in listening if not local.is_loopback] == []


def test_down_cleans_up_a_half_started_cluster(tmp_path: Path, sim: SimCluster) -> None:
    """A second cluster home: start etcd alone (as if `up` had crashed), then `sim down` must stop it."""
    base = _free_port_base(cluster.port_base() + 200)
    env = {**os.environ, "RMKIT_SIM_HOME": str(tmp_path), "SIM_PORT_BASE": str(base)}
    state = tmp_path / "state"
    state.mkdir()
    (state / "cluster.json").write_text('{"phase": "starting", "ports": {}}')
    from sim import components

    port = base + 1
    etcd = components.etcd().binary("etcd")
    url = f"http://127.0.0.1:{port}"
    peer = f"http://127.0.0.1:{port + 1}"
    argv = [
        str(etcd),
        f"--data-dir={state / 'etcd'}",
        f"--listen-client-urls={url}",
        f"--advertise-client-urls={url}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=default={peer}",
    ]
    pid = processes.start("etcd", argv, state, tmp_path / "logs").pid
    (state / "pids" / "etcd").unlink()  # the crash lost the PID file too: down must still find the process
    # Right after exec the kernel may not yet show the new environment: wait until the marker is visible.
    sim.wait("etcd to run with the cluster's marker", lambda: processes.alive(pid, state), 10)
    down = subprocess.run(
        [sys.executable, "-m", "sim", "down"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert down.returncode == 0, down.stderr
    assert not processes.alive(pid, state)
    assert not state.exists()
