"""Validate objects against the real KubeRay CRD schemas, strictly.

A CRD's openAPIV3Schema leaves unknown fields to the API server's pruning, which would silently
drop a misspelled field. Here every object with declared ``properties`` refuses keys it does not
declare (unless it preserves unknown fields), so a typo fails the test.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from devtools.gomod import go_module_dir
from rmjob.platform import load_platform

KUBERAY_MODULE = "github.com/ray-project/kuberay/ray-operator"


def kuberay_crd_dir() -> Path:
    return go_module_dir(KUBERAY_MODULE, load_platform().versions.kuberay) / "config" / "crd" / "bases"


def _strict(schema: Any) -> Any:
    if isinstance(schema, dict):
        schema = {k: _strict(v) for k, v in schema.items()}
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        if schema.get("x-kubernetes-int-or-string"):
            schema.pop("type", None)
            schema["anyOf"] = [{"type": "integer"}, {"type": "string"}]
        return schema
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@cache
def crd_schema(kind: str) -> dict[str, Any]:
    """The strict schema of ``kind`` (RayJob, RayCluster, ...) at the served version ``v1``."""
    plural = {"RayJob": "rayjobs", "RayCluster": "rayclusters", "RayService": "rayservices"}[kind]
    crd = yaml.safe_load((kuberay_crd_dir() / f"ray.io_{plural}.yaml").read_text())
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
    # metadata is validated by the API server itself, not by the CRD schema.
    schema["properties"]["metadata"] = {"type": "object"}
    return _strict(schema)


def validation_errors(obj: dict[str, Any]) -> list[str]:
    """Every schema violation in ``obj``, as 'path: message' lines (empty when valid)."""
    if obj.get("apiVersion") != "ray.io/v1":
        return [f"apiVersion: expected ray.io/v1, got {obj.get('apiVersion')!r}"]
    validator = jsonschema.Draft7Validator(crd_schema(obj["kind"]))
    return [
        f"{'/'.join(str(p) for p in err.absolute_path)}: {err.message}"
        for err in sorted(validator.iter_errors(obj), key=lambda e: list(map(str, e.absolute_path)))
    ]
