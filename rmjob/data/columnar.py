"""Clean HelpSteer2 rows of a block as one Arrow table: a whole clean block at once, else line by line.

``clean_block`` hands the block to Arrow's JSON reader in one call (C++, an explicit schema: text
columns must be strings, scores integers) and checks the columns with Arrow kernels. It takes a block
only when every line is a good row; anything else (a line that is not JSON, a wrong type, a blank
line, a value out of range) raises ``NotClean``, and ``rows_line_by_line`` reads that block with the
per-row validators of ``rmjob.data.helpsteer2``, which count each bad row by reason. Both give the same
table for a clean block (tests/data pin it); ``rmjob.data.samples`` builds the samples from it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rmjob.data.arrays import int64s, one_array, strings
from rmjob.data.helpsteer2 import (
    ATTRIBUTES,
    SCORE_MAX,
    SCORE_MIN,
    STRENGTH_MAX,
    STRENGTH_MIN,
    BadRow,
    pair_row,
    pair_split,
    pointwise_row,
)
from rmjob.data.kernels import call, cast, take
from rmjob.data.readers import Block, Record
from rmjob.data.samples import CLEAN_COLUMNS
from rmjob.modes import Mode

TEXT_COLUMNS = {"pointwise": ("prompt", "response"), "pairwise": ("prompt", "response_1", "response_2")}
INTEGER_RANGES = {
    "pointwise": {name: (SCORE_MIN, SCORE_MAX) for name in ATTRIBUTES},
    "pairwise": {"preference_strength": (STRENGTH_MIN, STRENGTH_MAX)},
}
REQUIRED_INTEGERS = {"helpfulness", "preference_strength"}
BadRowHandler = Callable[[Record, BadRow], None]


class NotClean(Exception):
    """The block holds something only the line-by-line path judges exactly."""


def clean_block(block: Block, mode: Mode, *, need_split: bool) -> Any:
    import pyarrow as pa

    table = block.table if block.table is not None else _read_json(block, mode)
    if table.num_rows != block.lines:  # blank lines: only the line-by-line path numbers lines right
        raise NotClean("blank lines")
    columns: dict[str, Any] = {}
    for name in TEXT_COLUMNS[mode]:
        column = _column(table, name)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            raise NotClean(f"{name} is {column.type}")
        if column.null_count:  # empty text is caught where it is stripped (SampleBuilder)
            raise NotClean(f"{name} missing")
        columns[name] = cast(column, pa.string())
    for name, (low, high) in INTEGER_RANGES[mode].items():
        column = _column(table, name)
        if pa.types.is_null(column.type) and name not in REQUIRED_INTEGERS:
            column = pa.nulls(len(column), pa.int64())
        if not pa.types.is_integer(column.type) or (name in REQUIRED_INTEGERS and column.null_count):
            raise NotClean(f"{name} is {column.type}")
        span = call("min_max", column).as_py()
        if span["min"] is not None and not (low <= span["min"] and span["max"] <= high):
            raise NotClean(f"{name} out of range")
        columns[name] = cast(column, pa.int64())
    if mode == "pairwise":
        columns["split"] = _normalised_splits(pa, table, need_split)
    columns["line"] = int64s(range(block.first_line, block.first_line + block.lines))
    return pa.table(columns)


def rows_line_by_line(block: Block, mode: Mode, *, need_split: bool, on_bad_row: BadRowHandler) -> Any:
    """The block's good rows (validated one by one) as a clean table; each bad row goes to ``on_bad_row``."""
    import pyarrow as pa

    names = (*CLEAN_COLUMNS[mode], "line")
    values: dict[str, list[Any]] = {name: [] for name in names}
    for record in block.records():
        try:
            if record.data is None:
                raise BadRow("bad_json", record.error or "unreadable line")
            if mode == "pointwise":
                row = pointwise_row(record.data)
                good: tuple[Any, ...] = (row.prompt, row.response, *row.attributes.values())
            else:
                pair = pair_row(record.data, need_split=need_split)
                good = (pair.prompt, pair.response_1, pair.response_2, pair.strength, pair.split)
        except BadRow as bad:
            on_bad_row(record, bad)
            continue
        for name, value in zip(names, (*good, record.line), strict=True):
            values[name].append(value)
    types = {name: pa.int64() for name in (*ATTRIBUTES, "preference_strength", "line")}
    return pa.table({name: pa.array(column, types.get(name, pa.string())) for name, column in values.items()})


def _column(table: Any, name: str) -> Any:
    import pyarrow as pa

    if name not in table.schema.names:
        return pa.nulls(table.num_rows)
    return one_array(table.column(name))


def _normalised_splits(pa: Any, table: Any, need_split: bool) -> Any:
    """The preference file's split column as ``train``/``test``/null, as ``pair_split`` reads it."""
    raw = _column(table, "split")
    if pa.types.is_null(raw.type):
        raw = cast(raw, pa.string())
    if not pa.types.is_string(raw.type):
        raise NotClean(f"split is {raw.type}")
    encoded = call("dictionary_encode", raw)
    try:
        names = [pair_split(value, required=need_split) for value in encoded.dictionary.to_pylist()]
        if raw.null_count:
            pair_split(None, required=need_split)
    except BadRow as bad:
        raise NotClean(bad.reason) from None
    return take(strings(names), encoded.indices)


def _read_json(block: Block, mode: Mode) -> Any:
    import pyarrow as pa
    import pyarrow.json as pj

    # Every line must open an object. Besides, pyarrow 26's JSON reader crashes the process
    # (segfault) on a block that starts with a top-level `null` under an explicit schema.
    if not block.objects_only:
        raise NotClean("a line that does not start with {")
    fields = [(name, pa.string()) for name in TEXT_COLUMNS[mode]]
    fields += [(name, pa.int64()) for name in INTEGER_RANGES[mode]]
    if mode == "pairwise":
        fields.append(("split", pa.string()))
    options = pj.ParseOptions(explicit_schema=pa.schema(fields), unexpected_field_behavior="ignore")
    try:
        # One chunk per block (Arrow's default cuts it at 1 MiB): no copies to join the chunks later.
        reading = pj.ReadOptions(block_size=max(len(block.data), 1), use_threads=False)
        return pj.read_json(pa.py_buffer(block.data), read_options=reading, parse_options=options)
    except (ValueError, pa.ArrowException) as exc:  # not JSON, not objects, wrong types, bad UTF-8
        raise NotClean(str(exc)) from None
