"""Submit and monitor: submit, list, status, watch, logs, describe, metrics, plot, stop, delete.

Thin: each command turns its flags into a ``RunBackend`` (``rmjob.backend``) and options, calls it
or a follower from ``rmjob.follow``, and prints. No loop here reads cluster state. Exit codes:
0 fine, 1 the run failed (status/watch/wait), 2 bad input or an unusable cluster.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmjob.cli import ray_runs
from rmjob.cli.command import Arg, Opt, command, echo
from rmjob.cli.ray_runs import RAY_ADDRESS
from rmjob.errors import UserError

if TYPE_CHECKING:
    from rmjob.backend import StepProgress

NAMESPACE = Opt("-n", "--namespace", help="namespace (default: the context's, else default)")
CONTEXT = Opt("--context", help="kubeconfig context (default: the current one)")
# Where a run is: every command that reads one takes these.
WHERE = (NAMESPACE, CONTEXT, RAY_ADDRESS)


class Format(str, Enum):
    table = "table"
    yaml = "yaml"
    json = "json"


# `submit --wait` returns once the run is past start-up.
WAIT_STATES = {"running", "succeeded", "failed", "stopped", "deleted"}


class DryRun(str, Enum):
    none = "none"
    client = "client"
    server = "server"


def _backend(context: str | None, namespace: str | None, ray_address: str | None = None) -> Any:
    """The runs' backend the flags select (a ``RunBackend``): a Ray head's, else Kubernetes'."""
    if ray := ray_runs.ray_backend(ray_address, namespace, context):
        return ray
    from rmjob.kube.backend import KubeBackend

    return KubeBackend.connect(context, namespace)


def _emit(data: Any, fmt: Format) -> None:
    if fmt is Format.json:
        echo(json.dumps(data, indent=2, default=str))
    else:
        import yaml

        echo(yaml.safe_dump(data, sort_keys=False), nl=False)


