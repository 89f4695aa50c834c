"""One conversion run: HelpSteer2 input -> ``helpsteer2_<mode>_{train,test}.parquet``.

Rows stream from the input through validation, the prompt-grouped split and sample building into the
atomic parquet writer, so memory stays flat whatever the input size. Bad rows are counted by reason
(or, with ``strict``, stop the run at the first one); the summary says what was read, written and
dropped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rmjob.data.helpsteer2 import BadRow, pair_row, pointwise_row
from rmjob.data.parquet import AtomicParquetSet
from rmjob.data.readers import Record, check_input_file, find_layout_file, read_records
from rmjob.data.samples import Origin, pairwise_samples, pairwise_schema, pointwise_sample, pointwise_schema
from rmjob.data.split import check_ratio, split_of
from rmjob.errors import UserError
from rmjob.modes import Mode, Split, output_file_name

SplitMode = Literal["random", "official"]
TiesPolicy = Literal["keep", "drop"]
SPLITS: tuple[Split, ...] = ("train", "test")
ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes total)


@dataclass(frozen=True)
class ConvertOptions:
    mode: Mode
    src: Path
    out: Path
    split: SplitMode = "random"
    train_ratio: float = 0.8
    seed: int = 42
    ties: TiesPolicy = "keep"
    strict: bool = False


@dataclass(frozen=True)
class InputFile:
    path: Path
    official_split: str  # "train" / "validation" for the layout's pointwise files, "" otherwise


@dataclass
class ConversionSummary:
    mode: Mode
    inputs: list[Path]
    outputs: dict[str, Path]
    rows_read: int = 0
    samples: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    ties_kept: int = 0
    ties_dropped: int = 0
    shared_prompts: int = 0

    def lines(self) -> list[str]:
        unit = "samples" if self.mode == "pointwise" else "samples (2 per pair)"
        sources = ", ".join(map(str, self.inputs))
        lines = [f"helpsteer2 {self.mode}: read {self.rows_read:,} rows from {sources}"]
        for split in SPLITS:
            lines.append(f"  {split:<5} {self.samples[split]:>8,} {unit} -> {self.outputs[split]}")
        dropped = sum(self.dropped.values())
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in sorted(self.dropped.items()))
        lines.append(f"  dropped {dropped:,} bad rows" + (f" ({reasons})" if reasons else ""))
        if self.mode == "pairwise":
            lines.append(f"  ties: {self.ties_kept:,} pairs kept, {self.ties_dropped:,} dropped")
        lines.append(f"  prompts in both splits: {self.shared_prompts:,}")
        return lines


def resolve_inputs(mode: Mode, src: Path, split: SplitMode) -> list[InputFile]:
    """The files to read for ``mode``: one given file, or the right ones from a HelpSteer2 directory."""
    if not src.exists():
        raise UserError(f"--src {src}: no such file or directory")
    if src.is_dir():
        if mode == "pairwise":
            return [InputFile(_layout_file(src, "preference"), "")]
        files = [InputFile(_layout_file(src, "train"), "train")]
        validation = find_layout_file(src, "validation")
        if validation is not None:
            files.append(InputFile(validation, "validation"))
        elif split == "official":
            raise UserError(f"--split official: {src} has no validation.jsonl.gz; use --split random")
        return files
    if mode == "pointwise" and split == "official":
        raise UserError(
            f"--split official needs the HelpSteer2 directory (train + validation files), not the file {src}"
        )
    return [InputFile(check_input_file(src), "")]


def _layout_file(directory: Path, name: str) -> Path:
    found = find_layout_file(directory, name)
    if found is None:
        expected = {"train": "train.jsonl.gz", "preference": "preference/preference.jsonl.gz"}[name]
        raise UserError(f"--src {directory}: no {expected} (HelpSteer2 layout); pass the file itself instead")
    return found


def convert(options: ConvertOptions, progress: ProgressCallback | None = None) -> ConversionSummary:
    check_ratio(options.train_ratio)
    inputs = resolve_inputs(options.mode, options.src, options.split)
    if options.out.exists() and not options.out.is_dir():
        raise UserError(f"--out {options.out} is a file; pass a directory")
    outputs: dict[str, Path] = {s: options.out / output_file_name(options.mode, s) for s in SPLITS}
    summary = ConversionSummary(options.mode, [f.path for f in inputs], dict(outputs))
    schema = pointwise_schema() if options.mode == "pointwise" else pairwise_schema()
    prompts_by_split: dict[str, set[str]] = {split: set() for split in SPLITS}

    with AtomicParquetSet(outputs, schema) as writer:
        for input_file, record in _records(inputs, progress):
            summary.rows_read += 1
            try:
                split, samples = _samples(input_file, record, options, summary)
            except BadRow as bad:
                if options.strict:
                    raise UserError(
                        f"{record.path}:{record.line}: {bad.reason}: {bad.detail}; fix the row, "
                        "or drop --strict to skip and count bad rows"
                    ) from None
                summary.dropped[bad.reason] += 1
                continue
            if samples:
                prompts_by_split[split].add(samples[0]["extra_info"]["prompt_id"])
                summary.samples[split] += len(samples)
                writer.write(split, samples)
        empty = [split for split in SPLITS if summary.samples[split] == 0]
        if empty:
            raise UserError(
                f"the {' and '.join(empty)} split would be empty ({summary.rows_read} rows read, "
                f"{sum(summary.dropped.values())} dropped); use more data or another --train-ratio/--split"
            )
    summary.shared_prompts = len(prompts_by_split["train"] & prompts_by_split["test"])
    return summary


def _records(
    inputs: list[InputFile], progress: ProgressCallback | None
) -> Iterator[tuple[InputFile, Record]]:
    total = sum(f.path.stat().st_size for f in inputs)
    done_before = 0
    for input_file in inputs:
        report = None
        if progress is not None:
            offset = done_before

            def report(done: int, offset: int = offset) -> None:
                progress(offset + done, total)

        for record in read_records(input_file.path, report):
            yield input_file, record
        done_before += input_file.path.stat().st_size


def _samples(
    input_file: InputFile, record: Record, options: ConvertOptions, summary: ConversionSummary
) -> tuple[str, list[dict[str, Any]]]:
    """The split and the verl rows for one record; raises BadRow."""
    if record.data is None:
        raise BadRow("bad_json", record.error or "unreadable line")
    if options.mode == "pointwise":
        row = pointwise_row(record.data)
        if options.split == "official":
            split = "train" if input_file.official_split == "train" else "test"
        else:
            split = split_of(row.prompt, options.seed, options.train_ratio)
        origin = Origin(input_file.path.name, record.line, input_file.official_split)
        return split, [pointwise_sample(row, split, origin)]

    pair = pair_row(record.data, need_split=options.split == "official")
    if options.split == "official":
        assert pair.split is not None  # pair_row requires it
        split = pair.split
    else:
        split = split_of(pair.prompt, options.seed, options.train_ratio)
    if pair.strength == 0:
        if options.ties == "drop":
            summary.ties_dropped += 1
            return split, []
        summary.ties_kept += 1
    origin = Origin(input_file.path.name, record.line, pair.split or "")
    return split, pairwise_samples(pair, split, origin)
