"""Train/test assignment grouped by prompt.

A prompt's split is a pure function of (seed, prompt text): a keyed hash mapped to [0, 1) and compared
with the train ratio. Every response and pair of one prompt lands in the same split whatever the input
order, and the pointwise and pairwise files of one seed agree on which prompts are held out. The
ratio is a share of prompts, so the share of samples follows it closely but not exactly.
"""

from __future__ import annotations

from collections.abc import Callable

from rmjob.errors import UserError

try:
    # hashlib's own blake2b (Lib/hashlib.py imports it from here), without the OpenSSL bindings that
    # importing hashlib loads for its other hashes: 7 ms of a 0.45 s conversion.
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

SplitRule = Callable[[bytes], str]  # a prompt's UTF-8 bytes -> "train" / "test"


def prompt_id(prompt: str | bytes) -> str:
    """A short stable id for a prompt text (or its UTF-8 bytes), shared by both modes (kept in
    ``extra_info``)."""
    data = prompt.encode() if isinstance(prompt, str) else prompt
    return blake2b(data, digest_size=8).hexdigest()


def check_ratio(train_ratio: float) -> float:
    if not 0.0 < train_ratio < 1.0:
        raise UserError(f"--train-ratio {train_ratio} must be between 0 and 1 (exclusive), e.g. 0.8")
    return train_ratio


def split_of(prompt: str, seed: int, train_ratio: float) -> str:
    return split_rule(seed, train_ratio)(prompt.encode())


def split_rule(seed: int, train_ratio: float) -> SplitRule:
    """``split_of`` for one seed and ratio, on prompts already encoded (the converter's hot path)."""
    key = str(seed).encode()

    def split(prompt: bytes) -> str:
        digest = blake2b(prompt, digest_size=8, key=key).digest()
        return "train" if int.from_bytes(digest, "big") / 2**64 < train_ratio else "test"

    return split