def _table(headers: list[str], rows: list[list[str]], err: bool = False) -> None:
    """kubectl-style plain columns (no box drawing): easy to read and to grep."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    for row in [headers, *rows]:
        echo("   ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip(), err=err)


def _age(created: str | None) -> str:
    from rmjob.monitor.status import format_duration, parse_time

    start = parse_time(created)
    return format_duration((datetime.now(timezone.utc) - start).total_seconds()) if start else "-"


@command(
    Arg("spec_or_preset", metavar="SPEC_OR_PRESET"),
    Opt(
        "--dry-run",
        type=DryRun,
        default=DryRun.none,
        help="client: print only; server: validate on the server",
    ),
    Opt("--wait", type=bool, default=False, help="wait until the run is running or finished"),
    Opt("--timeout", type=int, default=1800, min=1, help="seconds --wait waits at most"),
    Opt("--runtime-env", help="runtime_env.yaml to merge"),
    Opt("--skip-check", type=bool, default=False, help="submit even if `rmjob check` refuses it"),
    *WHERE,
)
def submit(
    spec_or_preset: str,
    dry_run: DryRun,
    wait: bool,
    timeout: int,
    runtime_env: str | None,
    skip_check: bool,
    namespace: str | None,
    context: str | None,
    ray_address: str | None,
) -> None:
    """Check the run (`rmjob check`), render it and server-side apply it (field manager rmjob); the same
    spec twice is a no-op.

    With --ray-address (or $RAY_ADDRESS) it submits the same entrypoint and runtime env to a
    `ray start` head instead, and --wait waits for the job to end.
    """
    from rmjob.platform import load_platform
    from rmjob.render import render_rayjob, to_yaml
    from rmjob.runtime_env import find_runtime_env, load_runtime_env
    from rmjob.spec import load_spec

    if dry_run is DryRun.none and (ray := ray_runs.ray_backend(ray_address, namespace, context)):
        _preflight(spec_or_preset, runtime_env, None, skip_check, "a Ray head, not a kube cluster")
        return ray_runs.submit(ray, spec_or_preset, runtime_env, wait, timeout)
    platform = load_platform()
    spec = load_spec(spec_or_preset, platform)
    job = render_rayjob(spec, load_runtime_env(find_runtime_env(runtime_env)), platform)
    if dry_run is DryRun.client:
        _preflight(spec_or_preset, runtime_env, None, skip_check, "--dry-run client: cluster not read")
        echo(to_yaml(job), nl=False)
        return
    from rmjob.follow import wait_for
    from rmjob.kube.backend import KubeBackend

    backend = KubeBackend.connect(context, namespace)
    _preflight(spec_or_preset, runtime_env, backend.cluster, skip_check)
    _, verb = backend.cluster.apply(job, dry_run=dry_run is DryRun.server)
    name = job["metadata"]["name"]
    suffix = " (server dry run)" if dry_run is DryRun.server else ""
    echo(f"rayjob.ray.io/{name} {verb}{suffix} in {backend.where}")
    if wait and dry_run is DryRun.none:
        status = None
        for status in wait_for(backend, name, WAIT_STATES, timeout):
            echo(f"{name}: {status.state}: {status.summary}")
        if status is not None and status.state == "failed":
            raise SystemExit(1)


def _preflight(
    spec_or_preset: str, runtime_env: str | None, cluster: Any, skip: bool, no_cluster: str = ""
) -> None:
    """`rmjob check` before anything is applied: a refused run exits 1 with the table on stderr."""
    if skip:
        echo("warning: --skip-check: submitting without the preflight checks (rmjob check)", err=True)
        return
    from rmjob.cli.check import print_report, reader
    from rmjob.preflight import preflight

    report = preflight(spec_or_preset, runtime_env, [], reader(cluster), no_cluster)
    if not report.ok:
        print_report(report, "table", err=True)
        echo("not submitted; fix the spec, or pass --skip-check to submit anyway", err=True)
        raise SystemExit(1)


OUTPUT = Opt("-o", "--output", type=Format, default=Format.table)


@command(
    OUTPUT,
    Opt("--all", type=bool, default=False, dest="all_jobs", help="include RayJobs not made by rmjob"),
    *WHERE,
    name="list",
)
def list_runs(
    output: Format, all_jobs: bool, namespace: str | None, context: str | None, ray_address: str | None
) -> None:
    """Table of runs: mode, model, status, progress, age."""
    from rmjob.follow import progress_of

    backend = _backend(context, namespace, ray_address)
    runs = backend.list_runs(all_jobs)
    progress = progress_of(backend, [s.job.name for s in runs if s.job.job_status == "RUNNING"])
    rows = []
    for status in runs:
        j = status.job
        step = progress.get(j.name)
        rows.append(
            {
                "name": j.name,
                "mode": j.mode,
                "model": j.model,
                "status": status.state,
                "progress": step.describe() if step else "done" if status.state == "succeeded" else "-",
                "age": _age(j.created),
            }
        )
    if output is not Format.table:
        _emit(rows, output)
        return
    if not rows:
        echo(f"no runs in {backend.where}")
        return
    _table(["NAME", "MODE", "MODEL", "STATUS", "PROGRESS", "AGE"], [list(r.values()) for r in rows])


def _status_dict(obs: Any) -> dict[str, Any]:
    from rmjob.monitor.status import format_duration

    j, s = obs.job, obs.status
    return {
        "name": j.name,
        "namespace": j.namespace,
        "mode": j.mode,
        "model": j.model,
        "state": s.state,
        "summary": s.summary,
        "deploymentStatus": j.deployment_status or "-",
        "jobStatus": j.job_status or "-",
        "cluster": j.cluster_name or "-",
        "pods": f"{s.pods_ready}/{s.pods_total} ready",
        "gpus": s.gpus,
        "start": j.start_time or "-",
        "end": j.end_time or "-",
        "duration": format_duration(s.duration_s),
        "reason": j.reason or "-",
        "message": j.message or "-",
        "diagnosis": list(dict.fromkeys(f.summary for f in obs.findings)),
    }


@command(Arg("name", help="RayJob name, or a spec name for its newest run"), OUTPUT, *WHERE)
def status(
    name: str, output: Format, namespace: str | None, context: str | None, ray_address: str | None
) -> None:
    """Deployment and job status, cluster, pods, GPUs, times, and what it means. Exit 1 if failed."""
    obs = _backend(context, namespace, ray_address).observe(name)
    data = _status_dict(obs)
    if output is Format.table:
        for key, value in data.items():
            if key == "diagnosis":
                for line in value:
                    echo(f"{'diagnosis':<17} {line}")
            else:
                echo(f"{key:<17} {value}")
    else:
        _emit(data, output)
    if obs.status.state == "failed":
        raise SystemExit(1)


@command(Arg("name"), *WHERE)
def describe(name: str, namespace: str | None, context: str | None, ray_address: str | None) -> None:
    """Events of the RayJob, its RayCluster and pods, with a diagnosis."""
    obs = _backend(context, namespace, ray_address).observe(name)
    echo(f"{obs.job.name}: {obs.status.state}: {obs.status.summary}")
    echo("\nPods:")
    _table(
        ["NAME", "ROLE", "PHASE", "READY", "NODE", "GPUS"],
        [[p.name, p.role, p.phase, str(p.ready).lower(), p.node or "-", str(p.gpus)] for p in obs.pods],
    ) if obs.pods else echo("  none yet")
    echo("\nEvents:")
    if obs.events:
        _table(
            ["TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"],
            [[e.type, e.reason, f"{e.kind.lower()}/{e.name}", str(e.count), e.message] for e in obs.events],
        )
    else:
        echo("  none")
    echo("\nDiagnosis:")
    for finding in obs.findings or []:
        echo(f"  [{finding.code}] {finding.subject}: {finding.summary}")
    if not obs.findings:
        echo("  nothing wrong found")


@command(
    Arg("name"),
    Opt("-f", "--follow", type=bool, default=False),
    Opt("--pod", default="submitter", help="submitter (verl's output), head, or worker-N"),
    Opt("--tail", type=int, help="last N lines"),
    *WHERE,
)
def logs(
    name: str,
    follow: bool,
    pod: str,
    tail: int | None,
    namespace: str | None,
    context: str | None,
    ray_address: str | None,
) -> None:
    """Logs of a run's pods through the API server (verl's console output by default)."""
    # Written as the pod printed it (colour codes too, as kubectl logs does); flushed per line only when
    # following: a long log is written in buffered blocks (echo() flushes every line).
    for line in _backend(context, namespace, ray_address).logs(name, follow=follow, tail=tail, part=pod):
        sys.stdout.write(line + "\n")
        if follow:
            sys.stdout.flush()


def _load_log(
    name_or_file: str, namespace: str | None, context: str | None, ray_address: str | None = None
) -> tuple[Any, str, bool]:
    """Parse a saved log file, or the live log of a run; and whether the run has ended."""
    from rmjob.monitor.logs import parse_log, read_log_file

    path = Path(name_or_file)
    if path.is_file():
        return read_log_file(path), path.stem, True
    if "/" in name_or_file or "." in name_or_file:  # a RayJob name has neither
        raise UserError(f"no such log file: {name_or_file} (pass a saved log file, or a run name)")
    from rmjob.backend import NoOutputYet

    backend = _backend(context, namespace, ray_address)
    try:
        lines = list(backend.logs(name_or_file))
    except NoOutputYet:
        lines = []  # not submitted to Ray yet: no metrics
    return parse_log(lines), name_or_file, backend.observe(name_or_file).status.finished


NAME_OR_LOG = Arg("name", help="run name, or a saved log file")


@command(NAME_OR_LOG, OUTPUT, *WHERE)
def metrics(
    name: str, output: Format, namespace: str | None, context: str | None, ray_address: str | None
) -> None:
    """Per-step metrics verl printed: validation accuracy and reward, reward, response length, throughput.

    VAL_ACC is exact accuracy: rm-kit's val-core, and the figure the seed publishes (its curves plot
    val-aux/<source>/accuracy/mean@1). VAL_REWARD is the mean validation reward, the seed's val-core.
    """
    from rmjob.monitor.logs import metrics_rows

    log, _, finished = _load_log(name, namespace, context, ray_address)
    rows = metrics_rows(log)
    if output is not Format.table:
        _emit({"total_steps": log.total_steps, "steps": rows, "errors": log.errors}, output)
        return
    if not rows:
        echo(
            "no training step was reached: the run ended before verl's first step"
            if finished
            else "no verl step metrics in the log yet"
        )
    else:

        def cell(v: Any, fmt: str) -> str:
            return "-" if v is None else format(v, fmt)

        _table(
            ["STEP", "VAL_ACC", "VAL_REWARD", "REWARD", "RESP_LEN", "TOKENS/S/GPU", "STEP_S"],
            [
                [
                    str(r["step"]),
                    cell(r["val_acc"], ".3f"),
                    cell(r["val_reward"], ".3f"),
                    cell(r["reward"], ".3f"),
                    cell(r["response_length"], ".0f"),
                    cell(r["throughput"], ".0f"),
                    cell(r["step_time_s"], ".1f"),
                ]
                for r in rows
            ],
        )
    for error in log.errors:
        echo(f"error in log: {error}", err=True)


@command(NAME_OR_LOG, Opt("-o", "--out", type=Path, default=Path("curves.png")), *WHERE)
def plot(name: str, out: Path, namespace: str | None, context: str | None, ray_address: str | None) -> None:
    """Validation, reward, response length and throughput against step: PNG, PDF or SVG by suffix (no W&B)."""
    from rmjob.monitor.plot import plot_format, write_plot

    plot_format(out)  # refuse a name we cannot honour before reading any log
    log, title, _ = _load_log(name, namespace, context, ray_address)
    write_plot(log, title, out)
    echo(f"wrote {out} ({len(log.steps)} steps)")


@command(Arg("name"), *WHERE)
def stop(name: str, namespace: str | None, context: str | None, ray_address: str | None) -> None:
    """Stop a run: suspend it (KubeRay stops the job and deletes its cluster)."""
    echo(_backend(context, namespace, ray_address).stop(name))


@command(Arg("name"), *WHERE)
def delete(name: str, namespace: str | None, context: str | None, ray_address: str | None) -> None:
    """Delete a run's RayJob (KubeRay stops the Ray job; an ephemeral cluster goes with it)."""
    echo(_backend(context, namespace, ray_address).delete(name))


