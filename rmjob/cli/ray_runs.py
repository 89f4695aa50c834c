"""Submitting to a `ray start` head (``--ray-address`` / ``$RAY_ADDRESS``): no Kubernetes, no kubeconfig.

Following, logs, stop and delete go through ``rmjob.rayjobs.backend.RayBackend`` like any backend;
what is Ray-only is submitting (Ray's Job Submission API instead of a RayJob). Same exit codes as
the Kubernetes path: 0 fine, 1 the run failed, 2 bad input or no usable head.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rmjob.cli.command import Opt, echo

RAY_ADDRESS = Opt(
    "--ray-address",
    help="Ray dashboard URL (http://HOST:8265): a `ray start` head instead of Kubernetes "
    "(default: $RAY_ADDRESS when no -n/--context is given)",
)
# On a Ray head "running" comes within a second of submitting; --wait waits for the end.
FINAL_STATES = {"succeeded", "failed", "stopped", "deleted"}


def ray_backend(flag: str | None, namespace: str | None = None, context: str | None = None) -> Any:
    """The Ray backend when an address is given (flag, else $RAY_ADDRESS without -n/--context)."""
    from rmjob.rayjobs.client import address_from

    address = address_from(flag, kube_flags_given=bool(namespace or context))
    if not address:
        return None
    from rmjob.rayjobs.backend import RayBackend

    return RayBackend.connect(address)


def _submit_and_wait(backend: Any, submission: Any, wait: bool, timeout: int) -> str | None:
    """Submit; with ``wait``, print each change of state until the end; the final state."""
    from rmjob.follow import wait_for

    verb = backend.submit(submission)
    name = submission.submission_id
    echo(f"ray job {name} {verb} at {backend.dashboard.address}")
    if not wait:
        return None
    status = None
    for status in wait_for(backend, name, FINAL_STATES, timeout):
        echo(f"{name}: {status.state}: {status.summary}")
    for finding in backend.observe(name).findings:
        echo(f"diagnosis: {finding.summary}")
    return status.state if status else None


def submit(backend: Any, spec_or_preset: str, runtime_env: str | None, wait: bool, timeout: int) -> None:
    from rmjob.platform import load_platform
    from rmjob.rayjobs.layout import LocalLayout
    from rmjob.rayjobs.submission import training_submission
    from rmjob.runtime_env import find_runtime_env, load_runtime_env
    from rmjob.spec import load_spec

    platform = load_platform()
    spec = load_spec(spec_or_preset, platform)
    env = load_runtime_env(find_runtime_env(runtime_env))
    submission = training_submission(spec, env, LocalLayout.default(), platform)
    if _submit_and_wait(backend, submission, wait, timeout) == "failed":
        raise SystemExit(1)


def data_submit(backend: Any, mode: str, src: str | None, wait: bool, timeout: int) -> None:
    from rmjob.platform import load_platform
    from rmjob.rayjobs.layout import LocalLayout
    from rmjob.rayjobs.submission import data_submission
    from rmjob.render import raw_source_dir

    default = raw_source_dir(load_platform())
    source = str(Path(src).resolve()) if src and Path(src).exists() else (src or default)
    submission = data_submission(mode, source, LocalLayout.default())
    previous = backend.dashboard.find(submission.submission_id)
    if previous and previous.status in ("FAILED", "STOPPED"):
        backend.dashboard.delete(submission.submission_id)  # a failed conversion is worth retrying as is
    echo(f"  {submission.entrypoint}")
    state = _submit_and_wait(backend, submission, wait, timeout)
    if wait:
        echo("\n".join(backend.logs(submission.submission_id)))
    if state == "failed":
        raise SystemExit(1)
