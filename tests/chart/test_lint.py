"""`helm lint --strict` on the chart, with the defaults and with every option switched on."""

from __future__ import annotations

import json
from pathlib import Path

from tests.chart.conftest import Helm

EVERYTHING_ON = {
    "workers": {"nodes": 4, "nodeShape": "gcp-a2-ultragpu-8g"},
    "kueue": {"enabled": True},
    "networkPolicy": {"enabled": True, "operatorNamespace": "ray-system"},
    "nccl": {"infiniband": {"enabled": True, "resourceName": "rdma/ib", "hca": "mlx5"}},
    "priorityClassName": "training",
    "kuberay-operator": {"enabled": True},
}


def test_lint_strict_passes_with_defaults(helm: Helm) -> None:
    proc = helm.run("lint", "--strict", str(helm.chart))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lint_strict_passes_with_every_option_on(helm: Helm, tmp_path: Path) -> None:
    values = tmp_path / "values.json"
    values.write_text(json.dumps(EVERYTHING_ON))
    proc = helm.run("lint", "--strict", str(helm.chart), "-f", str(values))
    assert proc.returncode == 0, proc.stdout + proc.stderr
