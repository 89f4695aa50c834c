"""``rmjob eval``: is my judge any good? Benchmarks on HelpSteer2 validation and RM-Bench.

Thin: options -> ``rmjob.eval``; torch, transformers, verl and vLLM load only when a step needs them
(merging a checkpoint, generating). Bad input is one line, exit 2.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

from rmjob.cli.command import Arg, Group, Opt, echo
from rmjob.errors import UserError

if TYPE_CHECKING:
    from rmjob.eval.prompts import JudgeSettings

app = Group("eval", "Evaluate a trained judge on HelpSteer2 validation or RM-Bench.")
COMMANDS = (app,)  # what rmjob.cli imports from here


class BenchChoice(str, Enum):
    rmbench = "rmbench"
    helpsteer2 = "helpsteer2"


class OutputFormatChoice(str, Enum):
    rm_kit = "rm-kit"
    seed = "seed"


class BackendChoice(str, Enum):
    vllm = "vllm"
    transformers = "transformers"


MODEL = Opt("--model", type=Path, help="Hugging Face model directory of the judge")
RUN = Opt(
    "--run",
    dest="run_name",
    help="training run (RayJob name, or its checkpoint directory): merge its checkpoint first",
)
STEP = Opt("--step", type=int, min=0, help="checkpoint step of --run (default: the latest)")
CHECKPOINTS = Opt(
    "--checkpoints", type=Path, help="where runs keep checkpoints (default: the platform mount)"
)
BENCH = Opt("--bench", type=BenchChoice, required=True, help="rmbench, or helpsteer2 (mode from the parquet)")
DATA = Opt(
    "--data",
    type=Path,
    help="RM-Bench total_dataset.json, or the HelpSteer2 validation parquet "
    "(default with --spec: the spec's val_files)",
)
JUDGMENTS = Opt("--judgments", type=Path, help="score these judge outputs (JSONL) instead of generating")
BACKEND = Opt(
    "--backend",
    type=BackendChoice,
    default=BackendChoice.transformers,
    help="vllm (GPUs) or transformers (CPU, small)",
)
SPEC = Opt("--spec", help="training spec or preset: its thinking setting, template text and validation data")
THINKING = Opt(
    "--thinking",
    type=bool,
    negatable=True,
    help="chat-template thinking (default: the spec's, else on)",
)
DESCRIPTION = Opt("--description", help="judge template description (default: the spec's, else built-in)")
RUBRIC = Opt("--rubric", help="judge template rubric (default: the spec's, else built-in)")
EXAMPLE = Opt(
    "--example", repeat=True, help="judge template example; repeat for several (default: the spec's)"
)
OUTPUT_FORMAT = Opt(
    "--output-format",
    type=OutputFormatChoice,
    help="rm-kit or seed: what the judge is asked to write (default: the spec's)",
)
TEMPERATURE = Opt("--temperature", type=float, default=0.0, min=0.0, help="0 decodes greedily")
TOP_P = Opt("--top-p", type=float, default=1.0, min=0.0, max=1.0)
MAX_NEW_TOKENS = Opt(
    "--max-new-tokens",
    type=int,
    min=1,
    help="answer length cap (default: the spec's max_response_length, else 2048)",
)
SEED = Opt("--seed", type=int, default=0)
BATCH_SIZE = Opt("--batch-size", type=int, default=8, min=1, help="prompts a batch (transformers backend)")
LIMIT = Opt("--limit", type=int, min=1, help="only the first N RM-Bench items / parquet rows")
TP = Opt("--tensor-parallel-size", type=int, default=1, min=1, help="GPUs vLLM shards the judge over")
OUT = Opt(
    "--out",
    type=Path,
    required=True,
    help="directory for report.json, report.md, report.png, judgments.jsonl",
)


@app.command(
    BENCH,
    OUT,
    MODEL,
    RUN,
    STEP,
    CHECKPOINTS,
    DATA,
    JUDGMENTS,
    BACKEND,
    SPEC,
    THINKING,
    DESCRIPTION,
    RUBRIC,
    EXAMPLE,
    OUTPUT_FORMAT,
    TEMPERATURE,
    TOP_P,
    MAX_NEW_TOKENS,
    SEED,
    BATCH_SIZE,
    LIMIT,
    TP,
)
def run(
    bench: BenchChoice,
    out: Path,
    model: Path | None,
    run_name: str | None,
    step: int | None,
    checkpoints: Path | None,
    data: Path | None,
    judgments: Path | None,
    backend: BackendChoice,
    spec: str | None,
    thinking: bool | None,
    description: str | None,
    rubric: str | None,
    example: list[str],
    output_format: OutputFormatChoice | None,
    temperature: float,
    top_p: float,
    max_new_tokens: int | None,
    seed: int,
    batch_size: int,
    limit: int | None,
    tensor_parallel_size: int,
) -> None:
    """Judge a benchmark with a model (or score judgments you have) and write the report.

    Examples:
      rmjob eval run --bench helpsteer2 --run rm-pairwise-1a2b3c4d --spec pairwise --backend vllm --out eval/
      rmjob eval run --bench rmbench --data total_dataset.json --judgments outputs.jsonl --out eval/
    """
    from rmjob.eval.generate import Sampling
    from rmjob.eval.pipeline import EvalOptions, run_eval
    from rmjob.eval.prompts import JudgeSettings

    if judgments is not None and (model is not None or run_name is not None):
        raise UserError(
            "--judgments scores existing outputs; drop --model/--run (or drop --judgments to generate)"
        )
    settings, default_data, spec_tokens = _from_spec(spec, bench)
    settings = JudgeSettings(
        settings.enable_thinking if thinking is None else thinking,
        description or settings.description,
        rubric or settings.rubric,
        tuple(example) if example else settings.examples,
        output_format.value if output_format else settings.output_format,
    )
    data = data or default_data
    if data is None:
        raise UserError(
            f"--bench {bench.value} needs --data FILE (or --spec for the HelpSteer2 validation parquet)"
        )
    if model is not None or run_name is not None:  # before a merge that a missing backend would waste
        from rmjob.eval.generate import check_backend

        check_backend(backend.value)  # type: ignore[arg-type]
    from rmjob.eval.checkpoints import judge_model
    from rmjob.platform import load_platform

    root = checkpoints or Path(load_platform().paths.checkpoints)
    model_dir, source = judge_model(model, run_name, step, root, log=lambda line: echo(line, err=True))
    options = EvalOptions(
        bench=bench.value,  # type: ignore[arg-type]  # the enum's values are the Literal's values
        data=data,
        out=out,
        model=model_dir,
        judgments=judgments,
        backend=backend.value,  # type: ignore[arg-type]
        judge=settings,
        sampling=Sampling(temperature, top_p, max_new_tokens or spec_tokens, seed, batch_size),
        limit=limit,
        tensor_parallel_size=tensor_parallel_size,
        source=source,
    )
    result = run_eval(options, log=lambda line: echo(line, err=True))
    from rmjob.eval.report import table

    echo(table(result.report), nl=False)
    for path in result.files:
        echo(f"wrote {path}")


def _from_spec(spec: str | None, bench: BenchChoice) -> tuple[JudgeSettings, Path | None, int]:
    from rmjob.eval.prompts import JudgeSettings

    if spec is None:
        return JudgeSettings(), None, 2048
    from rmjob.spec import load_spec

    loaded = load_spec(spec)
    t = loaded.template
    settings = JudgeSettings(
        loaded.model.enable_thinking,
        t.description,
        t.rubric,
        None if t.examples is None else tuple(t.examples),
        t.output_format,
    )
    data = Path(loaded.data.val_files[0]) if bench is BenchChoice.helpsteer2 else None
    return settings, data, loaded.training.max_response_length


@app.command(Arg("directory", metavar="DIR", type=Path, help="an `rmjob eval run --out` directory"))
def report(directory: Path) -> None:
    """Print an eval report's table (report.json in DIR) next to the seed's figure."""
    from rmjob.eval.report import load_report, table

    echo(table(load_report(directory)), nl=False)


class DryRun(str, Enum):
    none = "none"
    client = "client"
    server = "server"


@app.command(
    BENCH,
    Opt("--run", dest="run_name", help="training RayJob name: its checkpoints are merged"),
    Opt("--model", help="model directory as the pods see it"),
    STEP,
    Opt(
        "--spec",
        default="pairwise",
        help="the training spec or preset: cluster, image, thinking, template, val data",
    ),
    Opt("--data", help="data path in the pods (default: see rmjob eval run)"),
    Opt("--out", help="report directory in the pods (default: beside the run)"),
    TEMPERATURE,
    TOP_P,
    MAX_NEW_TOKENS,
    SEED,
    LIMIT,
    TP,
    Opt("--dry-run", type=DryRun, default=DryRun.none, help="client: print only; server: validate"),
    Opt("--runtime-env", help="runtime_env.yaml to merge"),
    Opt("-n", "--namespace", help="namespace (default: the context's)"),
    Opt("--context", help="kubeconfig context (default: the current one)"),
)
def submit(
    bench: BenchChoice,
    run_name: str | None,
    model: str | None,
    step: int | None,
    spec: str,
    data: str | None,
    out: str | None,
    temperature: float,
    top_p: float,
    max_new_tokens: int | None,
    seed: int,
    limit: int | None,
    tensor_parallel_size: int,
    dry_run: DryRun,
    runtime_env: str | None,
    namespace: str | None,
    context: str | None,
) -> None:
    """Run `rmjob eval run` as a RayJob with vLLM on a GPU worker; the report lands beside the run.

    Example: rmjob eval submit --bench helpsteer2 --run rm-pairwise-1a2b3c4d --spec pairwise
    """
    from rmjob.eval.job import EvalJob, render_eval_rayjob
    from rmjob.platform import load_platform
    from rmjob.render import to_yaml
    from rmjob.runtime_env import find_runtime_env, load_runtime_env
    from rmjob.spec import load_spec

    job = EvalJob(
        bench=bench.value,
        run=run_name,
        model=model,
        step=step,
        data=data,
        limit=limit,
        temperature=temperature,
        top_p=top_p,
        max_new_tokens=max_new_tokens,
        seed=seed,
        tensor_parallel_size=tensor_parallel_size,
        out=out,
    )
    platform = load_platform()
    rayjob = render_eval_rayjob(
        job, load_spec(spec, platform), load_runtime_env(find_runtime_env(runtime_env)), platform
    )
    if dry_run is DryRun.client:
        echo(to_yaml(rayjob), nl=False)
        return
    from rmjob.kube import Cluster

    cluster = Cluster.connect(context, namespace)
    _, verb = cluster.apply(rayjob, dry_run=dry_run is DryRun.server)
    suffix = " (server dry run)" if dry_run is DryRun.server else ""
    echo(f"rayjob.ray.io/{rayjob['metadata']['name']} {verb}{suffix} in namespace {cluster.namespace}")
