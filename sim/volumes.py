"""Pre-made PersistentVolumes, so that claims (the chart's, a RayJob's) bind as they would with a provisioner.

The simulated cluster has no storage provisioner. The controller manager's volume binder matches each claim
that names no StorageClass to one of these classless volumes. The host path is never mounted (KWOK runs no
containers); each volume is large and multi-access so any claim fits. Released volumes are not reused.
"""

from __future__ import annotations

from typing import Any

POOL_LABEL = "rm-kit.sim/volume-pool"
POOL_FREE = 12  # Available volumes kept ready by `sim up`
VOLUME_SIZE = "64Ti"


def volume(index: int) -> dict[str, Any]:
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
            "hostPath": {"path": f"/nonexistent/rm-kit-sim/{name}"},
        },
    }
