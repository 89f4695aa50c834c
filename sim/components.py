"""The pinned binaries the simulated cluster runs, and how each is built from the Go module proxy.

Versions live in one place each: the wrapper modules under sim/go/ (k8s.io/kubernetes, etcd, KWOK) and
rmjob/platform.yaml (the KubeRay operator, shared with the chart and the renderer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rmjob.errors import UserError
from rmjob.platform import load_platform
from sim.paths import SIM_SOURCE, cache_root

KUBERAY_MODULE = "github.com/ray-project/kuberay/ray-operator"
WRAPPERS = SIM_SOURCE / "go"


@dataclass(frozen=True)
class Component:
    """One cache entry: binaries built together from one module version."""

    name: str
    module: str
    version: str
    packages: tuple[str, ...]  # Go packages to build, one binary each
    binaries: tuple[str, ...]  # the binary names, in the order of ``packages``
    wrapper: Path | None  # committed wrapper module to build in; None: one is generated at build time

    @property
    def directory(self) -> Path:
        return cache_root() / f"{self.name}-{self.version}"

    def binary(self, name: str) -> Path:
        return self.directory / name

    @property
    def ldflags(self) -> str:
        flags = "-s -w"
        if self.module == "k8s.io/kubernetes":
            # What `make` in kubernetes/kubernetes stamps in; clients (helm, the operator) read it.
            major, minor = self.version.lstrip("v").split(".")[:2]
            for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
                flags += (
                    f" -X {pkg}.gitVersion={self.version} -X {pkg}.gitMajor={major} -X {pkg}.gitMinor={minor}"
                    f" -X {pkg}.gitTreeState=clean -X {pkg}.buildDate=1970-01-01T00:00:00Z"
                )
        return flags


def required_version(go_mod: Path, module: str) -> str:
    """The version a wrapper go.mod requires of ``module``."""
    match = re.search(rf"^\s*(?:require\s+)?{re.escape(module)}\s+(v\S+)", go_mod.read_text(), re.MULTILINE)
    if match is None:
        raise UserError(f"{go_mod} does not require {module}; restore it from git")
    return match.group(1)


def _wrapped(name: str, module: str, packages: dict[str, str]) -> Component:
    wrapper = WRAPPERS / name
    return Component(
        name=name,
        module=module,
        version=required_version(wrapper / "go.mod", module),
        packages=tuple(packages.values()),
        binaries=tuple(packages),
        wrapper=wrapper,
    )


def kubernetes() -> Component:
    return _wrapped(
        "kubernetes",
        "k8s.io/kubernetes",
        {
            b: f"k8s.io/kubernetes/cmd/{b}"
            for b in ("kube-apiserver", "kube-controller-manager", "kube-scheduler")
        },
    )


def etcd() -> Component:
    return _wrapped("etcd", "go.etcd.io/etcd/server/v3", {"etcd": "go.etcd.io/etcd/server/v3"})


def kwok() -> Component:
    return _wrapped("kwok", "sigs.k8s.io/kwok", {"kwok": "sigs.k8s.io/kwok/cmd/kwok"})


def kuberay() -> Component:
    """The operator's module has no replace directives, but ``go install ...@version`` fails here: the proxy
    refuses the module's version list, which go install reads for deprecations. A wrapper module generated
    from platform.yaml's version builds it instead."""
    return Component(
        name="kuberay-operator",
        module=KUBERAY_MODULE,
        version=load_platform().versions.kuberay,
        packages=(KUBERAY_MODULE,),
        binaries=("ray-operator",),
        wrapper=None,
    )


def generated_go_mod(component: Component) -> str:
    return (
        f"module rmkit.local/sim/{component.name}\n\ngo 1.24.0\n\n"
        f"require {component.module} {component.version}\n\ntool {component.packages[0]}\n"
    )


def all_components() -> list[Component]:
    return [etcd(), kubernetes(), kwok(), kuberay()]
