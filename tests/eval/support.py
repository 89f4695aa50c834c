"""Running ``rmjob eval`` as users do (a fresh interpreter) and reading what it wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.eval.conftest import write_jsonl


def rmjob(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmjob.cli", *map(str, args)], capture_output=True, text=True, check=False
    )


def eval_run(bench: str, data: Path, out: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return rmjob("eval", "run", "--bench", bench, "--data", data, "--out", out, *args)


def score(
    bench: str, data: Path, rows: list[dict], tmp_path: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``rmjob eval run`` scoring ``rows`` as a judgments file; the report goes to ``tmp_path/out``."""
    judged = write_jsonl(tmp_path / "j.jsonl", rows)
    return eval_run(bench, data, tmp_path / "out", "--judgments", judged, *args)


def report_of(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text())


def assert_one_line_error(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
