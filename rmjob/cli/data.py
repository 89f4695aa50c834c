"""``rmjob data``: HelpSteer2 -> verl parquet, and a synthetic HelpSteer2 to try the kit offline.

Heavy imports (pyarrow) happen inside the commands; bad input raises ``UserError`` (one line, exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from importlib import import_module
from pathlib import Path

from rmjob.cli.command import Group, Opt, echo
from rmjob.data.parquet import COMPRESSIONS, DEFAULT_COMPRESSION
from rmjob.modes import MODES

app = Group("data", "Prepare training data: HelpSteer2 -> verl parquet.")
COMMANDS = (app,)  # what rmjob.cli imports from here

# Below this the conversion takes well under a second and a bar would only flicker.
PROGRESS_MIN_BYTES = 16 * 1024 * 1024
# The pyarrow modules a conversion uses (neither pyarrow.compute nor pyarrow.parquet: see
# rmjob.data.kernels and rmjob.data.parquet), all loaded by _set_up_arrow while NumPy is hidden.
ARROW_MODULES = ("pyarrow", "pyarrow._compute", "pyarrow.json", "pyarrow._parquet")


# The modes table's keys, as choices.
ModeChoice = Enum("ModeChoice", {mode: mode for mode in MODES}, type=str)  # type: ignore[misc]


class SplitChoice(str, Enum):
    random = "random"
    official = "official"


class TiesChoice(str, Enum):
    keep = "keep"
    drop = "drop"


# The writer's codecs, as choices.
CompressionChoice = Enum("CompressionChoice", {c: c for c in COMPRESSIONS}, type=str)  # type: ignore[misc]


class SizeChoice(str, Enum):
    sample = "sample"
    full = "full"


@app.command(
    Opt("--mode", type=ModeChoice, help="pointwise: 0-4 score per response; pairwise: A/B/tie."),
    Opt(
        "--src",
        type=Path,
        help="HelpSteer2 directory (train/validation/preference files) or one .jsonl/.jsonl.gz/.parquet.",
    ),
    Opt("--out", type=Path, help="Directory for helpsteer2_<mode>_{train,test}.parquet."),
    Opt(
        "--config",
        type=Path,
        help="The seed's data_config.yaml (RM-Gallery) instead of --mode/--src/--out: its source, path, "
        "limit, formats and split_ratio are honoured; the split stays prompt-grouped.",
    ),
    Opt(
        "--split",
        type=SplitChoice,
        default=SplitChoice.random,
        help="random: split prompts by --train-ratio/--seed; official: HelpSteer2's train/validation.",
    ),
    Opt(
        "--train-ratio",
        type=float,
        help="Share of prompts in the train split (random split).",
        show_default="0.8",
    ),
    Opt("--seed", type=int, default=42, help="Seed of the random split."),
    Opt("--ties", type=TiesChoice, default=TiesChoice.keep, help="Pairwise ties: keep (label tie) or drop."),
    Opt("--strict", type=bool, default=False, help="Stop at the first bad row instead of counting it."),
    Opt(
        "--allow-shared-prompts",
        type=bool,
        default=False,
        help="--split official: convert even when the input puts one prompt in both splits (a leak).",
    ),
    Opt(
        "--compression",
        type=CompressionChoice,
        default=CompressionChoice(DEFAULT_COMPRESSION),
        help="Parquet codec: none (fastest), snappy, or zstd (smallest files, ~2.5x below none).",
    ),
)
def helpsteer2(
    mode: ModeChoice | None,
    src: Path | None,
    out: Path | None,
    config: Path | None,
    split: SplitChoice,
    train_ratio: float | None,
    seed: int,
    ties: TiesChoice,
    strict: bool,
    allow_shared_prompts: bool,
    compression: CompressionChoice,
) -> None:
    """Convert HelpSteer2 into verl parquet files (written atomically) and print a summary.

    Examples: rmjob data helpsteer2 --mode pairwise --src HelpSteer2/ --out data/;
    rmjob data helpsteer2 --config examples/train/pointwise/data_config.yaml
    """
    from rmjob.errors import UserError

    if config is not None:
        given = [
            flag for flag, value in (("--mode", mode), ("--src", src), ("--out", out)) if value is not None
        ]
        given += ["--train-ratio"] if train_ratio is not None else []
        given += ["--split official"] if split is SplitChoice.official else []
        if given:
            raise UserError(
                f"--config sets the source, paths and split_ratio; drop {', '.join(given)} or drop --config"
            )
        _convert_seed_config(config, seed=seed, ties=ties, strict=strict, compression=compression)
        return
    missing = [flag for flag, value in (("--mode", mode), ("--src", src), ("--out", out)) if value is None]
    if missing:
        raise UserError(f"missing {', '.join(missing)} (or pass the seed's data config with --config)")
    assert mode is not None and src is not None and out is not None
    from rmjob.data.convert import ConvertOptions, convert

    _set_up_arrow()

    options = ConvertOptions(
        mode=mode.value,  # type: ignore[arg-type]  # the enum's values are the Literal's values
        src=src,
        out=out,
        split=split.value,  # type: ignore[arg-type]
        train_ratio=0.8 if train_ratio is None else train_ratio,
        seed=seed,
        ties=ties.value,  # type: ignore[arg-type]
        strict=strict,
        allow_shared_prompts=allow_shared_prompts,
        compression=compression.value,
    )
    with _progress_bar(f"converting {mode.value}", _input_size(src)) as report:
        summary = convert(options, progress=report)
    echo("\n".join(summary.lines()))


def _convert_seed_config(
    path: Path, *, seed: int, ties: TiesChoice, strict: bool, compression: CompressionChoice
) -> None:
    from rmjob.data.seed_config import convert_seed_config, load_seed_config

    _set_up_arrow()
    config = load_seed_config(path)
    size = _input_size(config.path) if config.path is not None else 0
    with _progress_bar(f"converting {config.mode}", size) as report:
        summary, written = convert_seed_config(
            config,
            seed=seed,
            ties=ties.value,  # type: ignore[arg-type]
            strict=strict,
            progress=report,
            compression=compression.value,
        )
    echo("\n".join(summary.lines()))
    echo("wrote " + ", ".join(str(p) for p in written))


@contextmanager
def _progress_bar(label: str, size: int) -> Iterator[Callable[[int, int], None]]:
    """A byte progress bar on a terminal for inputs large enough to need one."""
    if size < PROGRESS_MIN_BYTES or not sys.stderr.isatty():
        yield lambda done, total: None  # no bar: rich is not even imported (start-up time)
        return
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=size)
        yield lambda done, total: bar.update(task, completed=done, total=total)


@app.command(
    Opt("--out", type=Path, required=True, help="Directory to write the HelpSteer2 layout into."),
    Opt(
        "--size",
        type=SizeChoice,
        default=SizeChoice.sample,
        help="sample: a few hundred rows; full: real counts.",
    ),
    Opt("--seed", type=int, default=42, help="Same seed, same bytes."),
)
def synth(out: Path, size: SizeChoice, seed: int) -> None:
    """Write a deterministic synthetic HelpSteer2 (train, validation, preference files)."""
    from rmjob.data.synthetic import generate
    from rmjob.errors import UserError

    if out.exists() and not out.is_dir():
        raise UserError(f"--out {out} is a file; pass a directory")
    try:
        summary = generate(out, size=size.value, seed=seed)  # type: ignore[arg-type]
    except OSError as exc:
        raise UserError(
            f"cannot write {exc.filename or out}: {exc.strerror or exc}; "
            "pass an --out directory you can write to"
        ) from None
    for name, path in summary.files.items():
        echo(f"{path}: {summary.rows[name]:,} rows ({name})")


@app.command(
    Opt("--mode", type=ModeChoice, required=True, help="pointwise or pairwise"),
    Opt(
        "--src",
        help="HelpSteer2 directory or file as the cluster sees it "
        "(default: the data volume's helpsteer2-raw/; /mnt/data/... maps onto the local head's data dir)",
    ),
    Opt("--wait", type=bool, default=False, help="wait for the job to finish; exit 1 if it failed"),
    Opt("--timeout", type=int, default=1800, help="seconds --wait waits at most"),
    Opt("--ray-address", help="Ray dashboard URL of a `ray start` head (default: $RAY_ADDRESS)"),
    Opt("-n", "--namespace", help="Kubernetes namespace"),
    Opt("--context", help="kubeconfig context"),
    Opt("--cluster", default="rm-cluster", help="the chart's RayCluster to run on"),
)
def submit(
    mode: ModeChoice,
    src: str | None,
    wait: bool,
    timeout: int,
    ray_address: str | None,
    namespace: str | None,
    context: str | None,
    cluster: str,
) -> None:
    """Run the HelpSteer2 conversion as a job on the cluster; the parquet lands where training reads it.

    On Kubernetes a RayJob on the chart's RayCluster (its head mounts the data volume at /mnt/data);
    with --ray-address (or $RAY_ADDRESS) a Ray job on a `ray start` head, writing its local data dir.

    Example: rmjob data submit --mode pairwise --src data/helpsteer2-synthetic --wait
    (with RAY_ADDRESS=http://127.0.0.1:8265, or --ray-address)
    """
    from rmjob.cli import ray_runs

    if ray := ray_runs.ray_backend(ray_address, namespace, context):
        ray_runs.data_submit(ray, mode.value, src, wait, timeout)
        return
    from rmjob.follow import wait_for
    from rmjob.kube.backend import KubeBackend
    from rmjob.platform import load_platform
    from rmjob.render import raw_source_dir, render_data_rayjob

    platform = load_platform()
    job = render_data_rayjob(mode.value, src or raw_source_dir(platform), platform, cluster)
    kube = KubeBackend.connect(context, namespace)
    _, verb = kube.cluster.apply(job)
    name = job["metadata"]["name"]
    echo(f"rayjob.ray.io/{name} {verb} in {kube.where}")
    echo(f"  {job['spec']['entrypoint']}")
    if not wait:
        return
    status = None
    for status in wait_for(kube, name, ray_runs.FINAL_STATES, timeout):
        echo(f"{name}: {status.state}: {status.summary}")
    if status is None or status.state != "succeeded":
        raise SystemExit(1)


def _set_up_arrow() -> None:
    """Load pyarrow for a conversion: without NumPy, and with the system allocator.

    NumPy is optional to pyarrow (pyarrow/lib.pyx and pyarrow/_compute.pyx import it in a ``try`` and
    set ``np = None`` without it) and the converter never hands Arrow data to it, but loading it takes
    ~50 ms and starts OpenBLAS threads that spin on the second core (measured: 0.07 s of a 0.68 s
    pointwise run). ``main`` owns its process (it ends in ``sys.exit``), so when neither library is
    loaded yet, NumPy is hidden while pyarrow loads. Code that imports NumPy later still gets it; pyarrow
    in this process goes on without it. A process that already has either keeps what it has.

    Arrow's default pool (mimalloc) keeps freed blocks; the system allocator returns them, which keeps
    peak RSS flat as blocks stream through (measured: about 50 MiB lower, same speed).
    """
    if "pyarrow" not in sys.modules and "numpy" not in sys.modules:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # `import numpy` raises ImportError
        try:
            for name in ARROW_MODULES:
                import_module(name)
        except ImportError:
            pass  # no pyarrow: the converter says how to install it
        finally:
            del sys.modules["numpy"]
    try:
        import pyarrow as pa
    except ImportError:
        return
    pa.set_memory_pool(pa.system_memory_pool())


def _input_size(src: Path) -> int:
    if src.is_file():
        return src.stat().st_size
    if src.is_dir():
        return sum(p.stat().st_size for p in src.rglob("*") if p.is_file())
    return 0
