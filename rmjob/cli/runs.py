"""Submit and monitor: submit, list, status, watch, logs, describe, metrics, plot, stop, delete.

Thin: each command connects, calls ``rmjob.kube`` / ``rmjob.monitor``, and prints. Exit codes:
0 fine, 1 the run failed (status/watch/wait), 2 bad input or an unusable cluster.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from enum import Enum
from pathlib import Path
from typing import Any

import typer

from rmjob.errors import UserError

NAMESPACE = typer.Option(None, "-n", "--namespace", help="namespace (default: the context's, else default)")
CONTEXT = typer.Option(None, "--context", help="kubeconfig context (default: the current one)")


class Format(str, Enum):
    table = "table"
    yaml = "yaml"
    json = "json"


class DryRun(str, Enum):
    none = "none"
    client = "client"
    server = "server"


def _connect(context: str | None, namespace: str | None) -> Any:
    from rmjob.kube import Cluster

    return Cluster.connect(context, namespace)


def _emit(data: Any, fmt: Format) -> None:
    if fmt is Format.json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        import yaml

        typer.echo(yaml.safe_dump(data, sort_keys=False), nl=False)


def _table(headers: list[str], rows: list[list[str]]) -> None:
    """kubectl-style plain columns (no box drawing): easy to read and to grep."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    for row in [headers, *rows]:
        typer.echo("   ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def _age(created: str | None) -> str:
    from rmjob.monitor.status import format_duration, parse_time

    start = parse_time(created)
    return format_duration((datetime.now(timezone.utc) - start).total_seconds()) if start else "-"


def submit(
    spec_or_preset: str = typer.Argument(..., metavar="SPEC_OR_PRESET"),
    dry_run: DryRun = typer.Option(
        DryRun.none, "--dry-run", help="client: print only; server: validate on the server"
    ),
    wait: bool = typer.Option(False, "--wait", help="wait until the run is running or finished"),
    timeout: int = typer.Option(1800, "--timeout", help="seconds --wait waits at most"),
    runtime_env: str | None = typer.Option(None, "--runtime-env", help="runtime_env.yaml to merge"),
    namespace: str | None = NAMESPACE,
    context: str | None = CONTEXT,
) -> None:
    """Render a run and server-side apply it (field manager rmjob); the same spec twice is a no-op."""
    from rmjob.platform import load_platform
    from rmjob.render import render_rayjob, to_yaml
    from rmjob.runtime_env import find_runtime_env, load_runtime_env
    from rmjob.spec import load_spec

    platform = load_platform()
    spec = load_spec(spec_or_preset, platform)
    job = render_rayjob(spec, load_runtime_env(find_runtime_env(runtime_env)), platform)
    if dry_run is DryRun.client:
        typer.echo(to_yaml(job), nl=False)
        return
    cluster = _connect(context, namespace)
    _, verb = cluster.apply(job, dry_run=dry_run is DryRun.server)
    suffix = " (server dry run)" if dry_run is DryRun.server else ""
    typer.echo(f"rayjob.ray.io/{job['metadata']['name']} {verb}{suffix} in namespace {cluster.namespace}")
    if wait and dry_run is DryRun.none:
        state = _wait_until(
            cluster, job["metadata"]["name"], {"running", "succeeded", "failed", "stopped"}, timeout
        )
        if state == "failed":
            raise typer.Exit(1)


def _wait_until(cluster: Any, name: str, states: set[str], timeout: int) -> str:
    from rmjob.kube.convert import job_info
    from rmjob.monitor.status import run_status

    obj = cluster.get_rayjob(name)
    status = run_status(job_info(obj), [], [])
    typer.echo(f"{name}: {status.state}: {status.summary}")
    if status.state in states:
        return status.state
    last = status.summary
    stop = lambda o: run_status(job_info(o), [], []).state in states  # noqa: E731
    for _, event_obj in cluster.watch_rayjob(name, obj["metadata"]["resourceVersion"], stop, timeout):
        status = run_status(job_info(event_obj), [], [])
        if status.summary != last:
            typer.echo(f"{name}: {status.state}: {status.summary}")
            last = status.summary
        if status.state in states:
            return status.state
    raise UserError(
        f"{name} did not reach {'/'.join(sorted(states))} within {timeout} s (now: {status.state})"
    )


def list_runs(
    output: Format = typer.Option(Format.table, "-o", "--output"),
    all_jobs: bool = typer.Option(False, "--all", help="include RayJobs not made by rmjob"),
    namespace: str | None = NAMESPACE,
    context: str | None = CONTEXT,
) -> None:
    """Table of runs: mode, model, status, progress, age."""
    from rmjob.kube.convert import job_info
    from rmjob.monitor.status import run_status

    cluster = _connect(context, namespace)
    selector = None if all_jobs else "app.kubernetes.io/managed-by=rmjob"
    items = cluster.list_rayjobs(selector)["items"]
    jobs = sorted((job_info(i) for i in items), key=lambda j: j.created or "", reverse=True)
    running = [j for j in jobs if j.job_status == "RUNNING"]
    progress = _progress_of(cluster, running)
    rows = []
    for j in jobs:
        status = run_status(j, [], [])
        rows.append(
            {
                "name": j.name,
                "mode": j.mode,
                "model": j.model,
                "status": status.state,
                "progress": progress.get(j.name, "done" if status.state == "succeeded" else "-"),
                "age": _age(j.created),
            }
        )
    if output is not Format.table:
        _emit(rows, output)
        return
    if not rows:
        typer.echo(f"no runs in namespace {cluster.namespace}")
        return
    _table(["NAME", "MODE", "MODEL", "STATUS", "PROGRESS", "AGE"], [list(r.values()) for r in rows])


def _progress_of(cluster: Any, jobs: list[Any]) -> dict[str, str]:
    """step N/M of running jobs, from the tail of their submitter logs (read in parallel)."""
    from concurrent.futures import ThreadPoolExecutor

    from rmjob.kube.convert import pod_info
    from rmjob.kube.runs import SUBMITTER_LABEL, run_log

    def one(job: Any) -> tuple[str, str]:
        try:
            pods = [pod_info(p) for p in cluster.list_pods(f"{SUBMITTER_LABEL}={job.name}")]
            log = run_log(cluster, pods, tail_lines=400)
        except UserError:
            return job.name, "-"
        total = f"/{log.total_steps}" if log.total_steps else ""
        return job.name, f"step {log.last_step}{total}" if log.steps else "-"

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(one, jobs))


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


