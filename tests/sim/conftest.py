"""The simulated GPU cluster as a session fixture: one per test session, stopped at the end.

Where the toolchain is missing (no go, no openssl, no helm) the tests that need it skip with one reason;
with RMKIT_REQUIRE_TOOLS=1 (CI) that is a failure.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from rmjob.errors import UserError
from sim import api, cluster, processes, runtime
from sim.paths import cache_root, home
from tests.support.tools import unavailable

ROOT = Path(__file__).resolve().parents[2]
RAY_GROUP, RAY_VERSION = "ray.io", "v1"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class SimCluster:
    """The running cluster, with the few helpers the end-to-end tests share."""

    def __init__(self, kubeconfig: Path) -> None:
        self.kubeconfig = kubeconfig
        self.api = api.api_client(kubeconfig)
        self.core = client.CoreV1Api(self.api)
        self.batch = client.BatchV1Api(self.api)
        self.custom = client.CustomObjectsApi(self.api)
        self.authz = client.AuthorizationV1Api(self.api)
        self.env = {**os.environ, "KUBECONFIG": str(kubeconfig), "NO_PROXY": "127.0.0.1,localhost"}

    # --- waiting -----------------------------------------------------------------------------------------

    @staticmethod
    def wait(what: str, check: Callable[[], Any], timeout: float = 90.0) -> Any:
        """Poll ``check`` until it returns something truthy, and return that."""
        deadline = time.monotonic() + timeout
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}", pytrace=False)
            time.sleep(0.5)

    def apiserver_ready(self) -> bool:
        """The API server's /readyz is ok: every API (CRDs included) is served again, e.g. after a restart."""
        conf = self.api.configuration
        token = conf.api_key.get("authorization", "").removeprefix("Bearer ")
        return api.http_ok(f"{conf.host}/readyz", ca=Path(conf.ssl_ca_cert), token=token)

    # --- namespaces --------------------------------------------------------------------------------------

    @contextmanager
    def namespace(self, prefix: str, *, real_pods: bool = False) -> Iterator[str]:
        """A fresh namespace, deleted afterwards; waits until its pods are gone so GPUs are free again.
        Its pods only pretend to run unless ``real_pods`` (then heads are real Ray heads and Job pods run
        their commands: sim/runtime.py)."""
        name = f"{prefix}-{uuid.uuid4().hex[:6]}"
        labels = {} if real_pods else {runtime.FAKE_NAMESPACE_LABEL: "fake"}
        self.core.create_namespace({"metadata": {"name": name, "labels": labels}})  # type: ignore[arg-type]
        self.wait(
            f"the default ServiceAccount in {name}",
            lambda: api.has_default_service_account(self.api, name),
            60,
        )
        try:
            yield name
        finally:
            self.core.delete_namespace(name)
            self.wait(f"namespace {name} to be deleted", lambda: api.namespace_gone(self.api, name), 180)

    # --- objects -----------------------------------------------------------------------------------------

    def create_rayjob(self, namespace: str, job: dict[str, Any], *, dry_run: bool = False) -> dict[str, Any]:
        """Create a RayJob with strict field validation: an unknown or misspelt field is an error."""
        created: dict[str, Any] = self.custom.create_namespaced_custom_object(
            RAY_GROUP,
            RAY_VERSION,
            namespace,
            "rayjobs",
            job,
            dry_run="All" if dry_run else None,
            field_validation="Strict",
        )
        return created

    def get_ray(self, namespace: str, plural: str, name: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = self.custom.get_namespaced_custom_object(
                RAY_GROUP, RAY_VERSION, namespace, plural, name
            )
        except client.ApiException as error:
            if error.status == 404:
                return None
            raise
        return found

    def pods(self, namespace: str, selector: str = "") -> list[Any]:
        return list(self.core.list_namespaced_pod(namespace, label_selector=selector).items)

    def node_roles(self) -> dict[str, str]:
        """Node name -> gpu or cpu (the launcher's label)."""
        return {n.metadata.name: n.metadata.labels[api.SIM_LABEL] for n in api.sim_nodes(self.api)}

    def events(self, namespace: str, reason: str) -> list[Any]:
        return [e for e in self.core.list_namespaced_event(namespace).items if e.reason == reason]

    def create_claims(self, namespace: str, names: list[str]) -> None:
        api.create_claims(self.api, namespace, names)

    # --- command-line tools ------------------------------------------------------------------------------

    def helm(self, *args: str) -> subprocess.CompletedProcess[str]:
        get_helm = ROOT / "scripts" / "get-helm"
        if not get_helm.exists():
            unavailable("scripts/get-helm is missing, so there is no pinned helm to install the chart with")
        found = subprocess.run([str(get_helm)], capture_output=True, text=True, check=False)
        if found.returncode != 0:
            unavailable(f"no helm: {found.stderr.strip().splitlines()[-1:]}")
        return subprocess.run(
            [found.stdout.strip(), *args], capture_output=True, text=True, check=False, env=self.env, cwd=ROOT
        )

    def rmjob(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`rmjob ARGS` as a user runs it, against this cluster unless ``env`` says otherwise."""
        return subprocess.run(
            [str(ROOT / ".venv" / "bin" / "rmjob"), *args],
            capture_output=True,
            text=True,
            check=False,
            env={**self.env, **(env or {})},
            cwd=ROOT,
        )

    def render(self, preset: str, tmp: Path, **cluster_fields: Any) -> dict[str, Any]:
        """What `rmjob render` writes for ``preset`` with some cluster fields changed, as a user would."""
        shown = self.rmjob("spec", "show", preset)
        assert shown.returncode == 0, shown.stderr
        spec = yaml.safe_load(shown.stdout)
        spec["cluster"].update(cluster_fields)
        spec_file = tmp / f"{preset}.yaml"
        spec_file.write_text(yaml.safe_dump(spec, sort_keys=False))
        rendered = self.rmjob("render", str(spec_file), "-o", "yaml")
        assert rendered.returncode == 0, rendered.stderr
        job: dict[str, Any] = yaml.safe_load(rendered.stdout)
        return job


def tcp_sockets_of(pids: set[int]) -> list[tuple[int, IPAddress, IPAddress]]:
    """(pid, local address, remote address) of every TCP socket the given processes hold; a listening
    socket's remote address is unspecified (0.0.0.0 or ::)."""
    table: dict[str, tuple[IPAddress, IPAddress]] = {}
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(path).read_text().splitlines()[1:]:
            fields = line.split()
            table[fields[9]] = (_proc_address(fields[1]), _proc_address(fields[2]))
    found = []
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            target = os.readlink(fd) if fd.is_symlink() else ""
            inode = target[len("socket:[") : -1] if target.startswith("socket:[") else ""
            if inode in table:
                found.append((pid, *table[inode]))
    return found


def _proc_address(field: str) -> IPAddress:
    """/proc/net/tcp writes an address as hex 32-bit words, each in host (little-endian) byte order."""
    raw = bytes.fromhex(field.split(":")[0])
    return ipaddress.ip_address(b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4)))


