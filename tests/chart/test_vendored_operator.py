"""The vendored operator subchart carries KubeRay's own CRDs and RBAC rules, as its Go module ships them.

The module (github.com/ray-project/kuberay/ray-operator at platform.yaml versions.kuberay) comes
through the Go module proxy; without Go these tests skip (fail in CI).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rmjob.platform import load_platform
from tests.chart.conftest import OPERATOR_DIR, REPO, Helm, one
from tests.support.tools import go_module_dir

MODULE = "github.com/ray-project/kuberay/ray-operator"
SCRIPT = REPO / "scripts" / "vendor-kuberay-operator"
# What the script generates; the rest of the subchart is written by hand.
GENERATED = ("Chart.yaml", "crds", "rbac")


@pytest.fixture(scope="module")
def module_dir() -> Path:
    return go_module_dir(MODULE, load_platform().versions.kuberay)


def _vendor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False)


def _files(root: Path, names: tuple[str, ...]) -> dict[str, bytes]:
    """Contents of the named files and directories under root, by relative path."""
    paths = [path for n in names for path in [root / n, *sorted((root / n).rglob("*"))]]
    return {str(p.relative_to(root)): p.read_bytes() for p in paths if p.is_file()}


def test_vendored_crds_are_byte_identical_to_the_modules(module_dir: Path) -> None:
    upstream = {p.name: p.read_bytes() for p in (module_dir / "config" / "crd" / "bases").glob("*.yaml")}
    vendored = {p.name: p.read_bytes() for p in (OPERATOR_DIR / "crds").iterdir()}
    assert sorted(vendored) == sorted(upstream), "run make vendor-operator"
    drifted = [name for name in upstream if vendored[name] != upstream[name]]
    assert drifted == [], "run make vendor-operator"


def test_rendered_cluster_role_grants_exactly_the_modules_rules(helm: Helm, module_dir: Path) -> None:
    upstream = yaml.safe_load((module_dir / "config" / "rbac" / "role.yaml").read_text())
    assert upstream["kind"] == "ClusterRole"
    role = one(helm.template({"kuberay-operator": {"enabled": True}}), "ClusterRole")
    assert role["rules"] == upstream["rules"]


def test_script_check_passes_on_the_committed_subchart(module_dir: Path) -> None:
    proc = _vendor("--check")
    assert proc.returncode == 0, proc.stderr
    assert "up to date" in proc.stdout


def test_script_generates_the_committed_files_from_scratch(module_dir: Path, tmp_path: Path) -> None:
    proc = _vendor("--out", str(tmp_path / "kuberay-operator"))
    assert proc.returncode == 0, proc.stderr
    assert _files(tmp_path / "kuberay-operator", GENERATED) == _files(OPERATOR_DIR, GENERATED)
    assert (tmp_path / "kuberay-operator" / "crds" / "ray.io_rayjobs.yaml").stat().st_mode & 0o777 == 0o644


def test_script_finds_drift_and_repairs_it_leaving_hand_written_files_alone(
    module_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "kuberay-operator"
    shutil.copytree(OPERATOR_DIR, out)
    (out / "crds" / "ray.io_rayjobs.yaml").write_bytes(b"# edited by hand\n")
    (out / "crds" / "ray.io_rayretired.yaml").write_bytes(b"kind: CustomResourceDefinition\n")
    hand_written = _files(out, ("values.yaml", "templates", "README.md"))

    check = _vendor("--check", "--out", str(out))
    assert check.returncode == 1
    assert len(check.stderr.strip().splitlines()) == 1
    assert "crds/ray.io_rayjobs.yaml" in check.stderr and "crds/ray.io_rayretired.yaml" in check.stderr

    assert _vendor("--out", str(out)).returncode == 0
    assert _files(out, GENERATED) == _files(OPERATOR_DIR, GENERATED)
    assert _files(out, ("values.yaml", "templates", "README.md")) == hand_written
    assert not list(out.rglob("*.tmp"))


def test_script_refuses_a_version_that_is_no_release_tag_in_one_line(tmp_path: Path) -> None:
    proc = _vendor("--version", "1.6", "--out", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        "vendor-kuberay-operator: KubeRay version '1.6' is not a release tag like v1.6.2"
        " (rmjob/platform.yaml)"
    )
    assert list(tmp_path.iterdir()) == []
