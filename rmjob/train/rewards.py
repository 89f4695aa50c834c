"""Rule-based rewards for the judge: verl's ``custom_reward_function`` entry point.

verl 0.4 loads this file by path (``spec_from_file_location("custom_module", path)``), so it uses
absolute imports only and needs neither torch nor verl.

Every call returns the same numeric keys for a given data source, because verl's validation asserts
that each extra-info list is as long as the batch:

- pointwise: ``score`` = exp(-2 * |pred - true| / 4), ``acc`` = exact match, ``parsed`` (0/1),
  ``abs_error`` = |pred - true|. A parse failure scores 0 and counts as the largest possible error
  (4), so a judge cannot improve its mean absolute error by refusing to answer.
- pairwise: ``score`` = ``acc`` = 1 if the verdict equals the label else 0, ``parsed`` (0/1).

``acc`` is what verl reports as ``val-core/<data_source>/acc/mean@N``. The two modes have different
keys, so one run trains one mode.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from rmjob.modes import MODES, PAIRWISE, POINTWISE, mode_of
from rmjob.train import parsing
from rmjob.train.parsing import PREFERENCES, SCORE_RANGE

MAX_ABS_ERROR = max(SCORE_RANGE) - min(SCORE_RANGE)


def pointwise_reward(pred: int | None, truth: int) -> dict[str, float]:
    if pred is None:
        return {"score": 0.0, "acc": 0.0, "parsed": 0.0, "abs_error": float(MAX_ABS_ERROR)}
    error = abs(pred - truth)
    return {
        "score": math.exp(-2.0 * error / MAX_ABS_ERROR),
        "acc": float(error == 0),
        "parsed": 1.0,
        "abs_error": float(error),
    }


def pairwise_reward(pred: str | None, truth: str) -> dict[str, float]:
    right = float(pred is not None and pred == truth)
    return {"score": right, "acc": right, "parsed": float(pred is not None)}


def _score_label(ground_truth: Any) -> int:
    label = str(ground_truth).strip()
    if not label.isdigit() or int(label) not in SCORE_RANGE:
        raise ValueError(f"{POINTWISE} ground_truth must be an integer 0-4, got {ground_truth!r}")
    return int(label)


def _preference_label(ground_truth: Any) -> str:
    label = PREFERENCES.get(str(ground_truth).strip().casefold())
    if label is None:
        raise ValueError(f"{PAIRWISE} ground_truth must be A, B or tie, got {ground_truth!r}")
    return label


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
) -> dict[str, float]:
    """verl entry point: dispatch on ``data_source`` through the modes table; a bad label raises."""
    mode = mode_of(data_source)
    reward, label = _SCORERS[mode]
    parse = getattr(parsing, MODES[mode].parser)
    return reward(parse(solution_str), label(ground_truth))


# mode -> (reward of a parsed verdict, ground-truth reader); the parser comes from the modes table.
_SCORERS: dict[str, tuple[Callable[[Any, Any], dict[str, float]], Callable[[Any], Any]]] = {
    "pointwise": (pointwise_reward, _score_label),
    "pairwise": (pairwise_reward, _preference_label),
}
