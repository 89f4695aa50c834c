"""API objects (as JSON dicts) -> the plain records monitoring reads. Pure.

Total over any JSON: a field of the wrong type (a proxy's rewrite, a broken operator, another
controller's object) reads as absent instead of raising, so one odd object cannot crash a listing.
"""

from __future__ import annotations

from typing import Any

from rmjob.monitor.model import EventInfo, JobInfo, PodInfo
from rmjob.platform import load_platform


def _map(data: Any, key: str) -> dict[str, Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def _list(data: Any, key: str) -> list[Any]:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, list) else []


def _text(data: Any, key: str, default: str = "") -> str:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else default


def _maybe_text(data: Any, key: str) -> str | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _count(data: Any, key: str) -> int | None:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _strings(data: dict[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def job_info(obj: Any) -> JobInfo:
    meta, spec, status = _map(obj, "metadata"), _map(obj, "spec"), _map(obj, "status")
    prefix = load_platform().label_prefix
    labels = _strings(_map(meta, "labels"))
    annotations = _strings(_map(meta, "annotations"))
    gpus = annotations.get(f"{prefix}/gpus", "")
    selected = _maybe_text(_map(spec, "clusterSelector"), "ray.io/cluster")
    return JobInfo(
        name=_text(meta, "name"),
        namespace=_text(meta, "namespace"),
        mode=labels.get(f"{prefix}/mode", "-"),
        model=annotations.get(f"{prefix}/model", "-"),
        run=labels.get(f"{prefix}/run", ""),
        created=_maybe_text(meta, "creationTimestamp"),
        cluster_selector=selected,
        deployment_status=_text(status, "jobDeploymentStatus"),
        job_status=_text(status, "jobStatus"),
        reason=_text(status, "reason"),
        message=_text(status, "message"),
        cluster_name=_text(status, "rayClusterName") or selected or "",
        start_time=_maybe_text(status, "startTime"),
        end_time=_maybe_text(status, "endTime"),
        dashboard_url=_text(status, "dashboardURL"),
        succeeded=_count(status, "succeeded"),
        failed=_count(status, "failed"),
        requested_gpus=int(gpus) if gpus.isascii() and gpus.isdigit() else None,
        labels=labels,
    )


def _gpus(pod: Any) -> int:
    total = 0
    for container in _list(_map(pod, "spec"), "containers"):
        limit = _map(_map(container, "resources"), "limits").get("nvidia.com/gpu")
        text = str(limit) if isinstance(limit, (int, str)) and not isinstance(limit, bool) else ""
        total += int(text) if text.isascii() and text.isdigit() else 0
    return total


# Container states that are not problems: a finished init step, or a pod still starting.
_BENIGN = (None, "Completed", "ContainerCreating", "PodInitializing")


def _problems(pod: Any) -> tuple[tuple[str, str], ...]:
    found = []
    for status in _list(_map(pod, "status"), "containerStatuses"):
        for key in ("state", "lastState"):
            state = _map(status, key)
            for kind in ("waiting", "terminated"):
                detail = _map(state, kind)
                reason = _maybe_text(detail, "reason")
                if detail and reason not in _BENIGN:
                    found.append((str(reason), _text(detail, "message")))
    return tuple(found)


def pod_info(pod: Any) -> PodInfo:
    meta, status = _map(pod, "metadata"), _map(pod, "status")
    node_type = _map(meta, "labels").get("ray.io/node-type")
    role = "head" if node_type == "head" else "worker" if node_type == "worker" else "submitter"
    conditions = {_text(c, "type"): _text(c, "status") for c in _list(status, "conditions")}
    return PodInfo(
        name=_text(meta, "name"),
        role=role,
        phase=_text(status, "phase", "Unknown"),
        ready=conditions.get("Ready") == "True",
        node=_maybe_text(_map(pod, "spec"), "nodeName"),
        gpus=_gpus(pod),
        problems=_problems(pod),
    )


def event_info(event: Any) -> EventInfo:
    involved = _map(event, "involvedObject") or _map(event, "regarding")
    return EventInfo(
        kind=_text(involved, "kind"),
        name=_text(involved, "name"),
        type=_text(event, "type", "Normal"),
        reason=_text(event, "reason"),
        message=(_text(event, "message") or _text(event, "note")).strip(),
        count=_count(event, "count") or 1,
        last_seen=_text(event, "lastTimestamp")
        or _text(event, "eventTime")
        or _text(event, "firstTimestamp")
        or _text(_map(event, "metadata"), "creationTimestamp"),
    )
