"""The chart's long-lived RayCluster and rmjob's per-job one build the same Ray pods.

Both read the defaults from platform.yaml ``ray_pods``; this renders both for real (``helm template``
of the chart with default values, ``rmjob render`` of an ephemeral spec) and compares the pod
templates field by field. Only what must differ is left out, each for the reason given.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import yaml

from tests.chart.conftest import Helm, one

# Who owns the pod, not what it is: the chart labels with its release, a RayJob with its run.
_OWNERSHIP = ("metadata.labels", "spec.affinity.podAntiAffinity")
# The chart creates a ServiceAccount for its cluster; a cluster per job runs as the namespace's default.
_CHART_ONLY = ("spec.serviceAccountName",)


def _flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(obj, dict):
        out: dict[str, Any] = {}
        for key, value in obj.items():
            out |= _flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out or {prefix: {}}
    if isinstance(obj, list) and obj and all(isinstance(v, dict) and "name" in v for v in obj):
        out = {}
        for value in obj:
            out |= _flatten(value, f"{prefix}[{value['name']}]")
        return out
    return {prefix: obj}


def _comparable(template: dict[str, Any]) -> dict[str, Any]:
    fields = _flatten(template)
    return {k: v for k, v in fields.items() if not k.startswith(_OWNERSHIP + _CHART_ONLY)}


@pytest.fixture(scope="module")
def both(helm: Helm, repo_root: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    chart = one(helm.template(), "RayCluster")["spec"]
    spec_file = tmp_path_factory.mktemp("spec") / "ephemeral.yaml"
    spec_file.write_text(yaml.safe_dump({"base": "pairwise", "cluster": {"reuse": None}}))
    proc = subprocess.run(
        [sys.executable, "-m", "rmjob.cli", "render", str(spec_file)],
        cwd=repo_root,
        capture_output=True,
        text=True,
        check=True,
    )
    job = yaml.safe_load(proc.stdout)["spec"]["rayClusterSpec"]
    return chart, job


@pytest.mark.parametrize("group", ["head", "worker"])
def test_chart_and_render_build_the_same_ray_pod(both: tuple[dict, dict], group: str) -> None:
    chart, job = both

    def pod(cluster: dict[str, Any]) -> dict[str, Any]:
        spec = cluster["headGroupSpec"] if group == "head" else cluster["workerGroupSpecs"][0]
        return spec["template"]

    ours, theirs = _comparable(pod(chart)), _comparable(pod(job))
    differences = {
        key: (ours.get(key, "<missing>"), theirs.get(key, "<missing>"))
        for key in sorted(ours.keys() | theirs.keys())
        if ours.get(key, "<missing>") != theirs.get(key, "<missing>")
    }
    assert not differences, "chart vs rmjob render (field: (chart, render)):\n" + "\n".join(
        f"  {k}: {v}" for k, v in differences.items()
    )


def test_chart_and_render_start_ray_the_same_way(both: tuple[dict, dict]) -> None:
    chart, job = both
    assert chart["rayVersion"] == job["rayVersion"]
    assert chart["headGroupSpec"]["rayStartParams"] == job["headGroupSpec"]["rayStartParams"]
    chart_workers, job_workers = chart["workerGroupSpecs"][0], job["workerGroupSpecs"][0]
    for key in ("groupName", "replicas", "minReplicas", "maxReplicas", "rayStartParams"):
        assert chart_workers[key] == job_workers[key], key


def test_the_comparison_sees_a_drifted_field() -> None:
    def pod(level: str) -> dict[str, Any]:
        env = [{"name": "NCCL_DEBUG", "value": level}]
        return {"spec": {"containers": [{"name": "ray-head", "env": env}]}}

    assert _comparable(pod("WARN")) != _comparable(pod("INFO"))
    assert "spec.containers[ray-head].env[NCCL_DEBUG].value" in _comparable(pod("WARN"))
