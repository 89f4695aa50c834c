"""Fixtures for the eval tests: a small RM-Bench-format sample and hand-built judgments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DOMAINS = ("chat", "code", "math", "safety-refuse", "safety-response")


def rmbench_rows() -> list[dict[str, Any]]:
    """One item a domain, in RM-Bench's published layout (3 chosen and 3 rejected styles)."""
    rows = []
    for n, domain in enumerate(DOMAINS):
        answer = f"The answer to question {n} is {n + 2}."
        wrong = f"The answer to question {n} is {n + 3}."
        rows.append(
            {
                "id": f"{domain}-{n}",
                "prompt": f"Question {n} ({domain}): what is {n} plus 2?",
                "chosen": [answer, f"{answer} Adding 2 to {n} gives {n + 2}.", f"**Answer:** {answer}"],
                "rejected": [wrong, f"{wrong} Adding 2 to {n} gives {n + 3}.", f"**Answer:** {wrong}"],
                "domain": domain,
            }
        )
    return rows


@pytest.fixture()
def rmbench_file(tmp_path: Path) -> Path:
    path = tmp_path / "total_dataset.json"
    path.write_text(json.dumps(rmbench_rows(), indent=1))
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path
