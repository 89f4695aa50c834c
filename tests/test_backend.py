"""rmjob.backend's shared pieces."""

from __future__ import annotations

import threading

from rmjob.backend import StepProgress, step_advances

LINES = [
    "Total training steps: 30",
    "step:1 - critic/score/mean:0.1",
    "unrelated line",
    "step:1 - critic/score/mean:0.1",
    "step:2 - critic/score/mean:0.2",
]


def test_step_advances_yields_only_when_the_step_moves_forward():
    seen = list(step_advances(LINES, threading.Event(), StepProgress(0, None)))
    assert seen == [StepProgress(0, 30), StepProgress(1, 30), StepProgress(2, 30)]


def test_step_advances_resumes_from_the_best_already_seen():
    # A re-opened log stream replays old lines: nothing at or below the known step is reported again.
    assert list(step_advances(LINES, threading.Event(), StepProgress(2, 30))) == []


def test_step_advances_ends_once_stop_is_set():
    stop = threading.Event()
    stop.set()
    assert list(step_advances(LINES, stop, StepProgress(0, None))) == []
