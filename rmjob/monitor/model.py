"""Plain records of what the API server told us, so the monitoring logic stays pure and testable.

``rmjob.kube`` builds these from API objects; nothing here talks to a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PodInfo:
    name: str
    role: str  # head | worker | submitter
    phase: str  # Pending | Running | Succeeded | Failed | Unknown
    ready: bool
    node: str | None = None
    gpus: int = 0
    # Container waiting/terminated reasons (ImagePullBackOff, OOMKilled, ...) with their messages.
    problems: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EventInfo:
    kind: str  # involved object kind
    name: str  # involved object name
    type: str  # Normal | Warning
    reason: str
    message: str
    count: int = 1
    last_seen: str = ""  # RFC 3339; sorts in time order as text


@dataclass(frozen=True)
class JobInfo:
    """The parts of a RayJob that monitoring reads."""

    name: str
    namespace: str
    mode: str
    model: str
    run: str
    created: str | None
    cluster_selector: str | None
    deployment_status: str
    job_status: str
    reason: str = ""
    message: str = ""
    cluster_name: str = ""
    start_time: str | None = None
    end_time: str | None = None
    dashboard_url: str = ""
    succeeded: int | None = None
    failed: int | None = None
    requested_gpus: int | None = None
    labels: dict[str, str] = field(default_factory=dict)
