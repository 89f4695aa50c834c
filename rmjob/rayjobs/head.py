"""A local CPU Ray head (``make ray-up`` / ``make ray-down``, and the tests' fixture).

The head runs ``ray start --head --block`` from this virtualenv in its own process session: a
job's ``python3`` is the one on the PATH of ``ray start`` (so the venv's bin goes first), and with
``--block`` Ray ties its daemons to that process, so stopping is one signal to that session. We
never use ``ray stop``: it kills every Ray process of the user, other heads included.
The dashboard listens on 127.0.0.1 only. (Ray's own daemons talk over the machine's address:
``ray start`` replaces 127.0.0.1 by it, services.resolve_ip_for_localhost in Ray 2.46.)
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rmjob.atomic import write_text_atomic
from rmjob.errors import UserError
from rmjob.machine_cache import cache_root
from rmjob.pids import pid_alive

LOOPBACK = "127.0.0.1"
DEFAULT_DASHBOARD_PORT = 8265
# Small enough for a shared laptop; data prep and verl's driver keep little in the object store.
DEFAULT_OBJECT_STORE_BYTES = 200_000_000
STATE_FILE = "head.json"


def default_state_dir() -> Path:
    return cache_root() / "ray"


def free_ports(count: int) -> list[int]:
    """Distinct ports free right now on loopback (held open together so none repeats)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind((LOOPBACK, 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass(frozen=True)
class HeadPorts:
    """Every port a Ray head opens; the defaults are Ray's own, except the dashboard's host."""

    dashboard: int = DEFAULT_DASHBOARD_PORT
    gcs: int = 6379
    client_server: int = 10001
    extra: dict[str, int] = field(default_factory=dict)  # further ray start --*-port flags
    worker_ports: tuple[int, ...] = ()

    @classmethod
    def all_free(cls, dashboard: int | None = None, workers: int = 24) -> HeadPorts:
        """Ports nobody else uses (but the dashboard's, when given), so heads on one machine never collide."""
        names = [
            "node-manager-port",
            "object-manager-port",
            "dashboard-agent-listen-port",
            "dashboard-agent-grpc-port",
            "dashboard-grpc-port",
            "runtime-env-agent-port",
            "metrics-export-port",
        ]
        ports = free_ports(3 + len(names) + workers)
        extra = dict(zip(names, ports[3 : 3 + len(names)], strict=True))
        return cls(dashboard or ports[0], ports[1], ports[2], extra, tuple(ports[3 + len(names) :]))

    def flags(self) -> list[str]:
        flags = [
            f"--dashboard-port={self.dashboard}",
            f"--port={self.gcs}",
            f"--ray-client-server-port={self.client_server}",
        ]
        flags += [f"--{name}={port}" for name, port in self.extra.items()]
        if self.worker_ports:
            flags.append("--worker-port-list=" + ",".join(map(str, self.worker_ports)))
        return flags


@dataclass(frozen=True)
class HeadState:
    pid: int
    address: str  # the dashboard URL: what --ray-address / RAY_ADDRESS take
    temp_dir: str
    log: str


def _dashboard_up(address: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(f"{address}/api/version", timeout=timeout) as response:
            return "ray_version" in json.loads(response.read())
    except (OSError, ValueError):
        return False


def read_state(state_dir: Path) -> HeadState | None:
    try:
        return HeadState(**json.loads((state_dir / STATE_FILE).read_text()))
    except (OSError, ValueError, TypeError):
        return None


def running_head(state_dir: Path) -> HeadState | None:
    state = read_state(state_dir)
    return state if state and pid_alive(state.pid) and _dashboard_up(state.address) else None


def start_head(
    state_dir: Path | None = None,
    ports: HeadPorts | None = None,
    num_cpus: int | None = None,
    object_store_bytes: int = DEFAULT_OBJECT_STORE_BYTES,
    # `ray start` waits 20 s for the dashboard and, unless --include-dashboard is given, carries on
    # without it when that is too short (services.start_api_server, node.start_head_processes in
    # Ray 2.46); on a loaded machine the dashboard registers later, so we wait for it ourselves.
    timeout: float = 240.0,
) -> tuple[HeadState, bool]:
    """Start a head (or find the one this state dir already runs); returns it and whether it is new."""
    state_dir = state_dir or default_state_dir()
    if existing := running_head(state_dir):
        return existing, False
    ports = ports or HeadPorts()
    address = f"http://{LOOPBACK}:{ports.dashboard}"
    if _dashboard_up(address, timeout=1.0):
        raise UserError(
            f"another Ray dashboard already answers on {address} (not started by this state dir "
            f"{state_dir}): use it with --ray-address {address}, or stop it"
        )
    state_dir.mkdir(parents=True, exist_ok=True)
    # Ray's socket paths must stay short (AF_UNIX limit), so the session files live under /tmp.
    temp_dir = Path("/tmp") / f"rmkit-ray-{ports.dashboard}"
    bindir = str(Path(sys.executable).parent)
    env = {
        **os.environ,
        "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
        "RAY_USAGE_STATS_ENABLED": "0",
        # Each dashboard module process gets 30 s to start, then the dashboard gives up for good
        # (ray/dashboard/consts.py, Ray 2.46): too short on a busy machine.
        "RAY_DASHBOARD_SUBPROCESS_MODULE_WAIT_READY_TIMEOUT": "180",
    }
    argv = [
        str(Path(bindir) / "ray"),
        "start",
        "--head",
        "--block",
        f"--dashboard-host={LOOPBACK}",
        f"--object-store-memory={object_store_bytes}",
        f"--temp-dir={temp_dir}",
        "--disable-usage-stats",
        *ports.flags(),
    ]
    if num_cpus is not None:
        argv.append(f"--num-cpus={num_cpus}")
    log = state_dir / "head.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            # Jobs run in the head's working directory (verl's Hydra writes outputs/ there): keep
            # them out of whatever checkout `make ray-up` ran in.
            cwd=state_dir,
            start_new_session=True,
        )
    state = HeadState(proc.pid, address, str(temp_dir), str(log))
    deadline = time.monotonic() + timeout
    while not _dashboard_up(address):
        if proc.poll() is not None or time.monotonic() > deadline:
            _kill_session(proc.pid)
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
            raise UserError(f"the Ray head did not come up on {address} (see {log}): {tail[0][:300]}")
        time.sleep(0.5)
    write_text_atomic(state_dir / STATE_FILE, json.dumps(asdict(state)) + "\n")
    return state, True


def _kill_session(pid: int, timeout: float = 30.0) -> None:
    """SIGTERM the head's process group (ray start and the daemons it tied to itself), then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            _reap(pid)
            time.sleep(0.2)


def _reap(pid: int) -> None:
    """Collect the exit status of our own child so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop_head(state_dir: Path | None = None) -> HeadState | None:
    """Stop the head this state dir started; None when none was running."""
    state_dir = state_dir or default_state_dir()
    state = read_state(state_dir)
    if state is None:
        return None
    if pid_alive(state.pid):
        _kill_session(state.pid)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    shutil.rmtree(state.temp_dir, ignore_errors=True)  # session logs and sockets of this head
    return state
