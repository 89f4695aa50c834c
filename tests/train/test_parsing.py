from __future__ import annotations

import pytest

from rmjob.train.parsing import final_answer, parse_preference, parse_score


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<score>3</score>", 3),
        ("Fine answer. <score> 4 </score>", 4),
        ("<score>\n0\n</score>", 0),
        ("<SCORE>2</SCORE>", 2),
        ("<think>maybe <score>1</score></think>The answer is <score>4</score>", 4),
        ("<think>it is <score>1</score></think>no tag after thinking", None),
        ("<score>1</score> on second thought <score>3</score>", 3),
        ("<think>long thinking cut off by the length limit <score>2</score>", None),
        ("<score>2</score> then <think>an unclosed second block", None),
        ("reasoning in the prompt's own block</think><score>2</score>", 2),
        ("no tag at all, I would say 3", None),
        ("<score>5</score>", None),
        ("<score>-1</score>", None),
        ("<score>3.5</score>", None),
        ("<score>three</score>", None),
        ("<score></score>", None),
        ("<score>٣</score>", None),
        ("<score>3", None),
    ],
)
def test_score_is_the_final_tag_after_thinking_and_in_range(text: str, expected: int | None) -> None:
    assert parse_score(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<preference>A</preference>", "A"),
        ("<preference>B</preference>", "B"),
        ("<preference>tie</preference>", "tie"),
        ("<preference> a </preference>", "A"),
        ("<preference>TIE</preference>", "tie"),
        ("<preference>\nb\n</preference>", "B"),
        ("<think>I lean <preference>A</preference></think><preference>B</preference>", "B"),
        ("<think>I lean <preference>A</preference></think>so B it is", None),
        ("<preference>A</preference> no wait <preference>B</preference>", "B"),
        ("Response A is worse than Response B.", None),
        ("<preference>Response A</preference>", None),
        ("<preference>A or B</preference>", None),
        ("<preference>C</preference>", None),
        ("<think>unfinished <preference>A</preference>", None),
    ],
)
def test_preference_is_the_final_tag_after_thinking(text: str, expected: str | None) -> None:
    assert parse_preference(text) == expected


def test_final_answer_is_text_after_the_last_closing_think() -> None:
    assert final_answer("<think>a</think>b<think>c</think>d") == "d"
    assert final_answer("plain") == "plain"
    assert final_answer("<think>open") is None
