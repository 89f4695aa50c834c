"""Console log lines written by verl 0.4.1's own code, for parsing tests.

Validation figures come from verl's ``process_validation_metrics``; their keys follow the rule in
``RayPPOTrainer._validate`` (verl/trainer/ppo/ray_trainer.py): the core variable is ``acc`` when the
reward returns it, else ``reward``, and only its ``mean``/``maj``/``best`` at the largest N is
``val-core``; everything else is ``val-aux``. Lines are printed by ``Tracking(..., "console")``, the
logger ``trainer.logger=['console']`` selects, with Ray's actor prefix added as the job log shows it.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence

RAY_PREFIX = "(TaskRunner pid=2211) "


def validation_metrics(data_source: str, infos: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """``{val-core|val-aux/<source>/<var>/<metric>: value}`` for one validation pass, n=1."""
    from verl.trainer.ppo.metric_utils import process_validation_metrics

    count = len(next(iter(infos.values())))
    prompts = [f"prompt {i}" for i in range(count)]
    values = {name: list(column) for name, column in infos.items()}
    nested = process_validation_metrics([data_source] * count, prompts, values)
    named: dict[str, float] = {}
    for source, variables in nested.items():
        core = "acc" if "acc" in variables else "reward"
        for variable, metrics in variables.items():
            largest = max(int(name.split("@")[-1].split("/")[0]) for name in metrics)
            for metric, value in metrics.items():
                is_core = (
                    variable == core
                    and metric.startswith(("mean", "maj", "best"))
                    and f"@{largest}" in metric
                )
                named[f"{'val-core' if is_core else 'val-aux'}/{source}/{variable}/{metric}"] = value
    return named


def console_lines(steps: Mapping[int, Mapping[str, float]]) -> list[str]:
    """What verl's console tracker prints for each step's metrics, as the Ray job log carries it."""
    from verl.utils.tracking import Tracking

    tracker = Tracking(project_name="p", experiment_name="e", default_backend="console")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        for step, data in steps.items():
            tracker.log(data=dict(data), step=step)
    return [RAY_PREFIX + line for line in out.getvalue().splitlines()]
