"""Judge outputs as JSONL: reading a file to score, and the rows ``rmjob eval run`` writes.

RM-Bench rows: ``{"id", "chosen": i, "rejected": j, "swapped": bool, "output": "..."}`` (``swapped``
false: the chosen response was shown as A). HelpSteer2 rows: ``{"index": row of the validation parquet,
"output": "..."}``; pairwise rows may add ``"swapped"``, which must match that row's order.
Every problem is one ``UserError`` line naming the file and line.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from rmjob.errors import UserError
from rmjob.eval.rmbench import N_STYLES, Comparison


def read_jsonl(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``FILE:LINE``, object) for each non-blank line."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    with handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UserError(f"{where}: not JSON ({exc.msg}); expected one JSON object a line") from None
            if not isinstance(row, dict):
                raise UserError(f"{where}: expected a JSON object, got {type(row).__name__}")
            yield where, row


def _output(row: Mapping[str, Any], where: str) -> str:
    output = row.get("output")
    if not isinstance(output, str):
        raise UserError(f"{where}: 'output' must be the judge's text (a string)")
    return output


def _int(row: Mapping[str, Any], key: str, where: str, allowed: range) -> int:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value not in allowed:
        raise UserError(
            f"{where}: {key!r} must be an integer {allowed.start}-{allowed.stop - 1}, got {value!r}"
        )
    return value


def _bool(row: Mapping[str, Any], key: str, where: str) -> bool:
    value = row.get(key)
    if not isinstance(value, bool):
        raise UserError(f"{where}: {key!r} must be true or false, got {value!r}")
    return value


def rmbench_outputs(path: Path, ids: Collection[str], data: str) -> dict[Comparison, str]:
    """Outputs keyed by comparison; an id not in the RM-Bench ``data`` or a repeated row is an error."""
    outputs: dict[Comparison, str] = {}
    styles = range(N_STYLES)
    for where, row in read_jsonl(path):
        if "id" not in row:
            raise UserError(f"{where}: RM-Bench judgment lacks 'id'")
        comparison = Comparison(
            id=str(row["id"]),
            chosen=_int(row, "chosen", where, styles),
            rejected=_int(row, "rejected", where, styles),
            swapped=_bool(row, "swapped", where),
        )
        if comparison.id not in ids:
            raise UserError(
                f"{where}: id {comparison.id!r} is not in the RM-Bench data {data}; "
                "score judgments against the data they were made on (--data)"
            )
        if comparison in outputs:
            raise UserError(f"{where}: a second judgment of {_describe(comparison)}; keep one a comparison")
        outputs[comparison] = _output(row, where)
    return outputs


def _describe(c: Comparison) -> str:
    return f"id {c.id!r} chosen {c.chosen} rejected {c.rejected} swapped {str(c.swapped).lower()}"


def helpsteer2_outputs(path: Path, orders: Mapping[int, bool | None], data: str) -> dict[int, str]:
    """Outputs keyed by parquet row; ``orders`` maps each row to its ``swapped`` flag (None: pointwise)."""
    outputs: dict[int, str] = {}
    rows = range(len(orders))
    for where, row in read_jsonl(path):
        if not isinstance(row.get("index"), int) or isinstance(row.get("index"), bool):
            raise UserError(f"{where}: 'index' must be the row number in the validation parquet")
        index = row["index"]
        if index not in rows:
            raise UserError(
                f"{where}: index {index} is not a row of {data} (it has {len(orders)} rows); "
                "score judgments against the parquet they were made on (--data)"
            )
        expected = orders[index]
        if "swapped" in row:
            swapped = _bool(row, "swapped", where)
            if expected is None:
                raise UserError(f"{where}: 'swapped' given, but {data} is a pointwise file")
            if swapped != expected:
                raise UserError(
                    f"{where}: row {index} of {data} shows the pair with swapped={str(expected).lower()}, "
                    f"the judgment says {str(swapped).lower()}"
                )
        if index in outputs:
            raise UserError(f"{where}: a second judgment of row {index}; keep one a row")
        outputs[index] = _output(row, where)
    return outputs


def rmbench_rows(outputs: Mapping[Comparison, str]) -> list[dict[str, Any]]:
    return [
        {"id": c.id, "chosen": c.chosen, "rejected": c.rejected, "swapped": c.swapped, "output": text}
        for c, text in outputs.items()
    ]


def helpsteer2_rows(outputs: Mapping[int, str], orders: Mapping[int, bool | None]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for index, text in outputs.items():
        row: dict[str, Any] = {"index": index}
        if orders[index] is not None:
            row["swapped"] = orders[index]
        row["output"] = text
        rows.append(row)
    return rows


def to_jsonl(rows: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
