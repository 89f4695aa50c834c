"""Atomic writes leave the old file or the new one, with the mode a plain open() would give."""

from __future__ import annotations

import os
import stat

import pytest

from rmjob.atomic import write_text_atomic


@pytest.fixture
def umask():
    def set_to(mask: int) -> None:
        os.umask(mask)

    old = os.umask(0o022)
    os.umask(old)
    yield set_to
    os.umask(old)


@pytest.mark.parametrize(("mask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_file_gets_the_umask_mode(tmp_path, umask, mask, mode):
    umask(mask)
    target = tmp_path / "job.yaml"
    write_text_atomic(target, "a: 1\n")
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_rewritten_file_keeps_its_mode(tmp_path, umask):
    umask(0o022)
    target = tmp_path / "job.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    write_text_atomic(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640 and target.read_text() == "new\n"


def test_nothing_is_left_behind_when_the_write_fails(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OSError):
        write_text_atomic(blocker / "sub" / "x.yaml", "a")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
