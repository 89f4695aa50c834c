"""Prompt ids and the prompt-grouped split: fixed values, since data converted before must keep them."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from rmjob.data.split import prompt_id, split_of, split_rule


def test_ids_and_splits_keep_their_published_values() -> None:
    assert prompt_id("What is 2+2?") == "94cdebb5af9fb531"
    assert prompt_id("Ünïcødé") == "2ce0a1fcf0dba662"
    # Keyed by the seed, the hash's first 8 bytes as a fraction: a 0.23, b 0.84, c 0.93.
    assert [split_of(p, 42, 0.8) for p in ("a", "b", "c")] == ["train", "test", "test"]
    assert [split_of(p, 42, 0.9) for p in ("a", "b", "c")] == ["train", "train", "test"]


@given(st.text(), st.integers(0, 2**32), st.floats(0.01, 0.99))
def test_they_are_blake2b_of_the_utf8_text(prompt: str, seed: int, ratio: float) -> None:
    data = prompt.encode()
    assert prompt_id(prompt) == prompt_id(data) == hashlib.blake2b(data, digest_size=8).hexdigest()
    keyed = hashlib.blake2b(data, digest_size=8, key=str(seed).encode()).digest()
    expected = "train" if int.from_bytes(keyed, "big") / 2**64 < ratio else "test"
    assert split_rule(seed, ratio)(data) == split_of(prompt, seed, ratio) == expected
