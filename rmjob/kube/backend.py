"""``RunBackend`` on Kubernetes: runs are KubeRay RayJobs in one namespace.

Status follows one watch stream (``Cluster.watch_rayjob``); steps follow the submitter pod's log
(``ray job logs --follow`` prints verl's driver output there). Status and log requests go through
two ``Cluster`` copies so that ``request_counts`` tells them apart.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator

from rmjob.backend import Observation, StepProgress, step_advances
from rmjob.errors import UserError
from rmjob.kube.cluster import Cluster
from rmjob.kube.convert import job_info, pod_info
from rmjob.kube.errors import NotFound, Unavailable
from rmjob.kube.runs import SUBMITTER_LABEL, container_of, observe, pick_pod, pods_of, resolve, status_of
from rmjob.monitor.status import RunStatus, deleted_status

# How often step following looks for a running submitter pod.
SUBMITTER_POLL_S = 2.0
MANAGED_SELECTOR = "app.kubernetes.io/managed-by=rmjob"


class KubeBackend:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.log_cluster = dataclasses.replace(cluster, requests=0)
        self.where = f"namespace {cluster.namespace}"

    @classmethod
    def connect(cls, context: str | None = None, namespace: str | None = None) -> KubeBackend:
        return cls(Cluster.connect(context, namespace))

    def list_runs(self, all_runs: bool = False) -> list[RunStatus]:
        items = self.cluster.list_rayjobs(None if all_runs else MANAGED_SELECTOR)["items"]
        return sorted(map(status_of, items), key=lambda s: s.job.created or "", reverse=True)

    def observe(self, name: str) -> Observation:
        return observe(self.cluster, name)

    def follow_status(self, name: str, timeout_s: float) -> Iterator[RunStatus]:
        obj = resolve(self.cluster, name)
        status = status_of(obj)
        yield status
        last = (status.state, status.summary)
        if status.finished:
            return
        watch = self.cluster.watch_rayjob(
            status.job.name,
            obj["metadata"]["resourceVersion"],
            lambda o: status_of(o).finished,
            int(timeout_s),
        )
        for kind, event_obj in watch:
            if kind == "DELETED":
                yield deleted_status(status.job)
                return
            status = status_of(event_obj)
            if (status.state, status.summary) != last:
                last = (status.state, status.summary)
                yield status
            if status.finished:
                return
        raise UserError(f"stopped following {status.job.name} after {timeout_s:g} s; it is {status.state}")

    def follow_steps(self, name: str, stop: threading.Event) -> Iterator[StepProgress]:
        job = job_info(resolve(self.log_cluster, name))
        best = StepProgress(0, None)
        while not stop.is_set():
            try:
                pods = [pod_info(p) for p in self.log_cluster.list_pods(f"{SUBMITTER_LABEL}={job.name}")]
                running = [p for p in pods if p.phase == "Running"]
                if not running:
                    if any(p.phase in ("Succeeded", "Failed") for p in pods):
                        return  # the submission is over: no more output will come
                    stop.wait(SUBMITTER_POLL_S)
                    continue
                # ``best`` carries over when the stream is picked up again (a retried submitter pod).
                lines = self.log_cluster.follow_pod_log(running[-1].name)
                for progress in step_advances(lines, stop, best):
                    best = progress
                    yield progress
            except (Unavailable, NotFound):
                # The server dropped the stream, or a retried submitter pod went away: look again.
                stop.wait(SUBMITTER_POLL_S)

    def logs(
        self, name: str, follow: bool = False, tail: int | None = None, part: str | None = None
    ) -> Iterator[str]:
        job = job_info(resolve(self.cluster, name))
        chosen = pick_pod(pods_of(self.cluster, job), part or "submitter")
        if follow:
            yield from self.cluster.follow_pod_log(chosen.name, container_of(chosen))
        else:
            yield from self.cluster.pod_log(chosen.name, container_of(chosen), tail_lines=tail).splitlines()

    def stop(self, name: str) -> str:
        job = job_info(resolve(self.cluster, name))
        if job.cluster_selector:
            raise UserError(
                f"{job.name} runs on the shared cluster {job.cluster_selector}, which KubeRay cannot "
                f"suspend: `rmjob delete {job.name}` stops the Ray job and removes the RayJob"
            )
        self.cluster.patch_rayjob(job.name, {"spec": {"suspend": True}})
        return f"rayjob.ray.io/{job.name} suspended"

    def delete(self, name: str) -> str:
        job = job_info(resolve(self.cluster, name))
        self.cluster.delete_rayjob(job.name)
        return f"rayjob.ray.io/{job.name} deleted"

    def request_counts(self) -> dict[str, int]:
        return {"status": self.cluster.requests, "logs": self.log_cluster.requests}
