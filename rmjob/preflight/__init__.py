"""Preflight: refuse a run that cannot work before it takes GPUs (`rmjob check`, and `rmjob submit` first).

Rules live in ``rules.yaml``; ``inputs`` gathers what they read, ``run`` applies them in order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rmjob.cluster_view import ClusterView
from rmjob.preflight.result import Report

# Reads the cluster for a spec's `cluster.reuse` (None: an ephemeral cluster); the CLI builds it from
# rmjob.kube, so the preflight itself never talks to the API server.
ClusterReader = Callable[[str | None], ClusterView]


def preflight(
    spec_or_preset: str,
    runtime_env_file: str | None,
    values_files: list[Path],
    read_cluster: ClusterReader | None = None,
    cluster_skip: str | None = None,
    skip_rules: frozenset[str] = frozenset(),
) -> Report:
    """Load the spec (bad input raises UserError), gather, and run every rule.

    Without ``read_cluster`` cluster fit is skipped, saying why (``cluster_skip``).
    """
    import dataclasses

    from rmjob.preflight.inputs import gather
    from rmjob.preflight.run import run_rules
    from rmjob.runtime_env import find_runtime_env, load_runtime_env
    from rmjob.spec import parse_spec, resolve_data

    data, spec_dir = resolve_data(spec_or_preset)
    spec = parse_spec(data, spec_or_preset)
    env_path = find_runtime_env(runtime_env_file)
    shown = env_path.name if env_path.parent == Path.cwd() else str(env_path)
    inputs = gather(spec, spec_dir, load_runtime_env(env_path), shown, values_files)
    if read_cluster is not None:
        try:
            view = read_cluster(spec.cluster.reuse)
        except Exception as exc:  # a refused read (RBAC) or an unreachable server: say so, check the rest
            inputs = dataclasses.replace(inputs, cluster_skip=f"cannot read the cluster: {exc}")
        else:
            inputs = dataclasses.replace(inputs, cluster=view)
    elif cluster_skip:
        inputs = dataclasses.replace(inputs, cluster_skip=cluster_skip)
    return run_rules(inputs, spec_or_preset, skip_rules)
