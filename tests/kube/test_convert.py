"""API objects to monitoring records: the shapes the API server returns, read correctly."""

from __future__ import annotations

from rmjob.kube.convert import event_info, job_info, pod_info


def test_job_info_reads_labels_annotations_and_both_status_fields():
    obj = {
        "metadata": {
            "name": "rm-pairwise-1a2b3c4d",
            "namespace": "rm-kit",
            "creationTimestamp": "2026-11-23T10:00:00Z",
            "labels": {"rm-kit.io/mode": "pairwise", "rm-kit.io/run": "rm-pairwise"},
            "annotations": {"rm-kit.io/model": "Qwen/Qwen3-14B", "rm-kit.io/gpus": "16"},
        },
        "spec": {"clusterSelector": {"ray.io/cluster": "rm-cluster"}},
        "status": {
            "jobDeploymentStatus": "Running",
            "jobStatus": "PENDING",
            "startTime": "2026-11-23T10:00:05Z",
        },
    }
    info = job_info(obj)
    assert (info.mode, info.model, info.run) == ("pairwise", "Qwen/Qwen3-14B", "rm-pairwise")
    assert (info.deployment_status, info.job_status) == ("Running", "PENDING")
    assert info.cluster_name == "rm-cluster" and info.requested_gpus == 16


def test_job_info_without_status_is_pending_not_an_error():
    info = job_info({"metadata": {"name": "x"}, "spec": {}})
    assert info.deployment_status == "" and info.job_status == "" and info.cluster_name == ""


def test_pod_info_roles_gpus_readiness_and_problems():
    worker = {
        "metadata": {"name": "c-gpu-workers-abc", "labels": {"ray.io/node-type": "worker"}},
        "spec": {"nodeName": "gpu-0", "containers": [{"resources": {"limits": {"nvidia.com/gpu": "8"}}}]},
        "status": {
            "phase": "Running",
            "conditions": [{"type": "Ready", "status": "False"}],
            "containerStatuses": [
                {
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
                    "lastState": {"terminated": {"reason": "OOMKilled"}},
                }
            ],
        },
    }
    info = pod_info(worker)
    assert (info.role, info.gpus, info.ready, info.node) == ("worker", 8, False, "gpu-0")
    assert info.problems == (("CrashLoopBackOff", "back-off"), ("OOMKilled", ""))
    submitter = pod_info(
        {"metadata": {"name": "s", "labels": {"batch.kubernetes.io/job-name": "j"}}, "spec": {}}
    )
    assert submitter.role == "submitter" and submitter.phase == "Unknown"


def test_event_info_reads_core_v1_events():
    event = event_info(
        {
            "involvedObject": {"kind": "Pod", "name": "p"},
            "type": "Warning",
            "reason": "FailedScheduling",
            "message": "0/3 nodes are available: 2 Insufficient nvidia.com/gpu. ",
            "count": 4,
        }
    )
    assert (event.kind, event.name, event.reason, event.count) == ("Pod", "p", "FailedScheduling", 4)
    assert event.message.endswith("nvidia.com/gpu.")
