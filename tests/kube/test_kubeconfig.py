"""A broken kubeconfig is one line and exit 2: whatever the file holds, before the client reads it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from rmjob.errors import UserError
from rmjob.kube.kubeconfig import check_kubeconfig

GOOD = """\
apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
users:
- name: u
  user: USER
"""

BROKEN: list[tuple[str, bytes | str, str]] = [
    ("random-bytes", bytes(range(256)) * 4, "binary file"),
    ("not-utf8", b"clusters: \xff\xfe\n", "not UTF-8"),
    ("invalid-yaml", "clusters: [\n", "not valid YAML"),
    ("deeply-nested", "[" * 1000, "nested more than"),
    ("a-list", "- a\n- b\n", "not a kubeconfig"),
    ("clusters-a-mapping", "clusters: {a: 1}\n", "clusters must be a list"),
    ("context-without-name", "contexts:\n- context: {}\n", "contexts must be a list"),
    ("duplicate-keys", "users: []\nusers: []\n", "duplicate key"),
    ("missing-plugin", GOOD.replace("USER", "{exec: {command: rmjob-no-such-plugin}}"), "not installed"),
]


@pytest.mark.parametrize(("case", "content", "expected"), BROKEN, ids=[c for c, _, _ in BROKEN])
def test_broken_kubeconfig_is_one_line(tmp_path, monkeypatch, case, content, expected):
    path = tmp_path / "config"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    monkeypatch.setenv("KUBECONFIG", str(path))
    with pytest.raises(UserError, match=expected) as caught:
        check_kubeconfig()
    assert "\n" not in str(caught.value)


def test_a_directory_as_kubeconfig_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}{os.pathsep}{tmp_path}")
    with pytest.raises(UserError, match="a directory"):
        check_kubeconfig()


def test_missing_files_and_a_usable_config_pass(tmp_path, monkeypatch):
    path = tmp_path / "config"
    path.write_text(GOOD.replace("USER", "{token: abc}"))
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'missing'}{os.pathsep}{path}")
    check_kubeconfig()
    check_kubeconfig("x")


@pytest.mark.parametrize(
    "user",
    ["{exec: {command: rmjob-no-such-plugin}}", "{token: abc}"],
    ids=["missing-plugin", "insecure-tls"],
)
def test_cli_prints_one_line_without_library_logs_or_warnings(tmp_path, user):
    """No `ERROR:root` from the client, no urllib3 retry or InsecureRequestWarning lines around ours."""
    path = tmp_path / "config"
    path.write_text(GOOD.replace("USER", user))
    result = subprocess.run(
        [sys.executable, "-m", "rmjob.cli", "list"],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": str(path)},
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("error: ")
