"""Where runs live, as one interface: the commands that follow runs call only this.

A backend answers for the runs of one place (a Kubernetes namespace through KubeRay RayJobs,
``rmjob.kube.backend.KubeBackend``; a Ray cluster through Ray's Job Submission API is the second
one). The CLI turns flags into a backend and options, calls it, and prints; generic following on
top of any backend (wait for a state, status and steps merged) lives in ``rmjob.follow``.

Contract for an implementation (a class with these methods; no base class needed):

- ``where``: the place in words for messages ("namespace rm-kit", "Ray at http://...").
- ``list_runs(all_runs)``: one ``RunStatus`` per run, newest first. ``all_runs=False`` keeps the
  runs rmjob made.
- ``observe(name)``: one ``Observation`` of a run (``name`` may be a spec name: its newest run).
  ``pods``/``events``/``findings`` may stay empty where the backend has no such thing.
- ``follow_status(name, timeout_s)``: a generator of ``RunStatus``: the current one first, then
  one per change of ``state`` or ``summary``, ending after a finished one (``status.finished``) or a
  ``deleted`` one; raises ``UserError`` when ``timeout_s`` passes first. It blocks between changes
  and must not poll faster than the backend needs (a watch stream, or a modest interval).
- ``follow_steps(name, stop)``: a generator of ``StepProgress`` whenever verl's step (or its total)
  advances in the run's driver output. It waits for the output to exist and ends when it ends, or
  soon after ``stop`` is set (it waits on ``stop``, never in a plain sleep).
  Failures it cannot retry raise ``UserError``; it never swallows them.
- ``logs(name, follow, tail, part)``: the lines of a run's output (``part=None``: verl's driver
  output; other parts are backend-specific, e.g. ``head``/``worker-N`` pods on Kubernetes; refuse an
  unknown one with ``UserError``; output that does not exist yet raises ``NoOutputYet``).
  ``follow=True`` keeps yielding until the output ends.
- ``stop(name)``, ``delete(name)``: do it, return the one line to print.
- ``request_counts()``: requests made so far by purpose (``status``, ``logs``), for ``rmjob watch``'s
  report and the benchmarks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from rmjob.errors import UserError
from rmjob.findings import Finding
from rmjob.monitor.logs import parse_log
from rmjob.monitor.model import EventInfo, JobInfo, PodInfo
from rmjob.monitor.status import RunStatus


class NoOutputYet(UserError):
    """The run has no such output (yet): e.g. not submitted to Ray, or no such pod."""


@dataclass(frozen=True)
class StepProgress:
    """verl's training progress as its driver printed it."""

    step: int
    total: int | None

    def describe(self) -> str:
        return f"step {self.step}/{self.total}" if self.total else f"step {self.step}"


def step_advances(lines: Iterable[str], stop: threading.Event, best: StepProgress) -> Iterator[StepProgress]:
    """Each time driver output ``lines`` moves verl's step or total past ``best``; ends early on ``stop``."""
    for line in lines:
        if stop.is_set():
            return
        log = parse_log([line])
        total = log.total_steps or best.total
        if log.last_step > best.step or total != best.total:
            best = StepProgress(max(best.step, log.last_step), total)
            yield best


@dataclass(frozen=True)
class Observation:
    """Everything known about one run at one moment."""

    status: RunStatus
    pods: list[PodInfo] = field(default_factory=list)
    events: list[EventInfo] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def job(self) -> JobInfo:
        return self.status.job


class RunBackend(Protocol):
    where: str

    def list_runs(self, all_runs: bool = False) -> list[RunStatus]: ...

    def observe(self, name: str) -> Observation: ...

    def follow_status(self, name: str, timeout_s: float) -> Iterator[RunStatus]: ...

    def follow_steps(self, name: str, stop: threading.Event) -> Iterator[StepProgress]: ...

    def logs(
        self, name: str, follow: bool = False, tail: int | None = None, part: str | None = None
    ) -> Iterator[str]: ...

    def stop(self, name: str) -> str: ...

    def delete(self, name: str) -> str: ...

    def request_counts(self) -> dict[str, int]: ...
