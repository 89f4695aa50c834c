"""`make demo`, simulated-cluster part: the chart's real Ray head runs the data job and verl's main_ppo.

2. `python -m sim up` (real control plane and KubeRay operator, fake 8xA100 nodes, real Ray heads);
3. `helm upgrade --install rm-cluster`, then wait for its RayCluster (a real Ray head) to be ready;
4. the tiny model and the raw synthetic sample onto the chart's volumes (`python -m sim claim-dir`);
5. `rmjob data submit --wait`: a RayJob on the chart's cluster writes the parquet; SUCCEEDED;
6. `rmjob submit tiny-pairwise`, `rmjob watch`: verl starts and fails its GPU check; describe, logs.

The cluster and the chart stay up afterwards for the user's next commands (`make sim-down` stops them).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rmjob.errors import UserError

NAMESPACE = "demo"
RELEASE = "rm-cluster"
RUN = "tiny-pairwise"
HEAD_READY_TIMEOUT_S = 420
WATCH_TIMEOUT_S = 600
# verl 0.4.1 verl/trainer/ppo/ray_trainer.py (ResourcePoolManager._check_resource_available)
GPU_CHECK = "Total available GPUs 0 is less than total desired GPUs 8"
# verl 0.4.1 verl/trainer/ppo/ray_trainer.py (RayPPOTrainer._create_dataloader)
DATALOADERS = "Size of train dataloader"
MILESTONES_WAIT_S = 60
ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")  # Ray colours its workers' prefixes

Sh = Callable[..., "subprocess.CompletedProcess[str]"]


class DemoFailed(Exception):
    """An outcome the demo promises did not happen: the run is broken, not the user's input."""


def expect(ok: bool, what: str) -> None:
    if not ok:
        raise DemoFailed(what)


def start_cluster(sh: Sh) -> dict[str, str]:
    proc = sh([sys.executable, "-m", "sim", "up"], show_stdout=False)
    kubeconfig = proc.stdout.strip().splitlines()[-1]
    print(f"$ export KUBECONFIG={kubeconfig}")
    return {**os.environ, "KUBECONFIG": kubeconfig, "NO_PROXY": "127.0.0.1,localhost"}


def install_chart(sh: Sh, env: dict[str, str], root: Path, rmjob: str) -> None:
    helm = subprocess.run([str(root / "scripts" / "get-helm")], capture_output=True, text=True, check=False)
    if helm.returncode != 0:
        raise UserError(f"no helm: {helm.stderr.strip()}")
    chart = ["upgrade", "--install", RELEASE, "charts/rm-cluster", "-n", NAMESPACE, "--create-namespace"]
    sh([helm.stdout.strip(), *chart], env=env)
    print(
        f"$ kubectl wait raycluster/{RELEASE} -n {NAMESPACE} --for=jsonpath='{{.status.state}}'=ready "
        f"--timeout={HEAD_READY_TIMEOUT_S}s   (polled here through the API: kubectl may be missing)",
        flush=True,
    )
    cluster = _connect(env)
    started = time.monotonic()
    while _raycluster_state(cluster) != "ready":
        if time.monotonic() - started > HEAD_READY_TIMEOUT_S:
            raise DemoFailed(f"RayCluster {RELEASE} not ready after {HEAD_READY_TIMEOUT_S} s")
        time.sleep(3)
    print(f"raycluster.ray.io/{RELEASE} condition met (ready after {time.monotonic() - started:.0f} s)")
    _forget_earlier_runs(sh, env, cluster, rmjob)


def put_inputs_on_volumes(sh: Sh, env: dict[str, str], rmjob: str) -> None:
    models, data = (_claim_dir(sh, env, f"{RELEASE}-{volume}") for volume in ("models", "data"))
    sh([rmjob, "dev", "tiny-model", f"{models}/tiny-qwen3"], env=env)
    sh([rmjob, "data", "synth", "--size", "sample", "--out", f"{data}/helpsteer2-raw"], env=env)


