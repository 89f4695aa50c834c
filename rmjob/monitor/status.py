"""One run's state in plain words, from the two KubeRay status fields and the pods.

KubeRay reports ``jobDeploymentStatus`` (what the operator did: cluster, submitter) and
``jobStatus`` (what Ray says of the job); during start-up and after failures they disagree.
``explain`` says what the pair means for the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from rmjob.findings import Finding
from rmjob.monitor.model import JobInfo, PodInfo

TERMINAL_DEPLOYMENT = {"Complete", "Failed", "ValidationFailed"}
FAILED = "failed"
SUCCEEDED = "succeeded"
DELETED = "deleted"


@dataclass(frozen=True)
class RunStatus:
    job: JobInfo
    pods_ready: int
    pods_total: int
    gpus: int
    state: str  # pending | starting | running | succeeded | failed | stopped | suspended | deleted
    summary: str
    duration_s: float | None

    @property
    def finished(self) -> bool:
        return self.state in (SUCCEEDED, FAILED, "stopped", DELETED)


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:  # not RFC 3339: an unknown time, not a crash
        return None
    # A time without a zone cannot be compared with the aware times the API server sends.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def duration_seconds(job: JobInfo, now: datetime) -> float | None:
    start = parse_time(job.start_time)
    if start is None:
        return None
    end = parse_time(job.end_time) or now
    return max(0.0, (end - start).total_seconds())


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d{hours}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _state_and_words(job: JobInfo, ready: int, total: int, findings: list[Finding]) -> tuple[str, str]:
    deploy, ray = job.deployment_status, job.job_status
    why = f": {findings[0].summary}" if findings else ""
    detail = f" ({job.message})" if job.message else ""
    if deploy == "":
        return (
            "pending",
            "submitted; the KubeRay operator has not picked it up yet (is the operator running?)",
        )
    if deploy == "ValidationFailed":
        return FAILED, f"KubeRay rejected the RayJob{detail}"
    if deploy == "Suspended" or deploy == "Suspending":
        return "suspended", "stopped by `rmjob stop` (suspended); its Ray cluster is deleted"
    if deploy == "Complete" and ray == "SUCCEEDED":
        return SUCCEEDED, "finished successfully"
    if ray == "STOPPED":
        return "stopped", "stopped: the Ray job was stopped before it finished"
    if ray == "FAILED":
        return FAILED, f"training failed in Ray{detail}; see `rmjob logs {job.name}`"
    if deploy == "Failed":
        words = {
            "DeadlineExceeded": "ran past activeDeadlineSeconds",
            "AppFailed": "the submitter gave up",
            "SubmissionFailed": "could not submit the job to Ray",
        }.get(job.reason, job.reason or "KubeRay marked it failed")
        ray_said = f" while Ray still reported {ray}" if ray and ray not in ("FAILED", "STOPPED") else ""
        return FAILED, f"failed: {words}{ray_said}{detail}"
    if deploy == "Retrying":
        return "starting", f"retrying after a failed attempt ({job.failed or 0} failed so far){detail}"
    if deploy in ("Initializing", "Waiting") or (deploy == "Running" and ray in ("", "PENDING")):
        if total and ready < total:
            return "starting", f"starting the Ray cluster: {ready}/{total} pods ready{why}"
        if deploy == "Initializing":
            return "starting", f"creating the Ray cluster{why}"
        return "starting", "cluster ready; the job is submitted and waiting to start in Ray"
    if deploy == "Running" and ray == "RUNNING":
        return "running", "training"
    return "running", f"{deploy or '-'} / {ray or '-'}"


def run_status(
    job: JobInfo, pods: list[PodInfo], findings: list[Finding], now: datetime | None = None
) -> RunStatus:
    cluster_pods = [p for p in pods if p.role != "submitter"]
    ready = sum(p.ready for p in cluster_pods)
    state, summary = _state_and_words(job, ready, len(cluster_pods), findings)
    return RunStatus(
        job=job,
        pods_ready=ready,
        pods_total=len(cluster_pods),
        gpus=sum(p.gpus for p in cluster_pods),
        state=state,
        summary=summary,
        duration_s=duration_seconds(job, now or datetime.now(timezone.utc)),
    )


def deleted_status(job: JobInfo) -> RunStatus:
    """The last word on a run whose object went away while it was followed."""
    return RunStatus(job, 0, 0, 0, DELETED, "deleted", None)
