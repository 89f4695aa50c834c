"""Run verl's own start-up checks from the installed wheel's source, without importing their modules.

Importing ``verl.trainer.ppo.ray_trainer`` or ``verl.workers.fsdp_workers`` takes 13-18 s here (torch,
vLLM, transformers) and constructing the trainer or a worker needs GPUs and a process group. The checks
themselves are plain Python over the config. So we parse verl's file, take the function (or the slice of a
function) that holds the checks, compile it with verl's file name and line numbers, and run it with the
composed config and stand-ins for the objects a GPU run would have built (the device mesh: only its size is
read). Nothing is copied into rm-kit: the code executed is the installed verl's, so a verl upgrade brings its
new checks along, and a failure points at verl's own file and line.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import linecache
import sys
import traceback
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any


class LayoutChanged(Exception):
    """The installed verl does not have the code where this module expects it (another verl version)."""


class UpstreamRefused(Exception):
    """verl's check raised: ``message`` is verl's text, or the failing statement when it has none."""

    def __init__(self, message: str, where: str) -> None:
        super().__init__(message)
        self.message, self.where = message, where


def verl_file(relative: str) -> Path:
    spec = importlib.util.find_spec("verl")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("verl")
    return Path(spec.origin).parent / relative


@lru_cache(maxsize=8)
def _module_ast(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _find(path: Path, qualname: str) -> ast.FunctionDef | ast.ClassDef:
    node: Any = _module_ast(path)
    for part in qualname.split("."):
        node = next(
            (n for n in node.body if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == part), None
        )
        if node is None:
            raise LayoutChanged(f"{path.name} has no {qualname}")
    return node


def _compile(path: Path, node: ast.stmt, namespace: dict[str, Any]) -> None:
    module = ast.Module(body=[node], type_ignores=[])
    exec(compile(module, str(path), "exec"), namespace)  # noqa: S102 - verl's own code, see module doc


def load_class(relative: str, qualname: str, namespace: dict[str, Any]) -> Any:
    path = verl_file(relative)
    node = _find(path, qualname)
    _compile(path, node, namespace)
    return namespace[node.name]


def load_function(relative: str, qualname: str, namespace: dict[str, Any]) -> Callable[..., Any]:
    path = verl_file(relative)
    node = _find(path, qualname)
    if not isinstance(node, ast.FunctionDef):
        raise LayoutChanged(f"{qualname} in {path.name} is not a function")
    _compile(path, node, namespace)
    return namespace[node.name]  # type: ignore[no-any-return]


@lru_cache(maxsize=16)
def _cached_slice(relative: str, qualname: str, first: str, stop: str | None) -> ast.FunctionDef:
    path = verl_file(relative)
    node = _find(path, qualname)
    if not isinstance(node, ast.FunctionDef):
        raise LayoutChanged(f"{qualname} in {path.name} is not a function")
    lines = path.read_text().splitlines()
    texts = ["\n".join(lines[s.lineno - 1 : s.end_lineno]) for s in node.body]
    start = next((i for i, t in enumerate(texts) if first in t), None)
    if start is None:
        raise LayoutChanged(f"{qualname} in {path.name} no longer contains {first!r}")
    end = next((i for i, t in enumerate(texts) if stop and i > start and stop in t), len(texts))
    sliced = copy.copy(node)  # same parameters and line numbers, fewer statements
    sliced.name, sliced.body, sliced.decorator_list = f"_{node.name}_slice", node.body[start:end], []
    return ast.fix_missing_locations(sliced)


def load_slice(
    relative: str, qualname: str, first: str, stop: str | None, namespace: dict[str, Any]
) -> Callable[..., Any]:
    """The statements of a function from the top-level one whose source contains ``first`` up to (not
    including) the one containing ``stop``, as a function taking the original's parameters."""
    sliced = _cached_slice(relative, qualname, first, stop)
    _compile(verl_file(relative), sliced, namespace)
    return namespace[sliced.name]  # type: ignore[no-any-return]


def call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run verl's code; turn its AssertionError/ValueError into ``UpstreamRefused`` with its words."""
    try:
        function(*args, **kwargs)
    except (AssertionError, ValueError, NotImplementedError) as exc:
        frame = _last_upstream_frame(exc)
        where = f"verl/{frame.filename.split('/verl/', 1)[-1]}:{frame.lineno}" if frame else "verl"
        message = str(exc).strip()
        if not message and frame is not None and frame.lineno is not None:
            message = (linecache.getline(frame.filename, frame.lineno) or "").strip()
        raise UpstreamRefused(message or type(exc).__name__, where) from None


def _last_upstream_frame(exc: BaseException) -> traceback.FrameSummary | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/verl/" in f.filename]
    return frames[-1] if frames else None


def quiet() -> Any:
    """verl's checks print progress lines; keep them out of our table."""
    import contextlib
    import io

    return contextlib.redirect_stdout(io.StringIO()) if sys.stdout else contextlib.nullcontext()
