from __future__ import annotations

import gzip
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from rmjob.data.convert import ConvertOptions, convert
from rmjob.errors import UserError
from rmjob.modes import output_file_name
from tests.data.conftest import pair, rating, read_jsonl_gz, write_jsonl


def rows(out: Path, mode: str, split: str) -> list[dict[str, Any]]:
    return pq.read_table(out / output_file_name(mode, split)).to_pylist()  # type: ignore[arg-type]


def run(mode: str, src: Path, out: Path, **options: Any):
    return convert(ConvertOptions(mode=mode, src=src, out=out, **options))  # type: ignore[arg-type]


# -- pointwise ----------------------------------------------------------------------------------


def test_pointwise_writes_one_sample_per_response_grouped_by_prompt(
    synthetic_dir: Path, tmp_path: Path
) -> None:
    source = read_jsonl_gz(synthetic_dir / "train.jsonl.gz") + read_jsonl_gz(
        synthetic_dir / "validation.jsonl.gz"
    )
    summary = run("pointwise", synthetic_dir, tmp_path)

    train, test = rows(tmp_path, "pointwise", "train"), rows(tmp_path, "pointwise", "test")
    assert summary.rows_read == len(source)
    assert len(train) + len(test) == len(source) == sum(summary.samples.values())
    assert not summary.dropped
    train_prompts = {r["extra_info"]["prompt_id"] for r in train}
    test_prompts = {r["extra_info"]["prompt_id"] for r in test}
    assert train_prompts and test_prompts and not train_prompts & test_prompts
    assert summary.shared_prompts == 0
    assert 0.65 < len(train_prompts) / len(train_prompts | test_prompts) < 0.95  # ratio 0.8 of prompts
    assert [r["extra_info"]["index"] for r in train] == list(range(len(train)))


def test_pointwise_rows_follow_verl_format_and_keep_the_attributes(
    synthetic_dir: Path, tmp_path: Path
) -> None:
    source = read_jsonl_gz(synthetic_dir / "train.jsonl.gz")
    run("pointwise", synthetic_dir, tmp_path)
    by_line = {r["extra_info"]["source_line"]: r for r in rows(tmp_path, "pointwise", "train")}
    line, sample = next(
        (line, r) for line, r in by_line.items() if r["extra_info"]["source_file"] == "train.jsonl.gz"
    )
    original = source[line - 1]

    assert sample["data_source"] == "helpsteer2_pointwise"
    assert sample["reward_model"] == {"style": "rule", "ground_truth": str(original["helpfulness"])}
    assert [m["role"] for m in sample["prompt"]] == ["user"]
    assert original["response"].strip() in sample["prompt"][0]["content"]
    info = sample["extra_info"]
    assert info["response"] == original["response"].strip()
    for name in ("helpfulness", "correctness", "coherence", "complexity", "verbosity"):
        assert info[name] == original[name]


