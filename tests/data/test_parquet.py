from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rmjob.data.parquet import COMPRESSIONS, DICTIONARY_COLUMNS, AtomicParquetSet, temp_path
from rmjob.data.samples import pointwise_schema
from rmjob.errors import UserError


def batch(rows: Iterable[dict[str, Any]]) -> Any:
    return pa.RecordBatch.from_pylist(list(rows), schema=pointwise_schema())


def sample(n: int) -> dict[str, Any]:
    turn = {"role": "user", "content": f"question {n}"}
    return {
        "data_source": "helpsteer2_pointwise",
        "prompt": [turn],
        "ability": "judge",
        "reward_model": {"style": "rule", "ground_truth": "3"},
        "extra_info": {
            "index": n,
            "split": "train",
            "conversation": [turn],
            "response": "r",
            "helpfulness": 3,
        },
    }


def test_files_appear_complete_and_in_order_once_the_set_closes(tmp_path: Path) -> None:
    targets = {"train": tmp_path / "train.parquet", "test": tmp_path / "test.parquet"}
    with AtomicParquetSet(targets, pointwise_schema()) as out:
        out.write_batches({"train": batch(sample(n) for n in range(100)), "test": batch([sample(0)])})
        out.write_batches({"train": batch(sample(n) for n in range(100, 105))})
        assert not targets["train"].exists()
    table = pq.read_table(targets["train"]).to_pylist()
    assert [row["extra_info"]["index"] for row in table] == list(range(105))
    assert pq.read_table(targets["test"]).num_rows == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.parquet", "train.parquet"]


@pytest.mark.parametrize("compression", COMPRESSIONS)
def test_the_files_are_byte_for_byte_what_pyarrow_parquets_writer_makes(
    tmp_path: Path, compression: str
) -> None:
    batches = [batch(sample(n) for n in range(start, start + 50)) for start in (0, 50)]
    with AtomicParquetSet({"train": tmp_path / "ours.parquet"}, pointwise_schema(), compression) as out:
        for one in batches:
            out.write_batches({"train": one})
    with pq.ParquetWriter(
        tmp_path / "theirs.parquet",
        pointwise_schema(),
        compression=compression,
        use_dictionary=DICTIONARY_COLUMNS,
        write_statistics=False,
    ) as theirs:
        for one in batches:
            theirs.write_batch(one)
    assert (tmp_path / "ours.parquet").read_bytes() == (tmp_path / "theirs.parquet").read_bytes()


def test_an_interrupted_write_leaves_no_half_written_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    targets = {"train": tmp_path / "train.parquet", "test": tmp_path / "test.parquet"}
    targets["train"].write_bytes(b"earlier run")

    with pytest.raises(KeyboardInterrupt), AtomicParquetSet(targets, pointwise_schema()) as out:
        for start in range(0, 300, 100):  # some batches already on disk
            out.write_batches({"train": batch(sample(n) for n in range(start, start + 100))})
        raise KeyboardInterrupt

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
        out.write_batches({"train": batch([sample(0)])})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "train.parquet"])


def _a_dead_pid() -> int:
    import subprocess
    import sys

    code = "import os; print(os.getpid())"
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(child.stdout)
