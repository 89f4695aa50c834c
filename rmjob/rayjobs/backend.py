"""``RunBackend`` on a `ray start` head: runs are Ray jobs behind the dashboard's Job Submission API.

Status is polled (Ray's job API has no watch) every ``POLL_S``; steps and logs come from the job's
driver output (``JobSubmissionClient.tail_job_logs`` when following). Each run's state in plain
words and its diagnosis come from ``rmjob.rayjobs.runs`` (pure).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone

from rmjob.backend import NoOutputYet, Observation, StepProgress, step_advances
from rmjob.errors import UserError
from rmjob.monitor.model import JobInfo
from rmjob.monitor.status import RunStatus
from rmjob.rayjobs.client import RayDashboard, RayJobRecord
from rmjob.rayjobs.runs import RayRun, observe_ray_job
from rmjob.rayjobs.submission import GPUS_KEY, MODE_KEY, MODEL_KEY, Submission

# Ray's job API has no watch; a local head answers a status request in milliseconds.
POLL_S = 1.0


def _iso(seconds: float | None) -> str | None:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if seconds else None


def job_info(record: RayJobRecord, address: str) -> JobInfo:
    gpus = record.metadata.get(GPUS_KEY, "")
    return JobInfo(
        name=record.submission_id,
        namespace="",
        mode=record.metadata.get(MODE_KEY, "-"),
        model=record.metadata.get(MODEL_KEY, "-"),
        run=record.run,
        created=_iso(record.start_time),
        cluster_selector=None,
        deployment_status="",
        job_status=record.status,
        start_time=_iso(record.start_time),
        end_time=_iso(record.end_time),
        dashboard_url=address,
        requested_gpus=int(gpus) if gpus.isdigit() else None,
        labels=dict(record.metadata),
    )


def run_status(run: RayRun, address: str) -> RunStatus:
    return RunStatus(
        job=job_info(run.record, address),
        pods_ready=0,
        pods_total=0,
        gpus=0,
        state=run.state,
        summary=run.summary,
        duration_s=run.duration_s,
    )


class RayBackend:
    def __init__(self, dashboard: RayDashboard) -> None:
        self.dashboard = dashboard
        self.where = f"Ray at {dashboard.address}"
        self.requests = {"status": 0, "logs": 0}

    @classmethod
    def connect(cls, address: str) -> RayBackend:
        return cls(RayDashboard.connect(address))

    def _record(self, name: str) -> RayJobRecord:
        self.requests["status"] += 1
        return self.dashboard.resolve(name)

    def _log(self, submission_id: str) -> str:
        self.requests["logs"] += 1
        return self.dashboard.logs(submission_id)

    def _run(self, record: RayJobRecord, with_log: bool = True) -> RayRun:
        return observe_ray_job(record, self._log(record.submission_id) if with_log else "")

    def submit(self, submission: Submission) -> str:
        return self.dashboard.submit(submission)

    def list_runs(self, all_runs: bool = False) -> list[RunStatus]:
        self.requests["status"] += 1
        return [
            run_status(self._run(r, with_log=False), self.dashboard.address)
            for r in self.dashboard.list(not all_runs)
        ]

    def observe(self, name: str) -> Observation:
        run = self._run(self._record(name))
        return Observation(run_status(run, self.dashboard.address), findings=list(run.findings))

    def follow_status(self, name: str, timeout_s: float) -> Iterator[RunStatus]:
        deadline = time.monotonic() + timeout_s
        last: tuple[str, str] | None = None
        record = self._record(name)
        while True:
            # The log is read once the job has ended: the diagnosis comes from it.
            status = run_status(self._run(record, with_log=record.finished), self.dashboard.address)
            if (status.state, status.summary) != last:
                last = (status.state, status.summary)
                yield status
            if status.finished:
                return
            if time.monotonic() > deadline:
                raise UserError(
                    f"stopped following {record.submission_id} after {timeout_s:g} s; it is {status.state}"
                )
            time.sleep(POLL_S)
            record = self._record(record.submission_id)

    def follow_steps(self, name: str, stop: threading.Event) -> Iterator[StepProgress]:
        record = self._record(name)
        yield from step_advances(self.logs(record.submission_id, follow=True), stop, StepProgress(0, None))

    def logs(
        self, name: str, follow: bool = False, tail: int | None = None, part: str | None = None
    ) -> Iterator[str]:
        if part not in (None, "submitter", "driver"):
            raise UserError(f"a Ray job has one output, its driver's: drop --pod {part}")
        record = self._record(name)
        if record.status == "PENDING" and not follow:
            raise NoOutputYet(f"{record.submission_id} has not started in Ray yet: no output")
        if not follow:
            lines = self._log(record.submission_id).splitlines()
            yield from (lines[-tail:] if tail else [] if tail == 0 else lines)
            return
        self.requests["logs"] += 1
        pending = ""
        for chunk in self.dashboard.follow_logs(record.submission_id):
            pending += chunk
            *complete, pending = pending.split("\n")
            yield from complete
        if pending:
            yield pending

    def stop(self, name: str) -> str:
        record = self._record(name)
        if record.finished:
            return f"ray job {record.submission_id} already {record.status.lower()}"
        self.dashboard.stop(record.submission_id)
        return f"ray job {record.submission_id} stopping"

    def delete(self, name: str) -> str:
        record = self._record(name)
        if not record.finished:
            self.dashboard.stop(record.submission_id)
            for _ in self.follow_status(record.submission_id, 60):
                pass
        self.dashboard.delete(record.submission_id)
        return f"ray job {record.submission_id} deleted"

    def request_counts(self) -> dict[str, int]:
        return dict(self.requests)
