"""Synthetic HelpSteer2 and small hand-written inputs for the converter tests."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from rmjob.data.synthetic import generate


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("helpsteer2-synthetic")
    generate(out, size="sample", seed=7)
    return out


def read_jsonl_gz(path: Path) -> list[dict[str, Any]]:
    with gzip.open(path, "rt") as lines:
        return [json.loads(line) for line in lines]


def write_jsonl(path: Path, rows: Iterable[dict[str, Any] | str]) -> Path:
    """Rows as JSON lines; a str row is written verbatim (to plant broken lines)."""
    text = "".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def rating(
    prompt: str = "How do I boil an egg?", response: str = "Nine minutes.", **scores: Any
) -> dict[str, Any]:
    base = {"helpfulness": 3, "correctness": 3, "coherence": 4, "complexity": 1, "verbosity": 2}
    return {"prompt": prompt, "response": response, **base, **scores}


def pair(
    prompt: str = "Which is bigger?", strength: Any = -2, split: str = "train", **extra: Any
) -> dict[str, Any]:
    return {
        "split": split,
        "prompt": prompt,
        "response_1": "The sun.",
        "response_2": "The moon.",
        "preference_strength": strength,
        **extra,
    }
