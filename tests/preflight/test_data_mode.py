from pathlib import Path

import pytest

from tests.preflight.conftest import check, results

FAST = frozenset({"verl-startup", "memory-fit"})


def test_the_presets_read_their_own_modes_files():
    for preset in ("pairwise", "pointwise"):
        assert results(check(preset, skip_rules=FAST), "mode-data")[0].status == "pass"


def test_a_pointwise_spec_on_files_named_pairwise_is_refused(spec_in):
    files = ["/mnt/data/helpsteer2/helpsteer2_pairwise_train.parquet"]
    spec = spec_in(base="pointwise", data={"train_files": files, "val_files": files})
    found = results(check(spec, skip_rules=FAST), "mode-data")
    assert found[0].status == "fail" and "named for pairwise" in found[0].detail
    assert "helpsteer2_pointwise_train.parquet" in found[0].fix


def _parquet(path: Path, source: str) -> str:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"data_source": [source, source]}), path)
    return str(path)


def test_a_readable_parquet_is_judged_by_its_data_source_not_its_name(spec_in, tmp_path: Path):
    misnamed = _parquet(tmp_path / "pointwise_rows.parquet", "helpsteer2_pairwise")
    spec = spec_in(base="pointwise", data={"train_files": [misnamed], "val_files": [misnamed]})
    found = results(check(spec, skip_rules=FAST), "mode-data")
    assert found[0].status == "fail" and "holds data_source helpsteer2_pairwise" in found[0].detail
    right = _parquet(tmp_path / "anything.parquet", "helpsteer2_pointwise")
    ok = spec_in(base="pointwise", data={"train_files": [right], "val_files": [right]})
    assert results(check(ok, skip_rules=FAST), "mode-data")[0].status == "pass"
