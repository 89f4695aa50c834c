"""The training modes, in one table: every place where a mode matters reads it from here.

``mode -> data_source`` (the key verl passes to the reward function, written into each parquet
row), ``dataset_class`` (in ``rmjob.train.datasets``, named in the RayJob), ``file_stem`` (the
converter's output files and the presets' default data paths) and ``parser`` (in
``rmjob.train.parsing``: reads the judge's verdict). Pure Python: the trainer image, the
converter and the CLI all import it.
"""

from __future__ import annotations

from typing import Literal

from rmjob.schema import Section

Mode = Literal["pointwise", "pairwise"]
Split = Literal["train", "test"]


class ModeInfo(Section):
    """How one mode names its data source, dataset class, data files and verdict parser."""

    data_source: str
    dataset_class: str
    file_stem: str
    parser: str


MODES: dict[str, ModeInfo] = {
    "pointwise": ModeInfo(
        data_source="helpsteer2_pointwise",
        dataset_class="PointwiseTrainDataset",
        file_stem="helpsteer2_pointwise",
        parser="parse_score",
    ),
    "pairwise": ModeInfo(
        data_source="helpsteer2_pairwise",
        dataset_class="PairwiseTrainDataset",
        file_stem="helpsteer2_pairwise",
        parser="parse_preference",
    ),
}
POINTWISE = MODES["pointwise"].data_source
PAIRWISE = MODES["pairwise"].data_source
DATA_SOURCES: dict[str, str] = {mode: info.data_source for mode, info in MODES.items()}
# Where the presets read the converted files, under the data volume (platform paths.data).
DATA_DIR = "helpsteer2"


def output_file_name(mode: str, split: Split) -> str:
    """``helpsteer2_<mode>_<split>.parquet``: the seed's names, read by the RayJob under the data mount."""
    return f"{MODES[mode].file_stem}_{split}.parquet"


def mode_of(data_source: str) -> str:
    """The mode whose rows carry ``data_source``; ``ValueError`` for any other."""
    for mode, info in MODES.items():
        if info.data_source == data_source:
            return mode
    raise ValueError(
        f"unknown data_source {data_source!r}; expected one of {', '.join(DATA_SOURCES.values())}"
    )
