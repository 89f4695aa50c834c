"""Reading YAML that a user wrote (run specs, runtime envs) within bounds.

PyYAML alone would recurse once per nesting level (2 KB of ``[`` raise RecursionError), read a
multi-gigabyte file or a FIFO whole, let a repeated key silently win, and expand aliases into an
exponential tree for the code that walks the result. Here every such input becomes one
``UserError`` line naming the file and, where known, the line.

The package's own files (``platform.yaml``, presets, preflight rules) are trusted and read on every
command: ``load_package_yaml`` parses them with libyaml, several times faster than the Python
parser the bounds need (a test checks both readers agree on them and that they repeat no key).

Both readers keep what they parsed from a file in ``rmjob.machine_cache`` (keyed by the bytes), and
PyYAML is imported only to parse: a command whose files are all cached never imports it.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rmjob.errors import UserError
from rmjob.machine_cache import parsed

if TYPE_CHECKING:
    import yaml

# A run spec or runtime env is a few KB; a megabyte is already far more than any real one.
MAX_BYTES = 1024 * 1024
# Nesting levels of mappings/sequences (a spec needs 3); well below Python's recursion limit.
MAX_DEPTH = 32
# Values after alias expansion (aliases may share a subtree that the consumer walks each time).
MAX_NODES = 100_000

# YAML 1.1 (PyYAML) reads `1e-6` as a string: only `1.0e-6` is a float. Users write both.
FLOAT_WITHOUT_DOT = re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")


@functools.cache
def _bounded_loader() -> type[yaml.SafeLoader]:
    import yaml

    class BoundedLoader(yaml.SafeLoader):
        """SafeLoader that refuses deep nesting while composing and duplicate keys while constructing."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            # Composition recurses per level: stop before Python's recursion limit does.
            self._depth += 1
            try:
                if self._depth > MAX_DEPTH:
                    mark = self.peek_event().start_mark
                    raise _Refused(f"nested more than {MAX_DEPTH} levels deep", mark.line)
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    if key in seen:
                        raise _Refused(
                            f"duplicate key {key!r} (first at line {seen[key] + 1}); keep one of them",
                            key_node.start_mark.line,
                        )
                    seen[key] = key_node.start_mark.line
                except TypeError:
                    continue  # unhashable key: SafeConstructor reports it below
            return super().construct_mapping(node, deep=deep)

    BoundedLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_WITHOUT_DOT, list("-+0123456789"))
    return BoundedLoader


@functools.cache
def package_loader() -> type[yaml.SafeLoader]:
    """libyaml's safe loader where PyYAML was built with it; the same float rule as for users' files."""
    import yaml

    class PackageLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
        pass

    PackageLoader.add_implicit_resolver("tag:yaml.org,2002:float", FLOAT_WITHOUT_DOT, list("-+0123456789"))
    return PackageLoader


def load_package_yaml(path: Path) -> Any:
    """One YAML document shipped inside the rmjob package."""
    source = path.read_bytes()

    def parse() -> Any:
        import yaml

        return yaml.load(source, Loader=package_loader())

    return parsed(source, "package", parse)


class _Refused(Exception):
    def __init__(self, problem: str, line: int | None) -> None:
        super().__init__(problem)
        self.problem, self.line = problem, line


def read_text_bounded(path: Path, label: str, max_bytes: int = MAX_BYTES) -> str:
    """The UTF-8 text of a regular file of at most ``max_bytes``."""
    try:
        if not path.is_file():
            what = "a directory" if path.is_dir() else "not a regular file" if path.exists() else "missing"
            raise UserError(f"cannot read {label} {path}: {what}")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise UserError(f"cannot read {label} {path}: {exc.strerror or exc}") from None
    if len(data) > max_bytes:
        raise UserError(
            f"cannot read {label} {path}: larger than {max_bytes // 1024} KiB; is it the right file?"
        )
    if b"\0" in data:
        raise UserError(f"cannot read {label} {path}: a binary file, not YAML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(
            f"cannot read {label} {path}: not UTF-8 text (byte {exc.start}); is it a YAML file?"
        ) from None


def load_yaml_text(text: str, where: str, max_bytes: int = MAX_BYTES) -> Any:
    """Parse one YAML document; any problem becomes a one-line ``UserError`` naming ``where``."""
    if len(text.encode("utf-8", errors="replace")) > max_bytes:
        raise UserError(f"{where} is larger than {max_bytes // 1024} KiB")
    import yaml

    loader = None
    try:
        loader = _bounded_loader()(text)  # the reader refuses control characters here already
        data = loader.get_single_data()
    except _Refused as exc:
        at = f" line {exc.line + 1}" if exc.line is not None else ""
        raise UserError(f"{where}{at}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{where}{at} is not valid YAML: {problem}") from None
    except RecursionError:  # defence in depth: the depth bound should stop this first
        raise UserError(f"{where} is nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()
    _check_size(data, where)
    return data


def load_yaml_file(path: Path, label: str, max_bytes: int = MAX_BYTES) -> Any:
    text = read_text_bounded(path, label, max_bytes)
    return parsed(text.encode(), "bounded", lambda: load_yaml_text(text, f"{label} {path}", max_bytes))


def _check_size(data: Any, where: str) -> None:
    """Refuse alias bombs: count values as a consumer walking the result would meet them."""
    count, stack = 0, [data]
    while stack:
        item = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise UserError(f"{where} expands to more than {MAX_NODES} values (YAML aliases?)")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
