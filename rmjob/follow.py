"""Following runs on any ``RunBackend``: wait for a state, status and training steps merged.

Generators and plain functions, so a command only chooses options and prints what comes out.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from rmjob.backend import RunBackend, StepProgress
from rmjob.errors import UserError
from rmjob.monitor.logs import parse_log
from rmjob.monitor.status import RunStatus

# Enough of a driver's output to hold its latest step line.
PROGRESS_TAIL_LINES = 400
# How long a finished follow waits for its step thread to notice it should stop.
STEPS_STOP_WAIT_S = 5.0


def wait_for(backend: RunBackend, name: str, states: set[str], timeout_s: float) -> Iterator[RunStatus]:
    """The run's status changes until it reaches one of ``states`` (the last one yielded)."""
    status: RunStatus | None = None
    for status in backend.follow_status(name, timeout_s):
        yield status
        if status.state in states:
            return
    now = status.state if status else "unknown"
    raise UserError(f"{name} did not reach {'/'.join(sorted(states))} within {timeout_s:g} s (now: {now})")


@dataclass(frozen=True)
class StepsStopped:
    """Step following ended early; the status goes on. ``reason`` is one line."""

    reason: str


def follow_run(
    backend: RunBackend, name: str, timeout_s: float
) -> Iterator[RunStatus | StepProgress | StepsStopped]:
    """Status changes and training steps of one run, merged in arrival order, until it finishes.

    Steps are followed on a background thread from the first status of a run still going; an
    error there ends step following with a ``StepsStopped`` (never silently) while the status keeps
    coming. When the generator ends, that thread is told to stop and given a moment to do so: a
    daemon thread still running Python (an import, say) at interpreter exit aborts the process.
    """
    updates: queue.Queue[RunStatus | StepProgress | StepsStopped | BaseException | None] = queue.Queue()
    stop = threading.Event()

    def steps() -> None:
        try:
            for progress in backend.follow_steps(name, stop):
                updates.put(progress)
        except UserError as exc:
            updates.put(StepsStopped(str(exc)))
        except Exception as exc:  # a thread's traceback would print many lines; say it in one
            updates.put(StepsStopped(f"{type(exc).__name__}: {exc}"))

    def status() -> None:
        try:
            for change in backend.follow_status(name, timeout_s):
                updates.put(change)
        except BaseException as exc:  # handed to the consumer, raised there
            updates.put(exc)
        updates.put(None)

    def start(target: Callable[[], None]) -> threading.Thread:
        thread = threading.Thread(target=target, daemon=True, name=f"follow-{target.__name__}")
        thread.start()
        return thread

    start(status)
    steps_thread: threading.Thread | None = None
    try:
        while (update := updates.get()) is not None:
            if isinstance(update, BaseException):
                raise update
            # Steps only once the run is known to exist and still going (no second error for a bad name).
            if isinstance(update, RunStatus) and steps_thread is None and not update.finished:
                steps_thread = start(steps)
            yield update
    finally:
        stop.set()
        if steps_thread is not None:
            # A thread blocked reading a log stream cannot see ``stop``; that is safe to leave.
            steps_thread.join(STEPS_STOP_WAIT_S)


def progress_of(backend: RunBackend, names: Iterable[str]) -> dict[str, StepProgress | None]:
    """The latest step of each run, from the tail of its driver output (read in parallel)."""

    def one(name: str) -> tuple[str, StepProgress | None]:
        try:
            log = parse_log(backend.logs(name, tail=PROGRESS_TAIL_LINES))
        except UserError:
            return name, None
        return name, StepProgress(log.last_step, log.total_steps) if log.steps else None

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, names))
