from __future__ import annotations

from datetime import datetime, timezone

import pytest

from rmjob.monitor.diagnose import diagnose
from rmjob.monitor.model import EventInfo, JobInfo, PodInfo
from rmjob.monitor.status import format_duration, run_status

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def job(deploy: str, ray: str, **extra) -> JobInfo:
    base = dict(
        name="rm-pairwise-1234abcd",
        namespace="default",
        mode="pairwise",
        model="Qwen/Qwen3-14B",
        run="rm-pairwise",
        created=None,
        cluster_selector=None,
        deployment_status=deploy,
        job_status=ray,
    )
    return JobInfo(**{**base, **extra})


HEAD = PodInfo("c-head", "head", "Running", True, "cpu-0")
WORKER_PENDING = PodInfo("c-worker-0", "worker", "Pending", False, None, 8)
WORKER_READY = PodInfo("c-worker-0", "worker", "Running", True, "gpu-0", 8)


@pytest.mark.parametrize(
    ("deploy", "ray", "pods", "state", "words"),
    [
        ("", "", [], "pending", "operator has not picked it up"),
        ("Initializing", "", [HEAD, WORKER_PENDING], "starting", "1/2 pods ready"),
        ("Running", "PENDING", [HEAD, WORKER_READY], "starting", "waiting to start in Ray"),
        ("Running", "RUNNING", [HEAD, WORKER_READY], "running", "training"),
        ("Complete", "SUCCEEDED", [], "succeeded", "finished successfully"),
        ("Complete", "FAILED", [], "failed", "training failed in Ray"),
        (
            "Failed",
            "RUNNING",
            [],
            "failed",
            "ran past activeDeadlineSeconds while Ray still reported RUNNING",
        ),
        ("ValidationFailed", "", [], "failed", "KubeRay rejected the RayJob"),
        ("Suspended", "STOPPED", [], "suspended", "suspended"),
    ],
)
def test_the_two_kuberay_fields_are_explained_in_plain_words(deploy, ray, pods, state, words):
    status = run_status(job(deploy, ray, reason="DeadlineExceeded"), pods, [], NOW)
    assert status.state == state
    assert words in status.summary


def test_pods_gpus_and_duration():
    j = job("Running", "RUNNING", start_time="2026-11-23T10:30:00Z")
    status = run_status(j, [HEAD, WORKER_READY, PodInfo("s", "submitter", "Running", True)], [], NOW)
    assert (status.pods_ready, status.pods_total, status.gpus) == (2, 2, 8)
    assert format_duration(status.duration_s) == "1h30m"


def test_insufficient_gpus_is_diagnosed_from_the_scheduler_event():
    event = EventInfo(
        "Pod",
        "c-worker-0",
        "Warning",
        "FailedScheduling",
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role: cpu}, "
        "2 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available.",
    )
    findings = diagnose([event], [HEAD, WORKER_PENDING])
    assert [f.code for f in findings] == ["insufficient-gpus"]
    status = run_status(job("Initializing", ""), [HEAD, WORKER_PENDING], findings, NOW)
    assert "not enough GPUs" in status.summary


@pytest.mark.parametrize(
    ("event", "pod", "code"),
    [
        (
            None,
            PodInfo(
                "p",
                "worker",
                "Pending",
                False,
                problems=(("ImagePullBackOff", 'Back-off pulling image "rm-kit/trainer:0.1.0"'),),
            ),
            "image-pull",
        ),
        (None, PodInfo("p", "worker", "Running", False, problems=(("OOMKilled", ""),)), "oom-killed"),
        (
            None,
            PodInfo(
                "p",
                "head",
                "Pending",
                False,
                problems=(("CreateContainerConfigError", 'secret "rm-kit-secrets" not found'),),
            ),
            "missing-secret",
        ),
        (
            EventInfo(
                "Pod",
                "p",
                "Warning",
                "FailedScheduling",
                '0/3 nodes are available: persistentvolumeclaim "rm-cluster-data" not found.',
            ),
            None,
            "missing-pvc",
        ),
        (
            EventInfo(
                "Pod", "p", "Warning", "Failed", 'Failed to pull image "rm-kit/trainer:0.1.0": not found'
            ),
            None,
            "image-pull",
        ),
        (
            EventInfo(
                "Pod",
                "p",
                "Warning",
                "FailedScheduling",
                "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.",
            ),
            None,
            "no-matching-node",
        ),
    ],
)
def test_diagnoses(event, pod, code):
    findings = diagnose([event] if event else [], [pod] if pod else [])
    assert [f.code for f in findings] == [code]
    assert findings[0].summary and "\n" not in findings[0].summary


def test_normal_events_diagnose_nothing():
    assert diagnose([EventInfo("Pod", "p", "Normal", "Scheduled", "assigned")], [HEAD]) == []


def test_only_the_latest_warning_per_object_counts_and_scheduled_pods_are_not_unschedulable():
    stale = EventInfo(
        "Pod",
        "w",
        "Warning",
        "FailedScheduling",
        "pod has unbound immediate PersistentVolumeClaims",
        last_seen="2026-11-23T10:00:00Z",
    )
    latest = EventInfo(
        "Pod",
        "w",
        "Warning",
        "FailedScheduling",
        "0/3 nodes are available: 2 Insufficient nvidia.com/gpu.",
        last_seen="2026-11-23T10:01:00Z",
    )
    head_old = EventInfo(
        "Pod",
        "h",
        "Warning",
        "FailedScheduling",
        "pod has unbound immediate PersistentVolumeClaims",
        last_seen="2026-11-23T10:00:00Z",
    )
    pods = [PodInfo("h", "head", "Running", True, "cpu-0"), PodInfo("w", "worker", "Pending", False)]
    findings = diagnose([latest, stale, head_old], pods)
    assert [(f.code, f.subject) for f in findings] == [("insufficient-gpus", "w")]


def test_a_reused_cluster_that_does_not_exist_says_how_to_install_it():
    # The operator's own wording (KubeRay v1.6 rayjob_controller) for a clusterSelector with no cluster.
    event = EventInfo(
        "RayJob",
        "rm-pairwise-1",
        "Warning",
        "RayClusterNotFound",
        "RayCluster team-a/rm-cluster set in the clusterSelector is not found. It must be created manually",
    )
    [finding] = diagnose([event], [])
    assert finding.code == "missing-raycluster"
    assert "'rm-cluster'" in finding.summary and "make cluster NAMESPACE=team-a" in finding.summary
