"""A deterministic synthetic HelpSteer2: same files, schema and realistic text lengths, no internet.

``full`` matches the real row counts (20,324 train + 1,038 validation ratings, 9,125 pairs); ``sample``
is a small slice for tests and the demo. Like the real data, consecutive rating rows share a prompt
(two responses each), about 29% of prompts are multi-turn (flattened with ``<extra_id_1>``
separators), and the preference pairs compare the two rated responses of a prompt. The text is
pseudo-words: right lengths and shape, no meaning. Same seed, same bytes.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import math
import os
import random
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rmjob.data.readers import LAYOUT

Size = Literal["sample", "full"]
RESPONSES_PER_PROMPT = 2
MULTI_TURN_SHARE = 0.29
SYLLABLES = [consonant + vowel for consonant in "bdgklmnprstv" for vowel in "aeiou"]


@dataclass(frozen=True)
class SynthSize:
    train_prompts: int
    validation_prompts: int
    train_pairs: int
    validation_pairs: int


SIZES: dict[str, SynthSize] = {
    "sample": SynthSize(train_prompts=120, validation_prompts=12, train_pairs=100, validation_pairs=12),
    "full": SynthSize(train_prompts=10_162, validation_prompts=519, train_pairs=8_606, validation_pairs=519),
}


@dataclass(frozen=True)
class SynthSummary:
    files: dict[str, Path]
    rows: dict[str, int]


class _Text:
    """Slices of one long pseudo-word corpus: cheap text of any length."""

    def __init__(self, rng: random.Random) -> None:
        words = ["".join(rng.choices(SYLLABLES, k=rng.randint(1, 4))) for _ in range(3000)]
        weights = [1.0 / (rank + 1) for rank in range(len(words))]  # Zipf-like, as in real text
        tokens = rng.choices(words, weights=weights, k=400_000)
        for i in range(0, len(tokens), 17):
            tokens[i] = tokens[i] + "."
        self.corpus = " ".join(tokens)

    def text(self, rng: random.Random, median: float, sigma: float, low: int, high: int) -> str:
        length = int(min(high, max(low, rng.lognormvariate(math.log(median), sigma))))
        start = self.corpus.find(" ", rng.randrange(len(self.corpus) - high - 1)) + 1
        end = self.corpus.rfind(" ", start, start + length)
        return self.corpus[start : end if end > start else start + length].capitalize()


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.text = _Text(self.rng)

    def prompt(self) -> str:
        turns = self.rng.randint(2, 3) if self.rng.random() < MULTI_TURN_SHARE else 1
        parts = [self.user_turn()]
        for _ in range(turns - 1):
            parts.append(
                f"\n<extra_id_1>Assistant\n{self.response_text()}\n<extra_id_1>User\n{self.user_turn()}"
            )
        return "".join(parts)

    def user_turn(self) -> str:
        return self.text.text(self.rng, median=300, sigma=1.0, low=20, high=12_000).rstrip(".") + "?"

    def response_text(self) -> str:
        return self.text.text(self.rng, median=1_100, sigma=0.7, low=30, high=9_000)

    def score(self, around: float) -> int:
        return min(4, max(0, round(self.rng.gauss(around, 0.9))))

    def rating(self, prompt: str) -> dict[str, Any]:
        helpfulness = self.score(2.8)
        return {
            "prompt": prompt,
            "response": self.response_text(),
            "helpfulness": helpfulness,
            "correctness": self.score(helpfulness + 0.2),
            "coherence": self.score(3.5),
            "complexity": self.score(1.6),
            "verbosity": self.score(1.8),
        }

    def pair(self, first: dict[str, Any], second: dict[str, Any], split: str) -> dict[str, Any]:
        # Positive strength: response_2 is better (HelpSteer2's sign convention).
        gap = second["helpfulness"] - first["helpfulness"] + self.rng.choice((-1, 0, 0, 1))
        if gap == 0 and self.rng.random() < 0.7:  # annotators rarely call a tie (~8% of pairs)
            gap = self.rng.choice((-1, 1))
        strength = min(3, max(-3, gap))
        better, worse = ("@Response 2", "@Response 1") if strength > 0 else ("@Response 1", "@Response 2")
        statement = (
            "The two responses are about equally helpful."
            if strength == 0
            else f"{better} is better than {worse}. {self.text.text(self.rng, 120, 0.5, 20, 400)}"
        )
        return {
            "split": split,
            "prompt": first["prompt"],
            "response_1": first["response"],
            "response_2": second["response"],
            "preference_strength": strength,
            "preference_statement": statement,
            "preference_elaboration": self.text.text(self.rng, median=500, sigma=0.5, low=50, high=2_000),
        }


def generate(out: Path, size: Size = "sample", seed: int = 42) -> SynthSummary:
    """Write ``train.jsonl.gz``, ``validation.jsonl.gz`` and ``preference/preference.jsonl.gz`` in ``out``."""
    shape = SIZES[size]
    gen = _Generator(seed)
    ratings: dict[str, list[dict[str, Any]]] = {"train": [], "validation": []}
    pairs: list[dict[str, Any]] = []
    plan = (
        ("train", "train", shape.train_prompts, shape.train_pairs),
        ("validation", "val", shape.validation_prompts, shape.validation_pairs),
    )
    for name, pair_split, prompts, pair_count in plan:
        for number in range(prompts):
            prompt = gen.prompt()
            rows = [gen.rating(prompt) for _ in range(RESPONSES_PER_PROMPT)]
            ratings[name].extend(rows)
            if number < pair_count:
                pairs.append(gen.pair(rows[0], rows[1], pair_split))

    files = {name: out / f"{LAYOUT[name]}.jsonl.gz" for name in ("train", "validation", "preference")}
    contents = {"train": ratings["train"], "validation": ratings["validation"], "preference": pairs}
    for name, path in files.items():
        _write_jsonl_gz(path, contents[name])
    return SynthSummary(files=files, rows={name: len(rows) for name, rows in contents.items()})


def _write_jsonl_gz(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    """Byte-stable gzip (no name, mtime 0), written to a temp file and renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with (
            temp.open("wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as stream,
        ):
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False).encode() + b"\n")
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):  # never hide the error that brought us here
            temp.unlink(missing_ok=True)
