"""``rmjob eval``: is my judge any good? Benchmarks on HelpSteer2 validation and RM-Bench.

Thin: options -> ``rmjob.eval``; torch, transformers, verl and vLLM load only when a step needs them
(merging a checkpoint, generating). Bad input is one line, exit 2.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from rmjob.errors import UserError

if TYPE_CHECKING:
    from rmjob.eval.prompts import JudgeSettings

app = typer.Typer(help="Evaluate a trained judge on HelpSteer2 validation or RM-Bench.", no_args_is_help=True)


class BenchChoice(str, Enum):
    rmbench = "rmbench"
    helpsteer2 = "helpsteer2"


class OutputFormatChoice(str, Enum):
    rm_kit = "rm-kit"
    seed = "seed"


class BackendChoice(str, Enum):
    vllm = "vllm"
    transformers = "transformers"


MODEL = typer.Option(None, "--model", help="Hugging Face model directory of the judge")
RUN = typer.Option(
    None, "--run", help="training run (RayJob name, or its checkpoint directory): merge its checkpoint first"
)
STEP = typer.Option(None, "--step", min=0, help="checkpoint step of --run (default: the latest)")
CHECKPOINTS = typer.Option(
    None, "--checkpoints", help="where runs keep checkpoints (default: the platform mount)"
)
BENCH = typer.Option(..., "--bench", help="rmbench, or helpsteer2 (mode from the parquet)")
DATA = typer.Option(
    None,
    "--data",
    help="RM-Bench total_dataset.json, or the HelpSteer2 validation parquet "
    "(default with --spec: the spec's val_files)",
)
JUDGMENTS = typer.Option(None, "--judgments", help="score these judge outputs (JSONL) instead of generating")
BACKEND = typer.Option(
    BackendChoice.transformers, "--backend", help="vllm (GPUs) or transformers (CPU, small)"
)
SPEC = typer.Option(
    None, "--spec", help="training spec or preset: its thinking setting, template text and validation data"
)
THINKING = typer.Option(
    None, "--thinking/--no-thinking", help="chat-template thinking (default: the spec's, else on)"
)
DESCRIPTION = typer.Option(
    None, "--description", help="judge template description (default: the spec's, else built-in)"
)
RUBRIC = typer.Option(None, "--rubric", help="judge template rubric (default: the spec's, else built-in)")
EXAMPLE = typer.Option(
    None, "--example", help="judge template example; repeat for several (default: the spec's)"
)
OUTPUT_FORMAT = typer.Option(
    None, "--output-format", help="rm-kit or seed: what the judge is asked to write (default: the spec's)"
)
TEMPERATURE = typer.Option(0.0, "--temperature", min=0.0, help="0 decodes greedily")
TOP_P = typer.Option(1.0, "--top-p", min=0.0, max=1.0)
MAX_NEW_TOKENS = typer.Option(
    None,
    "--max-new-tokens",
    min=1,
    help="answer length cap (default: the spec's max_response_length, else 2048)",
)
SEED = typer.Option(0, "--seed")
BATCH_SIZE = typer.Option(8, "--batch-size", min=1, help="prompts a batch (transformers backend)")
LIMIT = typer.Option(None, "--limit", min=1, help="only the first N RM-Bench items / parquet rows")
TP = typer.Option(1, "--tensor-parallel-size", min=1, help="GPUs vLLM shards the judge over")
OUT = typer.Option(..., "--out", help="directory for report.json, report.md, report.png, judgments.jsonl")


@app.command()
def run(
    bench: BenchChoice = BENCH,
    out: Path = OUT,
    model: Path | None = MODEL,
    run_name: str | None = RUN,
    step: int | None = STEP,
    checkpoints: Path | None = CHECKPOINTS,
    data: Path | None = DATA,
    judgments: Path | None = JUDGMENTS,
    backend: BackendChoice = BACKEND,
    spec: str | None = SPEC,
    thinking: bool | None = THINKING,
    description: str | None = DESCRIPTION,
    rubric: str | None = RUBRIC,
    example: list[str] | None = EXAMPLE,
    output_format: OutputFormatChoice | None = OUTPUT_FORMAT,
    temperature: float = TEMPERATURE,
    top_p: float = TOP_P,
    max_new_tokens: int | None = MAX_NEW_TOKENS,
    seed: int = SEED,
    batch_size: int = BATCH_SIZE,
    limit: int | None = LIMIT,
    tensor_parallel_size: int = TP,
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
    model_dir, source = judge_model(model, run_name, step, root, log=lambda line: typer.echo(line, err=True))
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
    result = run_eval(options, log=lambda line: typer.echo(line, err=True))
    from rmjob.eval.report import table

    typer.echo(table(result.report), nl=False)
    for path in result.files:
        typer.echo(f"wrote {path}")


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


@app.command()
def report(
    directory: Path = typer.Argument(..., metavar="DIR", help="an `rmjob eval run --out` directory"),
) -> None:
    """Print an eval report's table (report.json in DIR) next to the seed's figure."""
    from rmjob.eval.report import load_report, table

    typer.echo(table(load_report(directory)), nl=False)


class DryRun(str, Enum):
    none = "none"
    client = "client"
    server = "server"


@app.command()
def submit(
    bench: BenchChoice = BENCH,
    run_name: str | None = typer.Option(
        None, "--run", help="training RayJob name: its checkpoints are merged"
    ),
    model: str | None = typer.Option(None, "--model", help="model directory as the pods see it"),
    step: int | None = STEP,
    spec: str = typer.Option(
        "pairwise", "--spec", help="the training spec or preset: cluster, image, thinking, template, val data"
    ),
    data: str | None = typer.Option(
        None, "--data", help="data path in the pods (default: see rmjob eval run)"
    ),
    out: str | None = typer.Option(
        None, "--out", help="report directory in the pods (default: beside the run)"
    ),
    temperature: float = TEMPERATURE,
    top_p: float = TOP_P,
    max_new_tokens: int | None = MAX_NEW_TOKENS,
    seed: int = SEED,
    limit: int | None = LIMIT,
    tensor_parallel_size: int = TP,
    dry_run: DryRun = typer.Option(DryRun.none, "--dry-run", help="client: print only; server: validate"),
    runtime_env: str | None = typer.Option(None, "--runtime-env", help="runtime_env.yaml to merge"),
    namespace: str | None = typer.Option(
        None, "-n", "--namespace", help="namespace (default: the context's)"
    ),
    context: str | None = typer.Option(
        None, "--context", help="kubeconfig context (default: the current one)"
    ),
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
        typer.echo(to_yaml(rayjob), nl=False)
        return
    from rmjob.kube import Cluster

    cluster = Cluster.connect(context, namespace)
    _, verb = cluster.apply(rayjob, dry_run=dry_run is DryRun.server)
    suffix = " (server dry run)" if dry_run is DryRun.server else ""
    typer.echo(f"rayjob.ray.io/{rayjob['metadata']['name']} {verb}{suffix} in namespace {cluster.namespace}")
