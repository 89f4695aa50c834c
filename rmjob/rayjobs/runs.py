"""One Ray job's state in plain words, from Ray's job status and the job's own log. Pure."""

from __future__ import annotations

import time
from dataclasses import dataclass

from rmjob.findings import Finding
from rmjob.monitor.logs import RunLog, parse_log
from rmjob.monitor.verl_failures import verl_findings
from rmjob.rayjobs.client import RayJobRecord
from rmjob.rayjobs.submission import KIND_KEY, NODES_KEY

# Ray's JobStatus -> rmjob's run states (the Kubernetes path's names).
STATES = {
    "PENDING": "starting",
    "RUNNING": "running",
    "SUCCEEDED": "succeeded",
    "FAILED": "failed",
    "STOPPED": "stopped",
}


@dataclass(frozen=True)
class RayRun:
    record: RayJobRecord
    state: str
    summary: str
    findings: list[Finding]
    log: RunLog
    duration_s: float | None

    @property
    def finished(self) -> bool:
        return self.record.finished

    def progress(self) -> str:
        if not self.log.steps:
            return "done" if self.state == "succeeded" else "-"
        total = f"/{self.log.total_steps}" if self.log.total_steps else ""
        return f"step {self.log.last_step}{total}"


def _summary(record: RayJobRecord, findings: list[Finding]) -> str:
    name = record.submission_id
    why = f": {findings[0].summary}" if findings else ""
    if record.status == "PENDING":
        return "submitted; waiting for the Ray head to start the job's driver"
    if record.status == "RUNNING":
        return "data prep running" if record.metadata.get(KIND_KEY) == "data" else "running"
    if record.status == "SUCCEEDED":
        return "finished successfully"
    if record.status == "STOPPED":
        return "stopped before it finished (`rmjob stop`)"
    exit_code = f" (exit code {record.driver_exit_code})" if record.driver_exit_code is not None else ""
    return f"failed in Ray{exit_code}{why or f'; see `rmjob logs {name}`'}"


def observe_ray_job(record: RayJobRecord, log_text: str, now: float | None = None) -> RayRun:
    nodes = record.metadata.get(NODES_KEY, "")
    findings = verl_findings(log_text, record.submission_id, int(nodes) if nodes.isdigit() else None)
    duration = None
    if record.start_time:
        duration = max(0.0, (record.end_time or now or time.time()) - record.start_time)
    return RayRun(
        record=record,
        state=STATES.get(record.status, record.status.lower()),
        summary=_summary(record, findings),
        findings=findings,
        log=parse_log(log_text.splitlines()),
        duration_s=duration,
    )
