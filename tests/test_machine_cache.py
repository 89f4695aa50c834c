"""Parsed YAML is kept per machine by content: an unchanged file is parsed once, an edited one again."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from rmjob import machine_cache
from rmjob.bounded_yaml import load_package_yaml, load_yaml_file
from rmjob.errors import UserError


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RMKIT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "parsed-yaml"


class Counting:
    def __init__(self, value: object) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> object:
        self.calls += 1
        return self.value


def test_cache_root_is_rmkit_cache_or_the_users_cache_directory(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("RMKIT_CACHE", "/somewhere")
    assert machine_cache.cache_root() == Path("/somewhere")
    monkeypatch.delenv("RMKIT_CACHE")
    monkeypatch.setenv("HOME", "/home/u")
    assert machine_cache.cache_root() == Path("/home/u/.cache/rm-kit")


def test_the_same_bytes_are_parsed_once_and_other_bytes_or_readers_again(cache: Path):
    parse = Counting({"a": [1, 2.5, None, True, "x"]})
    assert machine_cache.parsed(b"a: 1", "package", parse) == parse.value
    assert machine_cache.parsed(b"a: 1", "package", parse) == parse.value
    assert parse.calls == 1
    machine_cache.parsed(b"a: 2", "package", parse)
    machine_cache.parsed(b"a: 1", "bounded", parse)
    assert parse.calls == 3
    assert len(list(cache.glob("*.marshal"))) == 3


def test_a_damaged_or_foreign_entry_is_parsed_again_and_replaced(cache: Path):
    parse = Counting({"a": 1})
    machine_cache.parsed(b"a: 1", "package", parse)
    (entry,) = cache.glob("*.marshal")
    for damage in (b"", b"\x00garbage", entry.read_bytes()[:-3]):
        entry.write_bytes(damage)
        assert machine_cache.parsed(b"a: 1", "package", parse) == {"a": 1}
    assert parse.calls == 4
    assert machine_cache.parsed(b"a: 1", "package", parse) == {"a": 1}
    assert parse.calls == 4


def test_failed_parses_and_values_marshal_cannot_hold_are_not_kept(cache: Path):
    def refuse() -> object:
        raise UserError("bad")

    with pytest.raises(UserError):
        machine_cache.parsed(b"x: [", "bounded", refuse)
    dated = Counting({"day": datetime.date(2026, 12, 5)})
    assert machine_cache.parsed(b"day: 2026-12-05", "package", dated) == dated.value
    assert machine_cache.parsed(b"day: 2026-12-05", "package", dated) == dated.value
    assert dated.calls == 2
    assert not list(cache.glob("*"))


def test_an_unwritable_cache_still_parses(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("RMKIT_CACHE", str(blocker))
    parse = Counting([1])
    assert machine_cache.parsed(b"- 1", "package", parse) == [1]
    assert machine_cache.parsed(b"- 1", "package", parse) == [1]
    assert parse.calls == 2


def test_the_cache_keeps_the_newest_entries_only(cache: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(machine_cache, "MAX_PARSED", 5)
    for number in range(8):
        before = set(cache.glob("*.marshal"))
        machine_cache.parsed(f"n: {number}".encode(), "package", Counting(number))
        (new,) = set(cache.glob("*.marshal")) - before
        os.utime(new, (1_000_000 + number,) * 2)  # creation order, even on a coarse clock
    assert len(list(cache.glob("*.marshal"))) == 5
    newest = Counting("parsed again")
    assert machine_cache.parsed(b"n: 7", "package", newest) == 7
    assert newest.calls == 0


def test_files_read_through_the_cache_match_a_fresh_parse_and_edits_are_seen(cache: Path, tmp_path: Path):
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: a\nlr: 1e-6\n")
    first = load_yaml_file(spec, "spec file")
    assert load_yaml_file(spec, "spec file") == first == {"name": "a", "lr": 1e-6}
    assert load_package_yaml(spec) == first
    spec.write_text("name: b\nlr: 1e-6\n")
    assert load_yaml_file(spec, "spec file") == {"name": "b", "lr": 1e-6}
    spec.write_text("name: b\nname: c\n")
    with pytest.raises(UserError, match="duplicate key 'name'"):
        load_yaml_file(spec, "spec file")
