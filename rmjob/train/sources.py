"""The verl ``data_source`` names and parquet file names the converter, the rewards and the RayJob share."""

from __future__ import annotations

from typing import Literal

Mode = Literal["pointwise", "pairwise"]
Split = Literal["train", "test"]

POINTWISE = "helpsteer2_pointwise"
PAIRWISE = "helpsteer2_pairwise"
DATA_SOURCES: dict[str, str] = {"pointwise": POINTWISE, "pairwise": PAIRWISE}


def output_file_name(mode: Mode, split: Split) -> str:
    """``helpsteer2_<mode>_<split>.parquet``: the seed's names, read by the RayJob under the data mount."""
    return f"helpsteer2_{mode}_{split}.parquet"
