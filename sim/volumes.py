"""Pre-made PersistentVolumes, so that claims (the chart's, a RayJob's) bind as they would with a provisioner.

The simulated cluster has no storage provisioner. The controller manager's volume binder matches each claim
that names no StorageClass to one of these classless volumes. Each volume's hostPath is a directory of the
cluster's home on this machine: what runs for a pod (sim/runtime.py) sees it at the pod's mount path. Each
volume is large and multi-access so any claim fits. Released volumes are not reused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

POOL_LABEL = "rm-kit.sim/volume-pool"
POOL_FREE = 12  # Available volumes kept ready by `sim up`
VOLUME_SIZE = "64Ti"


def volume(index: int, root: Path) -> dict[str, Any]:
    """Pool volume ``index``, its data in ``root/<name>`` (created when a pod first uses it)."""
    name = f"sim-pv-{index}"
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": {POOL_LABEL: "true"}},
        "spec": {
            "capacity": {"storage": VOLUME_SIZE},
            "accessModes": ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "",
            "hostPath": {"path": str(root / name)},
        },
    }