def status(
    name: str = typer.Argument(..., help="RayJob name, or a spec name for its newest run"),
    output: Format = typer.Option(Format.table, "-o", "--output"),
    namespace: str | None = NAMESPACE,
    context: str | None = CONTEXT,
) -> None:
    """Deployment and job status, cluster, pods, GPUs, times, and what it means. Exit 1 if failed."""
    from rmjob.kube.runs import observe

    obs = observe(_connect(context, namespace), name)
    data = _status_dict(obs)
    if output is Format.table:
        for key, value in data.items():
            if key == "diagnosis":
                for line in value:
                    typer.echo(f"{'diagnosis':<17} {line}")
            else:
                typer.echo(f"{key:<17} {value}")
    else:
        _emit(data, output)
    if obs.status.state == "failed":
        raise typer.Exit(1)


def describe(
    name: str = typer.Argument(...),
    namespace: str | None = NAMESPACE,
    context: str | None = CONTEXT,
) -> None:
    """Events of the RayJob, its RayCluster and pods, with a diagnosis."""
    from rmjob.kube.runs import observe

    obs = observe(_connect(context, namespace), name)
    typer.echo(f"{obs.job.name}: {obs.status.state}: {obs.status.summary}")
    typer.echo("\nPods:")
    _table(
        ["NAME", "ROLE", "PHASE", "READY", "NODE", "GPUS"],
        [[p.name, p.role, p.phase, str(p.ready).lower(), p.node or "-", str(p.gpus)] for p in obs.pods],
    ) if obs.pods else typer.echo("  none yet")
    typer.echo("\nEvents:")
    if obs.events:
        _table(
            ["TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"],
            [[e.type, e.reason, f"{e.kind.lower()}/{e.name}", str(e.count), e.message] for e in obs.events],
        )
    else:
        typer.echo("  none")
    typer.echo("\nDiagnosis:")
    for finding in obs.findings or []:
        typer.echo(f"  [{finding.code}] {finding.subject}: {finding.summary}")
    if not obs.findings:
        typer.echo("  nothing wrong found")