@command(
    Arg("name"),
    Opt("--timeout", type=int, default=86400, min=1, help="stop watching after this many seconds"),
    *WHERE,
)
def watch(
    name: str, timeout: int, namespace: str | None, context: str | None, ray_address: str | None
) -> None:
    """Follow a run live: state changes from the watch API, training steps from the logs."""
    from rmjob.backend import StepProgress
    from rmjob.follow import StepsStopped, follow_run
    from rmjob.monitor.status import RunStatus

    backend = _backend(context, namespace, ray_address)
    bar = _ProgressBar(name) if sys.stdout.isatty() else None
    say = bar.print if bar else echo
    status: RunStatus | None = None
    step: StepProgress | None = None
    try:
        for update in follow_run(backend, name, timeout):
            if isinstance(update, RunStatus):
                status = update
                steps = f", {step.describe()}" if step else ""
                say(f"{status.job.name}: {status.state}: {status.summary}{steps}")
            elif isinstance(update, StepProgress):
                step = update
                if bar:
                    bar.update(step)
            elif isinstance(update, StepsStopped):
                echo(f"{name}: stopped following training steps: {update.reason}", err=True)
    finally:
        if bar:
            bar.close()
    counts = backend.request_counts()
    seen = step.describe() if step else "no training steps seen"
    echo(
        f"{status.job.name if status else name}: {seen}; API requests: {counts['status']} for status, "
        f"{counts['logs']} for log following",
        err=True,
    )
    if status is not None and status.state == "failed":
        raise SystemExit(1)


class _ProgressBar:
    """A Rich progress bar of training steps under the status lines (terminals only)."""

    def __init__(self, name: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        )
        self.task = self.progress.add_task(f"{name} steps", total=None)
        self.progress.start()

    def update(self, step: StepProgress) -> None:
        self.progress.update(self.task, completed=step.step, total=step.total)

    def print(self, line: str) -> None:
        self.progress.console.print(line, highlight=False, markup=False)

    def close(self) -> None:
        self.progress.stop()


# The commands defined here (rmjob.cli registers them by name, in the order `rmjob --help` lists them).
COMMANDS = (submit, list_runs, status, watch, logs, describe, metrics, plot, stop, delete)
