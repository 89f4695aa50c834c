"""`make bench` (runs part), against the simulated cluster (started or reused):

- following a run's status (``KubeBackend.follow_status``, what `rmjob watch` and `submit --wait`
  use) over N status changes: API requests made, read from the backend's own counter (target: one
  watch stream, about N + 2 requests, not polling). The status changes are written as a
  status-owning controller would; the RayJob is marked ``managedBy: kueue.x-k8s.io/multikueue``
  so KubeRay leaves it alone.
- `rmjob list` with 200 RayJobs in the namespace: wall time, median of 5 (target < 1 s).
"""

from __future__ import annotations

import copy
import os
import statistics
import subprocess
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from kubernetes import client

from rmjob.kube.backend import KubeBackend
from rmjob.monitor.status import RunStatus
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


def bench_watch(custom: Any, namespace: str) -> None:
    job = _job("rm-bench-watch")
    job["spec"]["managedBy"] = "kueue.x-k8s.io/multikueue"
    custom.create_namespaced_custom_object("ray.io", "v1", namespace, "rayjobs", job)
    backend = KubeBackend.connect(None, namespace)
    seen: list[RunStatus] = []
    follower = threading.Thread(target=lambda: seen.extend(backend.follow_status("rm-bench-watch", 60)))
    follower.start()
    time.sleep(3)  # let the watch open its stream before the first change
    for deploy, ray in TRANSITIONS:
        status = {"status": {"jobDeploymentStatus": deploy, "jobStatus": ray}}
        custom.patch_namespaced_custom_object_status(
            "ray.io", "v1", namespace, "rayjobs", "rm-bench-watch", status
        )
        time.sleep(0.5)
    follower.join(60)
    requests = backend.request_counts()["status"]
    print(
        f"  follow_status, {len(TRANSITIONS)} status changes ({len(seen) - 1} seen): "
        f"{requests} API requests (target <= {len(TRANSITIONS) + 2})"
    )


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
    os.environ["KUBECONFIG"] = str(kubeconfig)  # for KubeBackend.connect
    env = dict(os.environ)
    api_client = api.api_client(kubeconfig)
    core, custom = client.CoreV1Api(api_client), client.CustomObjectsApi(api_client)
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    try:
        bench_watch(custom, namespace)
        bench_list(custom, namespace, env)
    finally:
        core.delete_namespace(namespace)


if __name__ == "__main__":
    main()
