"""The cluster's DNS as a hosts file: Services selecting a running Ray head resolve to its address."""

from __future__ import annotations

import os
from pathlib import Path

from sim import hosts, runtime


def service(name: str, namespace: str, selector: dict[str, str] | None) -> dict[str, object]:
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"selector": selector}}


def test_services_selecting_a_head_resolve_to_it_under_every_search_name() -> None:
    head = ("team", {"ray.io/cluster": "rm-cluster", "ray.io/node-type": "head"}, "127.65.0.9")
    names = hosts.entries(
        [
            service(
                "rm-cluster-head-svc", "team", {"ray.io/cluster": "rm-cluster", "ray.io/node-type": "head"}
            ),
            service("other", "team", {"app": "web"}),
            service("rm-cluster-head-svc", "elsewhere", {"ray.io/cluster": "rm-cluster"}),
            service("headless", "team", None),
        ],
        [head],
    )
    assert names == {
        "rm-cluster-head-svc.team.svc.cluster.local": "127.65.0.9",
        "rm-cluster-head-svc.team.svc": "127.65.0.9",
        "rm-cluster-head-svc.team": "127.65.0.9",
    }
    assert hosts.render(names).splitlines()[2] == "127.65.0.9 rm-cluster-head-svc.team"


def test_rewriting_keeps_the_inode_a_bind_mount_shows(tmp_path: Path) -> None:
    path = tmp_path / "hosts"
    hosts.write_in_place(path, "127.0.0.1 a-much-longer-first-version\n")
    inode = os.stat(path).st_ino
    hosts.write_in_place(path, "127.0.0.1 short\n")
    assert os.stat(path).st_ino == inode and path.read_text() == "127.0.0.1 short\n"


def test_fake_pod_addresses_are_loopback_and_stable() -> None:
    first = runtime.fake_pod_ip("3f1c-uid")
    assert first == runtime.fake_pod_ip("3f1c-uid") and first.startswith("127.64.")


def test_pod_roles_follow_labels_and_owners() -> None:
    head = {"metadata": {"labels": {"ray.io/node-type": "head"}}}
    submitter = {"metadata": {"ownerReferences": [{"kind": "Job", "name": "rm-x"}]}}
    worker = {"metadata": {"labels": {"ray.io/node-type": "worker"}}}
    assert [runtime.pod_role(p) for p in (head, submitter, worker)] == ["head", "job", "fake"]
