"""The README's Layout table, enforced: which part of the kit may import which.

Parts are the folders of ``rmjob/`` plus ``rmjob`` itself (its top-level modules, the pure core), and
the top-level tool folders. Every import statement counts, including those inside functions.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = "rmjob"
RUNS = "rmjob.backend+follow"  # the RunBackend interface and following any backend

# part -> the parts of the kit it may import (besides itself). Mirrors README.md "Layout".
ALLOWED: dict[str, set[str]] = {
    CORE: set(),
    "rmjob/monitor": {CORE},
    RUNS: {CORE, "rmjob/monitor"},
    "rmjob/kube": {CORE, "rmjob/monitor", RUNS},
    # The tiny model goes onto a local head's models volume (rmjob.rayjobs.local).
    "rmjob/rayjobs": {CORE, "rmjob/monitor", RUNS, "rmjob/train"},
    "rmjob/train": {CORE},
    "rmjob/data": {CORE, "rmjob/train"},
    "rmjob/preflight": {CORE, "rmjob/train"},
    "rmjob/eval": {CORE, "rmjob/train"},
    "rmjob/cli": {
        CORE,
        "rmjob/monitor",
        RUNS,
        "rmjob/kube",
        "rmjob/rayjobs",
        "rmjob/data",
        "rmjob/train",
        "rmjob/preflight",
        "rmjob/eval",
    },
    "devtools": {CORE, "rmjob/kube", "rmjob/rayjobs", "rmjob/monitor", "sim"},
    "sim": {CORE, "devtools"},
    "benchmarks": {
        CORE,
        "rmjob/monitor",
        RUNS,
        "rmjob/kube",
        "rmjob/rayjobs",
        "rmjob/data",
        "rmjob/preflight",
        "rmjob/eval",
        "sim",
    },
}
# Known exceptions, each with its reason (a place to clean up, not a rule).
EXCEPTIONS = {
    # The tiny offline model trains its tokenizer on the synthetic HelpSteer2 sample.
    ("rmjob/train/tiny_model.py", "rmjob.data.synthetic"),
}
# Third-party packages only one part may import (at any level).
ONLY_IN = {
    "kubernetes": {"rmjob/kube", "sim", "benchmarks"},
    "ray": {"rmjob/rayjobs"},
    "rich": {"rmjob/cli"},
}


def _part_of_module(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "rmjob":
        if len(parts) == 1:
            return CORE
        if parts[1] in ("backend", "follow"):
            return RUNS
        return f"rmjob/{parts[1]}" if (ROOT / "rmjob" / parts[1]).is_dir() else CORE
    return parts[0] if parts[0] in ("devtools", "sim", "benchmarks") else None


def _part_of_file(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    return _part_of_module(".".join(rel.parts)) or rel.parts[0]


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _files() -> list[Path]:
    return sorted(
        p for folder in ("rmjob", "devtools", "sim", "benchmarks") for p in (ROOT / folder).rglob("*.py")
    )


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_each_module_imports_only_what_its_part_may(path: Path) -> None:
    part = _part_of_file(path)
    for module in _imports(path):
        target = _part_of_module(module)
        if (str(path.relative_to(ROOT)), module) in EXCEPTIONS:
            continue
        if target is not None and target != part:
            assert target in ALLOWED[part], f"{part} may not import {module} (README Layout)"
        top = module.split(".")[0]
        if top in ONLY_IN:
            assert part in ONLY_IN[top], f"only {sorted(ONLY_IN[top])} may import {top}; {part} does"


def test_every_part_in_the_table_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    for part in ALLOWED:
        folder = "rmjob/" if part == CORE else part.split("+")[0].replace(".", "/")
        assert f"`{folder}" in layout, f"README Layout does not mention {folder}"
