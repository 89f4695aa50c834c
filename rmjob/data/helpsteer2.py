"""HelpSteer2 rows: validation and the multi-turn prompt format.

HelpSteer2 flattens multi-turn prompts into one string,
``turn1\\n<extra_id_1>Assistant\\nreply1\\n<extra_id_1>User\\nturn2``; ``parse_conversation`` turns that
back into chat messages. Each ``*_row`` function returns a clean row or raises ``BadRow`` with a
short reason (the key the conversion summary counts) and a detail for ``--strict``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

TURN_MARK = "<extra_id_1>"  # in every flattened multi-turn prompt; a prompt without it is one user turn
TURN_LABELS = {"user": "User", "assistant": "Assistant"}  # role -> the label after the mark
# The newlines around a separator need no pattern of their own: every part is stripped. A literal
# start lets the regex engine jump between separators (about 10x faster on long prompts).
SEPARATOR = re.compile(f"{re.escape(TURN_MARK)}({'|'.join(TURN_LABELS.values())})")
ATTRIBUTES = ("helpfulness", "correctness", "coherence", "complexity", "verbosity")
SCORE_MIN, SCORE_MAX = 0, 4
STRENGTH_MIN, STRENGTH_MAX = -3, 3
TRAIN_SPLITS = {"train"}
TEST_SPLITS = {"val", "validation", "test"}

Message = dict[str, str]


class BadRow(Exception):
    """A row the converter cannot use; ``reason`` is the summary key."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class PointwiseRow:
    prompt: str
    conversation: list[Message]
    response: str
    attributes: dict[str, int | None]

    @property
    def helpfulness(self) -> int:
        value = self.attributes["helpfulness"]
        assert value is not None  # validated in pointwise_row
        return value


@dataclass(frozen=True)
class PairRow:
    prompt: str
    conversation: list[Message]
    response_1: str
    response_2: str
    strength: int
    split: str | None  # "train" / "test" from the file's split column, when it has a known value


def parse_conversation(prompt: str) -> list[Message]:
    """Chat messages from a flattened prompt; it must alternate user/assistant and end on a user turn."""
    parts = SEPARATOR.split(prompt) if TURN_MARK in prompt else [prompt]
    messages: list[Message] = [{"role": "user", "content": parts[0].strip()}]
    for label, content in zip(parts[1::2], parts[2::2], strict=True):
        messages.append({"role": label.lower(), "content": content.strip()})
    for position, message in enumerate(messages):
        expected = "user" if position % 2 == 0 else "assistant"
        if message["role"] != expected:
            raise BadRow("bad_conversation", f"turn {position + 1} is {message['role']}, expected {expected}")
        if not message["content"]:
            reason = "empty_prompt" if position == 0 and len(messages) == 1 else "bad_conversation"
            raise BadRow(reason, f"turn {position + 1} ({message['role']}) is empty")
    if messages[-1]["role"] != "user":
        raise BadRow("bad_conversation", "the prompt ends with an assistant turn, not a user turn")
    return messages


def _text(record: Mapping[str, Any], column: str, empty_reason: str) -> str:
    if column not in record or record[column] is None:
        raise BadRow("missing_column", f"no {column!r}")
    value = record[column]
    if not isinstance(value, str):
        raise BadRow("missing_column", f"{column!r} is {type(value).__name__}, not text")
    if not value.strip():
        raise BadRow(empty_reason, f"{column!r} is empty")
    return value


def _integer(record: Mapping[str, Any], column: str, low: int, high: int, kind: str) -> int:
    if column not in record or record[column] is None:
        raise BadRow("missing_column", f"no {column!r}")
    value = record[column]
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRow(f"{kind}_not_integer", f"{column!r} is {value!r}")
    if not low <= value <= high:
        raise BadRow(f"{kind}_out_of_range", f"{column!r} is {value}, outside {low}..{high}")
    return value


def pointwise_row(record: Mapping[str, Any]) -> PointwiseRow:
    """A (prompt, response) row labelled with helpfulness; the other attributes are optional."""
    prompt = _text(record, "prompt", "empty_prompt")
    response = _text(record, "response", "empty_response")
    attributes: dict[str, int | None] = {
        "helpfulness": _integer(record, "helpfulness", SCORE_MIN, SCORE_MAX, "score")
    }
    for name in ATTRIBUTES[1:]:
        present = record.get(name) is not None
        attributes[name] = _integer(record, name, SCORE_MIN, SCORE_MAX, "score") if present else None
    return PointwiseRow(prompt.strip(), parse_conversation(prompt), response.strip(), attributes)


def pair_row(record: Mapping[str, Any], *, need_split: bool) -> PairRow:
    """A preference row; negative ``preference_strength`` means ``response_1`` is better."""
    prompt = _text(record, "prompt", "empty_prompt")
    response_1 = _text(record, "response_1", "empty_response")
    response_2 = _text(record, "response_2", "empty_response")
    strength = _integer(record, "preference_strength", STRENGTH_MIN, STRENGTH_MAX, "strength")
    split = pair_split(record.get("split"), required=need_split)
    return PairRow(
        prompt.strip(), parse_conversation(prompt), response_1.strip(), response_2.strip(), strength, split
    )


def pair_split(raw: Any, *, required: bool) -> str | None:
    """``train``/``test`` from the preference file's split column; only an error when it is required."""
    name = str(raw).strip().lower() if raw is not None else ""
    if name in TRAIN_SPLITS:
        return "train"
    if name in TEST_SPLITS:
        return "test"
    if not required:
        return None
    if raw is None:
        raise BadRow("missing_column", "no 'split' (needed by --split official)")
    raise BadRow("bad_split", f"'split' is {raw!r}, expected train or val")
