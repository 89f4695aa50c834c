"""Bring the simulated cluster up, report on it, tear it down.

Order: etcd, kube-apiserver, then the CRDs (KWOK's log CRDs and KubeRay's, server-side apply), then
controller-manager, scheduler and KWOK, then the operator (out of cluster, leader election off), then the
fake nodes. Everything listens on 127.0.0.1. State (PIDs, certificates, etcd data) lives in the state
dir; logs survive ``down``.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rmjob.atomic import write_text_atomic
from rmjob.errors import UserError
from rmjob.platform import load_platform
from sim import api, build, components, nodes, podns, processes, runtime
from sim.paths import SIM_SOURCE, cache_root, home, kubeconfig_path, log_dir, state_dir
from sim.pki import Pki, create_pki

DEFAULT_PORT_BASE = 17440
ROLES = (
    "kube-apiserver",
    "etcd",
    "etcd-peer",
    "kube-controller-manager",
    "kube-scheduler",
    "kwok",
    "ray-operator",
    "pod-runtime",
)
# Fake pod IPs and node addresses are loopback addresses; the service range is only data (no kube-proxy).
POD_CIDR = "127.64.0.1/16"
SERVICE_CIDR = "10.96.0.0/16"
START_TIMEOUT = 180.0


@dataclass(frozen=True)
class Sizes:
    gpu_nodes: int = 2
    cpu_nodes: int = 1

    @classmethod
    def from_env(cls) -> Sizes:
        def count(var: str, default: int) -> int:
            raw = os.environ.get(var, "").strip() or str(default)
            if not raw.isdigit():
                raise UserError(f"{var}={raw!r} is not a whole number of nodes; use e.g. {var}={default}")
            return int(raw)

        return cls(count("GPU_NODES", cls.gpu_nodes), count("CPU_NODES", cls.cpu_nodes))


def port_base() -> int:
    raw = os.environ.get("SIM_PORT_BASE", "").strip() or str(DEFAULT_PORT_BASE)
    if not raw.isdigit() or not 1024 <= int(raw) <= 65535 - len(ROLES):
        raise UserError(f"SIM_PORT_BASE={raw!r} must be a port number between 1024 and {65535 - len(ROLES)}")
    return int(raw)


def ports_from(base: int) -> dict[str, int]:
    return {role: base + offset for offset, role in enumerate(ROLES)}


@contextmanager
def _locked() -> Iterator[None]:
    """One launcher at a time per machine (two pytest sessions, or make sim-up during a test run)."""
    home().mkdir(parents=True, exist_ok=True)
    with (home() / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _say(message: str) -> None:
    print(f"sim: {message}", file=sys.stderr, flush=True)


# --- kubeconfigs ----------------------------------------------------------------------------------


def _kubeconfig(server: str, ca_pem: bytes, token: str, user: str) -> str:
    doc: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "rm-kit-sim",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                },
            }
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [
            {"name": "rm-kit-sim", "context": {"cluster": "rm-kit-sim", "user": user, "namespace": "default"}}
        ],
        "current-context": "rm-kit-sim",
    }
    return yaml.safe_dump(doc, sort_keys=False)


def _write_kubeconfigs(state: Path, pki: Pki, apiserver_port: int) -> dict[str, Path]:
    server = f"https://127.0.0.1:{apiserver_port}"
    ca_pem = pki.ca_cert.read_bytes()
    paths = {}
    for identity in ("admin", "scheduler", "controller-manager"):
        path = state / f"{identity}.kubeconfig"
        write_text_atomic(path, _kubeconfig(server, ca_pem, pki.token(identity), identity))
        paths[identity] = path
    return paths


# --- component command lines ----------------------------------------------------------------------


def _commands(
    state: Path, pki: Pki, ports: dict[str, int], kubeconfigs: dict[str, Path]
) -> dict[str, list[str]]:
    k8s, etcd, kwok, kuberay = (
        components.kubernetes(),
        components.etcd(),
        components.kwok(),
        components.kuberay(),
    )
    etcd_url = f"http://127.0.0.1:{ports['etcd']}"
    peer_url = f"http://127.0.0.1:{ports['etcd-peer']}"

    def delegated(identity: str) -> list[str]:
        path = str(kubeconfigs[identity])
        return [
            f"--kubeconfig={path}",
            f"--authentication-kubeconfig={path}",
            f"--authorization-kubeconfig={path}",
        ]

    return {
        "etcd": [
            str(etcd.binary("etcd")),
            "--name=sim",
            f"--data-dir={state / 'etcd'}",
            f"--listen-client-urls={etcd_url}",
            f"--advertise-client-urls={etcd_url}",
            f"--listen-peer-urls={peer_url}",
            f"--initial-advertise-peer-urls={peer_url}",
            f"--initial-cluster=sim={peer_url}",
            "--unsafe-no-fsync",  # a throwaway test cluster: durability is not worth the disk latency
            "--log-level=warn",
        ],
        "kube-apiserver": [
            str(k8s.binary("kube-apiserver")),
            f"--etcd-servers={etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={ports['kube-apiserver']}",
            f"--tls-cert-file={pki.serving_cert}",
            f"--tls-private-key-file={pki.serving_key}",
            f"--client-ca-file={pki.ca_cert}",
            f"--token-auth-file={pki.token_file}",
            "--authorization-mode=RBAC",
            f"--service-account-key-file={pki.sa_pub}",
            f"--service-account-signing-key-file={pki.sa_key}",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            # The `kubernetes` Service's endpoint would be 127.0.0.1, which Endpoints refuse; none needs it.
            "--endpoint-reconciler-type=none",
            "--allow-privileged=true",
            "--profiling=false",
            # Pod logs: every fake node is the one KWOK process, whose kubelet API serves on 127.0.0.1 with
            # our serving certificate, so the API server's log requests stay on loopback and are verified.
            "--kubelet-preferred-address-types=InternalIP",
            f"--kubelet-port={ports['kwok']}",
            f"--kubelet-certificate-authority={pki.ca_cert}",
        ],
        "kube-controller-manager": [
            str(k8s.binary("kube-controller-manager")),
            *delegated("controller-manager"),
            "--bind-address=127.0.0.1",
            f"--secure-port={ports['kube-controller-manager']}",
            "--leader-elect=false",
            f"--service-account-private-key-file={pki.sa_key}",
            f"--root-ca-file={pki.ca_cert}",
            # Each controller acts as its own service account (bootstrap RBAC roles), as in real clusters.
            "--use-service-account-credentials=true",
            "--profiling=false",
        ],
        "kube-scheduler": [
            str(k8s.binary("kube-scheduler")),
            *delegated("scheduler"),
            "--bind-address=127.0.0.1",
            f"--secure-port={ports['kube-scheduler']}",
            "--leader-elect=false",
            "--profiling=false",
        ],
        "kwok": [
            str(kwok.binary("kwok")),
            f"--kubeconfig={kubeconfigs['admin']}",
            f"--config={SIM_SOURCE / 'kwok-stages.yaml'}",
            f"--manage-nodes-with-annotation-selector={nodes.MANAGED_ANNOTATION}=fake",
            f"--cidr={POD_CIDR}",
            f"--node-ip={nodes.NODE_ADDRESS}",
            "--node-lease-duration-seconds=40",
            f"--server-address=127.0.0.1:{ports['kwok']}",
            f"--tls-cert-file={pki.serving_cert}",
            f"--tls-private-key-file={pki.serving_key}",
            # Which file serves as a pod's log is set at run time by ClusterLogs / Logs objects (tests).
            "--enable-crds=ClusterLogs,Logs",
        ],
        # The operator dials a Ray head's dashboard by its Service's DNS name, as in a cluster; in its own
        # mount namespace that name resolves from the runtime's hosts file to the head's loopback address.
        "ray-operator": podns.command(
            _operator_view(state),
            [
                str(kuberay.binary("ray-operator")),
                "--enable-leader-election=false",
                "--metrics-addr=0",  # off
                f"--health-probe-bind-address=127.0.0.1:{ports['ray-operator']}",
                "--log-stdout-encoder=console",
            ],
        ),
        "pod-runtime": [
            sys.executable,
            "-m",
            "sim.runtime",
            f"--kubeconfig={kubeconfigs['admin']}",
            f"--work={runtime_dir(state)}",
            f"--port={ports['pod-runtime']}",
        ],
    }


def runtime_dir(state: Path) -> Path:
    """The pod runtime's files: the hosts file, each pod's view, log and home."""
    return state / "runtime"


def _operator_view(state: Path) -> Path:
    hosts_file, resolv_file = runtime.view_files(runtime_dir(state))
    view = runtime_dir(state) / "operator-view.json"
    write_text_atomic(view, json.dumps({"hosts": str(hosts_file), "resolv": str(resolv_file), "mounts": []}))
    return view


def _health_checks(pki: Pki, ports: dict[str, int]) -> dict[str, Any]:
    admin = pki.token("admin")
    return {
        "etcd": lambda: api.http_ok(f"http://127.0.0.1:{ports['etcd']}/health"),
        "kube-apiserver": lambda: api.http_ok(
            f"https://127.0.0.1:{ports['kube-apiserver']}/readyz", ca=pki.ca_cert, token=admin
        ),
        # Their serving certificates are self-signed; /healthz is open to anyone by default.
        "kube-controller-manager": lambda: api.http_ok(
            f"https://127.0.0.1:{ports['kube-controller-manager']}/healthz", verify=False
        ),
        "kube-scheduler": lambda: api.http_ok(
            f"https://127.0.0.1:{ports['kube-scheduler']}/healthz", verify=False
        ),
        "kwok": lambda: api.http_ok(f"http://127.0.0.1:{ports['kwok']}/healthz"),
        "ray-operator": lambda: api.http_ok(f"http://127.0.0.1:{ports['ray-operator']}/readyz"),
        "pod-runtime": lambda: api.http_ok(f"http://127.0.0.1:{ports['pod-runtime']}/healthz"),
    }


# --- state ----------------------------------------------------------------------------------------


def _read_state(state: Path) -> dict[str, Any] | None:
    try:
        loaded: dict[str, Any] = json.loads((state / "cluster.json").read_text())
    except (OSError, ValueError):
        return None
    return loaded


def _healthy(state: Path) -> bool:
    info = _read_state(state)
    if info is None or info.get("phase") != "ready":
        return False
    pids = processes.recorded_pids(state)
    if set(pids) != set(info["ports"]) - {"etcd-peer"} or not all(
        processes.alive(p, state) for p in pids.values()
    ):
        return False
    checks = _health_checks(Pki(state / "pki"), info["ports"])
    return all(check() for check in checks.values())


# --- verbs ----------------------------------------------------------------------------------------


def up(sizes: Sizes) -> Path:
    """Start the cluster (or reuse the running one) with ``sizes`` fake nodes; return the kubeconfig path."""
    with _locked():
        state = state_dir()
        started = time.monotonic()
        if _healthy(state):
            _say("reusing the running simulated cluster")
            _ensure_nodes(state, sizes)
            return kubeconfig_path()
        if state.exists():
            _say(f"found a stopped or half-started cluster in {state}; cleaning it up first")
            _down(state)
        build.ensure_built()
        ports = ports_from(port_base())
        processes.check_ports_free(ports)
        try:
            _start(state, ports)
            _ensure_nodes(state, sizes)
        except BaseException:
            _say(f"start-up failed; stopping what was started (logs kept in {log_dir()})")
            _down(state)
            raise
        _say(f"cluster ready in {time.monotonic() - started:.1f} s; kubeconfig: {kubeconfig_path()}")
        return kubeconfig_path()


def _start(state: Path, ports: dict[str, int]) -> None:
    state.mkdir(parents=True, exist_ok=True)
    write_text_atomic(state / "cluster.json", json.dumps({"phase": "starting", "ports": ports}))
    pki = create_pki(state / "pki")
    kubeconfigs = _write_kubeconfigs(state, pki, ports["kube-apiserver"])
    commands = _commands(state, pki, ports, kubeconfigs)
    checks = _health_checks(pki, ports)
    admin_env = {"KUBECONFIG": str(kubeconfigs["admin"])}

    def launch(*names: str) -> None:
        started = {
            name: processes.start(name, commands[name], state, log_dir(), env=admin_env) for name in names
        }
        for name, proc in started.items():

            def still_running(name: str = name, proc: subprocess.Popen[bytes] = proc) -> None:
                if proc.poll() is not None:
                    raise UserError(
                        f"{name} exited during start-up (exit {proc.returncode}): "
                        f"{processes.last_log_line(log_dir(), name)} (log: {log_dir() / (name + '.log')})"
                    )

            api.wait_for(f"{name} to become healthy", checks[name], START_TIMEOUT, still_running)

    launch("etcd")
    launch("kube-apiserver")
    client = api.api_client(kubeconfigs["admin"])
    log_crds = api.apply_crds(client, build.kwok_log_crds())  # KWOK watches them from its start
    crds = api.apply_crds(client, build.kuberay_crds())
    api.wait_for(
        "the KWOK and KubeRay CRDs to be established",
        lambda: api.crds_established(client, log_crds + crds),
        60,
    )
    launch("kube-controller-manager", "kube-scheduler", "kwok")
    podns.check_available()
    launch("ray-operator", "pod-runtime")
    kubeconfig = _kubeconfig(
        f"https://127.0.0.1:{ports['kube-apiserver']}", pki.ca_cert.read_bytes(), pki.token("admin"), "admin"
    )
    write_text_atomic(kubeconfig_path(), kubeconfig)
    versions = {c.name: c.version for c in components.all_components()}
    write_text_atomic(
        state / "cluster.json",
        json.dumps(
            {"phase": "ready", "ports": ports, "versions": versions, "started_at": time.time()}, indent=2
        ),
    )


def _ensure_nodes(state: Path, sizes: Sizes) -> None:
    client = api.api_client(state / "admin.kubeconfig")
    desired = nodes.desired_nodes(
        sizes.gpu_nodes, sizes.cpu_nodes, load_platform().node_shapes[_shape_name()]
    )
    api.reconcile_nodes(client, desired)
    api.replenish_volumes(client)
    names = {node["metadata"]["name"] for node in desired}
    api.wait_for(f"{len(names)} fake nodes to be Ready", lambda: api.nodes_ready(client, names), 120)


def _shape_name() -> str:
    return load_platform().default_node_shape


def down() -> list[int]:
    with _locked():
        return _down(state_dir())


def down_everywhere() -> list[int]:
    """Stop the default cluster and any left behind by killed test sessions or benchmarks."""
    stopped = down()
    for other in sorted((cache_root() / "sessions").glob("*")) + [cache_root() / "bench"]:
        if (other / "state").exists():
            stopped += processes.stop_all(other / "state")
            shutil.rmtree(other, ignore_errors=True)
    return stopped


def _down(state: Path) -> list[int]:
    stopped = processes.stop_all(state)
    shutil.rmtree(state, ignore_errors=True)
    kubeconfig_path().unlink(missing_ok=True)
    return stopped


def claim_directory(namespace: str, claim: str) -> Path:
    """The host directory behind a bound claim (its volume's hostPath), created if the claim's pods have
    not used it yet: the way to put files on, or read them from, the simulated cluster's storage."""
    if not _healthy(state_dir()):
        raise UserError("the simulated cluster is not running; start it with `make sim-up`")
    directory = api.claim_host_path(api.api_client(state_dir() / "admin.kubeconfig"), namespace, claim)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def status() -> dict[str, Any]:
    """What runs, on which ports, how healthy; the fake nodes and their readiness."""
    state = state_dir()
    info = _read_state(state)
    if info is None:
        return {"running": False}
    pids = processes.recorded_pids(state)
    checks = (
        _health_checks(Pki(state / "pki"), info["ports"]) if (state / "pki" / "tokens.csv").exists() else {}
    )
    report: dict[str, Any] = {
        "running": info.get("phase") == "ready",
        "phase": info.get("phase"),
        "kubeconfig": str(kubeconfig_path()),
        "versions": info.get("versions", {}),
        "components": {
            name: {
                "pid": pid,
                "alive": processes.alive(pid, state),
                "port": info["ports"].get(name),
                "healthy": bool(checks.get(name, lambda: False)()),
            }
            for name, pid in pids.items()
        },
    }
    if report["components"].get("kube-apiserver", {}).get("healthy"):
        client = api.api_client(state / "admin.kubeconfig")
        report["nodes"] = {
            node.metadata.name: {
                "ready": any(
                    c.type == "Ready" and c.status == "True" for c in (node.status.conditions or [])
                ),
                "gpus": (node.status.allocatable or {}).get("nvidia.com/gpu", "0"),
            }
            for node in api.sim_nodes(client)
        }
    report["running"] = report["running"] and all(
        c["alive"] and c["healthy"] for c in report["components"].values()
    )
    return report
