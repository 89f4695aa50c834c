"""Small numeric helpers shared by the benchmark scorers: means that tolerate empty input."""

from __future__ import annotations

from collections.abc import Iterable


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None; None when there are none (an empty cell)."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None
