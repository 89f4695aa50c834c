"""Conversations column-wise: the kernels give what parse_conversation and render_conversation give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rmjob.data.arrays import strings
from rmjob.data.conversations import _with_kernels, conversation_columns
from rmjob.data.helpsteer2 import TURN_MARK, BadRow, parse_conversation
from rmjob.train.templates import render_conversation

# Pieces that make turn marks, labels (and near misses), Python-only whitespace and Unicode.
PIECES = [
    TURN_MARK,
    "User",
    "Assistant",
    "user",
    "Assist",
    "<extra_id_1",
    "\n",
    " ",
    "\u3000",
    "\x1c",
    "x",
    "é✓",
]
TEXT = st.text(alphabet=st.sampled_from("ab é✓\n\u3000\x1c<>_1"), min_size=1, max_size=12)


def python_columns(prompts: list[str]) -> tuple[list[object], list[str]]:
    conversations = [parse_conversation(prompt) for prompt in prompts]
    return conversations, [render_conversation(c) for c in conversations]


@st.composite
def flattened_conversations(draw: st.DrawFn) -> str:
    """A prompt as HelpSteer2 flattens a conversation: user turn, then (assistant, user) pairs."""
    turns = draw(st.lists(TEXT.filter(lambda t: t.strip() and TURN_MARK not in t), min_size=0, max_size=6))
    prompt = draw(TEXT.filter(lambda t: t.strip() and TURN_MARK not in t))
    for index, turn in enumerate(turns + ([] if len(turns) % 2 == 0 else ["last question"])):
        label = "Assistant" if index % 2 == 0 else "User"
        prompt += f"\n{TURN_MARK}{label}\n{turn}"
    return prompt.strip()


@settings(max_examples=300, deadline=None)
@given(st.lists(flattened_conversations(), min_size=1, max_size=5))
def test_well_formed_conversations_take_the_kernels_and_match_python(prompts: list[str]) -> None:
    made = _with_kernels(strings(prompts))
    assert made is not None
    messages, rendered = made
    assert (messages.to_pylist(), rendered.to_pylist()) == python_columns(prompts)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map("".join))
def test_the_kernels_never_accept_what_python_rejects_nor_disagree(pieces: str) -> None:
    prompt = pieces.strip()
    if not prompt:
        return  # block_prompts rejects an empty prompt before conversations are made
    made = _with_kernels(strings([prompt]))
    try:
        expected = python_columns([prompt])
    except BadRow:
        assert made is None
        return
    if made is not None:
        assert (made[0].to_pylist(), made[1].to_pylist()) == expected


def test_a_column_the_kernels_decline_is_made_in_python_with_the_same_arrays() -> None:
    turns = f"Hi\n{TURN_MARK}Assistant\nHello\n{TURN_MARK}User\nA joke?"
    prompts = [turns, "plain", f"a literal {TURN_MARK} with no label after it"]
    assert _with_kernels(strings(prompts)) is None
    assert _with_kernels(strings(prompts[:2])) is not None
    messages, rendered = conversation_columns(strings(prompts))
    assert (messages.to_pylist(), rendered.to_pylist()) == python_columns(prompts)
    # The same types either way, so the parquet schema never depends on the path taken.
    kernel_messages, kernel_rendered = conversation_columns(strings(prompts[:2]))
    assert (kernel_messages.type, kernel_rendered.type) == (messages.type, rendered.type)


def test_a_bad_conversation_is_named_by_parse_conversation() -> None:
    with pytest.raises(BadRow) as bad:
        conversation_columns(strings(["ok", f"Hi\n{TURN_MARK}User\nagain"]))
    assert bad.value.reason == "bad_conversation"
