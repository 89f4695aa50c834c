"""Start, find and stop the cluster's processes.

Every process the launcher starts runs in its own session and carries ``RMKIT_SIM_STATE=<state dir>`` in its
environment, so ``down`` finds exactly the processes of this cluster (even when a PID file was lost in a
crash) and never touches anything else.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from rmjob.errors import UserError

MARKER = "RMKIT_SIM_STATE"


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
    return False


def check_ports_free(ports: dict[str, int]) -> None:
    for role, port in ports.items():
        if port_in_use(port):
            raise UserError(
                f"port {port} on 127.0.0.1 (for {role}) is in use by another program: stop it, or move the "
                f"simulated cluster's ports (e.g. `make sim-up SIM_PORT_BASE={port + 1000}`)"
            )


def start(
    name: str, argv: list[str], state: Path, log_dir: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``argv`` detached, logging to ``log_dir/<name>.log``; record its PID in ``state/pids/<name>``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    (state / "pids").mkdir(parents=True, exist_ok=True)
    child_env = {**os.environ, **(env or {}), MARKER: str(state), "NO_PROXY": "127.0.0.1,localhost"}
    with (log_dir / f"{name}.log").open("w") as log:
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=child_env,
            start_new_session=True,
        )
    (state / "pids" / name).write_text(f"{proc.pid}\n")
    return proc


def recorded_pids(state: Path) -> dict[str, int]:
    pids = {}
    for path in sorted((state / "pids").glob("*")):
        try:
            pids[path.name] = int(path.read_text().strip())
        except (OSError, ValueError):
            continue
    return pids


def _carries_marker(pid: int, state: Path) -> bool:
    try:
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False
    return f"{MARKER}={state}".encode() in environ


def alive(pid: int, state: Path) -> bool:
    """``pid`` is running and is one of this cluster's processes (not a recycled PID). For a moment after
    ``start`` returns the kernel may still show no environment (exec is finishing): callers that just
    started a process watch its Popen instead."""
    return _carries_marker(pid, state) and not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def marked_processes(state: Path) -> list[int]:
    """Every live process carrying this cluster's marker, PID file or not."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and alive(int(entry.name), state):
            found.append(int(entry.name))
    return found


def stop_all(state: Path, timeout: float = 15.0) -> list[int]:
    """SIGTERM every process of this cluster, then SIGKILL what is left; return the PIDs stopped."""
    pids = sorted(set(recorded_pids(state).values()) | set(marked_processes(state)))
    pids = [pid for pid in pids if alive(pid, state)]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in pids:
            if alive(pid, state):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(alive(pid, state) for pid in pids):
            time.sleep(0.2)
    still = [pid for pid in pids if alive(pid, state)]
    if still:
        raise UserError(
            f"could not stop processes {still} of the simulated cluster; kill them and rerun `make sim-down`"
        )
    return pids


def last_log_line(log_dir: Path, name: str) -> str:
    try:
        lines = [
            line
            for line in (log_dir / f"{name}.log").read_text(errors="replace").splitlines()
            if line.strip()
        ]
    except OSError:
        return "no log"
    return lines[-1][:300] if lines else "empty log"
