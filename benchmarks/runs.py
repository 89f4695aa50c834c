"""`make bench` (runs part), against the simulated cluster (started or reused):

- `rmjob watch` over a run with N status changes: API requests made (target: one watch stream,
  about N + 2 requests, not polling). The status changes are written as a status-owning controller
  would; the RayJob is marked ``managedBy: kueue.x-k8s.io/multikueue`` so KubeRay leaves it alone.
- `rmjob list` with 200 RayJobs in the namespace: wall time, median of 5 (target < 1 s).
"""

from __future__ import annotations

import copy
import os
import statistics
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from kubernetes import client

from rmjob.platform import load_platform
from rmjob.render import render_rayjob
from rmjob.runtime_env import load_runtime_env
from rmjob.spec import load_spec
from sim import api, cluster

ROOT = Path(__file__).resolve().parents[1]
RMJOB = str(ROOT / ".venv" / "bin" / "rmjob")
TRANSITIONS = [
    ("Initializing", ""),
    ("Running", "PENDING"),
    ("Running", "RUNNING"),
    ("Complete", "SUCCEEDED"),
]


def _job(name: str) -> dict[str, Any]:
    job = copy.deepcopy(
        render_rayjob(load_spec("pairwise"), load_runtime_env(ROOT / "runtime_env.yaml"), load_platform())
    )
    job["metadata"]["name"] = name
    return job


def bench_watch(custom: Any, namespace: str, env: dict[str, str]) -> None:
    job = _job("rm-bench-watch")
    job["spec"]["managedBy"] = "kueue.x-k8s.io/multikueue"
    custom.create_namespaced_custom_object("ray.io", "v1", namespace, "rayjobs", job)
    watcher = subprocess.Popen(
        [RMJOB, "watch", "rm-bench-watch", "-n", namespace],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(3)  # let the watch open its stream before the first change
    for deploy, ray in TRANSITIONS:
        status = {"status": {"jobDeploymentStatus": deploy, "jobStatus": ray}}
        custom.patch_namespaced_custom_object_status(
            "ray.io", "v1", namespace, "rayjobs", "rm-bench-watch", status
        )
        time.sleep(0.5)
    out, err = watcher.communicate(timeout=60)
    report = err.strip().splitlines()[-1] if err.strip() else "no report"
    changes = sum(1 for line in out.splitlines() if line.startswith("rm-bench-watch:")) - 1
    print(f"  rmjob watch, {len(TRANSITIONS)} status changes ({changes} shown): {report.split('; ', 1)[-1]}")


def bench_list(custom: Any, namespace: str, env: dict[str, str], count: int = 200) -> None:
    for i in range(count):
        custom.create_namespaced_custom_object(
            "ray.io", "v1", namespace, "rayjobs", _job(f"rm-bench-{i:03d}")
        )
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([RMJOB, "list", "-n", namespace], env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    print(f"  rmjob list, {count} RayJobs: {statistics.median(times):.3f} s median of 5 (target < 1 s)")


def main() -> None:
    print("runs benchmark (simulated cluster)", flush=True)
    kubeconfig = cluster.up(cluster.Sizes())
    env = {**os.environ, "KUBECONFIG": str(kubeconfig)}
    api_client = api.api_client(kubeconfig)
    core, custom = client.CoreV1Api(api_client), client.CustomObjectsApi(api_client)
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    try:
        bench_watch(custom, namespace, env)
        bench_list(custom, namespace, env)
    finally:
        core.delete_namespace(namespace)


if __name__ == "__main__":
    main()
