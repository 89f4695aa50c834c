from __future__ import annotations

import math

import pytest

from rmjob.modes import PAIRWISE, POINTWISE
from rmjob.train.rewards import compute_score


@pytest.mark.parametrize(("error", "reward"), [(0, 1.0), (1, 0.607), (2, 0.368), (3, 0.223), (4, 0.135)])
def test_pointwise_reward_follows_the_seed_table(error: int, reward: float) -> None:
    result = compute_score(POINTWISE, f"<score>{4 - error}</score>", "4")
    assert result["score"] == pytest.approx(reward, abs=5e-4)
    assert result["score"] == pytest.approx(math.exp(-2 * error / 4))
    assert result["abs_error"] == error
    assert result["acc"] == float(error == 0)
    assert result["parsed"] == 1.0


def test_pointwise_parse_failure_earns_nothing_and_counts_as_the_largest_error() -> None:
    assert compute_score(POINTWISE, "I'd give it a 3", 3) == {
        "score": 0.0,
        "acc": 0.0,
        "parsed": 0.0,
        "abs_error": 4.0,
    }


def test_pointwise_accepts_integer_and_string_ground_truth() -> None:
    assert compute_score(POINTWISE, "<score>2</score>", 2)["acc"] == 1.0
    assert compute_score(POINTWISE, "<score>2</score>", " 2 ")["acc"] == 1.0


@pytest.mark.parametrize(
    ("response", "truth", "score", "parsed"),
    [
        ("<preference>A</preference>", "A", 1.0, 1.0),
        ("<preference>b</preference>", "B", 1.0, 1.0),
        ("<preference>tie</preference>", "tie", 1.0, 1.0),
        ("<preference>A</preference>", "B", 0.0, 1.0),
        ("<preference>tie</preference>", "A", 0.0, 1.0),
        ("Response A is worse than Response B", "B", 0.0, 0.0),
    ],
)
def test_pairwise_reward_is_one_for_the_right_verdict(
    response: str, truth: str, score: float, parsed: float
) -> None:
    assert compute_score(PAIRWISE, response, truth) == {"score": score, "acc": score, "parsed": parsed}


@pytest.mark.parametrize(
    "responses",
    [
        ["<score>4</score>", "nonsense", "<think><score>1</score></think>", "<score>9</score>"],
    ],
)
def test_every_pointwise_sample_returns_the_same_keys(responses: list[str]) -> None:
    keys = {frozenset(compute_score(POINTWISE, r, "3")) for r in responses}
    assert keys == {frozenset({"score", "acc", "parsed", "abs_error"})}


def test_every_pairwise_sample_returns_the_same_keys() -> None:
    keys = {frozenset(compute_score(PAIRWISE, r, "A")) for r in ["<preference>A</preference>", "", "B"]}
    assert keys == {frozenset({"score", "acc", "parsed"})}


@pytest.mark.parametrize(("source", "truth"), [(POINTWISE, "5"), (POINTWISE, "2.5"), (PAIRWISE, "C")])
def test_a_bad_label_is_a_data_error(source: str, truth: str) -> None:
    with pytest.raises(ValueError, match="ground_truth"):
        compute_score(source, "<score>1</score>", truth)


def test_an_unknown_data_source_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown data_source 'gsm8k'"):
        compute_score("gsm8k", "42", "42")


# The rm-kit column of the README's "What scores what" table (labels: pointwise 2, pairwise B or tie).
@pytest.mark.parametrize(
    ("source", "label", "answer", "reward"),
    [
        (POINTWISE, "2", "<reason>Good but thin.</reason><score>2</score>", 1.0),
        (POINTWISE, "2", "<think>hmm</think><score>2</score>", 1.0),
        (POINTWISE, "2", "<think>cut off by the length limit <score>2</score>", 0.0),
        (POINTWISE, "2", "<score>1</score> on reflection <score>2</score>", 1.0),
        (POINTWISE, "2", "<score>7</score>", 0.0),
        (POINTWISE, "0", "<score>-1</score>", 0.0),
        (POINTWISE, "2", "<score>2.5</score>", 0.0),
        (PAIRWISE, "B", "<reason>B is right.</reason><preference>B</preference>", 1.0),
        (PAIRWISE, "B", "<think>cut off <preference>B</preference>", 0.0),
        (PAIRWISE, "B", "<preference>Response B</preference>", 0.0),
        (PAIRWISE, "tie", "<preference>equal</preference>", 0.0),
        (PAIRWISE, "tie", "<preference>same</preference>", 0.0),
        (PAIRWISE, "B", "I compared them.\nResponse B is better.", 0.0),
        (PAIRWISE, "tie", "Both list the properties.", 0.0),
        (PAIRWISE, "B", "<preference>A</preference> no, <preference>B</preference>", 1.0),
    ],
)
def test_the_readme_scoring_table_holds_for_rm_kit(
    source: str, label: str, answer: str, reward: float
) -> None:
    assert compute_score(source, answer, label)["score"] == reward
