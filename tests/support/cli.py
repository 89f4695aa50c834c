"""``rmjob ARGS`` in the test process through the real entry point (``rmjob.cli.main``)."""

from __future__ import annotations

import sys
from typing import Any, NamedTuple


class Result(NamedTuple):
    code: int
    stdout: str
    stderr: str


def invoke(capsys: Any, *args: object) -> Result:
    """Run ``rmjob ARGS`` as the shell would (``sys.argv``, ``SystemExit``); ``capsys`` is pytest's."""
    from rmjob.cli import main

    argv, sys.argv = sys.argv, ["rmjob", *map(str, args)]
    code: int | str | None = 0
    try:
        capsys.readouterr()  # what came before is not this command's output
        main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    out, err = capsys.readouterr()
    return Result(code if isinstance(code, int) else 1 if code else 0, out, err)
