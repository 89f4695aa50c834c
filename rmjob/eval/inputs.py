"""Reading the benchmark data: RM-Bench's JSON and the HelpSteer2 validation parquet.

RM-Bench is published as one JSON array (``total_dataset.json``); a JSONL file of the same rows works
too. HelpSteer2 is the verl parquet ``rmjob data helpsteer2 --split official`` writes for the validation
split (``helpsteer2_<mode>_test.parquet``); its ``data_source`` says pointwise or pairwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rmjob.errors import UserError
from rmjob.eval import rmbench
from rmjob.eval.helpsteer2 import PairwiseItem, PointwiseItem
from rmjob.eval.judgments import read_jsonl
from rmjob.modes import DATA_SOURCES, mode_of
from rmjob.train.parsing import PREFERENCES


def _rmbench_rows(path: Path) -> Iterator[tuple[str, Any]]:
    if path.suffix == ".jsonl":
        yield from read_jsonl(path)
        return
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UserError(
            f"{path}: not JSON ({exc}); expected RM-Bench's array of rows or a .jsonl file"
        ) from None
    if not isinstance(data, list):
        raise UserError(f"{path}: expected a JSON array of RM-Bench rows, got {type(data).__name__}")
    for number, row in enumerate(data):
        yield f"{path}[{number}]", row


def load_rmbench(path: Path) -> list[rmbench.Item]:
    if not path.is_file():
        raise UserError(
            f"--data {path}: no such file (RM-Bench's total_dataset.json, or a .jsonl of its rows)"
        )
    return rmbench.parse_items(_rmbench_rows(path))


@dataclass(frozen=True)
class HelpSteer2Set:
    """The validation parquet: its mode, the verl rows (prompt material) and the scoring items."""

    path: Path
    mode: str
    rows: list[dict[str, Any]]
    pointwise: list[PointwiseItem]
    pairwise: list[PairwiseItem]

    @property
    def orders(self) -> dict[int, bool | None]:
        """Each row's presentation order (pairwise) or None (pointwise)."""
        if self.mode == "pointwise":
            return dict.fromkeys(range(len(self.rows)))
        return {item.index: item.swapped for item in self.pairwise}


def load_helpsteer2(path: Path) -> HelpSteer2Set:
    if not path.is_file():
        raise UserError(
            f"--data {path}: no such file; write it with `rmjob data helpsteer2 --split official` "
            "(helpsteer2_<mode>_test.parquet is the validation split)"
        )
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UserError("reading parquet needs pyarrow: pip install 'rmjob[data]'") from None
    try:
        rows = pq.read_table(path).to_pylist()
    except Exception as exc:  # pyarrow raises several types for a file that is not parquet
        raise UserError(f"--data {path}: not a readable parquet file ({exc})") from None
    if not rows:
        raise UserError(f"--data {path}: no rows")
    sources = {str(row.get("data_source")) for row in rows}
    if len(sources) != 1 or not sources <= set(DATA_SOURCES.values()):
        raise UserError(
            f"--data {path}: data_source {sorted(sources)} is not one of {', '.join(DATA_SOURCES.values())}; "
            "pass a parquet written by `rmjob data helpsteer2`"
        )
    mode = mode_of(sources.pop())
    pointwise: list[PointwiseItem] = []
    pairwise: list[PairwiseItem] = []
    for index, row in enumerate(rows):
        where = f"{path} row {index}"
        label = str((row.get("reward_model") or {}).get("ground_truth", "")).strip()
        info = row.get("extra_info") or {}
        if mode == "pointwise":
            if not label.isdigit() or int(label) > 4:
                raise UserError(f"{where}: ground_truth {label!r} is not a 0-4 score")
            pointwise.append(PointwiseItem(index, int(label)))
        else:
            if label.casefold() not in PREFERENCES:
                raise UserError(f"{where}: ground_truth {label!r} is not A, B or tie")
            pair = f"{info.get('source_file')}:{info.get('source_line')}"
            pairwise.append(
                PairwiseItem(index, PREFERENCES[label.casefold()], pair, bool(info.get("swapped")))
            )
    return HelpSteer2Set(path, mode, rows, pointwise, pairwise)
