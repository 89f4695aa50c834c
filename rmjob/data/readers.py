"""Reading HelpSteer2 records from ``.jsonl``, ``.jsonl.gz``, ``.parquet`` or the dataset's directory layout.

Records stream one at a time (constant memory); a line that is not a JSON object is yielded as an
error so the converter can count it. A gzip stream that is cut off or corrupt cannot be resumed, so it
is a ``UserError``, not a dropped row.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from rmjob.errors import UserError

SUFFIXES = (".jsonl.gz", ".jsonl", ".parquet")
# The HelpSteer2 repository layout: per-response ratings and the preference pairs.
LAYOUT = {
    "train": "train",
    "validation": "validation",
    "preference": "preference/preference",
}

CHUNK_BYTES = 4 * 1024 * 1024
Progress = Callable[[int], None]  # called with bytes consumed so far


class BinaryReader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Record:
    """One input row: ``data`` when it parsed, else ``error``; ``line`` counts from 1."""

    path: Path
    line: int
    data: dict[str, Any] | None
    error: str | None = None


def find_layout_file(directory: Path, name: str) -> Path | None:
    """``<directory>/<layout name><suffix>`` for the first suffix present, if any."""
    for suffix in SUFFIXES:
        candidate = directory / f"{LAYOUT[name]}{suffix}"
        if candidate.is_file():
            return candidate
    return None


def check_input_file(path: Path) -> Path:
    if not path.is_file():
        raise UserError(f"{path}: no such file; pass a .jsonl, .jsonl.gz or .parquet file or a directory")
    if not path.name.endswith(SUFFIXES):
        raise UserError(f"{path}: unsupported file type; use .jsonl, .jsonl.gz or .parquet")
    return path


def read_records(path: Path, progress: Progress | None = None) -> Iterator[Record]:
    if path.name.endswith(".parquet"):
        yield from _parquet_records(path, progress)
    else:
        yield from _jsonl_records(path, progress)


def _jsonl_records(path: Path, progress: Progress | None) -> Iterator[Record]:
    compressed = path.name.endswith(".gz")
    with path.open("rb") as raw:
        stream = gzip.GzipFile(fileobj=raw, mode="rb") if compressed else raw
        line_no = 0
        try:
            for block in _line_blocks(stream):
                for line in block:
                    line_no += 1
                    if line.strip():
                        yield _json_record(path, line_no, line)
                if progress is not None:
                    progress(raw.tell())
        except (EOFError, OSError, zlib.error) as exc:
            raise UserError(
                f"{path}: the gzip stream is truncated or corrupt after line {line_no} ({exc}); "
                "download the file again"
            ) from None


def _line_blocks(stream: BinaryReader) -> Iterator[list[bytes]]:
    """Lines in blocks read a few MiB at a time: far fewer trips through gzip's Python layer."""
    tail = b""
    while chunk := stream.read(CHUNK_BYTES):
        lines = (tail + chunk).split(b"\n")
        tail = lines.pop()
        yield lines
    if tail:
        yield [tail]


def _json_record(path: Path, line_no: int, line: bytes) -> Record:
    try:
        data = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        return Record(path, line_no, None, f"not valid JSON ({exc})")
    if not isinstance(data, dict):
        return Record(path, line_no, None, f"a JSON {type(data).__name__}, not an object")
    return Record(path, line_no, data)


def _parquet_records(path: Path, progress: Progress | None) -> Iterator[Record]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise UserError("reading parquet needs pyarrow: pip install 'rmjob[data]'") from None
    try:
        parquet = pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for a bad file
        raise UserError(f"{path}: not a readable parquet file ({exc})") from None
    total_rows = max(parquet.metadata.num_rows, 1)
    size = path.stat().st_size
    line_no = 0
    for batch in parquet.iter_batches(batch_size=4096):
        for data in batch.to_pylist():
            line_no += 1
            yield Record(path, line_no, data)
        if progress is not None:
            progress(size * line_no // total_rows)
