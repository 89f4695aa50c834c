"""Property: whatever JSON the API server sends as a RayJob, pod or event, conversion and the status
and diagnosis built on it give records, never an exception."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from rmjob.kube.convert import event_info, job_info, pod_info
from rmjob.monitor.diagnose import diagnose
from rmjob.monitor.model import EventInfo, JobInfo, PodInfo
from rmjob.monitor.status import format_duration, run_status
from tests.support.fake_apiserver import rayjob
from tests.support.hostile import HOSTILE_VALUES, PROPERTY_SETTINGS, mutated

POD = {
    "metadata": {"name": "rm-cluster-head-x", "labels": {"ray.io/node-type": "head"}},
    "spec": {"nodeName": "n1", "containers": [{"resources": {"limits": {"nvidia.com/gpu": "8"}}}]},
    "status": {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True"}],
        "containerStatuses": [{"state": {"waiting": {"reason": "ImagePullBackOff", "message": "no"}}}],
    },
}
EVENT = {
    "involvedObject": {"kind": "Pod", "name": "rm-cluster-head-x"},
    "type": "Warning",
    "reason": "FailedScheduling",
    "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.",
    "count": 3,
    "lastTimestamp": "2026-01-01T00:00:00Z",
}
JOB = rayjob(startTime="2026-01-01T00:00:00Z", endTime="2026-01-01T01:00:00Z", rayClusterName="rm-cluster")
ANY_JSON: Any = st.one_of(
    HOSTILE_VALUES, st.dictionaries(st.sampled_from(sorted({*JOB, *POD, *EVENT})), HOSTILE_VALUES)
)


def _status_of(job: Any, pods: list[Any], events: list[Any]) -> None:
    info = job_info(job)
    pod_infos = [pod_info(p) for p in pods]
    event_infos = [event_info(e) for e in events]
    assert isinstance(info, JobInfo) and all(isinstance(p, PodInfo) for p in pod_infos)
    assert all(isinstance(e, EventInfo) for e in event_infos)
    status = run_status(info, pod_infos, diagnose(event_infos, pod_infos))
    assert isinstance(status.state, str) and isinstance(status.summary, str)
    format_duration(status.duration_s)


@PROPERTY_SETTINGS
@given(mutated(JOB, 4), mutated(POD, 4), mutated(EVENT, 4))
def test_malformed_objects_convert_to_records(job, pod, event):
    _status_of(job, [pod], [event])


@PROPERTY_SETTINGS
@given(ANY_JSON, st.lists(ANY_JSON, max_size=3), st.lists(ANY_JSON, max_size=3))
def test_any_json_converts_to_records(job, pods, events):
    _status_of(job, pods, events)


def test_well_formed_objects_keep_their_meaning():
    info = job_info(JOB)
    assert (info.name, info.cluster_name, info.job_status) == (
        "rm-pairwise-1234abcd",
        "rm-cluster",
        "RUNNING",
    )
    pod = pod_info(POD)
    assert (pod.role, pod.ready, pod.gpus, pod.problems) == ("head", True, 8, (("ImagePullBackOff", "no"),))
    assert event_info(EVENT).count == 3
