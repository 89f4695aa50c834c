"""`rmjob doctor`: the versions, GPUs, /dev/shm and NCCL/Ray settings of this machine, and what is wrong."""

from __future__ import annotations

from rmjob.cli.command import Opt, command, echo
from rmjob.errors import UserError

FORMATS = ("text", "json")


@command(Opt("--output", "-o", default="text", help="text or json"))
def doctor(output: str) -> None:
    """Check this machine or image: versions, driver, GPUs, /dev/shm, NCCL/Ray env; exit 1 on an error."""
    if output not in FORMATS:
        raise UserError(f"--output {output!r} is not supported: use one of {', '.join(FORMATS)}")
    # Imported here: the probe may import torch, and the CLI must stay light to start.
    from rmjob.doctor import examine
    from rmjob.platform import load_platform

    report = examine(load_platform().versions)
    echo(report.to_json() if output == "json" else report.to_text())
    if not report.ok:
        raise SystemExit(1)


COMMANDS = (doctor,)  # what rmjob.cli imports from here
