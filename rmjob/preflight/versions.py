"""Checks across version sources: one Ray everywhere, and the trainer image on the pinned stack."""

from __future__ import annotations

from rmjob.doctor import version_tuple
from rmjob.preflight.inputs import Inputs
from rmjob.preflight.result import Verdict, failed, passed
from rmjob.preflight.rules import Rule

PINNED_SOURCE = 0  # inputs.version_sources[0] is rmjob/platform.yaml


def ray_versions_agree(rule: Rule, inputs: Inputs) -> list[Verdict]:
    pinned = inputs.version_sources[PINNED_SOURCE].versions["ray"]
    found, verdicts = [], []
    for source in inputs.version_sources[1:]:
        version = source.versions.get("ray")
        if version is None:
            continue
        found.append(source.where)
        width = 3 if source.exact else 2
        if version_tuple(version)[:width] != version_tuple(pinned)[:width]:
            what = "Ray" if source.exact else "Ray major.minor"
            verdicts.append(
                failed(
                    f"{source.where} has Ray {version}, the pinned set {pinned} ({what} must agree)",
                    _ray_fix(source.where, pinned),
                )
            )
    if inputs.cluster and inputs.cluster.raycluster:
        running = (inputs.cluster.raycluster.get("spec") or {}).get("rayVersion")
        name = inputs.cluster.raycluster["metadata"]["name"]
        found.append(f"RayCluster {name}")
        if running and version_tuple(running)[:3] != version_tuple(pinned)[:3]:
            verdicts.append(
                failed(
                    f"RayCluster {name} runs rayVersion {running}, rm-kit renders jobs for Ray {pinned}",
                    f"upgrade the cluster: helm upgrade {name} charts/rm-cluster (rayVersion {pinned})",
                )
            )
    if verdicts:
        return verdicts
    return [passed(f"Ray {pinned} in " + (", ".join(found) or "the pinned set only"))]


def _ray_fix(where: str, pinned: str) -> str:
    if where == "client":
        return f"pip install 'ray[default]=={pinned}' on this machine"
    if "chart" in where:
        return "make sync (copies rmjob/platform.yaml into the chart)"
    return f"pin ray=={pinned} in that lock file (make lock) and rebuild the image"


def stack_pins(rule: Rule, inputs: Inputs) -> list[Verdict]:
    if inputs.spec.cluster.image:
        return [
            passed(
                f"custom image {inputs.spec.cluster.image}: its versions cannot be read from here; "
                "run `rmjob doctor` inside it"
            )
        ]
    pinned = inputs.version_sources[PINNED_SOURCE].versions
    image = next((s for s in inputs.version_sources if s.where.startswith("trainer image")), None)
    if image is None:
        return [passed(f"pinned set {pinned} (no image lock file in this install to compare)")]
    verdicts = [
        failed(
            f"{image.where} has {name} {image.versions.get(name, 'missing')}, the pinned set {want}",
            f"pin {name}=={want} in images/trainer/requirements.in, `make lock`, rebuild the image",
        )
        for name, want in pinned.items()
        if image.versions.get(name) != want
    ]
    return verdicts or [passed(", ".join(f"{k} {v}" for k, v in pinned.items()) + f" in {image.where}")]
