"""The first build says how far it got: packages compiled of the total, and the time, every 30 s."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from sim import build


def test_progress_line_counts_packages_of_the_total_and_minutes() -> None:
    assert build.progress_line("building kubernetes", 412, 1650, 151.2) == (
        "building kubernetes: 412 of 1650 packages compiled, 2m31s"
    )
    assert build.progress_line("building etcd", 3, None, 5) == "building etcd: 3 packages compiled, 0m05s"


@pytest.mark.parametrize(
    ("line", "is_package"),
    [
        ("k8s.io/kubernetes/cmd/kube-apiserver/app", True),
        ("runtime/internal/sys", True),
        ("go: downloading k8s.io/api v0.34.4", False),
        ("# k8s.io/kubernetes/pkg/foo", False),
        ("", False),
    ],
)
def test_only_package_lines_of_go_build_v_are_counted(line: str, is_package: bool) -> None:
    assert build._is_package_line(line) is is_package


def test_a_long_step_prints_progress_while_it_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr(build, "PROGRESS_SECONDS", 0.2)
    # Stands in for `go build -v`: three package lines, a download line, and time passing.
    script = (
        "print('a/b'); print('go: downloading x v1'); print('c'); import time; time.sleep(0.7); print('d/e')"
    )
    log = io.StringIO()
    code = build._run_with_progress([sys.executable, "-c", script], "building x", 10, tmp_path, {}, log)
    assert code == 0
    progress = [line for line in capsys.readouterr().err.splitlines() if line.startswith("sim: building x:")]
    assert progress and "of 10 packages compiled" in progress[-1]
    assert "go: downloading x v1" in log.getvalue()
