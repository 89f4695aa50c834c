from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from rmjob.data.parquet import BATCH_ROWS, AtomicParquetSet, temp_path
from rmjob.data.samples import pointwise_schema
from rmjob.errors import UserError


def sample(n: int) -> dict[str, Any]:
    turn = {"role": "user", "content": f"question {n}"}
    return {
        "data_source": "helpsteer2_pointwise",
        "prompt": [turn],
        "ability": "judge",
        "reward_model": {"style": "rule", "ground_truth": "3"},
        "extra_info": {
            "index": 0,
            "split": "train",
            "conversation": [turn],
            "response": "r",
            "helpfulness": 3,
        },
    }


def test_files_appear_complete_and_indexed_once_the_set_closes(tmp_path: Path) -> None:
    targets = {"train": tmp_path / "train.parquet", "test": tmp_path / "test.parquet"}
    with AtomicParquetSet(targets, pointwise_schema()) as out:
        out.write("train", (sample(n) for n in range(BATCH_ROWS + 5)))
        out.write("test", [sample(0)])
        assert not targets["train"].exists()
    table = pq.read_table(targets["train"]).to_pylist()
    assert [row["extra_info"]["index"] for row in table] == list(range(BATCH_ROWS + 5))
    assert pq.read_table(targets["test"]).num_rows == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.parquet", "train.parquet"]


def test_an_interrupted_write_leaves_no_half_written_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    targets = {"train": tmp_path / "train.parquet", "test": tmp_path / "test.parquet"}
    targets["train"].write_bytes(b"earlier run")

    def rows_then_ctrl_c() -> Iterator[dict[str, Any]]:
        yield from (sample(n) for n in range(3 * BATCH_ROWS))  # some batches already on disk
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt), AtomicParquetSet(targets, pointwise_schema()) as out:
        out.write("train", rows_then_ctrl_c())

    assert targets["train"].read_bytes() == b"earlier run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.parquet"]


def test_an_out_below_a_regular_file_is_one_user_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    targets = {"train": tmp_path / "file" / "sub" / "train.parquet"}
    with pytest.raises(UserError, match=r"cannot write .*train.parquet: .*--out directory") as error:
        AtomicParquetSet(targets, pointwise_schema()).__enter__()
    assert "\n" not in str(error.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_temp_files_of_a_dead_run_are_removed_and_a_live_runs_kept(tmp_path: Path) -> None:
    targets = {"train": tmp_path / "train.parquet"}
    dead = temp_path(targets["train"], pid=_a_dead_pid())
    live = temp_path(targets["train"], pid=os.getppid())
    dead.write_bytes(b"killed mid-write")
    live.write_bytes(b"another run still writing")
    with AtomicParquetSet(targets, pointwise_schema()) as out:
        out.write("train", [sample(0)])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "train.parquet"])


def _a_dead_pid() -> int:
    import subprocess
    import sys

    code = "import os; print(os.getpid())"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(child.stdout)
