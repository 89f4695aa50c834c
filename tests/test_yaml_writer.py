"""dump_yaml writes the bytes PyYAML writes, for manifests and for anything else it is given."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmjob.platform import load_platform
from rmjob.render import render_data_rayjob, render_rayjob, to_yaml
from rmjob.runtime_env import PACKAGED_FILE, load_runtime_env
from rmjob.spec import load_spec, preset_names, spec_to_yaml
from rmjob.yaml_writer import dump_yaml

ROOT = Path(__file__).resolve().parents[1]


class _LiteralDumper(yaml.SafeDumper):
    """The reference: PyYAML with multi-line strings as literal blocks (what render used before)."""


def _literal(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None)


_LiteralDumper.add_representer(str, _literal)


def pyyaml(data: Any, literal_multiline: bool = False, **options: Any) -> str:
    dumper = _LiteralDumper if literal_multiline else yaml.SafeDumper
    return yaml.dump(data, Dumper=dumper, **options)


OPTION_SETS = [
    {"literal_multiline": True, "width": 1000, "allow_unicode": True},  # to_yaml
    {"sort_keys": True, "width": 1000},  # runtimeEnvYAML
    {"width": 100},  # spec show
    {"width": 24},  # lines long enough to fold
]


def assert_same_as_pyyaml(data: Any, options: dict[str, Any]) -> None:
    reference = pyyaml(data, **{"sort_keys": False, **options})
    assert dump_yaml(data, **options) == reference
    assert yaml.safe_load(reference) == data


@pytest.mark.parametrize("preset", preset_names())
def test_rendered_manifests_and_specs_are_byte_identical_to_pyyaml(preset: str):
    platform = load_platform()
    spec = load_spec(preset, platform)
    job = render_rayjob(spec, load_runtime_env(PACKAGED_FILE), platform)
    data_job = render_data_rayjob(spec.mode, "/mnt/data/raw", platform)
    for manifest in (job, data_job):
        assert to_yaml(manifest) == pyyaml(
            manifest, literal_multiline=True, sort_keys=False, width=1000, allow_unicode=True
        )
    from rmjob.schema import to_dict

    assert spec_to_yaml(spec) == yaml.safe_dump(to_dict(spec), sort_keys=False, width=100)


# Strings near YAML 1.1's implicit types and indicators: each must be quoted exactly when PyYAML does.
TRICKY_STRINGS = [
    "",
    " ",
    "a ",
    " a",
    "0",
    "08",
    "0.0.0.0",
    "1_000",
    "0x1F",
    "0b101",
    "0o17",
    "017",
    "12:30",
    "1:70",
    "190:20:30.15",
    "1e17",
    "1.0e+3",
    "1e-6",
    ".5",
    "-.inf",
    ".NaN",
    ".nan",
    "+12",
    "-",
    "- a",
    "-a",
    "2026-12-05",
    "2026-1-5 1:02:03",
    "2026-12-05T10:00:00Z",
    "<<",
    "=",
    "~",
    "null",
    "Null",
    "nULL",
    "yes",
    "Off",
    "oN",
    "y",
    "n",
    "true",
    "TRUE",
    "tRUE",
    "a: b",
    "a:b",
    "a:",
    ":a",
    "?a",
    "? a",
    "a #b",
    "a#b",
    "#a",
    "@a",
    "`a",
    "%a",
    "!a",
    "&a",
    "*a",
    "|",
    ">",
    "[a]",
    "{a}",
    "a,b",
    "a[0]",
    "'a'",
    "it's",
    '"q"',
    "---",
    "--- a",
    "...",
    "a...",
    "http://127.0.0.1:8265",
    "repo/img:1.2",
    "cpu: 1",
    "a\tb",
    "é",
    "\x7f",
    "line\n",
    "a\nb",
    "a\n\nb",
    "a\nb\n",
    "a\n\n",
    "\na",
    " a\nb",
    "a \nb",
    "a\n b",
    "a\n",
    "\n",
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_tricky_strings_as_values_keys_and_list_items(options: dict[str, Any]):
    for text in TRICKY_STRINGS:
        assert_same_as_pyyaml({"key": text}, options)
        assert_same_as_pyyaml({"key": [text, {"inner": text}]}, options)
        assert_same_as_pyyaml({text: 1}, options)


def test_every_short_string_over_an_alphabet_of_number_and_indicator_characters():
    alphabet = "0159._:-+xbeEof oNT~<=#"
    for length in (1, 2, 3):
        for chars in itertools.product(alphabet, repeat=length):
            assert_same_as_pyyaml({"k": "".join(chars)}, {"width": 1000})


@pytest.mark.parametrize(
    "value",
    [None, True, False, 0, -3, 10**20, 1.5, -0.0, 1e17, 1e-06, 3.0e-5, float("inf"), -float("inf"), {}, []],
    ids=repr,
)
def test_scalars_and_empty_collections(value: Any):
    assert_same_as_pyyaml({"k": value, "l": [value], "m": [{"k": value}]}, {"width": 80})


def test_nan_is_written_as_pyyaml_writes_it():
    assert dump_yaml({"k": float("nan")}) == pyyaml({"k": float("nan")}, sort_keys=False)


def test_what_the_writer_leaves_out_still_comes_out_as_pyyaml_writes_it():
    # Nested lists, non-string keys, a multi-line key, a key PyYAML writes as `? key`, a top-level list.
    for data in ({"k": [[1, 2], []]}, {1: "a", "b": 2}, {"a\nb": 1}, {"x" * 130: 1}, {"": 1}):
        for options in OPTION_SETS:
            assert_same_as_pyyaml(data, options)
    assert dump_yaml([1, 2]) == yaml.safe_dump([1, 2])  # type: ignore[arg-type]


KEYS = st.text(alphabet="ab0:#- '.\n", max_size=6)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=False)
    | st.text(alphabet="ab01: #-'\"[]{},.~yYnN_\n", max_size=12)
    | st.text(max_size=4)
)
DOCUMENTS = st.dictionaries(
    KEYS,
    st.recursive(
        SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEYS, inner, max_size=3)
    ),
    max_size=4,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENTS, st.sampled_from(OPTION_SETS))
def test_generated_documents_are_byte_identical_to_pyyaml(data: dict[str, Any], options: dict[str, Any]):
    assert dump_yaml(data, **options) == pyyaml(data, **{"sort_keys": False, **options})


def test_render_with_cached_files_never_imports_pyyaml(tmp_path: Path):
    # The start-up cost rmjob render avoids (issue 18); the first run parses and fills the cache.
    env = {**os.environ, "RMKIT_CACHE": str(tmp_path / "cache")}
    probe = (
        "import sys; from rmjob.cli import main; sys.argv = ['rmjob', *sys.argv[1:]]\n"
        "try: main()\nexcept SystemExit: pass\n"
        "print('PYYAML IMPORTED' if 'yaml' in sys.modules else 'no pyyaml', file=sys.stderr)"
    )
    for preset in ("pairwise", "pointwise"):
        runs = [
            subprocess.run(
                [sys.executable, "-c", probe, "render", preset],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            for _ in range(2)
        ]
        assert [run.returncode for run in runs] == [0, 0]
        assert runs[0].stdout == runs[1].stdout
        assert runs[0].stderr.strip() == "PYYAML IMPORTED"
        assert runs[1].stderr.strip() == "no pyyaml"
