"""Build the pinned binaries once per machine into ``$RMKIT_CACHE/sim/<component>-<version>/``.

A build goes to a temporary directory and is renamed into place with a ``.complete`` record, so an
interrupted build never looks finished; a directory without the record is stale and rebuilt.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from devtools.gomod import ToolMissing, go_module_dir
from rmjob.errors import UserError
from sim import gotoolchain
from sim.components import Component, all_components, generated_go_mod, kuberay, kwok
from sim.paths import cache_root

COMPLETE = ".complete"
PROGRESS_SECONDS = 30.0
PACKAGE_LINE = re.compile(r"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-~]+)*$")  # what `go build -v` prints per package


def go_command() -> str:
    """The installed go, or one fetched from the Go module proxy where none is installed."""
    go = shutil.which("go")
    if go is not None:
        return go
    _log(f"the go command is not installed; fetching Go {gotoolchain.GO_VERSION} from the Go module proxy")
    return str(gotoolchain.fetch_go())


def is_built(component: Component) -> bool:
    directory = component.directory
    return (directory / COMPLETE).is_file() and all(
        os.access(directory / name, os.X_OK) for name in component.binaries
    )


def build_record(component: Component) -> dict[str, object]:
    """What the build recorded: seconds it took, Go version, when."""
    try:
        record: dict[str, object] = json.loads((component.directory / COMPLETE).read_text())
    except (OSError, ValueError):
        return {}
    return record


def _log(message: str) -> None:
    print(f"sim: {message}", file=sys.stderr, flush=True)


def _build_commands(component: Component, go: str, out: Path) -> list[list[str]]:
    nice = ["nice", "-n", "10"] if shutil.which("nice") else []
    base = ["-trimpath", "-ldflags", component.ldflags]
    # -v names each package as it is compiled: what the progress lines count.
    return [
        [*nice, go, "build", "-v", *base, "-o", str(out / binary), package]
        for binary, package in zip(component.binaries, component.packages, strict=True)
    ]


def _package_count(go: str, package: str, cwd: Path, env: dict[str, str]) -> int | None:
    """How many packages ``package`` is built from (its dependencies, the standard library's included);
    listing them downloads the modules first. None where go cannot tell."""
    try:
        listed = subprocess.run(
            [go, "list", "-deps", package], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
        )
    except subprocess.TimeoutExpired:
        return None
    return len(listed.stdout.split()) if listed.returncode == 0 else None


def _is_package_line(line: str) -> bool:
    return bool(PACKAGE_LINE.match(line))


def progress_line(label: str, compiled: int, total: int | None, elapsed: float) -> str:
    minutes, seconds = divmod(int(elapsed), 60)
    counted = f"{compiled} of {total} packages" if total else f"{compiled} packages"
    return f"{label}: {counted} compiled, {minutes}m{seconds:02d}s"


def _run_with_progress(
    command: list[str], label: str, total: int | None, cwd: Path, env: dict[str, str], log: IO[str]
) -> int:
    """Run one ``go build -v``, its output to ``log``, saying every PROGRESS_SECONDS how far it got (a
    first Kubernetes build compiles ~2,000 packages for minutes without a word of its own)."""
    started = time.monotonic()
    compiled = 0
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    done = threading.Event()

    def tick() -> None:
        while not done.wait(PROGRESS_SECONDS):
            _log(progress_line(label, compiled, total, time.monotonic() - started))

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    try:
        for line in proc.stdout:
            log.write(line)
            if _is_package_line(line.strip()):
                compiled += 1
        return proc.wait()
    finally:
        done.set()
        ticker.join()


def build(component: Component) -> None:
    go = go_command()
    final = component.directory
    if final.exists():
        _log(f"removing {final}: an earlier build of {component.name} did not finish (stale cache)")
        shutil.rmtree(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.partial-{os.getpid()}")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    log_path = cache_root() / "build-logs" / f"{component.name}-{component.version}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _log(
        f"building {component.name} {component.version} from the Go module proxy "
        f"(once per machine; the Kubernetes build takes tens of minutes on 2 cores); log: {log_path}"
    )
    env = {**os.environ, "CGO_ENABLED": "0"}
    module = component.wrapper
    if module is None:
        # A wrapper made now; its go.sum is filled from the proxy, checked against sum.golang.org.
        module = final.with_name(f".{final.name}.module-{os.getpid()}")
        shutil.rmtree(module, ignore_errors=True)
        module.mkdir()
        (module / "go.mod").write_text(generated_go_mod(component))
        env["GOFLAGS"] = (env.get("GOFLAGS", "") + " -mod=mod").strip()
    started = time.monotonic()
    try:
        with log_path.open("w") as log:
            commands = _build_commands(component, go, partial)
            for step, (command, binary) in enumerate(zip(commands, component.binaries, strict=True), 1):
                label = f"building {component.name} {component.version} ({binary}, {step}/{len(commands)})"
                _log(f"{label}: downloading modules and counting packages")
                total = _package_count(go, command[-1], module, env)
                log.write("$ " + " ".join(command) + "\n")
                log.flush()
                returncode = _run_with_progress(command, label, total, module, env, log)
                if returncode != 0:
                    lines = log_path.read_text().strip().splitlines()
                    raise UserError(
                        f"building {component.name} {component.version} failed (exit {returncode}): "
                        f"{lines[-1] if lines else 'no output'}; full log: {log_path}"
                    )
        version = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True).stdout.strip()
        record = {"seconds": round(time.monotonic() - started), "go": version, "built_at": time.time()}
        (partial / COMPLETE).write_text(json.dumps(record) + "\n")
        os.replace(partial, final)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
        if component.wrapper is None:
            shutil.rmtree(module, ignore_errors=True)
    _log(f"built {component.name} {component.version} in {record['seconds']} s -> {final}")


def ensure_built(components: list[Component] | None = None) -> None:
    cache_root().mkdir(parents=True, exist_ok=True)
    with (cache_root() / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second launcher waits, then finds the binaries built
        for component in components or all_components():
            if not is_built(component):
                build(component)


def module_dir(module: str, version: str) -> Path:
    """Download a Go module (for its data files, e.g. the KubeRay CRDs) and return its directory."""
    try:
        return go_module_dir(module, version, go_command())
    except ToolMissing as error:
        raise UserError(str(error)) from None


def _module_crds(component: Component, subdir: str, names: tuple[str, ...] = ()) -> Path:
    """CRDs shipped in ``subdir`` of a component's module (all, or the files in ``names``), kept next to
    its binary so that a warm start needs neither Go nor the network."""
    cached = component.directory / "crds"
    if not cached.is_dir():
        source = module_dir(component.module, component.version) / subdir
        partial = cached.with_name(f".crds.partial-{os.getpid()}")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        for path in sorted(source.glob("*.yaml")):
            if not names or path.name in names:
                shutil.copyfile(path, partial / path.name)  # a copy: the module cache is read-only
        os.replace(partial, cached)
    return cached


def kuberay_crds() -> Path:
    """The operator's CRDs (config/crd/bases of its module)."""
    return _module_crds(kuberay(), "config/crd/bases")


def kwok_log_crds() -> Path:
    """KWOK's ClusterLogs and Logs CRDs: which file KWOK serves as a fake pod's log (kubelet log API)."""
    return _module_crds(
        kwok(), "kustomize/crd/bases", ("kwok.x-k8s.io_clusterlogs.yaml", "kwok.x-k8s.io_logs.yaml")
    )
