"""The optional KubeRay operator: a vendored subchart helm finds, off by default, pinned to the platform."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
import yaml

from rmjob.platform import load_platform
from tests.chart.conftest import CHART_DIR, NAMESPACE, OPERATOR_DIR, RELEASE, REPO, Helm, of_kind, one
from tests.support.tools import unavailable

KUBERAY = load_platform().versions.kuberay  # "v1.6.2"
ON = {"kuberay-operator": {"enabled": True}}
RBAC_GROUP = "rbac.authorization.k8s.io"
NAME_LABEL = "app.kubernetes.io/name"
OPERATOR_KINDS = ["ClusterRole", "ClusterRoleBinding", "Deployment", "ServiceAccount"]


def _declared_operator() -> dict[str, Any]:
    meta = yaml.safe_load((CHART_DIR / "Chart.yaml").read_text())
    (dep,) = [d for d in meta.get("dependencies", []) if d["name"] == "kuberay-operator"]
    return dep  # type: ignore[no-any-return]


def _operator_objects(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [o for o in objects if o["metadata"].get("labels", {}).get(NAME_LABEL) == "kuberay-operator"]


def _container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    (container,) = one(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    return container  # type: ignore[no-any-return]


def test_dependency_is_the_vendored_subchart_conditional_and_pinned_to_the_platform_kuberay() -> None:
    dep = _declared_operator()
    assert dep["condition"] == "kuberay-operator.enabled"
    assert dep["repository"] == "file://charts/kuberay-operator"
    assert (CHART_DIR / dep["repository"].removeprefix("file://")) == OPERATOR_DIR
    vendored = yaml.safe_load((OPERATOR_DIR / "Chart.yaml").read_text())
    assert vendored["name"] == dep["name"] == "kuberay-operator"
    assert vendored["version"] == dep["version"] == KUBERAY.removeprefix("v")
    assert vendored["appVersion"] == KUBERAY


def test_helm_finds_the_vendored_subchart_without_fetching_anything(helm: Helm) -> None:
    proc = helm.run("dependency", "list", str(CHART_DIR))
    assert proc.returncode == 0, proc.stderr
    rows = {line.split()[0]: line.split() for line in proc.stdout.splitlines()[1:] if line.strip()}
    # helm's status for a dependency present in charts/ as a directory ("missing" when absent).
    assert rows["kuberay-operator"][-1] == "unpacked"


def test_plain_helm_template_of_the_checked_out_chart_works(helm: Helm) -> None:
    # The user's command, verbatim, from the repository root: no `helm dependency build` first.
    proc = helm.run("template", RELEASE, "charts/rm-cluster", chart=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "kind: RayCluster" in proc.stdout


def test_the_vendored_subchart_is_committed_not_ignored_by_git() -> None:
    if shutil.which("git") is None or not (REPO / ".git").exists():
        unavailable("git or the repository's .git is not available")
    for path in ("Chart.yaml", "crds/ray.io_rayjobs.yaml", "rbac/role.yaml", "templates/deployment.yaml"):
        command = ["git", "check-ignore", "-q", str(OPERATOR_DIR / path)]
        proc = subprocess.run(command, cwd=REPO, capture_output=True, check=False)
        assert proc.returncode == 1, f"{path} is ignored by git"  # 0: ignored, 1: not ignored


def test_operator_is_off_by_default_and_installs_nothing(helm: Helm) -> None:
    assert yaml.safe_load((CHART_DIR / "values.yaml").read_text())["kuberay-operator"] == {"enabled": False}
    objects = helm.template(flags=("--include-crds",))
    assert _operator_objects(objects) == []
    assert of_kind(objects, "CustomResourceDefinition") == []
    assert {o["kind"] for o in objects}.isdisjoint({"Deployment", "ClusterRole", "ClusterRoleBinding"})


def test_enabled_operator_installs_its_deployment_rbac_and_the_kuberay_crds(helm: Helm) -> None:
    objects = helm.template(ON, flags=("--include-crds",))
    assert sorted(o["kind"] for o in _operator_objects(objects)) == OPERATOR_KINDS
    crds = {o["metadata"]["name"] for o in of_kind(objects, "CustomResourceDefinition")}
    assert crds == {f"{plural}.ray.io" for plural in ("rayclusters", "rayjobs", "rayservices", "raycronjobs")}


def test_operator_runs_the_platform_kuberay_image_as_its_bound_service_account(helm: Helm) -> None:
    objects = _operator_objects(helm.template(ON))
    name = f"{RELEASE}-kuberay-operator"
    container = _container(objects)
    assert container["image"] == f"quay.io/kuberay/operator:{KUBERAY}"
    pod = one(objects, "Deployment")["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == one(objects, "ServiceAccount")["metadata"]["name"] == name
    binding = one(objects, "ClusterRoleBinding")
    assert binding["roleRef"] == {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": name}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": name, "namespace": NAMESPACE}]
    assert one(objects, "Deployment")["metadata"]["namespace"] == NAMESPACE


def test_operator_probes_hit_the_ports_its_flags_bind(helm: Helm) -> None:
    container = _container(helm.template(ON))
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert f"--health-probe-bind-address=:{ports['health']}" in container["args"]
    assert f"--metrics-addr=:{ports['metrics']}" in container["args"]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "health"}


def test_operator_defaults_elect_a_leader_watch_all_namespaces_and_keep_kuberays_feature_gates(
    helm: Helm,
) -> None:
    args = _container(helm.template(ON))["args"]
    assert "--enable-leader-election=true" in args
    assert not [a for a in args if a.startswith(("--watch-namespace", "--feature-gates"))]


def test_operator_values_become_its_flags(helm: Helm) -> None:
    values = {
        "kuberay-operator": {
            "enabled": True,
            "watchNamespaces": ["rm-kit", "team-b"],
            "leaderElection": {"enabled": False},
            "featureGates": {"RayCronJob": True, "AsyncJobInfoQuery": False},
            "reconcileConcurrency": 4,
            "extraArgs": ["--qps=200"],
            "image": {"tag": "v1.6.2-patched", "repository": "mirror.example/kuberay/operator"},
        }
    }
    container = _container(helm.template(values))
    assert container["args"][2:] == [
        "--enable-leader-election=false",
        "--reconcile-concurrency=4",
        "--watch-namespace=rm-kit,team-b",
        "--feature-gates=AsyncJobInfoQuery=false,RayCronJob=true",
        "--qps=200",
    ]
    assert container["image"] == "mirror.example/kuberay/operator:v1.6.2-patched"


@pytest.mark.parametrize(
    ("values", "path"),
    [
        ({"imag": {"tag": "x"}}, "additional properties 'imag' not allowed"),
        ({"featureGates": {"RayCronJob": "yes"}}, "/featureGates/RayCronJob"),
        ({"watchNamespaces": ["Team_B"]}, "/watchNamespaces/0"),
        ({"reconcileConcurrency": 0}, "/reconcileConcurrency"),
    ],
)
def test_bad_operator_values_are_refused_naming_the_value(
    helm: Helm, values: dict[str, Any], path: str
) -> None:
    refusal = helm.refusal({"kuberay-operator": {"enabled": True, **values}})
    assert "kuberay-operator" in refusal
    assert path in refusal


def test_enabling_the_operator_leaves_the_ray_cluster_unchanged(helm: Helm) -> None:
    off = helm.template()
    on = helm.template({"kuberay-operator": {"enabled": True, "image": {"pullPolicy": "Always"}}})
    assert one(on, "RayCluster") == one(off, "RayCluster")


def test_crds_live_only_in_the_subchart_so_the_release_record_stays_small() -> None:
    # helm keeps each release in a Secret (1 MiB) holding the parent chart's own files and the
    # rendered manifest, never subcharts: the 4 MB of CRDs must stay in the subchart's crds/.
    # (Measured with helm's storage driver: about 33 KB with the operator enabled.)
    own = [p for p in CHART_DIR.rglob("*") if p.is_file() and "charts" not in p.relative_to(CHART_DIR).parts]
    assert not (CHART_DIR / "crds").exists()
    assert sum(p.stat().st_size for p in own) < 256 * 1024
