"""What the rendered cluster promises: rmjob's RayJobs, the scheduler and the security review rely on it."""

from __future__ import annotations

from typing import Any

import pytest

from rmjob.platform import GPU_PRODUCT_LABEL, GPU_RESOURCE, load_platform
from tests.chart.conftest import RELEASE, Helm, of_kind, one
from tests.chart.scenarios import SCENARIOS

PLATFORM = load_platform()
VOLUMES = {
    "data": PLATFORM.paths.data,
    "checkpoints": PLATFORM.paths.checkpoints,
    "models": PLATFORM.paths.models,
}


def _head(cluster: dict[str, Any]) -> dict[str, Any]:
    return cluster["spec"]["headGroupSpec"]  # type: ignore[no-any-return]


def _workers(cluster: dict[str, Any]) -> dict[str, Any]:
    (group,) = cluster["spec"]["workerGroupSpecs"]
    return group  # type: ignore[no-any-return]


def _container(group: dict[str, Any]) -> dict[str, Any]:
    (container,) = group["template"]["spec"]["containers"]
    return container  # type: ignore[no-any-return]


def test_default_release_names_the_cluster_that_rayjobs_select(helm: Helm) -> None:
    cluster = one(helm.template(), "RayCluster")
    assert cluster["metadata"]["name"] == RELEASE == "rm-cluster"
    assert {p["metadata"]["name"] for p in of_kind(helm.template(), "PersistentVolumeClaim")} == {
        "rm-cluster-data",
        "rm-cluster-checkpoints",
        "rm-cluster-models",
    }


def test_other_release_names_prefix_the_chart_name(helm: Helm) -> None:
    assert one(helm.template(release="team-a"), "RayCluster")["metadata"]["name"] == "team-a-rm-cluster"


def test_release_name_that_is_no_dns_1035_label_is_refused_with_the_name(helm: Helm) -> None:
    assert '"9lives-rm-cluster" is not a DNS-1035 label' in helm.refusal({}, release="9lives")


def test_ray_version_and_default_image_come_from_the_platform(helm: Helm) -> None:
    cluster = one(helm.template(), "RayCluster")
    assert cluster["spec"]["rayVersion"] == PLATFORM.versions.ray
    for group in (_head(cluster), _workers(cluster)):
        assert _container(group)["image"] == PLATFORM.image("trainer")


def test_image_is_overridable(helm: Helm) -> None:
    cluster = one(helm.template({"image": {"repository": "reg.example/trainer", "tag": "dev"}}), "RayCluster")
    assert {_container(g)["image"] for g in (_head(cluster), _workers(cluster))} == {
        "reg.example/trainer:dev"
    }


def test_head_is_cpu_only_with_the_platform_size_and_a_cluster_ip_dashboard(helm: Helm) -> None:
    head = _head(one(helm.template(), "RayCluster"))
    resources = _container(head)["resources"]
    assert (
        resources["requests"]
        == resources["limits"]
        == {"cpu": PLATFORM.head.cpu, "memory": PLATFORM.head.memory}
    )
    assert head["rayStartParams"]["num-gpus"] == "0"
    assert head["serviceType"] == "ClusterIP"
    assert {"name": "dashboard", "containerPort": 8265} in _container(head)["ports"]


def test_head_gpu_count_cannot_be_overridden(helm: Helm) -> None:
    head = _head(one(helm.template({"head": {"rayStartParams": {"num-gpus": "8"}}}), "RayCluster"))
    assert head["rayStartParams"]["num-gpus"] == "0"


