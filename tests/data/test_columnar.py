"""The fast path (a whole block through Arrow) against the line-by-line path it falls back to."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from rmjob.data import convert as convert_module
from rmjob.data.columnar import NotClean
from rmjob.data.convert import ConvertOptions, convert
from rmjob.data.kernels import WHITESPACE
from rmjob.data.samples import STORED_PROMPT_THINKING
from rmjob.modes import DATA_SOURCES, output_file_name
from rmjob.train.templates import template_for
from tests.data.conftest import pair, rating, write_jsonl


def converted(mode: str, src: Path, out: Path, **options: Any) -> dict[str, list[dict[str, Any]]]:
    convert(ConvertOptions(mode=mode, src=src, out=out, **options))  # type: ignore[arg-type]
    return {
        split: pq.read_table(out / output_file_name(mode, split)).to_pylist()  # type: ignore[arg-type]
        for split in ("train", "test")
    }


def line_by_line_only(block: Any, mode: str, *, need_split: bool) -> Any:
    raise NotClean("the reference run reads every block line by line")


@pytest.mark.parametrize(("mode", "split"), [("pointwise", "random"), ("pairwise", "official")])
def test_fast_and_line_by_line_paths_write_the_same_rows(
    synthetic_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, split: str
) -> None:
    fast = converted(mode, synthetic_dir, tmp_path / "fast", split=split)
    monkeypatch.setattr(convert_module, "clean_block", line_by_line_only)
    assert converted(mode, synthetic_dir, tmp_path / "slow", split=split) == fast


@pytest.mark.parametrize("mode", ["pointwise", "pairwise"])
def test_the_stored_prompt_is_the_templates_full_judge_prompt(
    synthetic_dir: Path, tmp_path: Path, mode: str
) -> None:
    template = template_for(DATA_SOURCES[mode])
    slots = ("response",) if mode == "pointwise" else ("response_a", "response_b")
    for rows in converted(mode, synthetic_dir, tmp_path).values():
        for row in rows:
            info = row["extra_info"]
            expected = template.messages(
                info["conversation"], [info[s] for s in slots], enable_thinking=STORED_PROMPT_THINKING
            )
            assert row["prompt"] == expected


def test_text_is_stripped_exactly_as_python_strips_it(tmp_path: Path) -> None:
    assert "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()) == WHITESPACE
    padded = [rating(prompt=f"\x1c q{i} \u3000", response="\x1f\xa0answer\u2029 ") for i in range(40)]
    rows = converted("pointwise", write_jsonl(tmp_path / "in.jsonl", padded), tmp_path / "out")
    sample = rows["train"][0]["extra_info"]
    assert sample["response"] == "answer"
    assert sample["conversation"][0]["content"].startswith("q")


def test_a_block_with_one_bad_row_is_read_line_by_line_and_the_row_counted(tmp_path: Path) -> None:
    rows = [pair(prompt=f"q{i}", strength=(i % 7) - 3) for i in range(60)]
    rows[30] = pair(prompt="q30", strength=True)  # JSON true: not an integer, though Python says 1
    src = write_jsonl(tmp_path / "p.jsonl", rows)
    summary = convert(ConvertOptions(mode="pairwise", src=src, out=tmp_path / "out"))
    assert summary.dropped == {"strength_not_integer": 1}
    assert sum(summary.samples.values()) == 2 * 59
