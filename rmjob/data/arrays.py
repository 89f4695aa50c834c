"""Arrow arrays and scalars made from Python values straight from buffers.

``pyarrow.array`` and ``pyarrow.scalar`` (and every compute call given a plain Python value) first
ask whether the value is a pandas object, and that question imports pandas: about 0.3 s, a sixth
of a whole conversion, for a library the converter never uses. These builders lay the values into
Arrow buffers themselves, so the question is never asked (a test pins that pandas stays unimported).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import accumulate
from typing import Any


def strings(values: Sequence[str | None]) -> Any:
    """A ``string`` array of the values, ``None`` as null."""
    import pyarrow as pa

    encoded = [b"" if value is None else value.encode() for value in values]
    # 32-bit offsets, as the string type has: past 2 GiB in one array this raises OverflowError.
    offsets = array("i", [0])
    offsets.extend(accumulate(map(len, encoded)))
    validity = None
    if any(value is None for value in values):
        bits = bytearray((len(values) + 7) // 8)  # Arrow's validity bitmap: bit i set = value i present
        for i, value in enumerate(values):
            if value is not None:
                bits[i >> 3] |= 1 << (i & 7)
        validity = pa.py_buffer(bits)
    buffers = [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    return pa.Array.from_buffers(pa.string(), len(encoded), buffers)


def int64s(values: Iterable[int]) -> Any:
    import pyarrow as pa

    return _from_packed(pa.int64(), array("q", values))


def int32s(values: Iterable[int]) -> Any:
    """An ``int32`` array (list offsets): past 2**31 - 1 this raises OverflowError."""
    import pyarrow as pa

    return _from_packed(pa.int32(), array("i", values))  # a C int: 32 bits wherever CPython runs


def _from_packed(arrow_type: Any, packed: array[int]) -> Any:
    assert packed.itemsize * 8 == arrow_type.bit_width
    import pyarrow as pa

    return pa.Array.from_buffers(arrow_type, len(packed), [None, pa.py_buffer(packed)])


@cache
def text(value: str) -> Any:
    """A ``string`` scalar, for compute calls (a plain ``str`` there would ask about pandas)."""
    return strings([value])[0]


@cache
def integer(value: int) -> Any:
    return int64s([value])[0]


def one_array(column: Any) -> Any:
    """A column as one array: the chunk itself when there is one (``combine_chunks`` copies even
    that), the chunks joined otherwise."""
    import pyarrow as pa

    if not isinstance(column, pa.ChunkedArray):
        return column
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def repeated(value: str, count: int) -> Any:
    """``count`` times the same string."""
    import pyarrow as pa

    return pa.repeat(text(value), count)
