from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from rmjob.modes import output_file_name
from tests.data.conftest import rating, write_jsonl
from tests.support.cli import invoke


def test_synth_then_convert_prints_a_summary(tmp_path: Path, capsys: Any) -> None:
    made = invoke(capsys, "data", "synth", "--out", tmp_path / "src", "--seed", "1")
    assert made.code == 0, made.stderr
    assert "train.jsonl.gz: 240 rows" in made.stdout

    result = invoke(
        capsys,
        *["data", "helpsteer2", "--mode", "pairwise", "--src", tmp_path / "src", "--out", tmp_path / "out"],
        *["--ties", "drop", "--train-ratio", "0.7", "--seed", "3"],
    )
    assert result.code == 0, result.stderr
    assert "helpsteer2 pairwise: read 112 rows" in result.stdout
    assert "ties: 0 pairs kept" in result.stdout
    assert (tmp_path / "out" / output_file_name("pairwise", "test")).is_file()


def test_compression_picks_the_parquet_codec_and_leaves_the_rows_alone(tmp_path: Path, capsys: Any) -> None:
    import pyarrow.parquet as pq

    assert invoke(capsys, "data", "synth", "--out", tmp_path / "src", "--seed", "1").code == 0
    tables, codecs = {}, {}
    for codec in ("default", "none", "snappy", "zstd"):
        flags = [] if codec == "default" else ["--compression", codec]
        out = tmp_path / codec
        args = ["data", "helpsteer2", "--mode", "pointwise", "--src", tmp_path / "src", "--out", out]
        result = invoke(capsys, *args, *flags)
        assert result.code == 0, result.stderr
        parquet = out / output_file_name("pointwise", "train")
        tables[codec] = pq.read_table(parquet)
        metadata = pq.ParquetFile(parquet).metadata
        codecs[codec] = {
            metadata.row_group(g).column(c).compression
            for g in range(metadata.num_row_groups)
            for c in range(metadata.num_columns)
        }
    assert codecs == {
        "default": {"UNCOMPRESSED"},
        "none": {"UNCOMPRESSED"},
        "snappy": {"SNAPPY"},
        "zstd": {"ZSTD"},
    }
    assert all(table.equals(tables["none"]) for table in tables.values())
    bad = invoke(capsys, "data", "helpsteer2", "--compression", "gzip")
    assert bad.code == 2 and "--compression" in bad.stderr


def test_bad_input_is_the_one_line_user_error(tmp_path: Path, capsys: Any) -> None:
    result = invoke(
        capsys, "data", "helpsteer2", "--mode", "pointwise", "--src", tmp_path / "nope", "--out", tmp_path
    )
    assert result.code == 2 and result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
    assert "no such file or directory" in result.stderr


def test_unknown_mode_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    result = invoke(capsys, "data", "helpsteer2", "--mode", "listwise", "--src", ".", "--out", tmp_path)
    assert result.code == 2 and result.stderr.count("\n") == 1
    assert "'listwise'" in result.stderr and "(see `rmjob data helpsteer2 --help`)" in result.stderr


def test_cli_and_converter_modules_import_no_heavy_packages() -> None:
    code = (
        "import sys, rmjob.cli.data, rmjob.data.convert, rmjob.data.synthetic, rmjob.train.rewards;"
        "print(sorted(m for m in ('pyarrow', 'pandas', 'torch', 'verl', 'vllm') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# `rmjob ARGS` in a process of its own that says at exit which modules it loaded that a conversion needs
# not: NumPy, pandas, pyarrow.compute (rmjob.data.kernels calls the kernels by name), pyarrow.fs
# (rmjob.data.parquet writes with pyarrow._parquet) and OpenSSL's hashes (rmjob.data.split).
REPORT_LOADED = (
    "import atexit, sys;"
    "unneeded = ('numpy', 'pandas', 'pyarrow.compute', 'pyarrow.fs', '_hashlib');"
    "loaded = lambda: [m for m in unneeded if m in sys.modules];"
    "atexit.register(lambda: print('loaded:', loaded(), file=sys.stderr));"
    "from rmjob.cli import main; sys.argv[0] = 'rmjob'; main()"
)


@pytest.mark.parametrize("mode_args", [["pointwise"], ["pairwise", "--ties", "drop"]])
def test_a_conversion_process_loads_no_numpy_nor_unneeded_pyarrow_and_writes_the_same_files(
    synthetic_dir: Path, tmp_path: Path, capsys: Any, mode_args: list[str]
) -> None:
    args = ["data", "helpsteer2", "--src", str(synthetic_dir), "--mode", *mode_args]
    # In this process pyarrow has NumPy (tests/support/cli.py loads it first).
    assert invoke(capsys, *args, "--out", tmp_path / "with-numpy").code == 0
    own = subprocess.run(
        [sys.executable, "-c", REPORT_LOADED, *args, "--out", str(tmp_path / "own")],
        capture_output=True,
        text=True,
    )
    assert own.returncode == 0, own.stderr
    assert own.stderr.splitlines()[-1] == "loaded: []"
    for split in ("train", "test"):
        name = output_file_name(mode_args[0], split)  # type: ignore[arg-type]
        assert (tmp_path / "own" / name).read_bytes() == (tmp_path / "with-numpy" / name).read_bytes()


def rmjob_process(args: list[str], **popen: Any) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "rmjob.cli", *args]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def limit_file_size() -> None:
    """A full disk, as the kernel reports it to one process: writes past 64 KiB fail with EFBIG."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_a_full_disk_is_one_line_exit_2_and_leaves_nothing(synthetic_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["data", "helpsteer2", "--mode", "pointwise", "--src", str(synthetic_dir), "--out", str(out)]
    proc = rmjob_process(args, preexec_fn=limit_file_size)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("error: cannot write "), stderr
    assert list(out.iterdir()) == []


def test_synth_into_a_path_below_a_file_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    proc = rmjob_process(["data", "synth", "--out", str(tmp_path / "file" / "hs2")])
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 2 and stderr.count("\n") == 1 and "cannot write" in stderr, stderr


def test_sigterm_mid_conversion_leaves_no_temp_files(tmp_path: Path) -> None:
    # Long rows that gzip to almost nothing: a small file that takes seconds to convert.
    rows = [rating(prompt=f"question {i}?", response="word " * 4000) for i in range(4000)]
    src = write_jsonl(tmp_path / "train.jsonl.gz", rows)
    out = tmp_path / "out"
    proc = rmjob_process(["data", "helpsteer2", "--mode", "pointwise", "--src", str(src), "--out", str(out)])
    deadline = time.monotonic() + 60
    while not any(out.glob(".*.tmp-*")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    assert proc.poll() is None, "the conversion ended before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    assert list(out.iterdir()) == []