def test_multi_turn_prompts_are_rendered_as_a_conversation(synthetic_dir: Path, tmp_path: Path) -> None:
    run("pointwise", synthetic_dir, tmp_path)
    samples = rows(tmp_path, "pointwise", "train") + rows(tmp_path, "pointwise", "test")
    multi = [r for r in samples if len(r["extra_info"]["conversation"]) > 1]
    assert multi, "the synthetic sample has multi-turn prompts"
    for sample in multi:
        roles = [turn["role"] for turn in sample["extra_info"]["conversation"]]
        assert roles == ["user", "assistant"] * (len(roles) // 2) + ["user"]
        assert "<extra_id_1>" not in sample["prompt"][0]["content"]
        assert "[Assistant]\n" in sample["prompt"][0]["content"]


def test_official_pointwise_split_uses_the_train_and_validation_files(
    synthetic_dir: Path, tmp_path: Path
) -> None:
    summary = run("pointwise", synthetic_dir, tmp_path, split="official")
    assert summary.samples["train"] == len(read_jsonl_gz(synthetic_dir / "train.jsonl.gz"))
    assert summary.samples["test"] == len(read_jsonl_gz(synthetic_dir / "validation.jsonl.gz"))
    assert {r["extra_info"]["source_split"] for r in rows(tmp_path, "pointwise", "test")} == {"validation"}


def test_official_split_needs_the_directory_for_pointwise(synthetic_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--split official needs the HelpSteer2 directory"):
        run("pointwise", synthetic_dir / "train.jsonl.gz", tmp_path, split="official")


def test_the_split_depends_on_the_seed_only(synthetic_dir: Path, tmp_path: Path) -> None:
    def test_prompts(out: Path, seed: int) -> set[str]:
        run("pointwise", synthetic_dir, out, seed=seed)
        return {r["extra_info"]["prompt_id"] for r in rows(out, "pointwise", "test")}

    assert test_prompts(tmp_path / "a", 42) == test_prompts(tmp_path / "b", 42)
    assert test_prompts(tmp_path / "a", 42) != test_prompts(tmp_path / "c", 43)


# -- pairwise -----------------------------------------------------------------------------------


def test_each_pair_becomes_two_samples_in_both_orders_with_labels_flipped(
    synthetic_dir: Path, tmp_path: Path
) -> None:
    pairs = read_jsonl_gz(synthetic_dir / "preference" / "preference.jsonl.gz")
    summary = run("pairwise", synthetic_dir, tmp_path)

    train, test = rows(tmp_path, "pairwise", "train"), rows(tmp_path, "pairwise", "test")
    assert len(train) + len(test) == 2 * len(pairs)
    assert summary.ties_kept == sum(p["preference_strength"] == 0 for p in pairs) > 0
    flipped = {"A": "B", "B": "A", "tie": "tie"}
    for samples in (train, test):
        for first, second in zip(samples[::2], samples[1::2], strict=True):
            a, b = first["extra_info"], second["extra_info"]
            assert a["source_line"] == b["source_line"] and (a["swapped"], b["swapped"]) == (False, True)
            assert (a["response_a"], a["response_b"]) == (b["response_b"], b["response_a"])
            assert second["reward_model"]["ground_truth"] == flipped[first["reward_model"]["ground_truth"]]
    train_prompts = {r["extra_info"]["prompt_id"] for r in train}
    assert not train_prompts & {r["extra_info"]["prompt_id"] for r in test}


def test_negative_strength_means_response_1_is_better(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "pairs.jsonl",
        [pair(prompt=f"q{i}", strength=s) for i, s in enumerate([-3, -1, 0, 1, 3] * 20)],
    )
    run("pairwise", src, tmp_path / "out")
    samples = rows(tmp_path / "out", "pairwise", "train") + rows(tmp_path / "out", "pairwise", "test")
    unswapped = {
        (s["extra_info"]["preference_strength"], s["reward_model"]["ground_truth"])
        for s in samples
        if not s["extra_info"]["swapped"]
    }
    assert unswapped == {(-3, "A"), (-1, "A"), (0, "tie"), (1, "B"), (3, "B")}
    assert all(s["extra_info"]["response_a"] == "The sun." for s in samples if not s["extra_info"]["swapped"])


def test_dropping_ties_removes_both_samples_of_each_tie(synthetic_dir: Path, tmp_path: Path) -> None:
    pairs = read_jsonl_gz(synthetic_dir / "preference" / "preference.jsonl.gz")
    ties = sum(p["preference_strength"] == 0 for p in pairs)
    summary = run("pairwise", synthetic_dir, tmp_path, ties="drop")
    assert sum(summary.samples.values()) == 2 * (len(pairs) - ties)
    assert summary.ties_dropped == ties
    labels = {r["reward_model"]["ground_truth"] for r in rows(tmp_path, "pairwise", "train")}
    assert labels == {"A", "B"}


def test_official_pairwise_split_follows_the_split_column(synthetic_dir: Path, tmp_path: Path) -> None:
    pairs = read_jsonl_gz(synthetic_dir / "preference" / "preference.jsonl.gz")
    summary = run("pairwise", synthetic_dir, tmp_path, split="official")
    assert summary.samples["test"] == 2 * sum(p["split"] == "val" for p in pairs)
    assert {r["extra_info"]["source_split"] for r in rows(tmp_path, "pairwise", "test")} == {"test"}


# -- inputs -------------------------------------------------------------------------------------


def test_jsonl_jsonl_gz_and_parquet_inputs_convert_identically(synthetic_dir: Path, tmp_path: Path) -> None:
    import pyarrow as pa

    records = read_jsonl_gz(synthetic_dir / "train.jsonl.gz")
    inputs = {
        "gz": synthetic_dir / "train.jsonl.gz",
        "jsonl": write_jsonl(tmp_path / "in" / "train.jsonl", records),
        "parquet": tmp_path / "in" / "train.parquet",
    }
    pq.write_table(pa.Table.from_pylist(records), inputs["parquet"])
    results = {}
    for kind, src in inputs.items():
        run("pointwise", src, tmp_path / kind)
        results[kind] = [
            (r["prompt"], r["reward_model"], r["extra_info"]["split"])
            for r in rows(tmp_path / kind, "pointwise", "train")
        ]
    assert results["gz"] == results["jsonl"] == results["parquet"]


def test_bad_rows_are_counted_by_reason_and_the_rest_converted(tmp_path: Path) -> None:
    good = [rating(prompt=f"question {i}?") for i in range(40)]
    bad = [
        {"response": "no prompt", "helpfulness": 2},  # missing column
        rating(helpfulness=7),  # score out of range
        rating(prompt="  "),  # empty prompt
        '{"prompt": "cut off in the mid',  # corrupt line inside the gzip
        "[1, 2, 3]",  # JSON, but not an object
    ]
    src = write_jsonl(tmp_path / "train.jsonl.gz", good[:20] + bad + good[20:])
    summary = run("pointwise", src, tmp_path / "out")

    assert summary.rows_read == 45
    assert sum(summary.samples.values()) == 40
    assert summary.dropped == Counter(missing_column=1, score_out_of_range=1, empty_prompt=1, bad_json=2)
    report = "\n".join(summary.lines())
    assert "dropped 5 bad rows (bad_json 2, empty_prompt 1, missing_column 1, score_out_of_range 1)" in report


def test_non_integer_strength_is_counted(tmp_path: Path) -> None:
    src = write_jsonl(
        tmp_path / "p.jsonl", [pair(prompt=f"q{i}") for i in range(30)] + [pair(strength="strong")]
    )
    summary = run("pairwise", src, tmp_path / "out")
    assert summary.dropped == Counter(strength_not_integer=1)


def test_ties_are_counted_once_when_a_block_is_read_again_line_by_line(tmp_path: Path) -> None:
    rows = [pair(prompt=f"q{i}", strength=(i % 3) - 1) for i in range(30)]  # strength 0 every third
    rows[1] = pair(prompt="q1", strength=0, response_2="  ")  # an empty response: read line by line
    summary = run("pairwise", write_jsonl(tmp_path / "p.jsonl", rows), tmp_path / "out")
    assert summary.dropped == Counter(empty_response=1)
    assert summary.ties_kept == 9  # the tie with the empty response is dropped, not counted


def test_strict_stops_at_the_first_bad_row_with_its_place(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "train.jsonl", [rating(), rating(helpfulness=7), rating(prompt="")])
    with pytest.raises(UserError, match=r"train.jsonl:2: score_out_of_range: 'helpfulness' is 7"):
        run("pointwise", src, tmp_path / "out", strict=True)
    assert not (tmp_path / "out" / output_file_name("pointwise", "train")).exists()


def test_truncated_gzip_is_one_clear_error(synthetic_dir: Path, tmp_path: Path) -> None:
    data = (synthetic_dir / "train.jsonl.gz").read_bytes()
    cut = tmp_path / "train.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError, match="gzip stream is truncated or corrupt"):
        run("pointwise", cut, tmp_path / "out")


def test_a_failed_run_leaves_earlier_output_untouched(synthetic_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run("pointwise", synthetic_dir, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    src = write_jsonl(tmp_path / "one.jsonl", [rating()])  # one prompt: one split stays empty
    with pytest.raises(UserError, match="split would be empty"):
        run("pointwise", src, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.parametrize(
    ("src", "message"),
    [
        ("missing", "no such file or directory"),
        ("notes.txt", "unsupported file type"),
        ("empty-dir", "no train.jsonl.gz"),
    ],
)
def test_bad_sources_are_one_line_errors(tmp_path: Path, src: str, message: str) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty-dir").mkdir()
    with pytest.raises(UserError, match=message) as error:
        run("pointwise", tmp_path / src, tmp_path / "out")
    assert "\n" not in str(error.value)


def test_bad_ratio_is_refused(synthetic_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="--train-ratio 1.0 must be between 0 and 1"):
        run("pointwise", synthetic_dir, tmp_path, train_ratio=1.0)


def test_uncompressed_files_in_the_layout_are_found(synthetic_dir: Path, tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    shutil.copytree(synthetic_dir, layout)
    (layout / "preference" / "preference.jsonl.gz").rename(layout / "preference" / "preference.jsonl")
    with gzip.open(synthetic_dir / "preference" / "preference.jsonl.gz", "rb") as packed:
        (layout / "preference" / "preference.jsonl").write_bytes(packed.read())
    summary = run("pairwise", layout, tmp_path / "out")
    assert summary.inputs == [layout / "preference" / "preference.jsonl"]


def test_official_split_refuses_prompts_in_both_files_and_says_how_many(tmp_path: Path) -> None:
    src = tmp_path / "hs2"
    write_jsonl(src / "train.jsonl", [rating(prompt=f"q{i}") for i in range(10)])
    write_jsonl(src / "validation.jsonl", [rating(prompt=f"q{i}") for i in range(7, 12)])
    with pytest.raises(UserError, match=r"--split official: 3 prompts are in both .*--allow-shared-prompts"):
        run("pointwise", src, tmp_path / "out", split="official")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())

    summary = run("pointwise", src, tmp_path / "out", split="official", allow_shared_prompts=True)
    assert summary.shared_prompts == 3
