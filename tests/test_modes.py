from __future__ import annotations

import ast
from pathlib import Path
from typing import get_args

import pytest

from rmjob.modes import MODES, Mode, mode_of, output_file_name
from rmjob.spec import load_spec
from rmjob.train import parsing

DATASETS = Path(__file__).resolve().parents[1] / "rmjob" / "train" / "datasets.py"


def test_the_mode_type_lists_exactly_the_tables_modes():
    assert set(get_args(Mode)) == set(MODES)


def test_every_mode_names_a_parser_and_a_dataset_class_that_exist():
    # datasets.py imports verl; its class names are read from the source instead.
    classes = {n.name for n in ast.parse(DATASETS.read_text()).body if isinstance(n, ast.ClassDef)}
    for info in MODES.values():
        assert callable(getattr(parsing, info.parser))
        assert info.dataset_class in classes


@pytest.mark.parametrize("preset", ["pointwise", "pairwise", "pointwise-seed", "pairwise-seed"])
def test_presets_read_the_files_the_converter_writes_for_their_mode(preset):
    spec = load_spec(preset)
    assert [Path(f).name for f in spec.data.train_files] == [output_file_name(spec.mode, "train")]
    assert [Path(f).name for f in spec.data.val_files] == [output_file_name(spec.mode, "test")]


def test_an_unknown_data_source_is_refused_by_name():
    with pytest.raises(ValueError, match="helpsteer2_pointwise"):
        mode_of("helpsteer3")
