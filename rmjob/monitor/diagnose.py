"""From events and pod states to the reason a run is stuck or broken, in plain words.

Each rule reads what Kubernetes reports (scheduler events, container states) and says what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rmjob.findings import Finding, Level
from rmjob.monitor.model import EventInfo, PodInfo

_SECRET = re.compile(r'secret "([^"]+)" not found')
_PVC = re.compile(r'persistentvolumeclaim "([^"]+)" not found')
_CLUSTER_REF = re.compile(r"RayCluster ([a-z0-9.-]+)/([a-z0-9.-]+) set in the clusterSelector")
_IMAGE = re.compile(r'(?:pull(?:ing)? image|image) "([^"]+)"')
_INSUFFICIENT = re.compile(r"Insufficient ([\w./-]+)")


def _from_event(event: EventInfo) -> Finding | None:
    text = event.message
    if event.reason == "FailedScheduling":
        if pvc := _PVC.search(text):
            return Finding(Level.ERROR, "missing-pvc", _missing_pvc(pvc[1]), event.name)
        if "Insufficient nvidia.com/gpu" in text:
            return Finding(
                Level.ERROR,
                "insufficient-gpus",
                "not enough GPUs: no node has enough free nvidia.com/gpu for this pod "
                f"(scheduler: {_first_sentence(text)}); free GPUs, add nodes, or lower cluster.nodes",
                event.name,
            )
        if resources := _INSUFFICIENT.findall(text):
            return Finding(
                Level.ERROR,
                "insufficient-resources",
                f"not enough {', '.join(sorted(set(resources)))} on any node (scheduler: {text})",
                event.name,
            )
        if "node affinity/selector" in text or "didn't match" in text:
            return Finding(
                Level.ERROR,
                "no-matching-node",
                "no node matches the pod's node selector (nvidia.com/gpu.product) or affinity; "
                f"check the node shape against your nodes' labels (scheduler: {text})",
                event.name,
            )
        if "untolerated taint" in text:
            return Finding(
                Level.ERROR,
                "untolerated-taint",
                f"every node has a taint the pod does not tolerate ({text})",
                event.name,
            )
        return Finding(Level.ERROR, "unschedulable", f"cannot be scheduled: {text}", event.name)
    if event.reason == "RayClusterNotFound":
        # A reuse-the-cluster run whose namespace has no chart-installed RayCluster waits forever.
        where = _CLUSTER_REF.search(text)
        namespace, cluster = where.groups() if where else ("<namespace>", "rm-cluster")
        return Finding(
            Level.ERROR,
            "missing-raycluster",
            f"the RayCluster {cluster!r} this run reuses does not exist in namespace {namespace!r}: install "
            f"it (`make cluster NAMESPACE={namespace}`) or submit to the namespace that has it (-n)",
            event.name,
        )
    if secret := _SECRET.search(text):
        return Finding(Level.ERROR, "missing-secret", _missing_secret(secret[1]), event.name)
    if pvc := _PVC.search(text):
        return Finding(Level.ERROR, "missing-pvc", _missing_pvc(pvc[1]), event.name)
    if (
        event.reason in ("Failed", "ErrImagePull", "BackOff")
        and "image" in text.lower()
        and "pull" in text.lower()
    ):
        image = _IMAGE.search(text)
        return Finding(Level.ERROR, "image-pull", _image_pull(image[1] if image else "?"), event.name)
    if event.reason == "OOMKilling" or "OOMKilled" in text:
        return Finding(Level.ERROR, "oom-killed", _oom(event.name), event.name)
    return None


def _from_pod(pod: PodInfo) -> Finding | None:
    for reason, message in pod.problems:
        if reason in ("ErrImagePull", "ImagePullBackOff", "InvalidImageName"):
            image = _IMAGE.search(message)
            return Finding(
                Level.ERROR, "image-pull", _image_pull(image[1] if image else message or "?"), pod.name
            )
        if reason == "OOMKilled":
            return Finding(Level.ERROR, "oom-killed", _oom(pod.name), pod.name)
        if reason == "CreateContainerConfigError" and (secret := _SECRET.search(message)):
            return Finding(Level.ERROR, "missing-secret", _missing_secret(secret[1]), pod.name)
        if reason == "CrashLoopBackOff":
            return Finding(
                Level.ERROR,
                "crash-loop",
                f"a container keeps crashing: see `rmjob logs` for {pod.name}",
                pod.name,
            )
    return None


def _first_sentence(text: str) -> str:
    """The scheduler's verdict without its preemption post-script."""
    verdict = text.split(" preemption:")[0].rstrip(" .,")
    return verdict.removesuffix(" no new claims to deallocate").rstrip(" .,")


def _missing_secret(name: str) -> str:
    return (
        f"missing Secret {name!r}: kubectl create secret generic {name} -n <the run's namespace> "
        "--from-literal=WANDB_API_KEY=... --from-literal=HF_TOKEN=..."
    )


def _missing_pvc(name: str) -> str:
    return f"missing PersistentVolumeClaim {name!r}: `helm install rm-cluster charts/rm-cluster` creates it"


def _image_pull(image: str) -> str:
    return f"cannot pull image {image}: push it (`make push`) or fix the image name / imagePullSecrets"


def _oom(pod: str) -> str:
    return f"{pod} was OOM-killed: give it more memory or lower the micro batch / max lengths"


def current_warnings(events: Iterable[EventInfo], pods: Iterable[PodInfo]) -> list[EventInfo]:
    """The warnings that still hold: the latest of each kind per object, and no scheduling
    complaints about pods that have since been scheduled."""
    scheduled = {p.name for p in pods if p.node}
    latest: dict[tuple[str, str], EventInfo] = {}
    for event in sorted(events, key=lambda e: e.last_seen):
        if event.type != "Warning" or (event.reason == "FailedScheduling" and event.name in scheduled):
            continue
        latest[(event.name, event.reason)] = event
    return list(latest.values())


def diagnose(events: Iterable[EventInfo], pods: Iterable[PodInfo]) -> list[Finding]:
    """Distinct findings from the warnings that still hold, then from pod states."""
    pods = list(pods)
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    candidates = [_from_event(e) for e in current_warnings(events, pods)] + [_from_pod(p) for p in pods]
    for finding in candidates:
        if finding and (finding.code, finding.subject) not in seen:
            seen.add((finding.code, finding.subject))
            findings.append(finding)
    return findings
