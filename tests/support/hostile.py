"""Hypothesis strategies for what a hostile user or a misbehaving server hands rmjob.

Shared by the property suites: "exit 2 with one line, or success", and "nothing left behind".
Example counts are bounded (``PROPERTY_SETTINGS``) so the suites stay fast; RMKIT_PROPERTY_EXAMPLES
raises them for a deeper search.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("RMKIT_PROPERTY_EXAMPLES", "100"))
PROPERTY_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values chosen to hit each validation class: traversal, shell, credentials, size, non-finite numbers.
HOSTILE_STRINGS = [
    "",
    " ",
    "\n",
    "../Etc_X",
    "data/relative.parquet",
    "not a valid image",
    "UPPER/Case:tag",
    "$(rm -rf /)",
    "`id`",
    "a'b\"c",
    "https://user:pass@host/x",
    "https://host/x?token=abc",
    "hf_" + "a" * 30,
    "0123456789abcdef" * 2 + "01234567",
    "x" * 40_000,
    "\x00",
    "\u202e",
    "1e-6",
    "2",
    "true",
    ".inf",
]
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(HOSTILE_STRINGS),
)
HOSTILE_VALUES = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def leaf_paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into nested dicts/lists, containers included."""
    paths = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            paths += leaf_paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            paths += leaf_paths(value, (*prefix, index))
    return paths


@st.composite
def mutated(draw: st.DrawFn, base: Any, max_mutations: int = 3) -> Any:
    """``base`` with a few values replaced, keys deleted or unknown keys added."""
    import copy

    data = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, max_mutations))):
        paths = leaf_paths(data)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = data
        for part in path[:-1]:
            parent = parent[part]
        op = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if op == "replace":
            parent[path[-1]] = draw(HOSTILE_VALUES)
        elif op == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(HOSTILE_VALUES)
    return data


def files_left(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextlib.contextmanager
def captured_stderr() -> Iterator[io.StringIO]:
    buffer = io.StringIO()
    with contextlib.redirect_stderr(buffer):
        yield buffer


def run_cli(*args: str) -> tuple[int, str]:
    """``rmjob ARGS`` in this process through the real entry point: (exit code, stderr)."""
    from rmjob.cli import main

    argv = sys.argv
    sys.argv = ["rmjob", *args]
    code: int | str | None = 0
    try:
        with captured_stderr() as err, contextlib.redirect_stdout(io.StringIO()):
            try:
                main()
            except SystemExit as exc:
                code = exc.code
    finally:
        sys.argv = argv
        gc.unfreeze()  # main froze the heap for an exit that this process does not make
    return (code if isinstance(code, int) else 1 if code else 0), err.getvalue()


def assert_clean_outcome(code: int, stderr: str) -> None:
    """Success, or exit 2 with exactly one line on stderr and no traceback."""
    if code == 0:
        return
    assert code == 2, f"exit {code}: {stderr}"
    assert stderr.count("\n") == 1 and stderr.startswith("error: "), stderr
    assert "Traceback" not in stderr
