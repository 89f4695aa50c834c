"""One conversion run: HelpSteer2 input -> ``helpsteer2_<mode>_{train,test}.parquet``.

Blocks of lines stream from the input through validation (a whole clean block at once through Arrow,
see ``rmjob.data.columnar``; any other block line by line), the prompt-grouped split and sample
building into the atomic parquet writer, so memory stays flat whatever the input size. Three threads
overlap: one reads and parses the next block and gives its prompts their ids and splits, one builds
this block's samples, one writes the last block's (reading, parsing and writing happen in Arrow,
which releases the GIL). Bad rows are counted by reason (or, with ``strict``, stop the run at the
first one); the summary says what was read, written and dropped.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from rmjob.data.arrays import integer
from rmjob.data.columnar import NotClean, clean_block, rows_line_by_line
from rmjob.data.helpsteer2 import BadRow
from rmjob.data.kernels import call, count_true, is_in, keep
from rmjob.data.parquet import DEFAULT_COMPRESSION, AtomicParquetSet
from rmjob.data.readers import Block, Record, check_input_file, find_layout_file, read_blocks
from rmjob.data.samples import Built, Prompts, SampleBuilder, block_prompts, sample_batch, schema_for
from rmjob.data.split import check_ratio, split_rule
from rmjob.errors import UserError
from rmjob.modes import Mode, Split, output_file_name

SplitMode = Literal["random", "official"]
TiesPolicy = Literal["keep", "drop"]
SPLITS: tuple[Split, ...] = ("train", "test")
ProgressCallback = Callable[[int, int], None]  # (bytes done, bytes total)
# Blocks read ahead of the one being built: two absorb the blocks that take the reader longer
# (measured: 2-4% less wall time than one, for one more block in memory).
READ_AHEAD = 2


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
    # --split official: convert even when the input's own split puts one prompt in both files.
    allow_shared_prompts: bool = False
    compression: str = DEFAULT_COMPRESSION  # one of rmjob.data.parquet.COMPRESSIONS


@dataclass(frozen=True)
class InputFile:
    path: Path
    official_split: str  # "train" / "validation" for the layout's pointwise files, "" otherwise


@dataclass(frozen=True)
class CleanBlock:
    """A block read by the fast path: its clean table (``rmjob.data.columnar``) and its prompts."""

    table: Any
    prompts: Prompts


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
    run = _Run(options, summary)

    with AtomicParquetSet(outputs, schema_for(options.mode), options.compression) as writer:
        for input_file, block, clean in _read_ahead(_blocks(inputs, progress), run.clean):
            writer.write_batches(run.add_block(input_file, block, clean))
        empty = [split for split in SPLITS if summary.samples[split] == 0]
        if empty:
            raise UserError(
                f"the {' and '.join(empty)} split would be empty ({summary.rows_read} rows read, "
                f"{sum(summary.dropped.values())} dropped); use more data or another --train-ratio/--split"
            )
        summary.shared_prompts = run.shared_prompts()
        if summary.shared_prompts and options.split == "official" and not options.allow_shared_prompts:
            raise UserError(
                f"--split official: {summary.shared_prompts:,} prompts are in both the train and the "
                "test split of the input (their samples would leak into the test set); pass "
                "--allow-shared-prompts to convert anyway, or use --split random (grouped by prompt)"
            )
    return summary


class _Run:
    """One conversion's state: the sample builder, how many samples each split has, its prompts."""

    def __init__(self, options: ConvertOptions, summary: ConversionSummary) -> None:
        self.options = options
        self.summary = summary
        self.official = options.split == "official"
        self.builder = SampleBuilder(options.mode, split_rule(options.seed, options.train_ratio))
        # Ids of the prompts with samples in each split, as Arrow arrays: a few bytes a prompt.
        self.prompts: dict[str, list[Any]] = {split: [] for split in SPLITS}

    def clean(self, block: Block) -> CleanBlock | None:
        """The block as a clean table with its prompts, or None when only the line-by-line path can
        read it. It runs in the reading thread: with 4 MiB blocks and conversations from kernels,
        hashing the prompts there rather than in the building thread measured 2-7% less wall time
        (before those two changes, the other way round was 2-5% faster)."""
        try:
            table = clean_block(block, self.options.mode, need_split=self.official)
            return CleanBlock(table, block_prompts(table, self.builder.split_rule))
        except (NotClean, BadRow):
            return None

    def add_block(self, input_file: InputFile, block: Block, clean: CleanBlock | None) -> dict[str, Any]:
        """The block's samples as one record batch per split (none for a split without samples)."""
        mode = self.options.mode
        try:
            if clean is None:
                raise NotClean("read line by line")
            table = clean.table
            built = self._build(input_file, table, clean.prompts)
        except (NotClean, BadRow):
            table = rows_line_by_line(block, mode, need_split=self.official, on_bad_row=self._bad_row)
            built = self._build(input_file, table)
        self.summary.rows_read += table.num_rows  # the good rows; _bad_row counts the others
        batches: dict[str, Any] = {}
        for split in SPLITS:
            leaves = built.columns[split]
            count = len(leaves["content"])
            if count:
                batches[split] = sample_batch(mode, split, leaves, self.summary.samples[split])
                self.summary.samples[split] += count
                self.prompts[split].append(built.prompt_ids[split])
        return batches

    def shared_prompts(self) -> int:
        import pyarrow as pa

        train, test = (call("unique", pa.chunked_array(self.prompts[s], pa.string())) for s in SPLITS)
        return count_true(is_in(train, test))

    def _build(self, input_file: InputFile, clean: Any, prompts: Prompts | None = None) -> Built:
        """The block's samples; ties are counted only once they are built (a block whose build fails
        is built again from its good rows, and must not count them twice)."""
        ties = 0
        if self.options.mode == "pairwise":
            is_tie = call("equal", clean.column("preference_strength"), integer(0))
            ties = count_true(is_tie)
            if self.options.ties == "drop":
                kept = call("invert", is_tie)
                clean = keep(clean, kept)
                if prompts is not None:  # a dropped row's prompt stays listed; no kept row points at it
                    prompts = replace(prompts, of_row=keep(prompts.of_row, kept))
        built = self.builder.build(
            clean, input_file.path.name, input_file.official_split, self.official, prompts
        )
        if self.options.ties == "drop":
            self.summary.ties_dropped += ties
        else:
            self.summary.ties_kept += ties
        return built

    def _bad_row(self, record: Record, bad: BadRow) -> None:
        self.summary.rows_read += 1
        if self.options.strict:
            raise UserError(
                f"{record.path}:{record.line}: {bad.reason}: {bad.detail}; fix the row, "
                "or drop --strict to skip and count bad rows"
            ) from None
        self.summary.dropped[bad.reason] += 1


