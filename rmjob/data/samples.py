"""verl rows from validated HelpSteer2 rows, and their parquet schemas.

A row is ``data_source``, ``prompt`` (chat messages rendered by the default template for a reasoning
model), ``ability``, ``reward_model: {style: rule, ground_truth}`` and ``extra_info``. ``extra_info``
keeps the raw material (conversation, response(s)) so the verl dataset class can re-render the prompt
with the run's template and thinking flag; see ``rmjob.train.datasets``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rmjob.data.helpsteer2 import ATTRIBUTES, PairRow, PointwiseRow
from rmjob.data.split import prompt_id
from rmjob.modes import PAIRWISE, POINTWISE
from rmjob.train.templates import template_for

ABILITY = "judge"
POINTWISE_TEMPLATE = template_for(POINTWISE)
PAIRWISE_TEMPLATE = template_for(PAIRWISE)
# The stored prompt suits a reasoning model and plain RLHFDataset; our dataset class re-renders it.
STORED_PROMPT_THINKING = True


@dataclass(frozen=True)
class Origin:
    """Where a row came from: file name, line, and the official split of that file."""

    file: str
    line: int
    official_split: str


def pointwise_sample(row: PointwiseRow, split: str, origin: Origin) -> dict[str, Any]:
    return {
        "data_source": POINTWISE,
        "prompt": POINTWISE_TEMPLATE.messages(
            row.conversation, [row.response], enable_thinking=STORED_PROMPT_THINKING
        ),
        "ability": ABILITY,
        "reward_model": {"style": "rule", "ground_truth": str(row.helpfulness)},
        "extra_info": {
            "index": 0,  # set by the writer: position in the split file
            "split": split,
            "source_file": origin.file,
            "source_line": origin.line,
            "source_split": origin.official_split,
            "prompt_id": prompt_id(row.prompt),
            "conversation": row.conversation,
            "response": row.response,
            **row.attributes,
        },
    }


def pair_label(strength: int, swapped: bool) -> str:
    """``A``/``B``/``tie``; response_1 shows as A unless ``swapped``. Negative strength: response_1 wins."""
    if strength == 0:
        return "tie"
    first_wins = strength < 0
    return "A" if first_wins != swapped else "B"


def pairwise_samples(row: PairRow, split: str, origin: Origin) -> list[dict[str, Any]]:
    """Both presentation orders of one pair, label flipped (a tie stays a tie)."""
    samples = []
    for swapped in (False, True):
        a, b = (row.response_2, row.response_1) if swapped else (row.response_1, row.response_2)
        samples.append(
            {
                "data_source": PAIRWISE,
                "prompt": PAIRWISE_TEMPLATE.messages(
                    row.conversation, [a, b], enable_thinking=STORED_PROMPT_THINKING
                ),
                "ability": ABILITY,
                "reward_model": {"style": "rule", "ground_truth": pair_label(row.strength, swapped)},
                "extra_info": {
                    "index": 0,
                    "split": split,
                    "source_file": origin.file,
                    "source_line": origin.line,
                    "source_split": origin.official_split,
                    "prompt_id": prompt_id(row.prompt),
                    "conversation": row.conversation,
                    "response_a": a,
                    "response_b": b,
                    "preference_strength": row.strength,
                    "swapped": swapped,
                },
            }
        )
    return samples


def _schema(extra_fields: list[tuple[str, Any]]) -> Any:
    import pyarrow as pa

    message = pa.struct([("role", pa.string()), ("content", pa.string())])
    extra = [
        ("index", pa.int64()),
        ("split", pa.string()),
        ("source_file", pa.string()),
        ("source_line", pa.int64()),
        ("source_split", pa.string()),
        ("prompt_id", pa.string()),
        ("conversation", pa.list_(message)),
        *extra_fields,
    ]
    return pa.schema(
        [
            ("data_source", pa.string()),
            ("prompt", pa.list_(message)),
            ("ability", pa.string()),
            ("reward_model", pa.struct([("style", pa.string()), ("ground_truth", pa.string())])),
            ("extra_info", pa.struct(extra)),
        ]
    )


def pointwise_schema() -> Any:
    import pyarrow as pa

    return _schema([("response", pa.string()), *((name, pa.int8()) for name in ATTRIBUTES)])


def pairwise_schema() -> Any:
    import pyarrow as pa

    return _schema(
        [
            ("response_a", pa.string()),
            ("response_b", pa.string()),
            ("preference_strength", pa.int8()),
            ("swapped", pa.bool_()),
        ]
    )
