"""Bad files given to metrics/plot/render: one line and exit 2; written files get the user's umask."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAVED_LOG = ROOT / "tests" / "fixtures" / "verl_pairwise_ok.log"


def rmjob(*args: str, cwd: Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KUBECONFIG": str(cwd / "no-kubeconfig")}
    return subprocess.run(
        [sys.executable, "-m", "rmjob.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,  # noqa: PLW1509
        timeout=120,
    )


def assert_one_line_refusal(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert expected in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "is empty"), (b"\x00\x01\x02" * 100, "binary file")],
    ids=["empty", "binary"],
)
@pytest.mark.parametrize("command", ["metrics", "plot"])
def test_empty_or_binary_log_file_is_refused(tmp_path, command, content, expected):
    log = tmp_path / "run.log"
    log.write_bytes(content)
    assert_one_line_refusal(rmjob(command, str(log), cwd=tmp_path), expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.log"]  # no plot, no temp file


@pytest.mark.parametrize(("suffix", "magic"), [(".pdf", b"%PDF"), (".svg", b"<?xml"), (".PNG", b"\x89PNG")])
def test_plot_writes_the_format_its_file_name_says(tmp_path, suffix, magic):
    target = tmp_path / f"curves{suffix}"
    result = rmjob("plot", str(SAVED_LOG), "-o", str(target), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes().startswith(magic)


@pytest.mark.parametrize("name", ["curves.jpg", "curves"])
def test_plot_refuses_a_name_it_cannot_honour(tmp_path, name):
    assert_one_line_refusal(rmjob("plot", str(SAVED_LOG), "-o", name, cwd=tmp_path), ".png, .pdf or .svg")
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_render_out_and_plot_files_follow_the_umask(tmp_path, mask, mode):
    rendered = rmjob(
        "render",
        "pairwise",
        "--out",
        str(tmp_path / "out"),
        "--runtime-env",
        str(ROOT / "runtime_env.yaml"),
        cwd=tmp_path,
        umask=mask,
    )
    assert rendered.returncode == 0, rendered.stderr
    plotted = rmjob("plot", str(SAVED_LOG), "-o", "c.png", cwd=tmp_path, umask=mask)
    assert plotted.returncode == 0, plotted.stderr
    for written in [*(tmp_path / "out").iterdir(), tmp_path / "c.png"]:
        assert stat.S_IMODE(written.stat().st_mode) == mode, written
