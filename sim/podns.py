"""Run one program the way a pod's container sees the world: its own mount namespace, in which the
cluster's service names resolve from our hosts file and the pod's volumes appear at their mount paths.

Used as ``unshare -rm -- python -m sim.podns VIEW.json -- PROGRAM ARGS...`` (the launcher's operator, the
runtime's Ray heads and job pods). ``unshare -r`` maps our user to root inside a new user namespace, which
lets ``-m``'s private mount namespace take bind mounts without touching the machine's own mounts.

The view (JSON): ``hosts`` and ``resolv`` (files bound over /etc/hosts and /etc/resolv.conf) and
``mounts``, a list of ``[host directory, mount path]``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rmjob.errors import UserError

UNSHARE = ["unshare", "--map-root-user", "--mount", "--"]
# Where no name in our hosts file matches, the resolver asks this address, on which nothing listens: a
# lookup fails at once instead of reaching the machine's own DNS server (a private-range address here).
NO_NAMESERVER = "127.53.53.53"


def command(view_file: Path, argv: list[str]) -> list[str]:
    """The command line that runs ``argv`` inside the view described by ``view_file``."""
    return [*UNSHARE, sys.executable, "-m", "sim.podns", str(view_file), "--", *argv]


def check_available() -> None:
    """Fail with what to do where this machine allows no user namespaces (or lacks unshare)."""
    try:
        probe = subprocess.run([*UNSHARE, "true"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UserError(f"the simulated cluster needs the unshare command (util-linux): {error}") from None
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        raise UserError(
            "the simulated cluster runs the operator and pods in their own user and mount namespaces, which "
            f"this machine refuses (`unshare --map-root-user --mount true`: {reason}); allow them, e.g. on "
            "Ubuntu 24.04 `sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`, or run as root"
        )


def resolv_conf() -> str:
    return f"# rm-kit simulated cluster: names resolve from the hosts file only\nnameserver {NO_NAMESERVER}\n"


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, stdout=subprocess.DEVNULL)


def _make_mount_point(path: Path, staging: Path, layered: set[Path]) -> None:
    """Create ``path`` inside this namespace only. Its nearest existing ancestor gets a tmpfs, with the
    ancestor's own entries bound back into it (through ``staging``), so nothing is created on, or hidden
    from, the machine. ``layered``: the ancestors already given a tmpfs."""
    ancestor = path
    while not ancestor.exists():
        ancestor = ancestor.parent
    if ancestor in layered:
        path.mkdir(parents=True, exist_ok=True)
        return
    if ancestor == Path("/"):
        raise SystemExit(
            f"sim.podns: cannot create the mount point {path}: it needs a new top-level directory"
        )
    staging.mkdir(parents=True, exist_ok=True)
    _mount("--rbind", str(ancestor), str(staging))
    _mount("-t", "tmpfs", "rmkit-podns", str(ancestor))
    for entry in sorted(staging.iterdir()):
        target = ancestor / entry.name
        if entry.is_dir() and not entry.is_symlink():
            target.mkdir()
        elif entry.is_symlink():
            target.symlink_to(os.readlink(entry))
            continue
        else:
            target.touch()
        _mount("--rbind", str(entry), str(target))
    layered.add(ancestor)
    path.mkdir(parents=True, exist_ok=True)


def enter(view: dict[str, object], staging: Path) -> None:
    for source, target in [(str(view["hosts"]), "/etc/hosts"), (str(view["resolv"]), "/etc/resolv.conf")]:
        _mount("--bind", source, target)
    layered: set[Path] = set()
    mounts: list[list[str]] = view.get("mounts", [])  # type: ignore[assignment]
    for index, (host_dir, mount_path) in enumerate(mounts):
        Path(host_dir).mkdir(parents=True, exist_ok=True)
        if not Path(mount_path).is_dir():
            _make_mount_point(Path(mount_path), staging / str(index), layered)
        _mount("--bind", host_dir, mount_path)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m sim.podns VIEW.json -- PROGRAM [ARGS...]", file=sys.stderr)
        return 2
    view_file = Path(argv[0])
    # Staging directories live beside the view (in the cluster's state), never in a shared place.
    enter(json.loads(view_file.read_text()), view_file.with_suffix(".staging"))
    os.execvp(argv[2], argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
