"""User-written YAML is read within bounds: every hostile file is one UserError line, never a crash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rmjob.bounded_yaml import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_NODES,
    load_package_yaml,
    load_yaml_file,
    load_yaml_text,
)
from rmjob.errors import UserError
from rmjob.platform import PLATFORM_FILE
from rmjob.preflight.rules import RULES_FILE
from rmjob.spec import PRESET_DIR

ROOT = Path(__file__).resolve().parents[1]


def refusal(text: str) -> str:
    with pytest.raises(UserError) as caught:
        load_yaml_text(text, "spec file s.yaml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_thousand_open_brackets_are_refused_as_too_deep_not_a_recursion_error():
    assert f"nested more than {MAX_DEPTH} levels deep" in refusal("[" * 1000)


def test_nesting_within_the_bound_loads():
    assert load_yaml_text("[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1), "x") is not None


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "{a: 1, a: 2}", "m:\n  k: 1\n  k: 1\n"])
def test_duplicate_keys_are_refused_naming_key_and_lines(text):
    message = refusal(text)
    assert "duplicate key" in message and "line" in message


def test_merge_keys_still_override():
    assert load_yaml_text("b: &b {x: 1}\nc:\n  <<: *b\n  x: 2\n", "x") == {"b": {"x": 1}, "c": {"x": 2}}


def test_alias_bomb_is_refused_by_its_expanded_size():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdef", "bcdefg", strict=True):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    assert f"more than {MAX_NODES} values" in refusal("\n".join(lines))


def test_exponent_without_a_dot_is_a_float_as_users_expect():
    assert load_yaml_text("lr: 1e-6\nn: 1_000\nv: 1.5E3\n", "x") == {"lr": 1e-6, "n": 1000, "v": 1500.0}


def test_python_tags_are_refused():
    assert "not valid YAML" in refusal("a: !!python/object/apply:os.system [true]")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x00\x01binary", "binary file"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
        (b"a: " + b"x" * MAX_BYTES, "larger than"),
    ],
)
def test_unreadable_files_are_refused_with_the_path(tmp_path, content, expected):
    path = tmp_path / "s.yaml"
    path.write_bytes(content)
    with pytest.raises(UserError, match=expected) as caught:
        load_yaml_file(path, "spec file")
    assert str(path) in str(caught.value)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UserError, match="not a regular file"):
        load_yaml_file(fifo, "spec file")


def test_a_directory_is_refused(tmp_path: Path):
    with pytest.raises(UserError, match="a directory"):
        load_yaml_file(tmp_path, "runtime env")


PACKAGE_YAML = sorted(
    [PLATFORM_FILE, RULES_FILE, *PRESET_DIR.glob("*.yaml")], key=lambda p: p.relative_to(ROOT).as_posix()
)


@pytest.mark.parametrize("path", PACKAGE_YAML, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_package_files_read_the_same_with_libyaml_and_repeat_no_key(path: Path):
    # The bounded loader refuses a repeated key, which libyaml would let win silently.
    assert load_package_yaml(path) == load_yaml_file(path, "package file")


def test_package_reader_uses_libyaml_where_pyyaml_has_it_and_the_users_float_rule(tmp_path: Path):
    import yaml

    from rmjob.bounded_yaml import package_loader

    assert issubclass(package_loader(), yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    path = tmp_path / "p.yaml"
    path.write_text("lr: 1e-6\nn: 1_000\nv: 1.5E3\ns: '1e-6'\n")
    assert load_package_yaml(path) == {"lr": 1e-6, "n": 1000, "v": 1500.0, "s": "1e-6"}
    # Adding the rule to the package reader left PyYAML's own loaders alone.
    assert yaml.safe_load("lr: 1e-6") == {"lr": "1e-6"}
