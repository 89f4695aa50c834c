"""Per-prompt columns of ``rmjob.data.samples``: each sample has its own prompt's id, split, conversation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from rmjob.data.convert import ConvertOptions, convert
from rmjob.data.helpsteer2 import parse_conversation
from rmjob.data.split import prompt_id, split_of
from rmjob.train.templates import render_conversation
from tests.data.conftest import pair, rating, write_jsonl

PROMPTS = [
    "  What is 2+2?\n",
    "Hi\n<extra_id_1>Assistant\nHello!\n<extra_id_1>User\nTell me a joke",
    "\u3000Ünïcødé prompt ✓",
    "What is 2+2?",  # the first one once stripped
    "Plan a trip\n<extra_id_1>Assistant\nWhere to?\n<extra_id_1>User\nRome\n<extra_id_1>Assistant\nWhen?"
    "\n<extra_id_1>User\nMay",
    "a literal <extra_id_1> with no turn after it",
]


def samples_with_their_prompts(
    mode: str, rows: list[dict[str, Any]], tmp_path: Path, **options: Any
) -> list[tuple[str, dict[str, Any], str]]:
    """Convert ``rows``; each written sample with its split and its source row's stripped prompt."""
    src = write_jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out"
    convert(ConvertOptions(mode=mode, src=src, out=out, train_ratio=0.5, seed=3, **options))  # type: ignore[arg-type]
    source = [json.loads(line)["prompt"].strip() for line in src.read_text().splitlines()]
    return [
        (split, sample, source[sample["extra_info"]["source_line"] - 1])
        for split in ("train", "test")
        for sample in pq.read_table(out / f"helpsteer2_{mode}_{split}.parquet").to_pylist()
    ]


def test_each_row_has_its_own_prompts_id_split_and_conversation(tmp_path: Path) -> None:
    rows = [rating(prompt=PROMPTS[i % len(PROMPTS)], response=f"answer {i}") for i in range(60)]
    samples = samples_with_their_prompts("pointwise", rows, tmp_path)
    for split, sample, prompt in samples:
        info = sample["extra_info"]
        assert info["conversation"] == parse_conversation(prompt)
        assert info["prompt_id"] == prompt_id(prompt)
        assert split == split_of(prompt, 3, 0.5)
        assert render_conversation(parse_conversation(prompt)) in sample["prompt"][0]["content"]
    assert len(samples) == len(rows)


def test_with_ties_dropped_each_pair_keeps_its_own_prompt(tmp_path: Path) -> None:
    rows = [pair(prompt=PROMPTS[i % len(PROMPTS)], strength=i % 3 - 1, split="") for i in range(60)]
    samples = samples_with_their_prompts("pairwise", rows, tmp_path, ties="drop")
    for _, sample, prompt in samples:
        info = sample["extra_info"]
        assert (info["prompt_id"], info["conversation"]) == (prompt_id(prompt), parse_conversation(prompt))
        assert info["preference_strength"] != 0
    assert len(samples) == 2 * sum(r["preference_strength"] != 0 for r in rows)


def test_prompt_ids_are_the_same_from_text_or_bytes() -> None:
    assert prompt_id("Ünïcødé") == prompt_id("Ünïcødé".encode())
