"""The optional KubeRay operator dependency: declared, off by default, pinned to the platform's KubeRay."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from rmjob.platform import load_platform
from tests.chart.conftest import CHART_DIR, RELEASE, Helm, one


def _declared_operator() -> dict[str, object]:
    meta = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())
    (dep,) = [d for d in meta.get("dependencies", []) if d["name"] == "kuberay-operator"]
    return dep  # type: ignore[no-any-return]


def test_operator_dependency_is_conditional_and_pinned_to_the_platform_kuberay_version() -> None:
    dep = _declared_operator()
    assert dep["condition"] == "kuberay-operator.enabled"
    assert dep["version"] == load_platform().versions.kuberay.removeprefix("v")
    assert str(dep["repository"]).startswith("https://")


def test_operator_is_off_by_default() -> None:
    values = yaml.safe_load((CHART_DIR / "values.yaml").read_text())
    assert values["kuberay-operator"] == {"enabled": False}


def test_unfetched_operator_chart_gets_helms_own_pointer_to_helm_dependency_build(
    helm: Helm, tmp_path: Path
) -> None:
    # The real chart as a user checks it out (no charts/ fetched yet).
    chart = tmp_path / "rm-cluster"
    shutil.copytree(CHART_DIR, chart, ignore=shutil.ignore_patterns("charts", "Chart.lock"))
    proc = helm.run("template", RELEASE, str(chart))
    assert proc.returncode != 0
    assert "helm dependency build" in proc.stderr
    assert "kuberay-operator" in proc.stderr


def test_enabling_the_operator_leaves_the_ray_cluster_unchanged(helm: Helm) -> None:
    off = helm.template()
    on = helm.template({"kuberay-operator": {"enabled": True, "image": {"pullPolicy": "Always"}}})
    assert one(on, "RayCluster") == one(off, "RayCluster")
