"""The kit's own commands over a training run that really runs on the simulated cluster, chart installed.

`rmjob submit pairwise` on the chart's cluster: the submitter really submits verl's entrypoint to the real
Ray head behind the chart's head pod, verl really starts and really fails (the 14B model cannot be
fetched: pods resolve cluster Services only). `watch`, `logs`, `describe` and `metrics` report it from
the cluster, as they would on a real one.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sim import api
from tests.sim.conftest import ROOT, SimCluster
from tests.sim.plain_ray import finished, rayjob

pytestmark = [pytest.mark.sim, pytest.mark.slow]


@pytest.fixture(scope="module")
def real_chart_ns(sim: SimCluster) -> Iterator[str]:
    """`helm install rm-cluster` in a namespace whose pods run for real; waits for the real head."""
    with sim.namespace("rm-real", real_pods=True) as namespace:
        installed = sim.helm("install", "rm-cluster", "charts/rm-cluster", "-n", namespace)
        assert installed.returncode == 0, installed.stderr
        api.replenish_volumes(sim.api)

        def ready() -> bool:
            found = sim.get_ray(namespace, "rayclusters", "rm-cluster") or {}
            return bool(found.get("status", {}).get("state") == "ready")

        sim.wait("the chart's RayCluster, real head included, to be ready", ready, 240)
        yield namespace


def test_a_real_run_is_followed_by_watch_logs_describe_and_metrics(
    sim: SimCluster, real_chart_ns: str
) -> None:
    ns = real_chart_ns
    submitted = sim.rmjob("submit", "pairwise", "-n", ns)
    assert submitted.returncode == 0, submitted.stderr
    watch = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rmjob"), "watch", "rm-pairwise", "-n", ns],
        capture_output=True,
        text=True,
        env=sim.env,
        timeout=300,
    )
    states = [line.split(": ")[1] for line in watch.stdout.splitlines() if line.startswith("rm-pairwise-")]
    assert watch.returncode == 1, (watch.stdout, watch.stderr)
    assert states[0] == "starting" and "running" in states and states[-1] == "failed", watch.stdout
    assert "couldn't connect to 'https://huggingface.co'" in watch.stdout

    logs = sim.rmjob("logs", "rm-pairwise", "-n", ns)
    assert "rm-cluster-head-svc." + ns + ".svc.cluster.local:8265" in logs.stdout
    assert "verl" in logs.stdout and "OSError" in logs.stdout

    described = sim.rmjob("describe", "rm-pairwise", "-n", ns)
    assert "failed" in described.stdout and "submitter   Succeeded" in described.stdout

    metrics = sim.rmjob("metrics", "rm-pairwise", "-n", ns)
    assert "no verl step metrics" in metrics.stdout + metrics.stderr


def test_data_written_by_a_job_lands_in_the_claim_s_directory(sim: SimCluster, real_chart_ns: str) -> None:
    ns = real_chart_ns
    entrypoint = "python3 -c \"open('/mnt/data/from-ray.txt', 'w').write('written in a Ray job')\""
    job = rayjob("writer", entrypoint, clusterSelector={"ray.io/cluster": "rm-cluster"})
    sim.create_rayjob(ns, job)

    final = sim.wait("the writer to finish", lambda: finished(sim, ns, "writer"), 120)
    assert final["jobDeploymentStatus"] == "Complete"
    claim: Any = sim.core.read_namespaced_persistent_volume_claim("rm-cluster-data", ns)
    volume: Any = sim.core.read_persistent_volume(claim.spec.volume_name)
    written = Path(volume.spec.host_path.path) / "from-ray.txt"
    assert written.read_text() == "written in a Ray job"
