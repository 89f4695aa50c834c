"""HelpSteer2 pointwise and pairwise scoring on hand-built predictions."""

from __future__ import annotations

import pytest

from rmjob.eval.helpsteer2 import PairwiseItem, PointwiseItem, score_pairwise, score_pointwise


def test_pointwise_exact_within_one_mae_and_parse_rate():
    items = [PointwiseItem(i, t) for i, t in enumerate([4, 3, 2, 0])]
    report = score_pointwise(items, {0: 4, 1: 2, 2: None, 3: 4})
    assert report["n"] == 4 and report["missing"] == 0
    assert report["accuracy"] == pytest.approx(1 / 4)
    assert report["within_1"] == pytest.approx(2 / 4)
    assert report["parse_rate"] == pytest.approx(3 / 4)
    # The unparsable row counts as the largest error, 4, as in the training reward.
    assert report["mae"] == pytest.approx((0 + 1 + 4 + 4) / 4)
    assert report["mae_parsed"] == pytest.approx((0 + 1 + 4) / 3)


def test_pointwise_confusion_has_truth_rows_and_an_unparsed_column():
    items = [PointwiseItem(0, 3), PointwiseItem(1, 3)]
    confusion = score_pointwise(items, {0: 1, 1: None})["confusion"]
    assert confusion["columns"][-1] == "unparsed"
    assert confusion["counts"][3] == [0, 1, 0, 0, 0, 1]
    assert sum(map(sum, confusion["counts"])) == 2


def test_pointwise_rows_without_a_judgment_are_missing_not_wrong():
    items = [PointwiseItem(0, 2), PointwiseItem(1, 2)]
    report = score_pointwise(items, {0: 2})
    assert report["accuracy"] == 1.0 and report["missing"] == 1 and report["n"] == 1


def pair_items() -> list[PairwiseItem]:
    # pair p: response_1 better (A when not swapped); pair q: a tie.
    return [
        PairwiseItem(0, "A", "p", False),
        PairwiseItem(1, "B", "p", True),
        PairwiseItem(2, "tie", "q", False),
        PairwiseItem(3, "tie", "q", True),
    ]


def test_pairwise_accuracy_tie_rate_and_position_consistency():
    report = score_pairwise(pair_items(), {0: "A", 1: "B", 2: "tie", 3: "A"})
    assert report["accuracy"] == pytest.approx(3 / 4)
    assert report["tie_rate"] == pytest.approx(1 / 4)
    assert report["parse_rate"] == 1.0
    assert report["position_consistency"] == pytest.approx(1 / 2) and report["pairs_in_both_orders"] == 2


def test_pairwise_always_a_is_never_position_consistent_and_unparsed_is_wrong():
    report = score_pairwise(pair_items(), {0: "A", 1: "A", 2: None, 3: None})
    assert report["accuracy"] == pytest.approx(1 / 4)
    assert report["position_consistency"] == 0.0 and report["parse_rate"] == 0.5
    assert report["confusion"]["counts"][2] == [0, 0, 0, 2]


def test_pairwise_pairs_with_one_order_missing_leave_consistency_out():
    report = score_pairwise(pair_items(), {0: "A", 2: "tie", 3: "tie"})
    assert report["pairs_in_both_orders"] == 1 and report["position_consistency"] == 1.0
    assert report["missing"] == 1
