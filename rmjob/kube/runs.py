"""Runs on a cluster: find a RayJob by name, and gather what monitoring needs about it."""

from __future__ import annotations

import difflib
from typing import Any

from rmjob.backend import NoOutputYet, Observation
from rmjob.errors import UserError
from rmjob.kube.cluster import Cluster
from rmjob.kube.convert import event_info, job_info, pod_info
from rmjob.kube.errors import NotFound
from rmjob.monitor.diagnose import diagnose
from rmjob.monitor.model import JobInfo, PodInfo
from rmjob.monitor.status import RunStatus, run_status

SUBMITTER_LABEL = "batch.kubernetes.io/job-name"


def status_of(obj: dict[str, Any]) -> RunStatus:
    """A RayJob's status from the object alone (no pods or events: what a watch event carries)."""
    return run_status(job_info(obj), [], [])


def resolve(cluster: Cluster, name: str) -> dict[str, Any]:
    """A RayJob by its name, or the newest run of a spec name (``rm-pairwise``)."""
    try:
        return cluster.get_rayjob(name)
    except NotFound:
        pass
    items = cluster.list_rayjobs()["items"]
    runs = [i for i in items if job_info(i).run == name]
    if runs:
        return max(runs, key=lambda i: i["metadata"].get("creationTimestamp", ""))
    names = [i["metadata"]["name"] for i in items]
    near = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    raise UserError(
        f"no RayJob {name!r} in namespace {cluster.namespace}{hint}; `rmjob list` shows the runs there"
    )


def pods_of(cluster: Cluster, job: JobInfo) -> list[PodInfo]:
    pods = []
    if job.cluster_name:
        pods += cluster.list_pods(f"ray.io/cluster={job.cluster_name}")
    pods += cluster.list_pods(f"{SUBMITTER_LABEL}={job.name}")
    return sorted(
        (pod_info(p) for p in pods), key=lambda p: ({"head": 0, "worker": 1}.get(p.role, 2), p.name)
    )


def observe(cluster: Cluster, name: str) -> Observation:
    job = job_info(resolve(cluster, name))
    pods = pods_of(cluster, job)
    involved = {job.name, job.cluster_name, *(p.name for p in pods)}
    events = [e for e in map(event_info, cluster.list_events()) if e.name in involved]
    findings = diagnose(events, pods)
    return Observation(run_status(job, pods, findings), pods, events, findings)


def pick_pod(pods: list[PodInfo], which: str) -> PodInfo:
    """``head``, ``submitter`` or ``worker-N`` (0-based, in name order)."""
    workers = [p for p in pods if p.role == "worker"]
    if which in ("head", "submitter"):
        chosen = [p for p in pods if p.role == which]
    elif which.startswith("worker-") and which[7:].isdigit() and int(which[7:]) < len(workers):
        chosen = [workers[int(which[7:])]]
    else:
        chosen = []
    if not chosen:
        have = (
            ", ".join(
                ["head"] * any(p.role == "head" for p in pods)
                + [f"worker-{i}" for i in range(len(workers))]
                + ["submitter"] * any(p.role == "submitter" for p in pods)
            )
            or "none yet"
        )
        raise NoOutputYet(f"no {which} pod for this run (pods: {have})")
    # A retried submitter leaves several pods; the newest (last by name) carries the live log.
    return chosen[-1]


def container_of(pod: PodInfo) -> str | None:
    return {"head": "ray-head", "worker": "ray-worker"}.get(pod.role)
