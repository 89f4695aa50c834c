"""HelpSteer2 validation: the pointwise and pairwise judge metrics.

The items are rows of the validation parquet that ``rmjob data helpsteer2 --split official`` writes
(``helpsteer2_<mode>_test.parquet``); a judgment names its row by position (``index``). Scoring follows
the training reward (``rmjob.train.rewards``): an unparsable output is wrong and, for the mean absolute
error, counts as the largest error (4), so refusing to answer never improves a figure.

Pure: labels and parsed predictions in, a report section out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rmjob.eval.metrics import ratio
from rmjob.eval.rmbench import same_choice
from rmjob.train.parsing import SCORE_RANGE
from rmjob.train.rewards import MAX_ABS_ERROR

UNPARSED = "unparsed"
PREFERENCE_LABELS = ("A", "B", "tie")


@dataclass(frozen=True)
class PointwiseItem:
    index: int
    truth: int


@dataclass(frozen=True)
class PairwiseItem:
    """One presentation order of a preference pair; ``pair`` identifies the pair across orders."""

    index: int
    truth: str
    pair: str
    swapped: bool


def score_pointwise(items: Sequence[PointwiseItem], predictions: Mapping[int, int | None]) -> dict[str, Any]:
    """Exact accuracy, mean absolute error, within-1 accuracy and parse rate over the judged rows."""
    truth = {item.index: item.truth for item in items}
    labels = list(SCORE_RANGE)
    confusion = [[0] * (len(labels) + 1) for _ in labels]
    exact = within_one = unparsed = 0
    errors: list[int] = []  # of parsed predictions
    for index, pred in predictions.items():
        label = truth[index]
        column = len(labels) if pred is None else labels.index(pred)
        confusion[labels.index(label)][column] += 1
        if pred is None:
            unparsed += 1
            continue
        error = abs(pred - label)
        errors.append(error)
        exact += error == 0
        within_one += error <= 1
    n = len(predictions)
    return {
        "bench": "helpsteer2",
        "mode": "pointwise",
        "n": n,
        "items": len(items),
        "missing": len(items) - n,
        "parse_rate": ratio(n - unparsed, n),
        "accuracy": ratio(exact, n),
        "mae": ratio(sum(errors) + unparsed * MAX_ABS_ERROR, n),
        "mae_parsed": ratio(sum(errors), len(errors)),
        "within_1": ratio(within_one, n),
        "confusion": {
            "rows": [str(label) for label in labels],
            "columns": [*(str(label) for label in labels), UNPARSED],
            "counts": confusion,
        },
    }


def score_pairwise(items: Sequence[PairwiseItem], verdicts: Mapping[int, str | None]) -> dict[str, Any]:
    """Accuracy, tie rate, parse rate and position consistency (pairs judged in both orders)."""
    by_index = {item.index: item for item in items}
    confusion = [[0] * (len(PREFERENCE_LABELS) + 1) for _ in PREFERENCE_LABELS]
    right = parsed = ties = 0
    orders: dict[str, dict[bool, str | None]] = {}
    for index, verdict in verdicts.items():
        item = by_index[index]
        column = len(PREFERENCE_LABELS) if verdict is None else PREFERENCE_LABELS.index(verdict)
        confusion[PREFERENCE_LABELS.index(item.truth)][column] += 1
        right += verdict == item.truth
        parsed += verdict is not None
        ties += verdict == "tie"
        orders.setdefault(item.pair, {})[item.swapped] = verdict
    both = [pair for pair in orders.values() if len(pair) == 2]
    consistent = sum(same_choice(pair[False], pair[True]) for pair in both)
    n = len(verdicts)
    return {
        "bench": "helpsteer2",
        "mode": "pairwise",
        "n": n,
        "items": len(items),
        "missing": len(items) - n,
        "parse_rate": ratio(parsed, n),
        "accuracy": ratio(right, n),
        "tie_rate": ratio(ties, n),
        "position_consistency": ratio(consistent, len(both)),
        "pairs_in_both_orders": len(both),
        "confusion": {
            "rows": list(PREFERENCE_LABELS),
            "columns": [*PREFERENCE_LABELS, UNPARSED],
            "counts": confusion,
        },
    }
