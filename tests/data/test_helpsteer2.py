from __future__ import annotations

from typing import Any

import pytest

from rmjob.data.helpsteer2 import BadRow, pair_row, parse_conversation, pointwise_row
from tests.data.conftest import pair, rating


def test_multi_turn_prompt_becomes_alternating_messages() -> None:
    flat = "Hi there\n<extra_id_1>Assistant\nHello! How can I help?\n<extra_id_1>User\nTell me a joke"
    assert parse_conversation(flat) == [
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": "Hello! How can I help?"},
        {"role": "user", "content": "Tell me a joke"},
    ]


def test_single_turn_prompt_is_one_user_message() -> None:
    assert parse_conversation("  Just one question?  ") == [{"role": "user", "content": "Just one question?"}]


@pytest.mark.parametrize(
    "flat",
    [
        "Hi\n<extra_id_1>User\nagain",  # two user turns in a row
        "Hi\n<extra_id_1>Assistant\nHello",  # ends on the assistant
        "Hi\n<extra_id_1>Assistant\n\n<extra_id_1>User\nmore",  # empty assistant turn
    ],
)
def test_malformed_conversations_are_bad_rows(flat: str) -> None:
    with pytest.raises(BadRow) as bad:
        parse_conversation(flat)
    assert bad.value.reason == "bad_conversation"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"response": "r", "helpfulness": 3}, "missing_column"),
        (rating(helpfulness=None), "missing_column"),
        (rating(prompt=7), "missing_column"),
        (rating(prompt="   "), "empty_prompt"),
        (rating(response=""), "empty_response"),
        (rating(helpfulness=5), "score_out_of_range"),
        (rating(helpfulness=-1), "score_out_of_range"),
        (rating(helpfulness=3.5), "score_not_integer"),
        (rating(helpfulness="3"), "score_not_integer"),
        (rating(helpfulness=True), "score_not_integer"),
        (rating(verbosity=9), "score_out_of_range"),
    ],
)
def test_bad_pointwise_rows_name_their_reason(record: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadRow) as bad:
        pointwise_row(record)
    assert bad.value.reason == reason


def test_pointwise_row_keeps_all_five_attributes_and_tolerates_missing_extras() -> None:
    row = pointwise_row(rating(correctness=1))
    assert row.helpfulness == 3
    assert row.attributes == {
        "helpfulness": 3,
        "correctness": 1,
        "coherence": 4,
        "complexity": 1,
        "verbosity": 2,
    }
    sparse = pointwise_row({"prompt": "p", "response": "r", "helpfulness": 0})
    assert sparse.attributes["verbosity"] is None


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        (pair(strength=1.5), "strength_not_integer"),
        (pair(strength="2"), "strength_not_integer"),
        (pair(strength=4), "strength_out_of_range"),
        (pair(prompt=""), "empty_prompt"),
        ({"prompt": "p", "response_1": "a", "preference_strength": 1}, "missing_column"),
    ],
)
def test_bad_pair_rows_name_their_reason(record: dict[str, Any], reason: str) -> None:
    with pytest.raises(BadRow) as bad:
        pair_row(record, need_split=False)
    assert bad.value.reason == reason


def test_pair_split_column_is_only_required_for_the_official_split() -> None:
    assert pair_row(pair(split="val"), need_split=True).split == "test"
    assert pair_row(pair(split="train"), need_split=True).split == "train"
    assert pair_row(pair(split="weird"), need_split=False).split is None
    with pytest.raises(BadRow) as bad:
        pair_row(pair(split="weird"), need_split=True)
    assert bad.value.reason == "bad_split"
