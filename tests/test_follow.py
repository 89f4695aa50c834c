"""rmjob.follow over a scripted RunBackend (the backends themselves are tested on the simulated cluster)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from rmjob.backend import NoOutputYet, Observation, StepProgress
from rmjob.errors import UserError
from rmjob.follow import StepsStopped, follow_run, progress_of, wait_for
from rmjob.monitor.model import JobInfo
from rmjob.monitor.status import RunStatus

JOB = JobInfo("rm-x-1", "ns", "pairwise", "m", "rm-x", None, None, "", "")


def _status(state: str) -> RunStatus:
    return RunStatus(JOB, 0, 0, 0, state, f"now {state}", None)


class Scripted:
    """A backend that plays back fixed status changes, steps and logs."""

    where = "test"

    def __init__(self, states: list[str], steps: list[int] | Exception = (), logs: dict | None = None):
        self.states, self.steps, self.log_lines = states, steps, logs or {}
        self.status_done, self.steps_done = threading.Event(), threading.Event()

    def follow_status(self, name: str, timeout_s: float) -> Iterator[RunStatus]:
        for i, state in enumerate(self.states):
            if i == len(self.states) - 1 and self.steps:
                self.steps_done.wait(5)  # the run ends after its steps were printed
            yield _status(state)
        self.status_done.set()

    def follow_steps(self, name: str, stop: threading.Event) -> Iterator[StepProgress]:
        if isinstance(self.steps, Exception):
            self.steps_done.set()
            raise self.steps
        for step in self.steps:
            yield StepProgress(step, 3)
        self.steps_done.set()
        stop.wait(5)  # a log stream stays open while the run goes on

    def logs(self, name, follow=False, tail=None, part=None) -> Iterator[str]:
        if name not in self.log_lines:
            raise NoOutputYet(f"no submitter pod for {name}")
        yield from self.log_lines[name]

    def list_runs(self, all_runs=False):
        return []

    def observe(self, name):
        return Observation(_status("running"))

    def stop(self, name):
        return ""

    def delete(self, name):
        return ""

    def request_counts(self):
        return {}


def test_wait_for_stops_at_the_first_wanted_state():
    seen = [
        s.state
        for s in wait_for(Scripted(["pending", "starting", "running", "succeeded"]), "x", {"running"}, 5)
    ]
    assert seen == ["pending", "starting", "running"]


def test_wait_for_says_when_the_run_never_got_there():
    with pytest.raises(UserError, match="did not reach running.*now: failed"):
        list(wait_for(Scripted(["pending", "failed"]), "x", {"running"}, 5))


def test_follow_run_merges_steps_with_status_and_ends_with_the_status():
    updates = list(follow_run(Scripted(["running", "succeeded"], steps=[1, 2]), "x", 5))
    assert [u.state for u in updates if isinstance(u, RunStatus)] == ["running", "succeeded"]
    assert [u.step for u in updates if isinstance(u, StepProgress)] == [1, 2]


def test_follow_run_reports_step_following_that_failed_instead_of_hiding_it():
    updates = list(follow_run(Scripted(["running", "succeeded"], steps=UserError("logs forbidden")), "x", 5))
    assert StepsStopped("logs forbidden") in updates


def test_follow_run_raises_what_status_following_raised():
    class Broken(Scripted):
        def follow_status(self, name, timeout_s):
            yield _status("running")
            raise UserError("lost the API server")

    with pytest.raises(UserError, match="lost the API server"):
        list(follow_run(Broken([]), "x", 5))


def test_follow_run_stops_its_step_thread_when_the_run_ends():
    # A daemon thread still running Python at interpreter exit aborts the process (SIGABRT).
    class NoOutputYet(Scripted):
        def follow_steps(self, name, stop):
            while not stop.wait(0.01):  # waiting for a submitter pod that never comes
                pass
            yield from ()

    list(follow_run(NoOutputYet(["running", "failed"]), "x", 5))
    assert not [t for t in threading.enumerate() if t.name == "follow-steps"]


def test_progress_reads_the_latest_step_and_skips_runs_without_output():
    lines = ["Training Progress: 0/30", "step:2 - critic/score/mean:0.5", "step:3 - critic/score/mean:0.6"]
    progress = progress_of(Scripted([], logs={"a": lines}), ["a", "b"])
    assert progress["b"] is None
    assert progress["a"] is not None and progress["a"].step == 3
