"""Property: whatever runtime env file a user passes, `rmjob render --runtime-env` succeeds or exits 2
with one line, and never writes a rendered file when it refuses."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import given
from hypothesis import strategies as st

from tests.support.hostile import (
    HOSTILE_VALUES,
    PROPERTY_SETTINGS,
    assert_clean_outcome,
    files_left,
    mutated,
    run_cli,
)

ROOT = Path(__file__).resolve().parents[1]
VALID = yaml.safe_load((ROOT / "runtime_env.yaml").read_text())
# Shapes Ray accepts, so mutations start from every field kind.
RICH = {
    **VALID,
    "pip": ["numpy==2.0.0"],
    "working_dir": "/mnt/data/code",
    "config": {"setup_timeout_seconds": 600},
}


def _render(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env, out = Path(tmp) / "runtime_env.yaml", Path(tmp) / "out"
        env.write_bytes(content)
        code, stderr = run_cli("render", "pairwise", "--out", str(out), "--runtime-env", str(env))
        assert_clean_outcome(code, stderr)
        assert (files_left(out) if out.exists() else []) == ([] if code else ["rm-pairwise.yaml"])


@PROPERTY_SETTINGS
@given(mutated(RICH))
def test_mutated_runtime_env_renders_or_is_refused_in_one_line(data):
    _render(yaml.safe_dump(data, allow_unicode=True).encode())


@PROPERTY_SETTINGS
@given(st.dictionaries(st.text(max_size=20), HOSTILE_VALUES, max_size=5))
def test_arbitrary_env_vars_render_or_are_refused_in_one_line(env_vars):
    _render(yaml.safe_dump({"env_vars": env_vars}, allow_unicode=True).encode())


@PROPERTY_SETTINGS
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_arbitrary_bytes_as_a_runtime_env_are_refused_in_one_line(content):
    _render(content)
