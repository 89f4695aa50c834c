"""Arrow arrays built from buffers: the same values as pyarrow's own constructors, and no pandas."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest

from rmjob.data.arrays import int32s, int64s, integer, one_array, repeated, strings, text


def test_strings_hold_the_values_nulls_and_any_unicode() -> None:
    values = ["plain", None, "", "naïve \u3000 \U0001f600", None, "x" * 70_000]
    built = strings(values)
    assert built.type == pa.string()
    assert built.to_pylist() == values
    assert built.equals(pa.array(values, pa.string()))


def test_integers_scalars_and_repeats_match_pyarrows_own() -> None:
    assert int64s(range(-3, 4)).equals(pa.array(range(-3, 4), pa.int64()))
    assert int64s([]).equals(pa.array([], pa.int64()))
    assert int32s([0, 2**31 - 1, -(2**31)]).equals(pa.array([0, 2**31 - 1, -(2**31)], pa.int32()))
    with pytest.raises(OverflowError):
        int32s([2**31])
    assert text("tie") == pa.scalar("tie", pa.string())
    assert integer(0) == pa.scalar(0, pa.int64())
    assert repeated("user", 3).to_pylist() == ["user"] * 3


def test_a_conversion_never_imports_pandas(synthetic_dir: Path, tmp_path: Path) -> None:
    # pyarrow imports pandas (~0.3 s) the first time a plain Python value meets pyarrow.array,
    # pyarrow.scalar or a compute function; a fresh interpreter shows whether any path still does.
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from rmjob.data.convert import ConvertOptions, convert
        for mode in ("pointwise", "pairwise"):
            convert(ConvertOptions(mode=mode, src=Path({str(synthetic_dir)!r}), out=Path({str(tmp_path)!r})))
        print("pandas" in sys.modules)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_one_array_keeps_a_single_chunk_and_joins_several() -> None:
    chunk = pa.array(["a", "bc"])
    alone = one_array(pa.chunked_array([chunk]))
    assert alone.buffers()[2].address == chunk.buffers()[2].address  # no copy
    assert one_array(pa.chunked_array([chunk, chunk])).to_pylist() == ["a", "bc", "a", "bc"]
    assert one_array(pa.chunked_array([], pa.string())).to_pylist() == []
    assert one_array(chunk) is chunk
