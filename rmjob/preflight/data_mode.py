"""A pointwise spec must read pointwise rows, a pairwise spec pairwise rows."""

from __future__ import annotations

from pathlib import Path

from rmjob.modes import DATA_SOURCES, output_file_name
from rmjob.preflight.inputs import Inputs
from rmjob.preflight.local_files import local_file
from rmjob.preflight.result import Verdict, failed, passed
from rmjob.preflight.rules import Rule


def mode_data(rule: Rule, inputs: Inputs) -> list[Verdict]:
    spec = inputs.spec
    want = DATA_SOURCES[spec.mode]
    other = next(m for m in DATA_SOURCES if m != spec.mode)
    verdicts, how = [], []
    for path in [*spec.data.train_files, *spec.data.val_files]:
        local = local_file(path, inputs.spec_dir)
        if local is not None:
            how.append("data_source")
            sources = _data_sources(local)
            wrong = sorted(s for s in sources if s != want)
            if wrong:
                verdicts.append(
                    failed(
                        f"{path} holds data_source {', '.join(wrong)}; a {spec.mode} run scores only {want}",
                        _fix(spec.mode, path),
                    )
                )
        else:
            how.append("file name")
            if other in Path(path).name and spec.mode not in Path(path).name:
                verdicts.append(
                    failed(
                        f"{path} is named for {other} data; this is a {spec.mode} run", _fix(spec.mode, path)
                    )
                )
    if verdicts:
        return verdicts
    return [passed(f"{spec.mode} files (checked by {', '.join(sorted(set(how)))})")]


def _fix(mode: str, path: str) -> str:
    return (
        f"point data.train_files/val_files at the {mode} parquet ({output_file_name(mode, 'train')}, "
        f"make data-{mode}) or change `mode`"
    )


def _data_sources(path: Path) -> set[str]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    column = pq.read_table(path, columns=["data_source"]).column("data_source")
    return {str(v) for v in pc.unique(column).to_pylist()}
