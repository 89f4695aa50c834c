"""Property: whatever spec file a user writes, `rmjob render --out` succeeds or exits 2 with one line,
and leaves nothing behind but the rendered file."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import example, given
from hypothesis import strategies as st

from rmjob.spec import resolve_data
from tests.support.hostile import PROPERTY_SETTINGS, assert_clean_outcome, files_left, mutated, run_cli

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_ENV = str(ROOT / "runtime_env.yaml")
VALID = resolve_data("pairwise")[0]


def _render(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        spec, out = Path(tmp) / "spec.yaml", Path(tmp) / "out"
        spec.write_bytes(content)
        code, stderr = run_cli("render", str(spec), "--out", str(out), "--runtime-env", RUNTIME_ENV)
        assert_clean_outcome(code, stderr)
        left = files_left(out) if out.exists() else []
        assert left == ([] if code else [f"{yaml.safe_load(content)['name']}.yaml"]), left


@PROPERTY_SETTINGS
@given(mutated(VALID))
@example({**VALID, "mode": []})  # once crashed the data-section default (a list is unhashable)
@example({**VALID, "mode": {"pairwise": 1}})
def test_mutated_spec_renders_or_is_refused_in_one_line(data):
    _render(yaml.safe_dump(data, allow_unicode=True).encode())


@PROPERTY_SETTINGS
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_arbitrary_bytes_as_a_spec_file_are_refused_in_one_line(content):
    _render(content)


@PROPERTY_SETTINGS
@given(st.integers(1, 300), st.sampled_from(["[", "{a: ", "- ", "a:\n  ", "? "]))
def test_deep_nesting_is_refused_in_one_line(depth, opener):
    _render((opener * depth).encode())
