"""The ``rmjob`` command (also ``kubectl rmjob``): a thin argparse layer (``rmjob.cli.command``) over
the package.

Every user-facing error is a ``UserError``: one line on stderr, exit code 2, no traceback.
Heavy modules (kubernetes client, pyarrow, matplotlib, verl) are imported inside commands only.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path

from rmjob.cli.command import Arg, Group, Opt, echo
from rmjob.errors import UserError

app = Group("rmjob", "Render, submit and monitor verl reward-model training runs on KubeRay.")
spec_app = Group("spec", "Inspect run specs and presets.")


class OutputFormat(str, Enum):
    yaml = "yaml"
    json = "json"


@app.command(pure=True)
def presets() -> None:
    """List the built-in presets (use one by name, or `rmjob spec show NAME` to copy it)."""
    from rmjob.spec import load_spec, preset_names

    for name in preset_names():
        spec = load_spec(name)
        cluster = spec.cluster.reuse or "ephemeral"
        echo(f"{name:<16} {spec.mode:<10} {spec.model.path:<20} nodes={spec.cluster.nodes} cluster={cluster}")


@spec_app.command(Arg("spec_or_preset", metavar="SPEC_OR_PRESET"), name="show", pure=True)
def spec_show(spec_or_preset: str) -> None:
    """Print a preset or spec file, fully resolved, as a YAML spec to copy and edit."""
    from rmjob.spec import load_spec, spec_to_yaml

    spec = load_spec(spec_or_preset)
    echo(f"# rmjob run spec, resolved from {spec_or_preset}; render with: rmjob render FILE")
    echo(spec_to_yaml(spec), nl=False)


@app.command(
    Arg("spec_or_preset", metavar="SPEC_OR_PRESET", help="preset name or spec file"),
    Opt("-o", "--output", type=OutputFormat, default=OutputFormat.yaml, help="yaml or json"),
    Opt("--out", type=Path, help="write <run name>.<ext> into this directory"),
    Opt("--runtime-env", help="runtime_env.yaml to merge (default: ./runtime_env.yaml)"),
    pure=True,
)
def render(spec_or_preset: str, output: OutputFormat, out: Path | None, runtime_env: str | None) -> None:
    """Render the RayJob for a run (pure: reads files, never the cluster)."""
    from rmjob.platform import load_platform
    from rmjob.render import render_rayjob, to_json, to_yaml
    from rmjob.runtime_env import find_runtime_env, load_runtime_env
    from rmjob.spec import load_spec

    platform = load_platform()
    spec = load_spec(spec_or_preset, platform)
    job = render_rayjob(spec, load_runtime_env(find_runtime_env(runtime_env)), platform)
    text = to_yaml(job) if output is OutputFormat.yaml else to_json(job)
    if out is None:
        echo(text, nl=False)
        return
    from rmjob.atomic import write_text_atomic

    target = out / f"{spec.name}.{output.value}"
    try:
        write_text_atomic(target, text)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    echo(f"wrote {target} ({job['metadata']['name']})")


# The other commands' modules are imported only when one of their commands runs or is listed.
app.add_from(
    "rmjob.cli.runs",
    "submit",
    "list",
    "status",
    "watch",
    "logs",
    "describe",
    "metrics",
    "plot",
    "stop",
    "delete",
)
app.add_from("rmjob.cli.doctor", "doctor")
app.add_from("rmjob.cli.check", "check")
app.add(spec_app)
app.add_from("rmjob.cli.data", "data")
app.add_from("rmjob.cli.dev", "dev")
app.add_from("rmjob.cli.eval", "eval")


# Exit code of a failure that is rmjob's own fault (not bad input, not a failed run).
INTERNAL_ERROR = 3


def _quiet_libraries() -> None:
    """Libraries' log records and warnings (urllib3's retries and InsecureRequestWarning, the kubernetes
    client's plugin errors) would add lines of their own around rmjob's one line; rmjob reports failures.
    """
    import logging

    root = logging.getLogger()
    if not root.handlers:  # also stops logging.error() from calling basicConfig
        root.addHandler(logging.NullHandler())
    logging.captureWarnings(True)


def main() -> None:
    from rmjob.cli.command import run
    from rmjob.errors import one_line

    quiet = None if os.environ.get("RMJOB_DEBUG") else _quiet_libraries
    try:
        run(app, sys.argv[1:], before_impure=quiet)
    except UserError as exc:  # usage errors too (rmjob.cli.command.UsageError)
        echo(f"error: {one_line(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, EOFError):
        echo(err=True)  # past the ^C the terminal echoed
        echo("error: aborted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("RMJOB_DEBUG"):  # the last guard: users get one line
            raise
        echo(
            f"error: internal error ({type(exc).__name__}: {one_line(str(exc), 200)}); "
            "this is a bug in rmjob: rerun with RMJOB_DEBUG=1 and report the traceback",
            err=True,
        )
        sys.exit(INTERNAL_ERROR)
    _freeze_heap_for_exit()
    sys.exit(0)


def _freeze_heap_for_exit() -> None:
    """Leave every object out of the garbage collections that interpreter shutdown runs.

    They walk every live container object (pyarrow's and our modules: about 20 ms of a 0.5 s
    conversion, measured with perf) to free memory the exit frees anyway. ``main`` ends its process;
    a test harness that calls it in-process and goes on unfreezes (``gc.unfreeze``).
    """
    import gc

    gc.freeze()