def logs(
    name: str = typer.Argument(...),
    follow: bool = typer.Option(False, "-f", "--follow"),
    pod: str = typer.Option("submitter", "--pod", help="submitter (verl's output), head, or worker-N"),
    tail: int | None = typer.Option(None, "--tail", help="last N lines"),
    namespace: str | None = NAMESPACE,
    context: str | None = CONTEXT,
) -> None:
    """Logs of a run's pods through the API server (verl's console output by default)."""
    from rmjob.kube.convert import job_info
    from rmjob.kube.runs import container_of, pick_pod, pods_of, resolve

    cluster = _connect(context, namespace)
    job = job_info(resolve(cluster, name))
    chosen = pick_pod(pods_of(cluster, job), pod)
    # Written as the pod printed it (colour codes too, as kubectl logs does); click.echo would strip them.
    if follow:
        for line in cluster.follow_pod_log(chosen.name, container_of(chosen)):
            sys.stdout.write(line + "\n")
            sys.stdout.flush()
    else:
        sys.stdout.write(cluster.pod_log(chosen.name, container_of(chosen), tail_lines=tail))


def _load_log(name_or_file: str, namespace: str | None, context: str | None) -> tuple[Any, str]:
    """Parse a saved log file, or the live log of a run."""
    from rmjob.monitor.logs import parse_log

    path = Path(name_or_file)
    if path.is_file():
        try:
            return parse_log(path.read_text(errors="replace").splitlines()), path.stem
        except OSError as exc:
            raise UserError(f"cannot read {path}: {exc.strerror or exc}") from None
    if "/" in name_or_file or "." in name_or_file:  # a RayJob name has neither
        raise UserError(f"no such log file: {name_or_file} (pass a saved log file, or a run name)")
    from rmjob.kube.convert import job_info
    from rmjob.kube.runs import pods_of, resolve, run_log

    cluster = _connect(context, namespace)
    job = job_info(resolve(cluster, name_or_file))
    return run_log(cluster, pods_of(cluster, job)), job.name


def metrics(
    name: str = typer.Argument(..., help="run name, or a saved log file"),
    output: Format = typer.Option(Format.table, "-o", "--output"),
    namespace: str | None = NAMESPACE,
    context: str | None = CONTEXT,
) -> None:
    """Per-step metrics verl printed: validation accuracy and reward, reward, response length, throughput.

    VAL_ACC is exact accuracy: rm-kit's val-core, and the figure the seed publishes (its curves plot
    val-aux/<source>/accuracy/mean@1). VAL_REWARD is the mean validation reward, the seed's val-core.
    """
    from rmjob.monitor.logs import metrics_rows

    log, _ = _load_log(name, namespace, context)
    rows = metrics_rows(log)
    if output is not Format.table:
        _emit({"total_steps": log.total_steps, "steps": rows, "errors": log.errors}, output)
        return
    if not rows:
        typer.echo("no verl step metrics in the log yet")
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
        typer.echo(f"error in log: {error}", err=True)


def plot(
    name: str = typer.Argument(..., help="run name, or a saved log file"),
    out: Path = typer.Option(Path("curves.png"), "-o", "--out"),
    namespace: str | None = NAMESPACE,
    context: str | None = CONTEXT,
) -> None:
    """Validation, reward, response length and throughput against step as a PNG (logs only, no W&B)."""
    from rmjob.monitor.plot import write_png

    log, title = _load_log(name, namespace, context)
    write_png(log, title, out)
    typer.echo(f"wrote {out} ({len(log.steps)} steps)")


def stop(
    name: str = typer.Argument(...), namespace: str | None = NAMESPACE, context: str | None = CONTEXT
) -> None:
    """Stop a run: suspend it (KubeRay stops the job and deletes its cluster)."""
    from rmjob.kube.convert import job_info
    from rmjob.kube.runs import resolve

    cluster = _connect(context, namespace)
    job = job_info(resolve(cluster, name))
    if job.cluster_selector:
        raise UserError(
            f"{job.name} runs on the shared cluster {job.cluster_selector}, which KubeRay cannot suspend: "
            f"`rmjob delete {job.name}` stops the Ray job and removes the RayJob"
        )
    cluster.patch_rayjob(job.name, {"spec": {"suspend": True}})
    typer.echo(f"rayjob.ray.io/{job.name} suspended")