_SESSION: list[SimCluster] = []  # the cluster of this test session, once started


def _free_port_base(first: int) -> int:
    """The first wholly free block of ports from ``first`` on (other sessions may run clusters too)."""
    for base in range(first, 65000 - len(cluster.ROLES), len(cluster.ROLES) + 3):
        if not any(processes.port_in_use(port) for port in cluster.ports_from(base).values()):
            return base
    pytest.fail("no free block of loopback ports for the simulated cluster", pytrace=False)


@pytest.fixture(scope="session")
def sim() -> Iterator[SimCluster]:
    """A cluster of this session's own (own home, free ports), stopped at the end, so that people's
    `make sim-up` cluster and other test sessions on the machine are never disturbed.
    RMKIT_SIM_REUSE=1 uses (and starts if needed) the default `make sim-up` cluster instead: faster reruns."""
    if _SESSION:  # the fixture is also imported by other test directories' conftests: one cluster per session
        yield _SESSION[0]
        return
    if shutil.which("openssl") is None:
        unavailable("the simulated cluster needs the openssl command for its certificates")
    reuse = os.environ.get("RMKIT_SIM_REUSE") == "1"
    saved = {var: os.environ.get(var) for var in ("RMKIT_SIM_HOME", "SIM_PORT_BASE")}
    if not reuse:
        os.environ["RMKIT_SIM_HOME"] = str(cache_root() / "sessions" / f"pytest-{os.getpid()}")
        os.environ["SIM_PORT_BASE"] = str(_free_port_base(cluster.DEFAULT_PORT_BASE + 100))
    try:
        try:
            kubeconfig = cluster.up(cluster.Sizes())
        except UserError as error:
            if "go command is not installed" in str(error):  # and none could be fetched
                unavailable(f"the simulated cluster cannot be built: {error}")
            pytest.fail(f"the simulated cluster did not start: {error}", pytrace=False)
        _SESSION.append(SimCluster(kubeconfig))
        yield _SESSION[0]
    finally:
        _SESSION.clear()
        if not reuse:
            cluster.down()
            shutil.rmtree(home(), ignore_errors=True)
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value
