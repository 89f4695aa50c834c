"""`make bench` (simulated cluster part): start-up time, a 16-node RayJob on 64 fake 8xA100 nodes, and a
RayJob that really runs.

Prints, never asserts: the cluster's warm start time (binaries cached), the time to register 64 GPU nodes,
and for the rendered pointwise RayJob with 16 workers (pods that only pretend) the time until the operator
has created every pod, the scheduler has placed them all, and the RayCluster is ready. Then a RayJob with
its own cluster that really runs (a real Ray head, the submitter's command): seconds from submission to
`Running` and to `Complete`, and the API requests `rmjob watch` made while following it. It runs a
cluster of its own (another home and ports, see RMKIT_SIM_HOME) and stops it afterwards, so a cluster in
use by tests or people is untouched.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kubernetes import client

from rmjob.errors import UserError
from rmjob.platform import load_platform
from rmjob.render import render_rayjob
from rmjob.runtime_env import load_runtime_env
from rmjob.schema import replace
from rmjob.spec import load_spec
from sim import api, build, cluster, runtime
from sim.paths import cache_root

ROOT = Path(__file__).resolve().parents[1]
GPU_NODES = 64
JOB_NODES = 16


def rendered_job(nodes: int) -> dict[str, Any]:
    spec = load_spec("pointwise")
    spec = replace(spec, cluster=replace(spec.cluster, reuse=None, nodes=nodes))
    return render_rayjob(spec, load_runtime_env(ROOT / "runtime_env.yaml"), load_platform())


def scale_run(kubeconfig: Path, job_nodes: int = JOB_NODES) -> dict[str, float]:
    """Submit a ``job_nodes``-worker RayJob in a fresh namespace; seconds to each milestone. Cleans up."""
    api_client = api.api_client(kubeconfig)
    core, custom = client.CoreV1Api(api_client), client.CustomObjectsApi(api_client)
    ns = f"rm-scale-{uuid.uuid4().hex[:6]}"
    # Pods that only pretend: 16 real verl runs of a 14B preset cannot start here.
    labels = {runtime.FAKE_NAMESPACE_LABEL: "fake"}
    core.create_namespace({"metadata": {"name": ns, "labels": labels}})  # type: ignore[arg-type]
    try:
        api.wait_for(
            "the default ServiceAccount", lambda: api.has_default_service_account(api_client, ns), 60
        )
        job = rendered_job(job_nodes)
        volumes = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["volumes"]
        api.create_claims(api_client, ns, [v["persistentVolumeClaim"]["claimName"] for v in volumes])
        pods = job_nodes + 1  # the head and one worker per node
        started = time.monotonic()
        custom.create_namespaced_custom_object("ray.io", "v1", ns, "rayjobs", job)

        def count(predicate: Callable[[Any], bool]) -> bool:
            return sum(1 for p in _pods(core, ns, "ray.io/node-type") if predicate(p)) >= pods

        milestones: list[tuple[str, Callable[[Any], bool]]] = [
            ("all pods created", lambda p: True),
            ("all pods scheduled", lambda p: bool(p.spec.node_name)),
            ("all pods running", lambda p: p.status.phase == "Running"),
        ]
        timings = {}
        for label, predicate in milestones:
            api.wait_for(label, lambda predicate=predicate: count(predicate), 300)  # type: ignore[misc]
            timings[label] = time.monotonic() - started

        def ready() -> bool:
            listed: dict[str, Any] = custom.list_namespaced_custom_object("ray.io", "v1", ns, "rayclusters")  # type: ignore[assignment]
            found = listed["items"]
            return bool(found) and found[0].get("status", {}).get("state") == "ready"

        api.wait_for("the RayCluster to be ready", ready, 300)
        timings["RayCluster ready"] = time.monotonic() - started
        batch = client.BatchV1Api(api_client)
        api.wait_for("the submitter Job", lambda: bool(batch.list_namespaced_job(ns).items), 300)
        timings["submitter Job created"] = time.monotonic() - started
        timings["distinct GPU nodes used"] = float(
            len({p.spec.node_name for p in _pods(core, ns, "ray.io/node-type=worker")})
        )
        return timings
    finally:
        core.delete_namespace(ns)
        api.wait_for(f"namespace {ns} to go", lambda: api.namespace_gone(api_client, ns), 300)


def real_job(name: str) -> dict[str, Any]:
    """A RayJob owning a head-only cluster whose entrypoint prints and exits 0."""
    image = "rayproject/ray:2.46.0"  # never pulled: the pod runtime runs this machine's Ray
    head = {"name": "ray-head", "image": image, "resources": {"requests": {"cpu": "1", "memory": "2Gi"}}}
    submitter = {"name": "ray-job-submitter", "image": image}
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": name},
        "spec": {
            "entrypoint": "python3 -c \"print('hello from a real Ray job')\"",
            "shutdownAfterJobFinishes": True,
            "rayClusterSpec": {
                "rayVersion": "2.46.0",
                "headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [head]}}},
            },
            "submitterPodTemplate": {"spec": {"restartPolicy": "Never", "containers": [submitter]}},
        },
    }


def real_run(kubeconfig: Path) -> dict[str, Any]:
    """Submit ``real_job`` and follow it with `rmjob watch`; seconds to Running and to the end, and the
    watch's own report of its API requests."""
    api_client = api.api_client(kubeconfig)
    core, custom = client.CoreV1Api(api_client), client.CustomObjectsApi(api_client)
    ns = f"rm-real-{uuid.uuid4().hex[:6]}"
    core.create_namespace({"metadata": {"name": ns}})  # type: ignore[arg-type]
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "NO_PROXY": "127.0.0.1,localhost"}
    try:
        api.wait_for(
            "the default ServiceAccount", lambda: api.has_default_service_account(api_client, ns), 60
        )
        started = time.monotonic()
        custom.create_namespaced_custom_object("ray.io", "v1", ns, "rayjobs", real_job("real"))
        watcher = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "rmjob"), "watch", "real", "-n", ns],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def deployment() -> str:
            found: Any = custom.get_namespaced_custom_object("ray.io", "v1", ns, "rayjobs", "real")
            return str(found.get("status", {}).get("jobDeploymentStatus", ""))

        timings: dict[str, Any] = {}
        api.wait_for("the RayJob to run", lambda: deployment() in ("Running", "Complete", "Failed"), 300)
        timings["submitted -> Running"] = time.monotonic() - started
        api.wait_for("the RayJob to end", lambda: deployment() in ("Complete", "Failed"), 300)
        timings[f"submitted -> {deployment()}"] = time.monotonic() - started
        _, err = watcher.communicate(timeout=60)
        timings["rmjob watch"] = err.strip().splitlines()[-1] if err.strip() else "no report"
        return timings
    finally:
        core.delete_namespace(ns)
        api.wait_for(f"namespace {ns} to go", lambda: api.namespace_gone(api_client, ns), 300)


