"""Block scanning in ``rmjob.data.readers``: line counts and the every-line-opens-an-object flag."""

from __future__ import annotations

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


def test_blocks_cut_at_line_ends_keep_every_byte_and_number_lines_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(readers, "CHUNK_BYTES", 7)
    data = b'{"a": 1}\n{}\n{"long line": "' + b"x" * 20 + b'"}\nnull'
    src = tmp_path / "rows.jsonl"
    src.write_bytes(data)
    blocks = list(read_blocks(src))
    assert b"".join(block.data for block in blocks) == data
    # 7-byte reads: the first line spans two reads, the second read ends inside the third line.
    assert [(block.first_line, block.lines) for block in blocks] == [(1, 2), (3, 1), (4, 1)]
    assert [block.objects_only for block in blocks] == [True, True, False]
