"""RM-Bench scoring on hand-built judgments whose matrices are known."""

from __future__ import annotations

import pytest

from rmjob.errors import UserError
from rmjob.eval import rmbench
from rmjob.eval.rmbench import CELLS, Comparison, Item


def item(id_: str, domain: str) -> Item:
    return Item(id_, "q", ("c0", "c1", "c2"), ("r0", "r1", "r2"), domain)


def verdict_for(c: Comparison, prefers_chosen: bool) -> str:
    chosen_slot = "B" if c.swapped else "A"
    return chosen_slot if prefers_chosen else {"A": "B", "B": "A"}[chosen_slot]


def test_a_judge_that_always_prefers_chosen_scores_one_everywhere():
    items = [item("1", "chat"), item("2", "code"), item("3", "math"), item("4", "safety-refuse")]
    verdicts = {c: verdict_for(c, True) for c in rmbench.comparisons(items)}
    report = rmbench.score(items, verdicts)
    assert report["n"] == 72 and report["missing"] == 0
    assert (
        report["total"] == report["easy"] == report["normal"] == report["hard"] == report["accuracy"] == 1.0
    )
    assert report["parse_rate"] == 1.0 and report["position_consistency"] == 1.0
    assert sorted(report["domains"]) == ["chat", "code", "math", "safety"]


def test_a_judge_that_always_says_a_gets_half_and_is_never_position_consistent():
    items = [item("1", "chat")]
    report = rmbench.score(items, {c: "A" for c in rmbench.comparisons(items)})
    assert report["domains"]["chat"]["matrix"] == [[0.5] * 3] * 3
    assert report["total"] == 0.5 and report["position_consistency"] == 0.0


def test_hard_normal_easy_are_the_upper_diagonal_and_lower_cells():
    items = [item("1", "chat")]
    # Right only where chosen style i > rejected style j (the easy cells).
    verdicts = {c: verdict_for(c, c.chosen > c.rejected) for c in rmbench.comparisons(items)}
    chat = rmbench.score(items, verdicts)["domains"]["chat"]
    assert chat["matrix"] == [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]
    assert (chat["easy"], chat["normal"], chat["hard"]) == (1.0, 0.0, 0.0)
    assert chat["total"] == pytest.approx(3 / 9)


def test_ties_and_unparsable_outputs_score_zero_and_are_counted():
    items = [item("1", "math")]
    verdicts: dict[Comparison, str | None] = {}
    for c in rmbench.comparisons(items):
        if (c.chosen, c.rejected) == (0, 0):
            verdicts[c] = "tie"
        elif (c.chosen, c.rejected) == (1, 1):
            verdicts[c] = None
        else:
            verdicts[c] = verdict_for(c, True)
    report = rmbench.score(items, verdicts)
    matrix = report["domains"]["math"]["matrix"]
    assert matrix[0][0] == 0.0 and matrix[1][1] == 0.0 and matrix[2][2] == 1.0
    assert report["domains"]["math"]["normal"] == pytest.approx(1 / 3)
    assert report["tie_rate"] == pytest.approx(2 / 18)
    assert report["parse_rate"] == pytest.approx(16 / 18)
    # tie/tie is consistent, unparsable/unparsable is not: 8 of 9 cells.
    assert report["position_consistency"] == pytest.approx(8 / 9)


def test_one_order_missing_is_counted_and_the_cell_is_the_mean_of_what_was_judged():
    items = [item("1", "chat")]
    verdicts = {c: verdict_for(c, not c.swapped) for c in rmbench.comparisons(items)}
    del verdicts[Comparison("1", 0, 2, True)]  # the cell keeps its one right judgment
    report = rmbench.score(items, verdicts)
    matrix = report["domains"]["chat"]["matrix"]
    assert matrix[0][2] == 1.0 and matrix[0][1] == 0.5
    assert report["missing"] == 1 and report["n"] == 17
    assert report["position_consistency"] == 0.0  # the 8 pairs in both orders disagree


def test_overall_is_the_mean_over_core_domains_and_safety_subsets_pool():
    items = [item("1", "chat"), item("2", "safety-refuse"), item("3", "safety-response")]
    verdicts = {c: verdict_for(c, c.id != "3" or c.swapped is False) for c in rmbench.comparisons(items)}
    report = rmbench.score(items, verdicts)
    assert report["domains"]["safety"]["total"] == pytest.approx(0.75)  # item 3 right half the time
    assert report["total"] == pytest.approx((1.0 + 0.75) / 2)
    assert report["core_domains"] == ["chat", "safety"]


def test_a_domain_outside_the_core_is_reported_but_not_in_the_overall_figures():
    items = [item("1", "chat"), item("2", "poetry")]
    verdicts = {c: verdict_for(c, c.id == "1") for c in rmbench.comparisons(items)}
    report = rmbench.score(items, verdicts)
    assert report["domains"]["poetry"]["total"] == 0.0 and report["total"] == 1.0


def test_an_empty_cell_is_none_and_left_out_of_the_means():
    items = [item("1", "chat")]
    verdicts = {
        c: verdict_for(c, True) for c in rmbench.comparisons(items) if (c.chosen, c.rejected) != (2, 0)
    }
    chat = rmbench.score(items, verdicts)["domains"]["chat"]
    assert chat["matrix"][2][0] is None and chat["easy"] == 1.0


def test_each_item_makes_18_comparisons_with_chosen_shown_as_a_unless_swapped():
    it = item("x", "chat")
    comps = rmbench.comparisons([it])
    assert len(comps) == 18 and len(CELLS) == 9
    assert Comparison("x", 2, 1, False).responses(it) == ("c2", "r1")
    assert Comparison("x", 2, 1, True).responses(it) == ("r1", "c2")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            {"id": 1, "prompt": "p", "chosen": ["a", "b"], "rejected": ["a", "b", "c"], "domain": "chat"},
            "3 response",
        ),
        (
            {"id": 1, "prompt": "p", "chosen": ["a", "b", "c"], "rejected": "abc", "domain": "chat"},
            "'rejected'",
        ),
        ({"id": 1, "prompt": "p", "chosen": ["a", "b", "c"], "domain": "chat"}, "lacks rejected"),
    ],
)
def test_rows_without_three_styles_are_refused_with_their_location(row, message):
    with pytest.raises(UserError, match=message) as err:
        rmbench.parse_items([("data.json[4]", row)])
    assert str(err.value).startswith("data.json[4]")


def test_repeated_ids_are_refused():
    row = {"id": 1, "prompt": "p", "chosen": ["a", "b", "c"], "rejected": ["a", "b", "c"], "domain": "chat"}
    with pytest.raises(UserError, match="repeats"):
        rmbench.parse_items([("f[0]", row), ("f[1]", row)])