def convert_on_cluster(sh: Sh, env: dict[str, str], rmjob: str) -> None:
    proc = sh(
        [rmjob, "data", "submit", "--mode", "pairwise", "-n", NAMESPACE, "--wait"], env=env, check=False
    )
    expect(
        proc.returncode == 0 and ": succeeded" in proc.stdout,
        f"the data job did not succeed on the simulated cluster (exit {proc.returncode})",
    )


def train_to_the_gpu_check(sh: Sh, env: dict[str, str], rmjob: str) -> None:
    sh([rmjob, "submit", RUN, "-n", NAMESPACE], env=env)
    watch = [rmjob, "watch", RUN, "-n", NAMESPACE, "--timeout", str(WATCH_TIMEOUT_S)]
    watched = sh(watch, env=env, check=False)
    expect(
        watched.returncode == 1 and GPU_CHECK in watched.stdout,
        f"{RUN} did not stop at verl's GPU check (`rmjob watch` exit {watched.returncode})",
    )
    described = sh([rmjob, "describe", RUN, "-n", NAMESPACE], env=env, check=False)
    expect(GPU_CHECK in described.stdout, "`rmjob describe` does not report verl's GPU check")
    show_verl_milestones(sh, [rmjob, "logs", RUN, "-n", NAMESPACE], env)
    print(
        "\nOn the simulated cluster the chart's head pod is a real Ray head: the data job wrote the parquet\n"
        f"onto the data volume, and verl's main_ppo for {RUN} built its dataloaders there and stopped where\n"
        "it needs 8 GPUs. A real 8xA100 cluster goes on to train (`rmjob watch` follows the steps)."
    )


def show_verl_milestones(sh: Sh, logs: list[str], env: dict[str, str]) -> None:
    """The run's log, reduced to the lines that show how far verl got: its dataloaders, its GPU check.

    The log is read again for up to a minute until both are there: KubeRay reports the Ray job's status
    from the dashboard while the submitter pod's `ray job logs --follow` may still be writing. Their order
    is Ray's, not verl's: Ray forwards an actor's output (the dataloader line) after the driver's traceback.
    """
    deadline = time.monotonic() + MILESTONES_WAIT_S
    while True:
        log = sh(logs, env=env, show_stdout=False)
        milestones = [line for line in log.stdout.splitlines() if DATALOADERS in line or GPU_CHECK in line]
        found = [any(text in line for line in milestones) for text in (DATALOADERS, GPU_CHECK)]
        if all(found) or time.monotonic() > deadline:
            break
        time.sleep(5)
    print(f"  (the lines with {DATALOADERS!r} or verl's GPU check:)")
    shown = dict.fromkeys(ANSI_COLOUR.sub("", line).strip() for line in milestones)  # Ray repeats them
    print("\n".join(f"  {line}" for line in shown))
    expect(all(found), "the run's log does not show both verl's dataloaders and its GPU check")


def _claim_dir(sh: Sh, env: dict[str, str], claim: str) -> str:
    return sh([sys.executable, "-m", "sim", "claim-dir", "-n", NAMESPACE, claim], env=env).stdout.strip()


def _connect(env: dict[str, str]) -> Any:
    from rmjob.kube import Cluster

    os.environ["KUBECONFIG"] = env["KUBECONFIG"]  # the kit reads it as kubectl does
    return Cluster.connect(None, NAMESPACE)


def _raycluster_state(cluster: Any) -> str:
    from rmjob.kube.capacity import get_raycluster

    found = get_raycluster(cluster, RELEASE) or {}
    return str(found.get("status", {}).get("state", ""))


def _forget_earlier_runs(sh: Sh, env: dict[str, str], cluster: Any, rmjob: str) -> None:
    """A second `make demo` on the same cluster runs everything again: submitting an unchanged spec is a
    no-op by design, so the RayJobs an earlier demo left in its namespace are deleted first."""
    for name in _rayjobs(cluster):
        sh([rmjob, "delete", name, "-n", NAMESPACE], env=env)
    deadline = time.monotonic() + 120
    while _rayjobs(cluster) and time.monotonic() < deadline:
        time.sleep(2)


def _rayjobs(cluster: Any) -> list[str]:
    return [str(item["metadata"]["name"]) for item in cluster.list_rayjobs()["items"]]
