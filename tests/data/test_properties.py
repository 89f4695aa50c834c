"""Property-based: whatever the HelpSteer2 input holds, the converter succeeds or says one line, and
leaves nothing half-written; the fast path and the line-by-line path agree on every input."""

from __future__ import annotations

import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rmjob.data import convert as convert_module
from rmjob.data.columnar import NotClean
from rmjob.data.convert import ConvertOptions, convert
from rmjob.errors import UserError

EXAMPLES = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
text = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
odd_value = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.integers(-10, 10),
    st.integers(),
    text,
    st.lists(st.integers(), max_size=2),
)
separators = ["\n<extra_id_1>Assistant\n", "\n<extra_id_1>User\n", "hi", " "]
turns = st.lists(st.sampled_from(separators), max_size=4)


@st.composite
def rating_line(draw: st.DrawFn) -> bytes:
    row: dict[str, Any] = {
        "prompt": draw(text) + "".join(draw(turns)) + draw(text),
        "response": draw(text),
        **{name: draw(st.integers(0, 4)) for name in ("helpfulness", "correctness", "verbosity")},
    }
    for name in draw(st.lists(st.sampled_from([*row, "coherence"]), max_size=2)):
        row[name] = draw(odd_value)
    if draw(st.booleans()):
        row.pop(draw(st.sampled_from(sorted(row))))
    return json.dumps(row, ensure_ascii=draw(st.booleans())).encode()


line = st.one_of(
    rating_line(),
    rating_line(),
    st.sampled_from([b"", b"  ", b"[1, 2]", b"null", b'{"prompt": "cut', b"\xff\xfe", b"{} null", b"{}"]),
    st.binary(max_size=20),
)


@st.composite
def input_file(draw: st.DrawFn) -> tuple[str, bytes]:
    data = b"\n".join(draw(st.lists(line, max_size=40)))
    if not draw(st.booleans()):
        return "train.jsonl", data
    packed = gzip.compress(data)
    if draw(st.booleans()):
        packed = packed[: draw(st.integers(0, len(packed)))]
    return "train.jsonl.gz", packed


def outcome(src: Path, out: Path) -> tuple[str, Any]:
    try:
        summary = convert(ConvertOptions(mode="pointwise", src=src, out=out, train_ratio=0.5))
    except UserError as error:
        return "error", str(error)
    tables = [pq.read_table(path).to_pylist() for path in sorted(out.iterdir())]
    return "ok", (summary.rows_read, dict(summary.samples), dict(summary.dropped), tables)


@EXAMPLES
@given(file=input_file())
def test_any_input_converts_or_is_one_line_and_nothing_is_left_behind(file: tuple[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        src, out = Path(scratch) / file[0], Path(scratch) / "out"
        src.write_bytes(file[1])
        kind, result = outcome(src, out)
        written = sorted(p.name for p in out.iterdir()) if out.exists() else []
        if kind == "error":
            assert "\n" not in result and result
            assert written == []
        else:
            assert written == ["helpsteer2_pointwise_test.parquet", "helpsteer2_pointwise_train.parquet"]


def line_by_line_only(block: Any, mode: str, *, need_split: bool) -> Any:
    raise NotClean("the reference run reads every block line by line")


@EXAMPLES
@given(file=input_file())
def test_the_fast_path_agrees_with_the_line_by_line_path(
    file: tuple[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        src = Path(scratch) / file[0]
        src.write_bytes(file[1])
        fast = outcome(src, Path(scratch) / "fast")
        with monkeypatch.context() as patch:
            patch.setattr(convert_module, "clean_block", line_by_line_only)
            slow = outcome(src, Path(scratch) / "slow")
        assert fast == slow