def _pods(core: client.CoreV1Api, ns: str, selector: str) -> list[Any]:
    return list(core.list_namespaced_pod(ns, label_selector=selector).items)


def _row(label: str, value: float, unit: str = "s") -> None:
    print(f"  {label:<60} {value:7.1f} {unit}", flush=True)


def main() -> int:
    try:
        build.go_command()
    except UserError as error:
        print(f"sim benchmark skipped: {error}")
        return 0
    print("sim benchmark: simulated cluster (real control plane + KubeRay operator, KWOK nodes)", flush=True)
    os.environ["RMKIT_SIM_HOME"] = str(cache_root() / "bench")
    os.environ["SIM_PORT_BASE"] = str(cluster.port_base() + 20)
    try:
        cluster.down()  # leftovers of an interrupted benchmark
        started = time.monotonic()
        kubeconfig = cluster.up(cluster.Sizes())
        _row("warm start (binaries cached), 2 GPU + 1 CPU nodes Ready", time.monotonic() - started)
        started = time.monotonic()
        cluster.up(cluster.Sizes(gpu_nodes=GPU_NODES))
        _row(f"grow to {GPU_NODES} GPU nodes, all Ready", time.monotonic() - started)
        for label, value in scale_run(kubeconfig).items():
            _row(f"{JOB_NODES}-node RayJob: {label}", value, "" if label.startswith("distinct") else "s")
        for label, value in real_run(kubeconfig).items():
            if isinstance(value, str):
                print(f"  RayJob that really runs: {label}: {value}", flush=True)
            else:
                _row(f"RayJob that really runs: {label}", value)
    except UserError as error:
        print(f"sim benchmark failed: {error}", file=sys.stderr)
        return 2
    finally:
        cluster.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
