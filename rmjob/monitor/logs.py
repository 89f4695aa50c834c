"""Parse the console output of a verl run (the RayJob submitter's `ray job logs --follow`).

verl's console logger prints one line a training step, ``step:N - key:value - key:value``
(values with three decimals), prefixed by Ray with the actor (``(TaskRunner pid=..)``); the
initial validation is a printed dict. We read those, the total step count, and tracebacks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rmjob.errors import UserError

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_STEP = re.compile(r"(?:^|\s)step:(\d+) - (.+)$")
_TOTAL = re.compile(r"Total training steps: (\d+)")
_INITIAL_VAL = re.compile(r"Initial validation metrics: (\{.*\})")
_DICT_ITEM = re.compile(r"'([^']+)':\s*(?:np\.float\d+\()?(-?[\d.]+(?:e[-+]?\d+)?|nan|inf|-inf)")
# The last line of a traceback: "pkg.SomeError: message", or Ray's "RayTaskError(InnerError): ...".
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(?:Error|Exception|Interrupt|Exit)(?:\([\w.]+\))?(?::\s.*)?$")

# Validation keys as verl 0.4.1 names them (trainer/ppo/ray_trainer.py, _validate):
# val-core/<data_source>/<var>/mean@N for the core variable ("acc" when the reward returns it, else
# "reward") at the largest N, val-aux/... for the rest. A data source may hold "/" (openai/gsm8k).
_VAL_KEY = re.compile(r"^val-(?P<section>core|aux)/(?P<source>.+)/(?P<var>[^/]+)/mean@(?P<n>\d+)$")
# rm-kit's rewards return "acc"; the seed's return "accuracy" (so its val-core is the reward).
ACCURACY_VARS = ("acc", "accuracy")
REWARD_VARS = ("reward",)
REWARD_KEY = "critic/rewards/mean"
SCORE_KEY = "critic/score/mean"
LENGTH_KEY = "response_length/mean"
THROUGHPUT_KEY = "perf/throughput"
STEP_TIME_KEY = "timing_s/step"


@dataclass
class StepMetrics:
    step: int
    values: dict[str, float]

    def val_accuracy(self) -> float | None:
        """Validation accuracy (``val-core/<source>/acc/mean@N``, or the seed's ``accuracy``)."""
        return self._validation(ACCURACY_VARS)

    def val_reward(self) -> float | None:
        """Mean validation reward (``val-*/<source>/reward/mean@N``); the seed's val-core."""
        return self._validation(REWARD_VARS)

    def _validation(self, variables: tuple[str, ...]) -> float | None:
        """val-core before val-aux, then the first data source by name, then the largest N."""
        found = []
        for key, value in self.values.items():
            match = _VAL_KEY.match(key)
            if match and match["var"] in variables:
                found.append((match["section"] != "core", match["source"], -int(match["n"]), value))
        return min(found)[3] if found else None


@dataclass
class RunLog:
    steps: list[StepMetrics] = field(default_factory=list)
    total_steps: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def last_step(self) -> int:
        return max((s.step for s in self.steps), default=0)

    def series(self, pick: str) -> list[tuple[int, float]]:
        """(step, value) points of a metric; ``pick`` is a key, 'val_acc' or 'val_reward'."""
        derived = {"val_acc": StepMetrics.val_accuracy, "val_reward": StepMetrics.val_reward}
        points = []
        for s in self.steps:
            value = derived[pick](s) if pick in derived else s.values.get(pick)
            if value is not None and not math.isnan(value):
                points.append((s.step, value))
        return points


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _step_values(rest: str) -> dict[str, float]:
    values = {}
    for pair in rest.split(" - "):
        key, sep, raw = pair.strip().rpartition(":")
        number = _number(raw) if sep else None
        if key and number is not None:
            values[key] = number
    return values


def parse_log(lines: Iterable[str]) -> RunLog:
    log = RunLog()
    in_traceback = False
    by_step: dict[int, StepMetrics] = {}
    for raw in lines:
        line = _ANSI.sub("", raw).rstrip()
        if "Traceback (most recent call last)" in line:
            in_traceback = True
            continue
        if in_traceback:
            # Ray prefixes every line of an actor's output; the exception line ends the trace.
            text = re.sub(r"^\([^)]*\)\s*", "", line).strip()
            match = _EXCEPTION.match(text)
            if match and not line.startswith((" ", "\t")):
                log.errors.append(text)
                in_traceback = False
            continue
        if match := _TOTAL.search(line):
            log.total_steps = int(match[1])
        elif match := _STEP.search(line):
            step = int(match[1])
            metrics = by_step.setdefault(step, StepMetrics(step, {}))
            metrics.values.update(_step_values(match[2]))
        elif match := _INITIAL_VAL.search(line):
            values = {k: float(v) for k, v in _DICT_ITEM.findall(match[1])}
            by_step.setdefault(0, StepMetrics(0, {})).values.update(values)
    log.steps = [by_step[k] for k in sorted(by_step)]
    return log


def metrics_rows(log: RunLog) -> list[dict[str, float | int | None]]:
    """One row a step with the columns of ``rmjob metrics``."""
    return [
        {
            "step": s.step,
            "val_acc": s.val_accuracy(),
            "val_reward": s.val_reward(),
            "reward": s.values.get(REWARD_KEY),
            "score": s.values.get(SCORE_KEY),
            "response_length": s.values.get(LENGTH_KEY),
            "throughput": s.values.get(THROUGHPUT_KEY),
            "step_time_s": s.values.get(STEP_TIME_KEY),
        }
        for s in log.steps
    ]


def read_log_file(path: Path) -> RunLog:
    """Parse a saved log file line by line (logs reach gigabytes); empty or binary files are refused."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
            if not head:
                raise UserError(f"log file {path} is empty; save a run's log with `rmjob logs NAME > FILE`")
            if b"\0" in head:
                raise UserError(f"{path} is a binary file, not a saved log (`rmjob logs NAME > FILE`)")
            handle.seek(0)
            return parse_log(line.decode("utf-8", errors="replace") for line in handle)
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