@pytest.mark.parametrize("shape_name", list(PLATFORM.node_shapes))
@pytest.mark.parametrize("nodes", [1, 3])
def test_one_worker_per_node_owning_all_its_gpus(helm: Helm, shape_name: str, nodes: int) -> None:
    shape = PLATFORM.node_shapes[shape_name]
    workers = _workers(
        one(helm.template({"workers": {"nodeShape": shape_name, "nodes": nodes}}), "RayCluster")
    )
    assert workers["groupName"] == "gpu-workers"
    assert workers["replicas"] == workers["minReplicas"] == workers["maxReplicas"] == nodes
    resources = _container(workers)["resources"]
    expected = {"cpu": shape.worker.cpu, "memory": shape.worker.memory, GPU_RESOURCE: shape.gpus}
    assert resources["requests"] == resources["limits"] == expected
    assert shape.gpus == 8
    pod = workers["template"]["spec"]
    assert pod["nodeSelector"] == {GPU_PRODUCT_LABEL: shape.product}
    assert {"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]


def test_two_workers_never_share_a_node(helm: Helm) -> None:
    workers = _workers(one(helm.template({"workers": {"nodes": 4}}), "RayCluster"))
    (term,) = workers["template"]["spec"]["affinity"]["podAntiAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    selector = term["labelSelector"]["matchLabels"]
    # The selector matches the workers' own pods (KubeRay sets the same ray.io labels on them).
    assert selector.items() <= workers["template"]["metadata"]["labels"].items()
    assert selector == {"ray.io/cluster": "rm-cluster", "ray.io/group": "gpu-workers"}


def test_shape_fields_are_overridable_one_at_a_time(helm: Helm) -> None:
    preset = PLATFORM.node_shapes["aws-p4d"]
    values = {"workers": {"nodeShape": "aws-p4d", "shape": {"memory": "900Gi"}}}
    workers = _workers(one(helm.template(values), "RayCluster"))
    limits = _container(workers)["resources"]["limits"]
    assert limits == {"cpu": preset.worker.cpu, "memory": "900Gi", GPU_RESOURCE: preset.gpus}
    assert workers["template"]["spec"]["nodeSelector"][GPU_PRODUCT_LABEL] == preset.product


def test_default_shape_is_the_platform_default(helm: Helm) -> None:
    workers = _workers(one(helm.template(), "RayCluster"))
    default = PLATFORM.node_shapes[PLATFORM.default_node_shape]
    assert workers["template"]["spec"]["nodeSelector"][GPU_PRODUCT_LABEL] == default.product
    assert _container(workers)["resources"]["limits"]["memory"] == default.worker.memory


@pytest.mark.parametrize("scenario", ["defaults", "existing-claims", "custom-everything"])
def test_shared_volumes_are_mounted_where_rayjobs_expect_them(helm: Helm, scenario: str) -> None:
    objects = helm.template(SCENARIOS[scenario])
    cluster = one(objects, "RayCluster")
    existing = scenario == "existing-claims"
    prefix = cluster["metadata"]["name"]
    for group in (_head(cluster), _workers(cluster)):
        claims = {
            v["name"]: v["persistentVolumeClaim"]["claimName"] for v in group["template"]["spec"]["volumes"]
        }
        assert claims == {n: f"shared-{n}" if existing else f"{prefix}-{n}" for n in VOLUMES}
        mounts = {m["name"]: m["mountPath"] for m in _container(group)["volumeMounts"]}
        assert mounts == VOLUMES
    created = {p["metadata"]["name"]: p for p in of_kind(objects, "PersistentVolumeClaim")}
    assert set(created) == (set() if existing else {f"{prefix}-{n}" for n in VOLUMES})
    for pvc in created.values():
        assert "ReadWriteMany" in pvc["spec"]["accessModes"]


def test_created_claims_survive_uninstall_unless_told_otherwise(helm: Helm) -> None:
    kept = of_kind(helm.template(), "PersistentVolumeClaim")
    assert all(p["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep" for p in kept)
    dropped = of_kind(helm.template({"storage": {"keepOnUninstall": False}}), "PersistentVolumeClaim")
    assert all("annotations" not in p["metadata"] for p in dropped)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_secrets_are_only_referenced_never_rendered(helm: Helm, scenario: str) -> None:
    objects = helm.template(SCENARIOS[scenario])
    assert not of_kind(objects, "Secret")
    cluster = one(objects, "RayCluster")
    expected_secret = SCENARIOS[scenario].get("secrets", {}).get("name", PLATFORM.secrets.name)
    for group in (_head(cluster), _workers(cluster)):
        env = {e["name"]: e for e in _container(group)["env"]}
        for key in PLATFORM.secrets.keys:
            assert "value" not in env[key]
            ref = env[key]["valueFrom"]["secretKeyRef"]
            assert ref["name"] == expected_secret
            assert ref["key"] == key
            assert ref["optional"] is SCENARIOS[scenario].get("secrets", {}).get("optional", True)


def test_model_cache_lives_on_the_models_volume(helm: Helm) -> None:
    cluster = one(helm.template(), "RayCluster")
    for group in (_head(cluster), _workers(cluster)):
        env = {e["name"]: e.get("value") for e in _container(group)["env"]}
        assert env["HF_HOME"].startswith(PLATFORM.paths.models + "/")


def test_pods_are_hardened_and_add_no_capabilities_by_default(helm: Helm) -> None:
    cluster = one(helm.template(), "RayCluster")
    for group in (_head(cluster), _workers(cluster)):
        pod = group["template"]["spec"]
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        assert pod["serviceAccountName"] == "rm-cluster"
        security = _container(group)["securityContext"]
        assert security == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
        assert "priorityClassName" not in pod


def test_infiniband_adds_ipc_lock_and_the_rdma_device_to_workers_only(helm: Helm) -> None:
    objects = helm.template(SCENARIOS["infiniband"])
    cluster = one(objects, "RayCluster")
    workers, head = _container(_workers(cluster)), _container(_head(cluster))
    assert workers["securityContext"]["capabilities"] == {"add": ["IPC_LOCK"], "drop": ["ALL"]}
    assert workers["resources"]["limits"]["rdma/ib"] == workers["resources"]["requests"]["rdma/ib"] == 1
    assert "add" not in head["securityContext"]["capabilities"]
    env = {e["name"]: e.get("value") for e in workers["env"]}
    assert (
        env["NCCL_IB_DISABLE"] == "0" and env["NCCL_IB_HCA"] == "mlx5" and env["NCCL_SOCKET_IFNAME"] == "eth0"
    )
    default_env = {
        e["name"]: e.get("value") for e in _container(_workers(one(helm.template(), "RayCluster")))["env"]
    }
    assert default_env["NCCL_IB_DISABLE"] == "1"


def test_priority_class_and_service_account_are_applied_to_every_pod(helm: Helm) -> None:
    objects = helm.template(SCENARIOS["custom-everything"])
    cluster = one(objects, "RayCluster")
    for group in (_head(cluster), _workers(cluster)):
        assert group["template"]["spec"]["priorityClassName"] == "training-high"
        assert group["template"]["spec"]["serviceAccountName"] == "ray-pods"
    (pods_account,) = [a for a in of_kind(objects, "ServiceAccount") if a["metadata"]["name"] == "ray-pods"]
    assert pods_account["metadata"]["annotations"] == {"iam.example/role": "trainer"}


def test_rmjob_role_grants_exactly_what_rmjob_needs(helm: Helm) -> None:
    objects = helm.template()
    role = one(objects, "Role")
    grants = {
        (group, resource, verb)
        for rule in role["rules"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
        for verb in rule["verbs"]
    }
    rayjobs = {("ray.io", "rayjobs", v) for v in ("create", "get", "list", "watch", "patch", "delete")}
    read = {"get", "list", "watch"}
    expected = (
        rayjobs
        | {("ray.io", "rayclusters", v) for v in read}
        | {("", "pods", v) for v in read}
        | {("", "pods/log", "get")}
        | {(g, "events", v) for g in ("", "events.k8s.io") for v in read}
    )
    assert grants == expected
    binding = one(objects, "RoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "rm-cluster-rmjob",
    }
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "rm-cluster-rmjob", "namespace": "rm-kit"}
    ]
    assert not of_kind(objects, "ClusterRole") and not of_kind(objects, "ClusterRoleBinding")


def test_rbac_binds_extra_subjects_and_can_be_left_out(helm: Helm) -> None:
    subjects = one(helm.template(SCENARIOS["custom-everything"]), "RoleBinding")["subjects"]
    assert {"kind": "Group", "name": "ml-team", "apiGroup": "rbac.authorization.k8s.io"} in subjects
    assert not of_kind(helm.template({"rbac": {"create": False}}), "Role")


def test_kueue_objects_only_when_enabled(helm: Helm) -> None:
    assert not [o for o in helm.template() if o["apiVersion"].startswith("kueue.x-k8s.io/")]


@pytest.mark.parametrize(
    ("api_version", "field"), [("kueue.x-k8s.io/v1beta1", "cohort"), ("kueue.x-k8s.io/v1beta2", "cohortName")]
)
def test_kueue_cohort_uses_the_field_name_of_the_api_version(
    helm: Helm, api_version: str, field: str
) -> None:
    values = {"kueue": {"enabled": True, "apiVersion": api_version, "cohort": "gpu-pool"}}
    spec = one(helm.template(values), "ClusterQueue")["spec"]
    assert spec[field] == "gpu-pool" and not {"cohort", "cohortName"} - {field} & spec.keys()


def test_kueue_queue_pins_gpus_to_the_a100_flavor_with_quota_for_its_nodes(helm: Helm) -> None:
    objects = helm.template({"kueue": {"enabled": True, "nodes": 2}, "workers": {"nodeShape": "aws-p4d"}})
    shape = PLATFORM.node_shapes["aws-p4d"]
    flavors = {f["metadata"]["name"]: f for f in of_kind(objects, "ResourceFlavor")}
    queue = one(objects, "ClusterQueue")
    local = one(objects, "LocalQueue")
    assert local["metadata"]["namespace"] == "rm-kit"
    assert local["spec"]["clusterQueue"] == queue["metadata"]["name"]
    assert queue["spec"]["namespaceSelector"] == {"matchLabels": {"kubernetes.io/metadata.name": "rm-kit"}}
    quotas = {}
    for group in queue["spec"]["resourceGroups"]:
        for flavor in group["flavors"]:
            assert flavor["name"] in flavors
            assert {r["name"] for r in flavor["resources"]} == set(group["coveredResources"])
            quotas.update({r["name"]: (flavor["name"], r["nominalQuota"]) for r in flavor["resources"]})
    gpu_flavor, gpus = quotas[GPU_RESOURCE]
    assert gpus == 2 * shape.gpus
    assert flavors[gpu_flavor]["spec"]["nodeLabels"] == {GPU_PRODUCT_LABEL: shape.product}
    # Two workers (88 CPU, 1000Gi each) and two heads (16 CPU, 128Gi each).
    assert quotas["cpu"][1] == str(2 * (int(shape.worker.cpu) + int(PLATFORM.head.cpu)))
    memory_gi = 2 * (
        int(shape.worker.memory.removesuffix("Gi")) + int(PLATFORM.head.memory.removesuffix("Gi"))
    )
    assert quotas["memory"][1] == f"{memory_gi}Gi"


def test_network_policy_admits_the_cluster_and_listed_peers_to_the_head(helm: Helm) -> None:
    assert not of_kind(helm.template(), "NetworkPolicy")
    policy = one(helm.template(SCENARIOS["network-policy"]), "NetworkPolicy")
    assert policy["spec"]["podSelector"]["matchLabels"] == {
        "ray.io/cluster": "rm-cluster",
        "ray.io/node-type": "head",
    }
    own, dashboard = policy["spec"]["ingress"]
    assert own == {"from": [{"podSelector": {"matchLabels": {"ray.io/cluster": "rm-cluster"}}}]}
    assert {p["port"] for p in dashboard["ports"]} == {8265, 10001}
    assert {"podSelector": {}} in dashboard["from"]
    assert any(
        peer.get("namespaceSelector") == {"matchLabels": {"kubernetes.io/metadata.name": "ray-system"}}
        for peer in dashboard["from"]
    )
