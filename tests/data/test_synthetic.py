from __future__ import annotations

from pathlib import Path

import pytest

from rmjob.data.synthetic import SIZES, generate
from tests.data.conftest import read_jsonl_gz

RATING_COLUMNS = {"prompt", "response", "helpfulness", "correctness", "coherence", "complexity", "verbosity"}


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first, second = generate(tmp_path / "a", seed=3), generate(tmp_path / "b", seed=3)
    for name, path in first.files.items():
        assert path.read_bytes() == second.files[name].read_bytes()
    other = generate(tmp_path / "c", seed=4)
    assert other.files["train"].read_bytes() != first.files["train"].read_bytes()


def test_sample_has_the_helpsteer2_layout_and_schema(synthetic_dir: Path) -> None:
    train = read_jsonl_gz(synthetic_dir / "train.jsonl.gz")
    validation = read_jsonl_gz(synthetic_dir / "validation.jsonl.gz")
    pairs = read_jsonl_gz(synthetic_dir / "preference" / "preference.jsonl.gz")
    shape = SIZES["sample"]

    assert len(train) == 2 * shape.train_prompts and len(validation) == 2 * shape.validation_prompts
    assert len(pairs) == shape.train_pairs + shape.validation_pairs
    for row in train + validation:
        assert set(row) == RATING_COLUMNS
        assert all(row[name] in range(5) for name in RATING_COLUMNS - {"prompt", "response"})
    assert all(a["prompt"] == b["prompt"] for a, b in zip(train[::2], train[1::2], strict=True))
    assert 0.1 < sum("<extra_id_1>Assistant" in r["prompt"] for r in train) / len(train) < 0.5
    rated = {(r["prompt"], r["response"]) for r in train + validation}
    for p in pairs:
        assert p["preference_strength"] in range(-3, 4)
        assert p["split"] in {"train", "val"}
        assert {(p["prompt"], p["response_1"]), (p["prompt"], p["response_2"])} <= rated


@pytest.mark.slow
def test_full_size_matches_the_real_row_counts(tmp_path: Path) -> None:
    summary = generate(tmp_path, size="full", seed=42)
    assert summary.rows == {"train": 20_324, "validation": 1_038, "preference": 9_125}
    train = read_jsonl_gz(summary.files["train"])
    mean_response = sum(len(r["response"]) for r in train) / len(train)
    assert 800 < mean_response < 2500  # characters, HelpSteer2-like
