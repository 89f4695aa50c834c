"""Everything the rules look at, gathered once: the spec, where the run's environment comes from,
which versions each part of the stack carries, and (with a kube context) what the cluster has.

Gathering reads files (I/O at the edge); the checks that consume ``Inputs`` are pure, except the
verl and data ones, which read the files the spec names when they are readable here.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from rmjob.cluster_view import ClusterView
from rmjob.errors import UserError
from rmjob.platform import NodeShape, load_platform
from rmjob.spec import RunSpec

# The checkout's files (absent when rmjob is pip-installed: those sources are then skipped).
REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "charts" / "rm-cluster"
IMAGE_LOCKS = {
    "trainer image": REPO_ROOT / "images" / "trainer" / "requirements.lock",
    "tools image": REPO_ROOT / "images" / "tools" / "requirements.lock",
}
TRACKED = ("torch", "vllm", "verl", "ray")
_PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", re.MULTILINE)


@dataclass(frozen=True)
class EnvSource:
    """Environment variables that reach the training processes from one place."""

    where: str
    env: dict[str, str]
    remove: str  # how to take a variable out of this place


@dataclass(frozen=True)
class VersionSource:
    where: str
    versions: dict[str, str]
    exact: bool = True  # False: only major.minor must agree (a client talking to the cluster)


@dataclass(frozen=True)
class Inputs:
    spec: RunSpec
    spec_dir: Path | None
    env_sources: tuple[EnvSource, ...]
    version_sources: tuple[VersionSource, ...]
    cluster: ClusterView | None = None
    cluster_skip: str = "no kube context given (pass --context, or run `rmjob submit`)"
    extra: dict[str, Any] = field(default_factory=dict)


def node_shape(spec: RunSpec) -> NodeShape:
    platform = load_platform()
    return platform.node_shapes[spec.cluster.node_shape or platform.default_node_shape]


def job_env_source(runtime_env: dict[str, Any], runtime_env_path: str, spec: RunSpec) -> EnvSource:
    """The job's env as Ray will see it: runtime_env.yaml's env_vars with the spec's env on top."""
    from rmjob.runtime_env import merged_runtime_env

    base = set((runtime_env.get("env_vars") or {}).keys())
    env = merged_runtime_env(runtime_env, spec.env)["env_vars"]
    in_spec = ", ".join(f"spec env.{k}" for k in spec.env)
    where = f"runtime env {runtime_env_path}" + (f" + {in_spec}" if in_spec else "")
    remove = (
        f"delete it from the spec's `env` and from env_vars in {runtime_env_path}"
        if base
        else "delete it from the spec's `env`"
    )
    return EnvSource(where, env, remove)


def chart_env_source(values: dict[str, Any], where: str) -> EnvSource:
    """The chart's ``env`` (a Kubernetes EnvVar list) goes into every head and worker container."""
    entries = values.get("env") or []
    if not isinstance(entries, list):
        raise UserError(
            f"{where}: env must be a list of {{name, value}} (Kubernetes EnvVar), got {entries!r}"
        )
    env = {
        str(e.get("name")): str(e.get("value", "")) for e in entries if isinstance(e, dict) and "value" in e
    }
    return EnvSource(where, env, f"delete the entry from `env` in {where} and `helm upgrade` the cluster")


def read_values(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as exc:
        raise UserError(f"cannot read chart values {path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise UserError(f"chart values {path} are not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"chart values {path} must be a YAML mapping")
    return data


def lock_versions(path: Path) -> dict[str, str]:
    pins = {name.lower(): version for name, version in _PIN.findall(path.read_text())}
    return {name: pins[name] for name in TRACKED if name in pins}


def version_sources() -> list[VersionSource]:
    from rmjob.platform import PLATFORM_FILE

    versions = load_platform().versions
    sources = [VersionSource(f"pinned set {PLATFORM_FILE.name}", {n: getattr(versions, n) for n in TRACKED})]
    for label, lock in IMAGE_LOCKS.items():
        if lock.is_file():
            sources.append(VersionSource(f"{label} lock", lock_versions(lock)))
    chart_platform = CHART_DIR / "platform.yaml"
    if chart_platform.is_file():
        ray = (yaml.safe_load(chart_platform.read_text()) or {}).get("versions", {}).get("ray")
        if ray:
            sources.append(VersionSource("chart rayVersion", {"ray": str(ray)}))
    with contextlib.suppress(metadata.PackageNotFoundError):
        sources.append(VersionSource("client", {"ray": metadata.version("ray")}, exact=False))
    return sources


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def gather(
    spec: RunSpec,
    spec_dir: Path | None,
    runtime_env: dict[str, Any],
    runtime_env_path: str,
    values_files: list[Path],
) -> Inputs:
    envs = [job_env_source(runtime_env, runtime_env_path, spec)]
    default_values = CHART_DIR / "values.yaml"
    for path in ([default_values] if default_values.is_file() else []) + values_files:
        envs.append(chart_env_source(read_values(path), f"chart values {_shown(path)}"))
    return Inputs(spec, spec_dir, tuple(envs), tuple(version_sources()))
