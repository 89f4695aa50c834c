"""`rmjob watch` follows a run over one watch stream and survives an API server restart.

The status changes are written the way a status-owning controller writes them: the RayJob is
marked ``managedBy: kueue.x-k8s.io/multikueue``, which the real KubeRay operator leaves alone.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from rmjob.platform import load_platform
from rmjob.render import render_rayjob
from rmjob.runtime_env import load_runtime_env
from rmjob.spec import load_spec
from sim import processes
from sim.paths import log_dir, state_dir
from tests.sim.conftest import SimCluster
from tests.support.streams import Lines

pytestmark = pytest.mark.sim
ROOT = Path(__file__).resolve().parents[2]


def set_status(sim: SimCluster, namespace: str, name: str, deploy: str, ray: str) -> None:
    body = {"status": {"jobDeploymentStatus": deploy, "jobStatus": ray}}
    sim.custom.patch_namespaced_custom_object_status("ray.io", "v1", namespace, "rayjobs", name, body)


def restart_apiserver(sim: SimCluster) -> None:
    """Stop the real kube-apiserver and start it again with the same command line."""
    state = state_dir()
    pid = processes.recorded_pids(state)["kube-apiserver"]
    argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").decode().split("\0")
    environ = dict(
        line.split("=", 1)
        for line in Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0")
        if "=" in line
    )
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    processes.start("kube-apiserver", argv, state, log_dir(), env=environ)
    # /version answers before the CRD paths are installed (503 until then); /readyz waits for them.
    sim.wait("the API server to be ready again", sim.apiserver_ready, 90)


def test_watch_follows_status_changes_through_an_api_server_restart(sim: SimCluster, tmp_path):
    with sim.namespace("rm-watch") as namespace:
        job = render_rayjob(
            load_spec("pairwise"), load_runtime_env(ROOT / "runtime_env.yaml"), load_platform()
        )
        job["spec"]["managedBy"] = "kueue.x-k8s.io/multikueue"
        name = job["metadata"]["name"]
        sim.create_rayjob(namespace, job)
        watcher = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "rmjob"), "watch", name, "-n", namespace, "--timeout", "300"],
            env=sim.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        out = Lines(watcher.stdout)
        out.start()
        try:
            sim.wait(
                "watch to print the initial state", lambda: out.seen("operator has not picked it up"), 30
            )
            set_status(sim, namespace, name, "Initializing", "")
            sim.wait("watch to see Initializing", lambda: out.seen("creating the Ray cluster"), 30)
            restart_apiserver(sim)
            # Written right after the restart, possibly before the watch has reconnected: it must
            # still arrive, because the watch resumes from the last resourceVersion it saw.
            set_status(sim, namespace, name, "Running", "PENDING")
            set_status(sim, namespace, name, "Running", "RUNNING")
            sim.wait("watch to see training", lambda: out.seen(": running: training"), 90)
            set_status(sim, namespace, name, "Complete", "SUCCEEDED")
            assert watcher.wait(timeout=60) == 0
        finally:
            if watcher.poll() is None:
                watcher.kill()
        out.join(timeout=5)
        states = [line.split(": ")[1] for line in out.lines if line.startswith(f"{name}: ")]
        assert states[:2] == ["pending", "starting"]
        assert "running" in states and states[-1] == "succeeded"
        assert any("waiting to start in Ray" in line for line in out.lines), out.lines
        report = watcher.stderr.read()
        status_requests = int(report.split("API requests: ")[1].split(" ")[0])
        # One GET, one watch stream, and a reconnect (plus health probes) after the restart.
        assert status_requests <= 12, report


def test_status_exits_1_for_a_failed_run_so_scripts_can_tell(sim: SimCluster):
    with sim.namespace("rm-failed") as namespace:
        job = render_rayjob(
            load_spec("pointwise"), load_runtime_env(ROOT / "runtime_env.yaml"), load_platform()
        )
        job["spec"]["managedBy"] = "kueue.x-k8s.io/multikueue"  # the operator leaves its status to us
        sim.create_rayjob(namespace, job)
        status = ("status", job["metadata"]["name"], "-n", namespace)
        set_status(sim, namespace, job["metadata"]["name"], "Running", "RUNNING")
        assert sim.rmjob(*status).returncode == 0
        set_status(sim, namespace, job["metadata"]["name"], "Failed", "FAILED")
        failed = sim.rmjob(*status)
        assert failed.returncode == 1 and "failed" in failed.stdout, failed.stdout + failed.stderr
