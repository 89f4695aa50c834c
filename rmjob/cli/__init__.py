"""The ``rmjob`` command (also ``kubectl rmjob``): a thin Typer layer over the package.

Every user-facing error is a ``UserError``: one line on stderr, exit code 2, no traceback.
Heavy modules (kubernetes client, pyarrow, matplotlib, verl) are imported inside commands only.
"""

from __future__ import annotations

import os
import sys
from enum import Enum
from pathlib import Path

# Typer formats help and usage errors with rich when rich is installed; importing rich's console,
# markdown and syntax modules costs more than the rest of `rmjob --help` (measured: 0.27 s -> 0.13 s
# CPU). Plain help also prints option texts as written (no markup to escape).
os.environ.setdefault("TYPER_USE_RICH", "0")

import typer  # noqa: E402  (reads TYPER_USE_RICH at import)

from rmjob.errors import UserError  # noqa: E402

# Pydantic scans every installed distribution's entry points for plugins on first use; in the
# trainer's environment that is most of a CLI call's start-up. rmjob uses no pydantic plugins.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

app = typer.Typer(
    name="rmjob",
    help="Render, submit and monitor verl reward-model training runs on KubeRay.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
spec_app = typer.Typer(help="Inspect run specs and presets.", no_args_is_help=True)
app.add_typer(spec_app, name="spec")


class OutputFormat(str, Enum):
    yaml = "yaml"
    json = "json"


@app.command()
def presets() -> None:
    """List the built-in presets (use one by name, or `rmjob spec show NAME` to copy it)."""
    from rmjob.spec import load_spec, preset_names

    for name in preset_names():
        spec = load_spec(name)
        cluster = spec.cluster.reuse or "ephemeral"
        typer.echo(
            f"{name:<16} {spec.mode:<10} {spec.model.path:<20} nodes={spec.cluster.nodes} cluster={cluster}"
        )


@spec_app.command("show")
def spec_show(spec_or_preset: str = typer.Argument(..., metavar="SPEC_OR_PRESET")) -> None:
    """Print a preset or spec file, fully resolved, as a YAML spec to copy and edit."""
    from rmjob.spec import load_spec, spec_to_yaml

    spec = load_spec(spec_or_preset)
    typer.echo(f"# rmjob run spec, resolved from {spec_or_preset}; render with: rmjob render FILE")
    typer.echo(spec_to_yaml(spec), nl=False)


@app.command()
def render(
    spec_or_preset: str = typer.Argument(..., metavar="SPEC_OR_PRESET", help="preset name or spec file"),
    output: OutputFormat = typer.Option(OutputFormat.yaml, "-o", "--output", help="yaml or json"),
    out: Path | None = typer.Option(None, "--out", help="write <run name>.<ext> into this directory"),
    runtime_env: str | None = typer.Option(
        None, "--runtime-env", help="runtime_env.yaml to merge (default: ./runtime_env.yaml)"
    ),
) -> None:
    """Render the RayJob for a run (pure: reads files, never the cluster)."""
    from rmjob.atomic import write_text_atomic
    from rmjob.platform import load_platform
    from rmjob.render import render_rayjob, to_json, to_yaml
    from rmjob.runtime_env import find_runtime_env, load_runtime_env
    from rmjob.spec import load_spec

    platform = load_platform()
    spec = load_spec(spec_or_preset, platform)
    job = render_rayjob(spec, load_runtime_env(find_runtime_env(runtime_env)), platform)
    text = to_yaml(job) if output is OutputFormat.yaml else to_json(job)
    if out is None:
        typer.echo(text, nl=False)
        return
    target = out / f"{spec.name}.{output.value}"
    try:
        write_text_atomic(target, text)
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {target} ({job['metadata']['name']})")


def _register_commands() -> None:
    from rmjob.cli import data, dev, runs
    from rmjob.cli.check import check
    from rmjob.cli.doctor import doctor
    from rmjob.cli.eval import app as eval_app

    runs.register(app)
    app.add_typer(data.app, name="data")
    app.add_typer(dev.app, name="dev")
    app.add_typer(eval_app, name="eval")
    app.command()(doctor)
    app.command()(check)


_register_commands()


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
    from rmjob.errors import one_line

    if not os.environ.get("RMJOB_DEBUG"):
        _quiet_libraries()
    try:
        code = app(standalone_mode=False)
    except UserError as exc:
        typer.echo(f"error: {one_line(str(exc))}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(130)
    except Exception as exc:
        if _is_usage_error(exc):
            _usage_error(exc)
        if os.environ.get("RMJOB_DEBUG"):  # the last guard: users get one line
            raise
        typer.echo(
            f"error: internal error ({type(exc).__name__}: {one_line(str(exc), 200)}); "
            "this is a bug in rmjob: rerun with RMJOB_DEBUG=1 and report the traceback",
            err=True,
        )
        sys.exit(INTERNAL_ERROR)
    sys.exit(code if isinstance(code, int) else 0)


def _is_usage_error(exc: Exception) -> bool:
    # Click's UsageError family (typer vendors click, so match by its interface).
    return isinstance(exc, typer.BadParameter.__mro__[1])


def _usage_error(exc: Exception) -> None:
    """Click would print usage, a hint and a boxed message; one line says the same."""
    from rmjob.errors import one_line

    ctx = getattr(exc, "ctx", None)
    if type(exc).__name__ == "NoArgsIsHelpError" and ctx is not None:
        typer.echo(ctx.get_help())  # `rmjob` alone: the help, as before
        sys.exit(getattr(exc, "exit_code", 2))
    command = ctx.command_path if ctx is not None else "rmjob"
    message = exc.format_message()  # type: ignore[attr-defined]
    typer.echo(f"error: {one_line(message)} (see `{command} --help`)", err=True)
    sys.exit(getattr(exc, "exit_code", 2))
