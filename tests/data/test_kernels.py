"""Kernels called by name give what pyarrow.compute's own wrappers give, defaults included."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from rmjob.data.kernels import (
    WHITESPACE,
    call,
    cast,
    contains_at_start,
    count_true,
    has_empty,
    is_in,
    keep,
    split_at,
    stripped,
    take,
)

WORDS = pa.array(["  a ", "b", None, "a\u3000", "c<x>"])
MASK = pa.array([True, False, None, True, False])


def test_named_calls_match_the_wrappers() -> None:
    assert take(WORDS, pa.array([4, 0, 0])).equals(pc.take(WORDS, pa.array([4, 0, 0])))
    table = pa.table({"w": WORDS})
    assert keep(table, MASK).equals(table.filter(MASK))  # a null in the mask drops the row
    assert keep(WORDS, MASK).equals(WORDS.filter(MASK))
    assert stripped(WORDS).equals(pc.utf8_trim(WORDS, WHITESPACE))
    assert contains_at_start(WORDS, "c<").equals(pc.starts_with(WORDS, "c<"))
    assert split_at(WORDS, "<x>").equals(pc.split_pattern(WORDS, "<x>"))  # a literal
    assert split_at(WORDS, "[<>]", regex=True).equals(pc.split_pattern_regex(WORDS, "[<>]"))
    assert is_in(WORDS, pa.array(["b", "c<x>"])).equals(pc.is_in(WORDS, value_set=pa.array(["b", "c<x>"])))
    assert call("min_max", pa.array([3, 1, 2])).as_py() == {"min": 1, "max": 3}


def test_count_true_skips_nulls_and_counts_nothing_as_zero() -> None:
    assert count_true(MASK) == 2
    assert count_true(pa.array([], pa.bool_())) == 0
    assert count_true(pa.array([None], pa.bool_())) == 0


def test_has_empty_finds_an_empty_string_and_not_in_an_empty_array() -> None:
    assert has_empty(pa.array(["a", "", "b"])) and not has_empty(pa.array(["a", " "]))
    assert not has_empty(pa.array([], pa.string()))


def test_cast_is_safe_as_pyarrows_default() -> None:
    assert cast(pa.array([1, 2]), pa.int8()).equals(pc.cast(pa.array([1, 2]), pa.int8()))
    assert cast(pa.chunked_array([["x"]]), pa.binary()).equals(pa.chunked_array([[b"x"]]))
    with pytest.raises(pa.ArrowInvalid):
        cast(pa.array([300]), pa.int8())
