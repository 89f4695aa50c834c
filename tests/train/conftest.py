"""Fixtures for the verl-on-CPU tests: a tokenizer built here (no hub downloads) and converted parquet."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmjob.data.convert import ConvertOptions, convert
from rmjob.data.synthetic import generate


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("helpsteer2-synthetic")
    generate(out, size="sample", seed=7)
    return out


@pytest.fixture(scope="session")
def parquet_dir(synthetic_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("parquet")
    for mode in ("pointwise", "pairwise"):
        convert(ConvertOptions(mode=mode, src=synthetic_dir, out=out))
    return out


@pytest.fixture(scope="session")
def tokenizer(synthetic_dir: Path):
    """The tiny model's byte-level BPE and chat template, trained on the synthetic rating rows."""
    import gzip

    from rmjob.train.tiny_model import build_tokenizer

    with gzip.open(synthetic_dir / "train.jsonl.gz", "rt") as lines:
        corpus = lines.read().splitlines()
    return build_tokenizer(corpus, vocab_size=800)