def delete(
    name: str = typer.Argument(...), namespace: str | None = NAMESPACE, context: str | None = CONTEXT
) -> None:
    """Delete a run's RayJob (KubeRay stops the Ray job; an ephemeral cluster goes with it)."""
    from rmjob.kube.convert import job_info
    from rmjob.kube.runs import resolve

    cluster = _connect(context, namespace)
    job = job_info(resolve(cluster, name))
    cluster.delete_rayjob(job.name)
    typer.echo(f"rayjob.ray.io/{job.name} deleted")


def watch(
    name: str = typer.Argument(...),
    timeout: int = typer.Option(86400, "--timeout", help="stop watching after this many seconds"),
    namespace: str | None = NAMESPACE,
    context: str | None = CONTEXT,
) -> None:
    """Follow a run live: state changes from the watch API, training steps from the logs."""
    from rmjob.kube.convert import job_info
    from rmjob.kube.runs import resolve
    from rmjob.monitor.status import run_status

    cluster = _connect(context, namespace)
    obj = resolve(cluster, name)
    job = job_info(obj)
    # Its own request counter: the report separates the watch stream from log following.
    progress = _StepFollower(dataclasses.replace(cluster, requests=0), job.name)
    progress.start()
    status = run_status(job, [], [])
    bar = _ProgressBar(job.name) if sys.stdout.isatty() else None
    progress.on_step = bar.update if bar else None
    say = bar.print if bar else typer.echo
    say(f"{job.name}: {status.state}: {status.summary}")
    last = status.summary
    try:
        if not status.finished:
            stop_at = lambda o: run_status(job_info(o), [], []).finished  # noqa: E731
            for kind, event_obj in cluster.watch_rayjob(
                job.name, obj["metadata"]["resourceVersion"], stop_at, timeout
            ):
                if kind == "DELETED":
                    say(f"{job.name}: deleted")
                    break
                status = run_status(job_info(event_obj), [], [])
                if status.summary != last:
                    say(f"{job.name}: {status.state}: {status.summary}{progress.describe()}")
                    last = status.summary
    finally:
        progress.stop_event.set()
        if bar:
            bar.close()
    seen = progress.describe().strip(" ,") or "no training steps seen"
    typer.echo(
        f"{job.name}: {seen}; API requests: {cluster.requests} for status, "
        f"{progress.cluster.requests} for log following",
        err=True,
    )
    if status.state == "failed":
        raise typer.Exit(1)


class _ProgressBar:
    """A Rich progress bar of training steps under the status lines (terminals only)."""

    def __init__(self, name: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        )
        self.task = self.progress.add_task(f"{name} steps", total=None)
        self.progress.start()

    def update(self, step: int, total: int | None) -> None:
        self.progress.update(self.task, completed=step, total=total)

    def print(self, line: str) -> None:
        self.progress.console.print(line, highlight=False, markup=False)

    def close(self) -> None:
        self.progress.stop()


class _StepFollower(threading.Thread):
    """Follows the submitter's log in the background and keeps the latest verl step."""

    def __init__(self, cluster: Any, name: str) -> None:
        super().__init__(daemon=True)
        self.cluster, self.name = cluster, name
        self.step: int = 0
        self.total: int | None = None
        self.stop_event = threading.Event()
        self.on_step: Callable[[int, int | None], None] | None = None

    def describe(self) -> str:
        if not self.step:
            return ""
        total = f"/{self.total}" if self.total else ""
        return f", step {self.step}{total}"

    def run(self) -> None:
        from rmjob.kube.runs import SUBMITTER_LABEL
        from rmjob.monitor.logs import parse_log

        while not self.stop_event.wait(2):
            try:
                pods = self.cluster.list_pods(f"{SUBMITTER_LABEL}={self.name}")
                running = [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]
                if not running:
                    continue
                for line in self.cluster.follow_pod_log(running[-1]["metadata"]["name"]):
                    log = parse_log([line])
                    if log.last_step > self.step or (log.total_steps and log.total_steps != self.total):
                        self.step = max(self.step, log.last_step)
                        self.total = log.total_steps or self.total
                        if self.on_step:
                            self.on_step(self.step, self.total)
                    if self.stop_event.is_set():
                        return
            except (UserError, Exception):  # log following is best effort; the watch is what matters
                continue


def register(app: typer.Typer) -> None:
    app.command()(submit)
    app.command("list")(list_runs)
    for command in (status, watch, logs, describe, metrics, plot, stop, delete):
        app.command()(command)
