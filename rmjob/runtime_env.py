"""The Ray runtime environment merged into every RayJob (``runtime_env.yaml``).

Loading is I/O at the edge; merging and serialising are pure. Secrets are refused: the runtime
env is written into the RayJob in plain text and committed with the GitOps manifests.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from rmjob.bounded_yaml import load_yaml_file
from rmjob.errors import UserError
from rmjob.secret_scan import credential_paths, nested_values, secret_looking

DEFAULT_FILE = "runtime_env.yaml"
# Shipped with the package, so rmjob (and `kubectl rmjob`) work from any directory; the checkout's
# top-level runtime_env.yaml is the user-editable copy (tests/test_runtime_env.py keeps them equal).
PACKAGED_FILE = Path(__file__).with_name(DEFAULT_FILE)
ENV_OVERRIDE = "RMJOB_RUNTIME_ENV"
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Ray's runtime_env fields; anything else is a typo Ray would only report at submission.
RAY_FIELDS = frozenset(
    {
        "env_vars",
        "pip",
        "uv",
        "conda",
        "container",
        "image_uri",
        "working_dir",
        "py_modules",
        "py_executable",
        "excludes",
        "java_jars",
        "config",
        "nsight",
        "mpi",
        "_ray_commit",
    }
)


def find_runtime_env(explicit: str | None) -> Path:
    """``--runtime-env``, else ``$RMJOB_RUNTIME_ENV``, else ``./runtime_env.yaml``, else the packaged one."""
    chosen = explicit or os.environ.get(ENV_OVERRIDE)
    if not chosen:
        local = Path.cwd() / DEFAULT_FILE
        return local if local.is_file() else PACKAGED_FILE
    path = Path(chosen)
    if not path.is_file():
        source = "--runtime-env" if explicit else f"${ENV_OVERRIDE}"
        raise UserError(f"runtime env file {path} ({source}) not found: pass an existing file")
    return path


def load_runtime_env(path: Path) -> dict[str, Any]:
    data = load_yaml_file(path, "runtime env")
    return check_runtime_env({} if data is None else data, f"runtime env {path}")


def check_runtime_env(data: Any, where: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise UserError(f"{where} must be a YAML mapping such as 'env_vars: {{NAME: value}}'")
    for key in data:
        if key not in RAY_FIELDS:
            raise UserError(f"{where}: {key!r} is not a Ray runtime_env field (known: env_vars, pip, ...)")
    env = data.get("env_vars") or {}
    if not isinstance(env, dict):
        raise UserError(f"{where}: env_vars must be a mapping of NAME: value")
    for name, value in env.items():
        if not isinstance(name, str) or not ENV_NAME.match(name):
            raise UserError(f"{where}: env_vars key {name!r} is not an environment variable name")
        if isinstance(value, (dict, list)):
            raise UserError(f"{where}: env_vars.{name} must be a string, not a {type(value).__name__}")
        if secret_looking(str(name), value):
            raise UserError(
                f"{where}: env_vars.{name} looks like a secret; keep it in the Kubernetes Secret "
                "the chart and jobs reference, never in runtime_env.yaml"
            )
    bad_key = _non_string_key(data)
    if bad_key:
        raise UserError(
            f"{where}: {bad_key} is not a string (YAML reads keys such as 1, 0E0 or true as numbers "
            "and booleans); Ray sends the runtime env as JSON, whose keys are strings: quote the key"
        )
    found = credential_paths(data)
    if found:
        raise UserError(
            f"{where}: {found[0]} holds a URL with credentials (user:password@ or a token parameter); "
            "keep credentials in a Kubernetes Secret, never in runtime_env.yaml"
        )
    return data


def _non_string_key(data: object) -> str:
    """Where the first mapping key in ``data`` that is not a string is ("pip: key 0.0"), or ""."""
    for path, value in nested_values(data):
        if isinstance(value, dict):
            for key in value:
                if not isinstance(key, str):
                    return f"{path or 'the top level'}: key {key!r}"
    return ""


def merged_runtime_env(base: dict[str, Any], extra_env: dict[str, str]) -> dict[str, Any]:
    """``base`` with the spec's env layered on top; every env value a string, keys sorted."""
    env = {str(k): _env_str(v) for k, v in (base.get("env_vars") or {}).items()}
    env.update(extra_env)
    merged = {k: v for k, v in base.items() if k != "env_vars"}
    merged["env_vars"] = dict(sorted(env.items()))
    return dict(sorted(merged.items()))


def _env_str(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return "" if value is None else str(value)
