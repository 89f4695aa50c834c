"""API objects (as JSON dicts) -> the plain records monitoring reads. Pure."""

from __future__ import annotations

from typing import Any

from rmjob.monitor.model import EventInfo, JobInfo, PodInfo
from rmjob.platform import load_platform


def job_info(obj: dict[str, Any]) -> JobInfo:
    meta, spec, status = obj.get("metadata", {}), obj.get("spec", {}), obj.get("status") or {}
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    prefix = load_platform().label_prefix
    gpus = annotations.get(f"{prefix}/gpus")
    return JobInfo(
        name=meta.get("name", ""),
        namespace=meta.get("namespace", ""),
        mode=labels.get(f"{prefix}/mode", "-"),
        model=annotations.get(f"{prefix}/model", "-"),
        run=labels.get(f"{prefix}/run", ""),
        created=meta.get("creationTimestamp"),
        cluster_selector=(spec.get("clusterSelector") or {}).get("ray.io/cluster"),
        deployment_status=status.get("jobDeploymentStatus", ""),
        job_status=status.get("jobStatus", ""),
        reason=status.get("reason", ""),
        message=status.get("message", ""),
        cluster_name=status.get("rayClusterName", "")
        or (spec.get("clusterSelector") or {}).get("ray.io/cluster", ""),
        start_time=status.get("startTime"),
        end_time=status.get("endTime"),
        dashboard_url=status.get("dashboardURL", ""),
        succeeded=status.get("succeeded"),
        failed=status.get("failed"),
        requested_gpus=int(gpus) if gpus and gpus.isdigit() else None,
        labels=labels,
    )


def _gpus(pod: dict[str, Any]) -> int:
    total = 0
    for container in pod.get("spec", {}).get("containers", []):
        limit = ((container.get("resources") or {}).get("limits") or {}).get("nvidia.com/gpu")
        total += int(limit) if limit else 0
    return total


def _problems(pod: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    found = []
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    for status in statuses:
        for key in ("state", "lastState"):
            state = status.get(key) or {}
            for kind in ("waiting", "terminated"):
                detail = state.get(kind)
                if detail and detail.get("reason") not in (
                    None,
                    "Completed",
                    "ContainerCreating",
                    "PodInitializing",
                ):
                    found.append((detail["reason"], detail.get("message", "")))
    return tuple(found)


def pod_info(pod: dict[str, Any]) -> PodInfo:
    meta, status = pod.get("metadata", {}), pod.get("status") or {}
    labels = meta.get("labels") or {}
    node_type = labels.get("ray.io/node-type")
    role = "head" if node_type == "head" else "worker" if node_type == "worker" else "submitter"
    conditions = {c.get("type"): c.get("status") for c in status.get("conditions") or []}
    return PodInfo(
        name=meta.get("name", ""),
        role=role,
        phase=status.get("phase", "Unknown"),
        ready=conditions.get("Ready") == "True",
        node=(pod.get("spec") or {}).get("nodeName"),
        gpus=_gpus(pod),
        problems=_problems(pod),
    )


def event_info(event: dict[str, Any]) -> EventInfo:
    involved = event.get("involvedObject") or event.get("regarding") or {}
    return EventInfo(
        kind=involved.get("kind", ""),
        name=involved.get("name", ""),
        type=event.get("type", "Normal"),
        reason=event.get("reason", ""),
        message=(event.get("message") or event.get("note") or "").strip(),
        count=event.get("count") or 1,
        last_seen=event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or (event.get("metadata") or {}).get("creationTimestamp")
        or "",
    )
