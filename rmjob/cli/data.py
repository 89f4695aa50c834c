"""``rmjob data``: HelpSteer2 -> verl parquet, and a synthetic HelpSteer2 to try the kit offline.

Heavy imports (pyarrow) happen inside the commands; bad input raises ``UserError`` (one line, exit 2).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path

import typer

app = typer.Typer(help="Prepare training data: HelpSteer2 -> verl parquet.", no_args_is_help=True)

# Below this the conversion takes well under a second and a bar would only flicker.
PROGRESS_MIN_BYTES = 16 * 1024 * 1024


class ModeChoice(str, Enum):
    pointwise = "pointwise"
    pairwise = "pairwise"


class SplitChoice(str, Enum):
    random = "random"
    official = "official"


class TiesChoice(str, Enum):
    keep = "keep"
    drop = "drop"


class SizeChoice(str, Enum):
    sample = "sample"
    full = "full"


@app.command()
def helpsteer2(
    mode: ModeChoice = typer.Option(..., help="pointwise: 0-4 score per response; pairwise: A/B/tie."),
    src: Path = typer.Option(
        ..., help="HelpSteer2 directory (train/validation/preference files) or one .jsonl/.jsonl.gz/.parquet."
    ),
    out: Path = typer.Option(..., help="Directory for helpsteer2_<mode>_{train,test}.parquet."),
    split: SplitChoice = typer.Option(
        SplitChoice.random,
        help="random: split prompts by --train-ratio/--seed; official: HelpSteer2's train/validation.",
    ),
    train_ratio: float = typer.Option(0.8, help="Share of prompts in the train split (random split)."),
    seed: int = typer.Option(42, help="Seed of the random split."),
    ties: TiesChoice = typer.Option(TiesChoice.keep, help="Pairwise ties: keep (label tie) or drop."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad row instead of counting it."),
) -> None:
    """Convert HelpSteer2 into verl parquet files (written atomically) and print a summary."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    from rmjob.data.convert import ConvertOptions, convert

    options = ConvertOptions(
        mode=mode.value,  # type: ignore[arg-type]  # the enum's values are the Literal's values
        src=src,
        out=out,
        split=split.value,  # type: ignore[arg-type]
        train_ratio=train_ratio,
        seed=seed,
        ties=ties.value,  # type: ignore[arg-type]
        strict=strict,
    )
    console = Console(stderr=True)
    size = _input_size(src)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal or size < PROGRESS_MIN_BYTES,
    ) as bar:
        task = bar.add_task(f"converting {mode.value}", total=size)
        summary = convert(options, progress=lambda done, total: bar.update(task, completed=done, total=total))
    typer.echo("\n".join(summary.lines()))


@app.command()
def synth(
    out: Path = typer.Option(..., help="Directory to write the HelpSteer2 layout into."),
    size: SizeChoice = typer.Option(SizeChoice.sample, help="sample: a few hundred rows; full: real counts."),
    seed: int = typer.Option(42, help="Same seed, same bytes."),
) -> None:
    """Write a deterministic synthetic HelpSteer2 (train, validation, preference files)."""
    from rmjob.data.synthetic import generate
    from rmjob.errors import UserError

    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; pass a directory")
    summary = generate(out, size=size.value, seed=seed)  # type: ignore[arg-type]
    for name, path in summary.files.items():
        typer.echo(f"{path}: {summary.rows[name]:,} rows ({name})")


def _input_size(src: Path) -> int:
    if src.is_file():
        return src.stat().st_size
    if src.is_dir():
        return sum(p.stat().st_size for p in src.rglob("*") if p.is_file())
    return 0


if __name__ == "__main__":  # pragma: no cover - for running the sub-app before it is wired in
    sys.exit(app())
