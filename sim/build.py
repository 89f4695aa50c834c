"""Build the pinned binaries once per machine into ``$RMKIT_CACHE/sim/<component>-<version>/``.

A build goes to a temporary directory and is renamed into place with a ``.complete`` record, so an
interrupted build never looks finished; a directory without the record is stale and rebuilt.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from devtools.gomod import ToolMissing, go_module_dir
from rmjob.errors import UserError
from sim import gotoolchain
from sim.components import Component, all_components, generated_go_mod, kuberay, kwok
from sim.paths import cache_root

COMPLETE = ".complete"


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
    return [
        [*nice, go, "build", *base, "-o", str(out / binary), package]
        for binary, package in zip(component.binaries, component.packages, strict=True)
    ]


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
            for command in _build_commands(component, go, partial):
                log.write("$ " + " ".join(command) + "\n")
                log.flush()
                proc = subprocess.run(command, cwd=module, env=env, stdout=log, stderr=subprocess.STDOUT)
                if proc.returncode != 0:
                    lines = log_path.read_text().strip().splitlines()
                    raise UserError(
                        f"building {component.name} {component.version} failed (exit {proc.returncode}): "
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
