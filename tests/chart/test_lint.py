"""`helm lint --strict` on the chart as committed, with the defaults and with every option switched on."""

from __future__ import annotations

import json
from pathlib import Path

from tests.chart.conftest import OPERATOR_DIR, Helm

EVERYTHING_ON = {
    "workers": {"nodes": 4, "nodeShape": "gcp-a2-ultragpu-8g"},
    "kueue": {"enabled": True},
    "networkPolicy": {"enabled": True, "operatorNamespace": "ray-system"},
    "nccl": {"infiniband": {"enabled": True, "resourceName": "rdma/ib", "hca": "mlx5"}},
    "priorityClassName": "training",
    "kuberay-operator": {
        "enabled": True,
        "watchNamespaces": ["rm-kit"],
        "featureGates": {"RayCronJob": True},
        "priorityClassName": "system-cluster-critical",
    },
}


def test_lint_strict_passes_with_defaults(helm: Helm) -> None:
    proc = helm.run("lint", "--strict", str(helm.chart))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lint_strict_passes_with_every_option_on(helm: Helm, tmp_path: Path) -> None:
    values = tmp_path / "values.json"
    values.write_text(json.dumps(EVERYTHING_ON))
    proc = helm.run("lint", "--strict", str(helm.chart), "-f", str(values))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lint_strict_passes_on_the_vendored_operator_subchart_on_its_own(helm: Helm, tmp_path: Path) -> None:
    # `--with-subcharts` would hand the parent's values to the subchart unscoped, so lint it directly.
    values = tmp_path / "values.json"
    values.write_text(json.dumps(EVERYTHING_ON["kuberay-operator"]))
    proc = helm.run("lint", "--strict", str(OPERATOR_DIR), "-f", str(values))
    assert proc.returncode == 0, proc.stdout + proc.stderr