def _read_ahead(
    blocks: Iterator[tuple[InputFile, Block]], clean: Callable[[Block], CleanBlock | None]
) -> Iterator[tuple[InputFile, Block, CleanBlock | None]]:
    """Each block with ``clean(block)``, the next ones read and cleaned in a thread while the caller
    builds this one. A fixed number of blocks ahead keeps memory flat."""

    def read_next() -> tuple[InputFile, Block, CleanBlock | None] | None:
        item = next(blocks, None)
        if item is None:
            return None
        input_file, block = item
        return input_file, block, clean(block)

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="block-reader") as reader:
        ahead = deque(reader.submit(read_next) for _ in range(READ_AHEAD))
        while (item := ahead.popleft().result()) is not None:
            ahead.append(reader.submit(read_next))
            yield item


def _blocks(inputs: list[InputFile], progress: ProgressCallback | None) -> Iterator[tuple[InputFile, Block]]:
    total = sum(f.path.stat().st_size for f in inputs)
    done_before = 0
    for input_file in inputs:
        report = None
        if progress is not None:
            offset = done_before

            def report(done: int, offset: int = offset) -> None:
                progress(offset + done, total)

        for block in read_blocks(input_file.path, report):
            yield input_file, block
        done_before += input_file.path.stat().st_size
