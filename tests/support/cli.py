"""``rmjob ARGS`` in the test process through the real entry point (``rmjob.cli.main``)."""

from __future__ import annotations

import contextlib
import gc
import sys
from typing import Any, NamedTuple


class Result(NamedTuple):
    code: int
    stdout: str
    stderr: str


def invoke(capsys: Any, *args: object) -> Result:
    """Run ``rmjob ARGS`` as the shell would (``sys.argv``, ``SystemExit``); ``capsys`` is pytest's."""
    from rmjob.cli import main

    _load_pyarrow_with_numpy()
    argv, sys.argv = sys.argv, ["rmjob", *map(str, args)]
    code: int | str | None = 0
    try:
        capsys.readouterr()  # what came before is not this command's output
        main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
        gc.unfreeze()  # main froze the heap for an exit that this process does not make
    out, err = capsys.readouterr()
    return Result(code if isinstance(code, int) else 1 if code else 0, out, err)


def _load_pyarrow_with_numpy() -> None:
    """``main`` owns its process: ``rmjob data`` loads pyarrow without NumPy when nothing has loaded
    either. This process also runs libraries that need pyarrow with NumPy (datasets, verl), so it loads
    pyarrow first, as a host program would; tests/data/test_cli.py runs the NumPy-free start in a
    process of its own."""
    with contextlib.suppress(ImportError):
        import pyarrow  # noqa: F401
