from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from rmjob.cli.data import app
from rmjob.errors import UserError
from rmjob.modes import output_file_name

runner = CliRunner()


def test_synth_then_convert_prints_a_summary(tmp_path: Path) -> None:
    made = runner.invoke(app, ["synth", "--out", str(tmp_path / "src"), "--seed", "1"])
    assert made.exit_code == 0, made.output
    assert "train.jsonl.gz: 240 rows" in made.output

    result = runner.invoke(
        app,
        ["helpsteer2", "--mode", "pairwise", "--src", str(tmp_path / "src"), "--out", str(tmp_path / "out")]
        + ["--ties", "drop", "--train-ratio", "0.7", "--seed", "3"],
    )
    assert result.exit_code == 0, result.output
    assert "helpsteer2 pairwise: read 112 rows" in result.output
    assert "ties: 0 pairs kept" in result.output
    assert (tmp_path / "out" / output_file_name("pairwise", "test")).is_file()


def test_bad_input_raises_the_one_line_user_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["helpsteer2", "--mode", "pointwise", "--src", str(tmp_path / "nope"), "--out", str(tmp_path)]
    )
    assert isinstance(result.exception, UserError)
    assert "no such file or directory" in str(result.exception)


def test_unknown_mode_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["helpsteer2", "--mode", "listwise", "--src", ".", "--out", str(tmp_path)])
    assert result.exit_code == 2


def test_cli_and_converter_modules_import_no_heavy_packages() -> None:
    import subprocess
    import sys

    code = (
        "import sys, rmjob.cli.data, rmjob.data.convert, rmjob.data.synthetic, rmjob.train.rewards;"
        "print(sorted(m for m in ('pyarrow', 'pandas', 'torch', 'verl', 'vllm') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
