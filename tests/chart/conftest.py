"""Fixtures that render charts/rm-cluster with the real, pinned helm (scripts/get-helm).

The tests render the chart as committed, with its vendored KubeRay operator subchart in charts/,
exactly what `helm install rm-cluster charts/rm-cluster` reads. Only the NOTES tests use a copy,
in which NOTES.txt is turned into a template so that `helm template` shows it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.tools import unavailable

REPO = Path(__file__).resolve().parents[2]
CHART_DIR = REPO / "charts" / "rm-cluster"
GET_HELM = REPO / "scripts" / "get-helm"
OPERATOR_DIR = CHART_DIR / "charts" / "kuberay-operator"
RELEASE = "rm-cluster"
# The vendored CRDs make `--include-crds` output 4 MB: parse it with libyaml where present.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
NAMESPACE = "rm-kit"

# Renders NOTES.txt through the same engine: `helm template` leaves NOTES out and
# `helm install --dry-run` wants a reachable cluster.
_NOTES_PREVIEW = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: notes-preview
data:
  NOTES.txt: {{ tpl (.Files.Get "notes-preview.txt") . | quote }}
"""


@dataclass(frozen=True)
class Helm:
    binary: str
    chart: Path

    def run(self, *args: str, chart: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args],
            capture_output=True,
            text=True,
            check=False,
            cwd=chart or self.chart,
        )

    def _template(
        self, values: dict[str, Any] | None, release: str, *flags: str
    ) -> subprocess.CompletedProcess[str]:
        # JSON is YAML: helm reads exactly the dict the test wrote. Outside the chart, which is the
        # checked-out one.
        fd, values_file = tempfile.mkstemp(prefix="rm-cluster-values-", suffix=".json")
        try:
            with os.fdopen(fd, "w") as f:
                json.dump(values or {}, f)
            return self.run(
                "template", release, str(self.chart), "--namespace", NAMESPACE, "-f", values_file, *flags
            )
        finally:
            os.unlink(values_file)

    def template(
        self, values: dict[str, Any] | None = None, release: str = RELEASE, flags: tuple[str, ...] = ()
    ) -> list[dict[str, Any]]:
        """The rendered objects; fails the test with helm's message if rendering fails."""
        proc = self._template(values, release, *flags)
        assert proc.returncode == 0, proc.stderr
        return [doc for doc in yaml.load_all(proc.stdout, Loader=_LOADER) if doc]

    def refusal(self, values: dict[str, Any], release: str = RELEASE) -> str:
        """helm's error for values it must refuse; fails the test if helm renders them."""
        proc = self._template(values, release)
        assert proc.returncode != 0, f"helm accepted {values}"
        return proc.stderr


def _notes_preview_copy(dest: Path) -> Path:
    chart = dest / "rm-cluster"
    shutil.copytree(CHART_DIR, chart, ignore=shutil.ignore_patterns("*.tgz", "Chart.lock"))
    shutil.copy(chart / "templates" / "NOTES.txt", chart / "notes-preview.txt")
    (chart / "templates" / "NOTES.txt").unlink()
    (chart / "templates" / "notes-preview.yaml").write_text(_NOTES_PREVIEW)
    return chart


@pytest.fixture(scope="session")
def helm_binary() -> str:
    proc = subprocess.run([str(GET_HELM)], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        reason = proc.stderr.strip().splitlines()[-1:] or ["no message"]
        unavailable(f"helm unavailable: {reason[0]}")
    return proc.stdout.strip()


@pytest.fixture(scope="session")
def helm(helm_binary: str) -> Helm:
    return Helm(helm_binary, CHART_DIR)


@pytest.fixture(scope="session")
def notes_helm(helm_binary: str, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return Helm(helm_binary, _notes_preview_copy(tmp_path_factory.mktemp("notes")))


def render_notes(notes_helm: Helm, values: dict[str, Any] | None = None) -> str:
    objects = notes_helm.template(values)
    (preview,) = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "notes-preview"]
    return str(preview["data"]["NOTES.txt"])


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def one(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (obj,) = of_kind(objects, kind)
    return obj
