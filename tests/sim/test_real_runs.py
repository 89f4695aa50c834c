"""The kit's own commands over runs that really run on the simulated cluster, chart installed.

`rmjob data submit` converts the sample onto the data volume; `rmjob submit tiny-pairwise` has the
submitter really submit verl's entrypoint to the real Ray head behind the chart's head pod, where verl
starts and fails its GPU check. `watch`, `logs`, `describe` and `metrics` report it from the cluster,
as they would on a real one.
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

        sim.wait("the chart's RayCluster, real head included, to be ready", ready, 420)
        yield namespace


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


def test_tiny_pairwise_data_job_succeeds_and_training_stops_at_verl_s_gpu_check(
    sim: SimCluster, real_chart_ns: str
) -> None:
    """The data job's parquet lands on the data volume; the tiny run really starts verl, which builds its
    dataloaders and then fails its GPU check (no GPU exists here); the kit's commands report it all."""
    ns = real_chart_ns
    models, data = (api.claim_host_path(sim.api, ns, f"rm-cluster-{name}") for name in ("models", "data"))
    made = sim.rmjob("dev", "tiny-model", str(models / "tiny-qwen3"))
    assert made.returncode == 0, made.stderr
    synth = sim.rmjob("data", "synth", "--out", str(data / "helpsteer2-raw"), "--size", "sample")
    assert synth.returncode == 0, synth.stderr

    converted = sim.rmjob("data", "submit", "--mode", "pairwise", "-n", ns, "--wait")
    assert converted.returncode == 0 and "succeeded" in converted.stdout, (converted.stdout, converted.stderr)
    assert (data / "helpsteer2" / "helpsteer2_pairwise_train.parquet").stat().st_size > 0

    assert sim.rmjob("submit", "tiny-pairwise", "-n", ns).returncode == 0
    watch = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "rmjob"), "watch", "tiny-pairwise", "-n", ns],
        capture_output=True,
        text=True,
        env=sim.env,
        timeout=400,
    )
    states = [line.split(": ")[1] for line in watch.stdout.splitlines() if line.startswith("tiny-pairwise-")]
    assert watch.returncode == 1, (watch.stdout, watch.stderr)
    assert "running" in states and states[-1] == "failed", watch.stdout
    assert "Total available GPUs 0 is less than total desired GPUs 8" in watch.stdout
    logs = sim.rmjob("logs", "tiny-pairwise", "-n", ns).stdout
    assert f"rm-cluster-head-svc.{ns}.svc.cluster.local:8265" in logs and "Size of train dataloader" in logs
    # KubeRay marks the RayJob failed from the dashboard while the submitter still tails the log; its pod
    # completes moments later (seconds on a starved machine), so describe is read once it has.
    job_name = next(
        line.split(": ")[0] for line in watch.stdout.splitlines() if line.startswith("tiny-pairwise-")
    )
    sim.wait(
        "the submitter pod to complete",
        lambda: [p for p in sim.pods(ns, f"job-name={job_name}") if p.status.phase == "Succeeded"],
        120,
    )
    described = sim.rmjob("describe", "tiny-pairwise", "-n", ns).stdout
    assert "Total available GPUs 0" in described
    assert any("submitter" in line and "Succeeded" in line for line in described.splitlines()), described
    metrics = sim.rmjob("metrics", "tiny-pairwise", "-n", ns)
    assert "no training step was reached" in metrics.stdout + metrics.stderr
