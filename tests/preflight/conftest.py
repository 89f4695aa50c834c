from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rmjob.preflight import preflight
from rmjob.preflight.result import Report, Result

ROOT = Path(__file__).resolve().parents[2]


def write_spec(tmp_path: Path, name: str = "rm-test", base: str = "pairwise", **sections: Any) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"base": base, "name": name, **sections}))
    return str(path)


def check(spec: str, **kwargs: Any) -> Report:
    kwargs.setdefault("runtime_env_file", str(ROOT / "runtime_env.yaml"))
    kwargs.setdefault("values_files", [])
    return preflight(spec, **kwargs)


def results(report: Report, rule: str) -> list[Result]:
    found = [r for r in report.results if r.rule == rule]
    assert found, f"no result for {rule}"
    return found


def status(report: Report, rule: str) -> str:
    return results(report, rule)[0].status


@pytest.fixture
def spec_in(tmp_path: Path):
    def make(**sections: Any) -> str:
        return write_spec(tmp_path, **sections)

    return make
