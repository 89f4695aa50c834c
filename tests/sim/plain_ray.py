"""Plain RayJobs and RayClusters for the tests whose pods really run: a head-only cluster, entrypoints
that print, fail or sleep. The image is never pulled: the simulated runtime runs this machine's Ray."""

from __future__ import annotations

from typing import Any

from tests.sim.conftest import SimCluster

RAY_IMAGE = "rayproject/ray:2.46.0"  # never pulled: the simulated runtime runs this machine's Ray


def head_group() -> dict[str, Any]:
    container = {
        "name": "ray-head",
        "image": RAY_IMAGE,
        "resources": {"requests": {"cpu": "1", "memory": "2Gi"}},
    }
    return {"rayStartParams": {}, "template": {"spec": {"containers": [container]}}}


def create_head_only_cluster(sim: SimCluster, namespace: str, name: str) -> None:
    body = {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": name},
        "spec": {"rayVersion": "2.46.0", "headGroupSpec": head_group()},
    }
    sim.custom.create_namespaced_custom_object("ray.io", "v1", namespace, "rayclusters", body)


def submitter_template() -> dict[str, Any]:
    container = {"name": "ray-job-submitter", "image": RAY_IMAGE}
    return {"spec": {"restartPolicy": "Never", "containers": [container]}}


def rayjob(name: str, entrypoint: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {"name": name},
        "spec": {"entrypoint": entrypoint, "submitterPodTemplate": submitter_template(), **spec},
    }


def status(sim: SimCluster, ns: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = (sim.get_ray(ns, "rayjobs", name) or {}).get("status", {})
    return found


def finished(sim: SimCluster, ns: str, name: str) -> dict[str, Any] | None:
    current = status(sim, ns, name)
    return current if current.get("jobDeploymentStatus") in ("Complete", "Failed") else None
