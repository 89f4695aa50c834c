"""`rmjob check SPEC_OR_PRESET`: the preflight rules as a table (or JSON). Exit 0 all pass, 1 a rule
fails, 2 bad input. `rmjob submit` runs the same checks first."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from rmjob.cli.command import Arg, Opt, command, echo
from rmjob.errors import UserError

FORMATS = ("table", "json")


def reader(cluster: Any) -> Any:
    """What the preflight calls to read the cluster: rmjob.kube's reads on this connection."""
    if cluster is None:
        return None
    from rmjob.kube.capacity import cluster_view

    return lambda reuse: cluster_view(cluster, reuse)


def connect_if_configured(context: str | None, namespace: str | None) -> tuple[Any | None, str]:
    """A cluster to read when a kube context exists (given, $KUBECONFIG, or ~/.kube/config)."""
    if not (context or os.environ.get("KUBECONFIG") or Path("~/.kube/config").expanduser().is_file()):
        return None, "no kube context (no --context, $KUBECONFIG or ~/.kube/config)"
    from rmjob.kube import Cluster

    try:
        return Cluster.connect(context, namespace), ""
    except UserError as exc:
        return None, str(exc)


def print_report(report: Any, output: str, err: bool = False) -> None:
    if output == "json":
        echo(report.to_json(), err=err)
        return
    from rmjob.cli.runs import _table

    rows = [[r.rule, r.status.upper(), r.detail, r.fix or "-"] for r in report.results]
    _table(["RULE", "RESULT", "REASON", "FIX"], rows, err=err)
    counts = {s: sum(r.status == s for r in report.results) for s in ("pass", "fail", "warn", "skip")}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    verdict = "refused" if not report.ok else "ok"
    echo(f"\nrmjob check {report.subject}: {verdict} ({summary}; {report.seconds:.2f} s)", err=err)
    for r in report.results:
        if r.status == "fail":
            echo(f"  {r.rule}: {r.why} [{r.reference}]", err=err)


@command(
    Arg("spec_or_preset", metavar="SPEC_OR_PRESET", help="preset name or spec file"),
    Opt("-o", "--output", default="table", help="table or json"),
    Opt("--runtime-env", help="runtime_env.yaml to check"),
    Opt("--values", "-f", type=Path, repeat=True, help="chart values file(s) the cluster uses"),
    Opt("--skip-rule", repeat=True, help="rule id to skip (repeatable)"),
    Opt("--offline", type=bool, default=False, help="do not read the cluster"),
    Opt("-n", "--namespace"),
    Opt("--context", help="kubeconfig context (cluster fit)"),
)
def check(
    spec_or_preset: str,
    output: str,
    runtime_env: str | None,
    values: list[Path],
    skip_rule: list[str],
    offline: bool,
    namespace: str | None,
    context: str | None,
) -> None:
    """Refuse a run that cannot work before it takes GPUs: known-bad settings, verl's own start-up checks,
    lengths, GPU memory fit, cluster fit, mode vs data. Example: rmjob check pairwise -o json"""
    if output not in FORMATS:
        raise UserError(f"--output {output!r} is not supported: use one of {', '.join(FORMATS)}")
    from rmjob.preflight import preflight
    from rmjob.preflight.rules import load_rules

    unknown = set(skip_rule) - {r.id for r in load_rules()}
    if unknown:
        raise UserError(f"--skip-rule: no rule {', '.join(sorted(unknown))} (see rmjob/preflight/rules.yaml)")
    cluster, why = (None, "--offline") if offline else connect_if_configured(context, namespace)
    report = preflight(spec_or_preset, runtime_env, values, reader(cluster), why, frozenset(skip_rule))
    print_report(report, output)
    if not report.ok:
        raise SystemExit(1)


COMMANDS = (check,)  # what rmjob.cli imports from here
