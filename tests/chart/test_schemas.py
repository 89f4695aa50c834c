"""Every rendered object validates against the real schemas.

Core objects: the Kubernetes OpenAPI schemas shipped in kubernetes-validate (strict: unknown fields
fail), at the oldest Kubernetes the chart supports and the newest the package knows. The RayCluster:
the KubeRay CRD of the platform's version, strictly. Kueue ships no schema reachable here (its Go
module is not served), so its objects get structural checks in test_structure.py instead.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.chart.conftest import CHART_DIR, Helm
from tests.chart.scenarios import SCENARIOS
from tests.support.crd import validation_errors

KUEUE_KINDS = {"ResourceFlavor", "ClusterQueue", "LocalQueue"}


def _kubernetes_versions() -> list[str]:
    minimum = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())["kubeVersion"]  # ">=1.27.0-0"
    oldest = minimum.removeprefix(">=").split("-")[0]
    return [oldest, kubernetes_validate.latest_version()]


def _as_pod(template: dict[str, Any]) -> dict[str, Any]:
    metadata = {"name": "pod", **template.get("metadata", {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": template["spec"]}


def _core_errors(obj: dict[str, Any]) -> list[str]:
    errors = []
    for version in _kubernetes_versions():
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{obj['kind']}/{obj['metadata'].get('name')} @ {version}: {e.message}")
    return errors


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_rendered_object_validates_against_its_real_schema(helm: Helm, scenario: str) -> None:
    objects = helm.template(SCENARIOS[scenario])
    errors: list[str] = []
    for obj in objects:
        if obj["apiVersion"] == "ray.io/v1":
            errors += [f"{obj['kind']}: {e}" for e in validation_errors(obj)]
            # The pod templates also as core Pods: the CRD embeds an older copy of the Pod schema.
            spec = obj["spec"]
            for template in [spec["headGroupSpec"]["template"]] + [
                g["template"] for g in spec.get("workerGroupSpecs", [])
            ]:
                errors += _core_errors(_as_pod(template))
        elif obj["kind"] in KUEUE_KINDS:
            assert obj["apiVersion"].startswith("kueue.x-k8s.io/")
        else:
            errors += _core_errors(obj)
    assert errors == []


def test_a_schema_violation_is_caught(helm: Helm) -> None:
    # The validators above must be able to fail: a misspelled field in a rendered object is caught.
    objects = helm.template()
    (cluster,) = [o for o in objects if o["kind"] == "RayCluster"]
    cluster["spec"]["workerGroupSpecs"][0]["replica"] = 1
    assert validation_errors(cluster)
    (pvc, *_) = [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    pvc["spec"]["accessMode"] = ["ReadWriteMany"]
    assert _core_errors(pvc)
