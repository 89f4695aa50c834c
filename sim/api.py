"""What the launcher does through the API server: KubeRay CRDs, fake nodes, readiness checks."""

from __future__ import annotations

import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config
from kubernetes.dynamic import DynamicClient

from rmjob.errors import UserError
from sim.nodes import SIM_LABEL
from sim.paths import state_dir
from sim.volumes import POOL_FREE, POOL_LABEL, volume

FIELD_MANAGER = "rm-kit-sim"


def api_client(kubeconfig: Path) -> client.ApiClient:
    return config.new_client_from_config(config_file=str(kubeconfig))


def http_ok(url: str, *, ca: Path | None = None, token: str | None = None, verify: bool = True) -> bool:
    """GET ``url`` on loopback (never through a proxy); True on HTTP 200."""
    context = ssl.create_default_context(cafile=str(ca) if ca else None)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    try:
        with opener.open(request, timeout=3) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def wait_for(
    what: str, check: Callable[[], bool], timeout: float, alive: Callable[[], None] | None = None
) -> None:
    """Poll ``check`` until it holds; ``alive`` raises if a process we wait on has died."""
    deadline = time.monotonic() + timeout
    while True:
        if alive is not None:
            alive()
        if check():
            return
        if time.monotonic() > deadline:
            raise UserError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.25)


def apply_crds(api: client.ApiClient, crd_dir: Path) -> list[str]:
    """Server-side apply every CRD in ``crd_dir`` (too large for client-side apply)."""
    resource = DynamicClient(api).resources.get(
        api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition"
    )
    names = []
    for path in sorted(crd_dir.glob("*.yaml")):
        crd = yaml.safe_load(path.read_text())
        resource.server_side_apply(
            body=crd, name=crd["metadata"]["name"], field_manager=FIELD_MANAGER, force_conflicts=True
        )
        names.append(crd["metadata"]["name"])
    if not names:
        raise UserError(
            f"no CRDs found in {crd_dir}; the module download looks incomplete: "
            f"delete {crd_dir} and run `go clean -modcache`, then start again"
        )
    return names


def crds_established(api: client.ApiClient, names: list[str]) -> bool:
    ext = client.ApiextensionsV1Api(api)
    for name in names:
        status = ext.read_custom_resource_definition(name).status
        conditions = (status.conditions if status else None) or []
        if not any(c.type == "Established" and c.status == "True" for c in conditions):
            return False
    return True


def append_pod_log(cri_log: Path, lines: list[str]) -> None:
    """Append ``lines`` as a container printed them to stdout, in the CRI log format a kubelet (and KWOK)
    reads: ``<RFC 3339 time> stdout F <line>``."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    with cri_log.open("a") as out:
        out.writelines(f"{now} stdout F {line}\n" for line in lines)


def serve_pod_logs(
    api: client.ApiClient, namespace: str, log_file: Path, pod_names: list[str] | None = None
) -> str:
    """Make KWOK serve ``log_file`` (CRI format, see ``append_pod_log``) as the log of the pods in
    ``namespace`` (all, or those named) through the kubelet log API the API server calls; returns the
    name of the ClusterLogs object that says so."""
    name = f"sim-logs-{namespace}"
    selector: dict[str, Any] = {"matchNamespaces": [namespace]}
    if pod_names:
        selector["matchNames"] = pod_names
    body = {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "ClusterLogs",
        "metadata": {"name": name},
        "spec": {"selector": selector, "logs": [{"logsFile": str(log_file.resolve()), "follow": True}]},
    }
    resource = DynamicClient(api).resources.get(api_version="kwok.x-k8s.io/v1alpha1", kind="ClusterLogs")
    resource.server_side_apply(body=body, name=name, field_manager=FIELD_MANAGER, force_conflicts=True)
    return name


def sim_nodes(api: client.ApiClient) -> list[Any]:
    return list(client.CoreV1Api(api).list_node(label_selector=SIM_LABEL).items)


def reconcile_nodes(api: client.ApiClient, desired: list[dict[str, Any]]) -> None:
    """Create the desired fake nodes that are missing and delete the launcher's nodes that are not desired."""
    core = client.CoreV1Api(api)
    existing = {node.metadata.name for node in sim_nodes(api)}
    wanted = {node["metadata"]["name"] for node in desired}
    for node in desired:
        if node["metadata"]["name"] not in existing:
            core.create_node(node)  # type: ignore[arg-type]  # the client takes plain dicts
    for name in sorted(existing - wanted):
        core.delete_node(name)


def nodes_ready(api: client.ApiClient, names: set[str]) -> bool:
    ready = set()
    for node in sim_nodes(api):
        conditions = node.status.conditions or []
        if any(c.type == "Ready" and c.status == "True" for c in conditions):
            ready.add(node.metadata.name)
    return names <= ready


def has_default_service_account(api: client.ApiClient, namespace: str) -> bool:
    """The namespace's `default` ServiceAccount exists: pods may be created there now."""
    accounts: list[Any] = list(client.CoreV1Api(api).list_namespaced_service_account(namespace).items)
    return any(sa.metadata.name == "default" for sa in accounts)


def namespace_gone(api: client.ApiClient, namespace: str) -> bool:
    namespaces: list[Any] = list(client.CoreV1Api(api).list_namespace().items)
    return namespace not in {n.metadata.name for n in namespaces}


def create_claims(api: client.ApiClient, namespace: str, names: list[str]) -> None:
    """The claims a RayJob mounts (the chart creates them in a real install), bound from the volume pool."""
    core = client.CoreV1Api(api)
    for name in names:
        claim = {
            "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteMany"], "resources": {"requests": {"storage": "10Gi"}}},
        }
        core.create_namespaced_persistent_volume_claim(namespace, claim)  # type: ignore[arg-type]
    replenish_volumes(api)


def claim_host_path(api: client.ApiClient, namespace: str, claim: str) -> Path:
    """The hostPath of the volume bound to ``claim``; a clear error while it is missing or unbound."""
    core = client.CoreV1Api(api)
    try:
        found: Any = core.read_namespaced_persistent_volume_claim(claim, namespace)
    except client.ApiException as error:
        if error.status == 404:
            raise UserError(f"no PersistentVolumeClaim {claim} in namespace {namespace}") from None
        raise
    if not found.spec.volume_name:
        raise UserError(f"claim {namespace}/{claim} is not bound to a volume yet; try again in a moment")
    volume: Any = core.read_persistent_volume(found.spec.volume_name)
    if not volume.spec.host_path:
        raise UserError(f"volume {found.spec.volume_name} of claim {namespace}/{claim} has no host directory")
    return Path(volume.spec.host_path.path)


def replenish_volumes(api: client.ApiClient, free: int = POOL_FREE) -> None:
    """Keep ``free`` unclaimed volumes in the pool (claims bound since the last call used some up); their
    data lives under the cluster's home."""
    core = client.CoreV1Api(api)
    pool: list[Any] = list(core.list_persistent_volume(label_selector=POOL_LABEL).items)
    available = sum(1 for pv in pool if pv.spec.claim_ref is None)
    taken = {pv.metadata.name for pv in pool}
    index = 0
    while available < free:
        manifest = volume(index, state_dir() / "volumes")
        if manifest["metadata"]["name"] not in taken:
            core.create_persistent_volume(manifest)  # type: ignore[arg-type]  # the client takes plain dicts
            available += 1
        index += 1
