"""Block scanning in ``rmjob.data.readers``: line counts and the every-line-opens-an-object flag."""

from __future__ import annotations

import gzip
from itertools import accumulate
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rmjob.data import readers
from rmjob.data.readers import read_blocks, scan_lines

lines = st.lists(st.sampled_from([b"{}", b'{"a": 1}', b"", b" {}", b"null", b"[1]", b"{", b"\r"]), min_size=1)


@given(parts=lines, newline_at_end=st.booleans())
def test_scan_lines_counts_lines_and_sees_any_line_not_opening_an_object(
    parts: list[bytes], newline_at_end: bool
) -> None:
    data = b"\n".join(parts) + (b"\n" if newline_at_end else b"")
    if not data:
        return
    expected_lines = data.count(b"\n") + (not data.endswith(b"\n"))
    kept = data.split(b"\n")[:expected_lines]
    assert scan_lines(data) == (expected_lines, all(line.startswith(b"{") for line in kept))


@pytest.mark.parametrize("chunk_bytes", [7, 64, 4096, 1 << 20])
@pytest.mark.parametrize("name", ["rows.jsonl", "rows.jsonl.gz"])
def test_blocks_are_whole_lines_that_keep_every_byte_and_number_lines_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int, name: str
) -> None:
    monkeypatch.setattr(readers, "CHUNK_BYTES", chunk_bytes)
    lines = [b'{"a": 1}', b"{}", b'{"long line": "' + b"x" * 9000 + b'"}', b"null", b"", b'{"b": "\xc3\xa9"}']
    data = b"\n".join(lines * 300)  # no newline at the end
    src = tmp_path / name
    src.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    blocks = list(read_blocks(src))
    assert b"".join(bytes(block.data) for block in blocks) == data
    assert all(bytes(block.data).endswith(b"\n") for block in blocks[:-1])
    assert [block.first_line for block in blocks] == list(
        accumulate((block.lines for block in blocks[:-1]), initial=1)
    )
    assert sum(block.lines for block in blocks) == len(lines) * 300
    for block in blocks:
        expected = all(line.startswith(b"{") for line in bytes(block.data).split(b"\n")[: block.lines])
        assert block.objects_only == expected


def test_an_empty_file_has_no_blocks(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert list(read_blocks(tmp_path / "empty.jsonl")) == []
