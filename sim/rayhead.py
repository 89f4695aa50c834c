"""A real Ray head (CPU, this virtualenv) behind a RayCluster's head pod.

Its dashboard listens on the pod's own loopback address at the port the head Service names, so the
operator, the submitter and ``ray job`` reach it by the Service's DNS name exactly as in a cluster. Ray
2.46 binds its other ports (GCS, raylet, agents) on every interface whatever the node address, so each
head gets a block of free ports of its own and a private temporary directory. Nothing it starts connects
to a non-loopback address: its node address is the pod's 127.x address.
"""

from __future__ import annotations

import hashlib
import ipaddress
import sys
from pathlib import Path

from sim.processes import port_in_use

DASHBOARD_PORT = 8265  # KubeRay's DefaultDashboardPort, the head Service's `dashboard` port
HEAD_IPS = ipaddress.ip_network("127.65.0.0/16")
# What one simulated head offers Ray: enough CPUs for a data job or verl's TaskRunner; no GPU exists here.
HEAD_CPUS = 4
OBJECT_STORE_BYTES = 200_000_000
# GCS, raylet (2), dashboard agent (2), runtime env agent, metrics export, client server, the dashboard's
# and autoscaler's metrics ports, then a range for worker processes.
# How long a head may take until its dashboard answers; after that the runtime fails the pod (KubeRay then
# replaces it), as a kubelet would once the head's probes gave up.
START_TIMEOUT_SECONDS = 240
FIXED_PORTS = 10
WORKER_PORTS = 40


def head_ip(identity: str, taken: set[str]) -> str:
    """A stable loopback address for one RayCluster's head (``identity``: cluster, namespace and name),
    not in ``taken`` and with the dashboard port free there."""
    digest = int(hashlib.sha256(identity.encode()).hexdigest(), 16)
    hosts = HEAD_IPS.num_addresses - 2
    for step in range(hosts):
        ip = str(HEAD_IPS.network_address + 1 + (digest + step) % hosts)
        if ip not in taken and not port_in_use(DASHBOARD_PORT, ip):
            return ip
    raise RuntimeError("no free loopback address left for a Ray head")


def free_port_block(size: int, start: int = 20000, end: int = 32000) -> int:
    """The first port of ``size`` consecutive ports free on every interface (Ray binds 0.0.0.0)."""
    base = start
    while base + size < end:
        busy = next((p for p in range(base, base + size) if port_in_use(p, "0.0.0.0")), None)
        if busy is None:
            return base
        base = busy + 1
    raise RuntimeError(f"no block of {size} free ports between {start} and {end}")


def command(ip: str, base: int, temp_dir: Path) -> tuple[list[str], dict[str, str]]:
    """``ray start --head --block`` for a head at ``ip`` using ports ``base``..; and its extra environment."""
    ray = str(Path(sys.executable).with_name("ray"))
    argv = [
        ray,
        "start",
        "--head",
        "--block",
        f"--node-ip-address={ip}",
        f"--dashboard-host={ip}",
        f"--dashboard-port={DASHBOARD_PORT}",
        f"--port={base}",
        f"--node-manager-port={base + 1}",
        f"--object-manager-port={base + 2}",
        f"--dashboard-agent-listen-port={base + 3}",
        f"--dashboard-agent-grpc-port={base + 4}",
        f"--runtime-env-agent-port={base + 5}",
        f"--metrics-export-port={base + 6}",
        f"--ray-client-server-port={base + 7}",
        f"--min-worker-port={base + FIXED_PORTS}",
        f"--max-worker-port={base + FIXED_PORTS + WORKER_PORTS - 1}",
        f"--num-cpus={HEAD_CPUS}",
        "--num-gpus=0",
        f"--object-store-memory={OBJECT_STORE_BYTES}",
        f"--temp-dir={temp_dir}",
        "--disable-usage-stats",
        "--log-style=record",
    ]
    env = {
        # The operator tells the container its head is at 127.0.0.1:6379 (true in a pod's own network);
        # here the head is at its own address and port.
        "RAY_ADDRESS": f"{ip}:{base}",
        "RAY_PORT": str(base),
        # A job's `python3` is the one on the PATH of `ray start`: this virtualenv (verl, rmjob).
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "RAY_TMPDIR": str(temp_dir),  # keeps Ray away from the machine-wide /tmp/ray
        "RAY_USAGE_STATS_ENABLED": "0",
        "DASHBOARD_METRIC_PORT": str(base + 8),  # ray/dashboard/consts.py, default 44227 for every head
        "AUTOSCALER_METRIC_PORT": str(base + 9),  # ray/autoscaler/_private/constants.py, default 44217
        "PYTHONUNBUFFERED": "1",
        # The dashboard gives each of its modules 30 s to start (ray/dashboard/consts.py); on two busy
        # cores MetricsHead alone can take longer, and a head without a dashboard never becomes ready.
        "RAY_DASHBOARD_SUBPROCESS_MODULE_WAIT_READY_TIMEOUT": str(START_TIMEOUT_SECONDS),
    }
    return argv, env


def ports_needed() -> int:
    return FIXED_PORTS + WORKER_PORTS
