"""What a node or image actually runs, and the known-bad combinations in it.

``check(facts, versions)`` is pure: observed facts in, findings out. ``probe()`` is the thin edge that
gathers the facts (package metadata, torch if installed, nvidia-smi or /proc, /dev/shm, the environment).
Heavy packages are optional: a missing one is a fact, not a failure, so the doctor runs on a laptop too.
"""

from __future__ import annotations

import json
import os
import platform as host
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path

from rmjob.findings import Finding, Level
from rmjob.platform import Versions

# Distributions whose versions matter for a training run (PyPI names).
TRACKED = ("torch", "vllm", "verl", "ray", "flash-attn", "transformers", "tensordict")
# Installed version must equal rmjob/platform.yaml for these (the image is built from those pins).
PINNED = ("torch", "vllm", "verl", "ray")
ENV_PREFIXES = ("NCCL_", "TORCH_NCCL_", "RAY_", "VLLM_")
SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSW|CREDENTIAL|AUTH|COOKIE|SESSION", re.IGNORECASE)
URL_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")
MASK = "****"
MIN_SHM_BYTES = 1 << 30
# Ray releases whose dashboard agent can hang on start (verl's install notes say: avoid 2.11-2.37).
RAY_BAD = ((2, 11), (2, 37))
# CUDA 11.x minor-version compatibility floor; 12.x comes from platform.yaml (versions.min_driver).
MIN_DRIVER_CUDA11 = "450.80.02"
HOPPER = (9, 0)


@dataclass(frozen=True)
class Gpu:
    name: str
    capability: tuple[int, int] | None = None


@dataclass(frozen=True)
class Facts:
    python: str
    packages: dict[str, str | None]
    torch_cuda: str | None = None  # CUDA runtime torch was built with (torch.version.cuda)
    torch_error: str | None = None  # torch is installed but importing it failed
    cuda_available: bool = False
    nccl: str | None = None
    nccl_source: str | None = None
    driver: str | None = None
    driver_source: str | None = None
    gpus: tuple[Gpu, ...] = ()
    shm_bytes: int | None = None
    env: dict[str, str] = field(default_factory=dict)  # already masked


@dataclass(frozen=True)
class Report:
    facts: Facts
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(f.level is not Level.ERROR for f in self.findings)

    def to_json(self) -> str:
        facts = asdict(self.facts)
        facts["gpus"] = [
            {"name": g.name, "capability": ".".join(map(str, g.capability)) if g.capability else None}
            for g in self.facts.gpus
        ]
        findings = [{"level": f.level.value, "code": f.code, "summary": f.summary} for f in self.findings]
        return json.dumps({"ok": self.ok, "facts": facts, "findings": findings}, indent=2, sort_keys=True)

    def to_text(self) -> str:
        f = self.facts
        rows = [("python", f.python)]
        for name in TRACKED:
            rows.append((name, f.packages.get(name) or "not installed"))
        if f.packages.get("torch"):
            if f.torch_error:
                rows.append(("torch import", f"FAILED: {f.torch_error}"))
            else:
                runtime = f.torch_cuda or "none (CPU build)"
                rows.append(("cuda runtime", f"{runtime}, available: {'yes' if f.cuda_available else 'no'}"))
        rows.append(("driver", f"{f.driver} ({f.driver_source})" if f.driver else "not visible"))
        rows.append(("nccl", f"{f.nccl} ({f.nccl_source})" if f.nccl else "unknown"))
        rows.append(("gpus", _describe_gpus(f.gpus)))
        rows.append(("/dev/shm", _size(f.shm_bytes) if f.shm_bytes is not None else "missing"))
        env = ", ".join(f"{k}={v}" for k, v in sorted(f.env.items())) or "(none set)"
        rows.append(("env", env))
        width = max(len(k) for k, _ in rows)
        lines = [f"{k.ljust(width)}  {v}" for k, v in rows]
        lines.append("")
        if not self.findings:
            lines.append("no findings")
        for finding in self.findings:
            lines.append(f"{finding.level.value.upper():7}  {finding.code}: {finding.summary}")
        return "\n".join(lines)


# --- pure checks -------------------------------------------------------------------------------------


def version_tuple(version: str) -> tuple[int, ...]:
    """Leading numeric release: '2.6.0+cu124' -> (2, 6, 0), '550.54.15' -> (550, 54, 15)."""
    parts: list[int] = []
    for piece in re.split(r"[.+-]", version):
        digits = re.match(r"\d+", piece)
        if digits is None:
            break
        parts.append(int(digits.group()))
        if digits.group() != piece:
            break
    return tuple(parts)


def _release(version: str) -> str:
    """'2.6.0+cu124' -> '2.6.0' (local labels name the CUDA flavour, not the release)."""
    return version.split("+", 1)[0]


def visible_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The NCCL / Ray / vLLM settings of this process, with secret-looking values masked."""
    shown: dict[str, str] = {}
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIXES):
            continue
        shown[name] = MASK if SECRET_NAME.search(name) else URL_USERINFO.sub(MASK + "@", value)
    return shown


def min_driver_for(cuda_runtime: str, versions: Versions) -> str | None:
    major = version_tuple(cuda_runtime)[:1]
    if major == (12,):
        return versions.min_driver
    if major == (11,):
        return MIN_DRIVER_CUDA11
    return None


def check(facts: Facts, versions: Versions) -> list[Finding]:
    findings: list[Finding] = []
    add = findings.append

    if not facts.gpus and not facts.cuda_available:
        add(
            Finding(
                Level.INFO, "no-gpu", "no GPU visible (CPU only): fine for data prep and CI, not for training"
            )
        )

    missing = [name for name in PINNED if not facts.packages.get(name)]
    if missing:
        add(
            Finding(
                Level.INFO,
                "not-installed",
                f"not installed here: {', '.join(missing)} (the trainer image has them)",
            )
        )

    for name in PINNED:
        installed = facts.packages.get(name)
        expected = getattr(versions, name)
        if installed and _release(installed) != expected:
            add(
                Finding(
                    Level.WARNING,
                    "version-drift",
                    f"{name} {installed} differs from {expected} in rmjob/platform.yaml (the tested stack)",
                )
            )

    ray = facts.packages.get("ray")
    if ray and RAY_BAD[0] <= version_tuple(ray)[:2] <= RAY_BAD[1]:
        add(
            Finding(
                Level.ERROR,
                "ray-known-bad",
                f"Ray {ray} is in 2.11-2.37, whose dashboard agent can hang; use Ray {versions.ray}",
            )
        )

    if facts.torch_error:
        add(
            Finding(
                Level.ERROR, "torch-import", f"torch is installed but does not import: {facts.torch_error}"
            )
        )

    if facts.driver and facts.torch_cuda:
        floor = min_driver_for(facts.torch_cuda, versions)
        if floor and version_tuple(facts.driver) < version_tuple(floor):
            add(
                Finding(
                    Level.ERROR,
                    "driver-too-old",
                    f"NVIDIA driver {facts.driver} is older than {floor}, the minimum for torch's CUDA "
                    f"{facts.torch_cuda} runtime; upgrade the node's driver (550+ recommended)",
                )
            )

    if facts.gpus and facts.packages.get("torch") and not facts.torch_error:
        if facts.torch_cuda is None:
            add(Finding(Level.ERROR, "torch-cpu-build", "GPUs are visible but torch is a CPU-only build"))
        elif not facts.cuda_available:
            add(
                Finding(
                    Level.ERROR,
                    "cuda-unavailable",
                    "GPUs are visible but torch.cuda.is_available() is False (driver, CUDA_VISIBLE_DEVICES "
                    "or device plugin)",
                )
            )

    older = sorted({g.name for g in facts.gpus if g.capability is not None and g.capability < HOPPER})
    if facts.packages.get("vllm") and older:
        add(
            Finding(
                Level.WARNING,
                "cascade-attention",
                f"vLLM on non-Hopper GPUs ({', '.join(older)}): verl's FAQ notes vLLM's cascade attention "
                "can skew rollout log-probs there; watch the rollout_probs_diff metrics",
            )
        )

    if facts.shm_bytes is None:
        add(Finding(Level.WARNING, "no-shm", "/dev/shm is missing: NCCL and Ray's object store need it"))
    elif facts.shm_bytes < MIN_SHM_BYTES:
        add(
            Finding(
                Level.WARNING,
                "small-shm",
                f"/dev/shm is {_size(facts.shm_bytes)} (< 1 GiB): NCCL and Ray's object store need more; "
                "KubeRay mounts a memory emptyDir, for docker run use --shm-size or --ipc=host",
            )
        )
    return findings


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{n} B"
        value /= 1024
    return f"{n} B"


def _describe_gpus(gpus: tuple[Gpu, ...]) -> str:
    if not gpus:
        return "none"
    counts: dict[str, int] = {}
    for gpu in gpus:
        label = gpu.name + (f" (sm_{gpu.capability[0]}{gpu.capability[1]})" if gpu.capability else "")
        counts[label] = counts.get(label, 0) + 1
    return f"{len(gpus)}: " + ", ".join(f"{n} x {label}" for label, n in counts.items())


# --- the edge: gather facts --------------------------------------------------------------------------


def _installed(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _nvidia_smi() -> tuple[str | None, tuple[Gpu, ...]]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None, ()
    try:
        out = subprocess.run(
            [exe, "--query-gpu=driver_version,name,compute_cap", "--format=csv,noheader"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None, ()
    driver, gpus = None, []
    for line in out.strip().splitlines():
        cells = [c.strip() for c in line.split(",")]
        if len(cells) < 3:
            continue
        driver = cells[0]
        cap = version_tuple(cells[2])
        gpus.append(Gpu(cells[1], (cap[0], cap[1]) if len(cap) >= 2 else None))
    return driver, tuple(gpus)


def _proc_driver() -> str | None:
    try:
        text = Path("/proc/driver/nvidia/version").read_text()
    except OSError:
        return None
    found = re.search(r"Kernel Module(?: for \S+)?\s+(\d+\.\d+(?:\.\d+)?)", text)
    return found.group(1) if found else None


def _shm_bytes() -> int | None:
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return None
    return st.f_frsize * st.f_blocks


def probe() -> Facts:
    """Gather what this machine runs. Imports torch only if it is installed, and survives it failing."""
    packages = {name: _installed(name) for name in TRACKED}
    driver, gpus = _nvidia_smi()
    driver_source = "nvidia-smi" if driver else None
    if driver is None:
        driver = _proc_driver()
        driver_source = "/proc/driver/nvidia/version" if driver else None

    torch_cuda = torch_error = nccl = nccl_source = None
    cuda_available = False
    if packages["torch"]:
        try:
            import torch

            torch_cuda = torch.version.cuda
            cuda_available = bool(torch.cuda.is_available())
            if cuda_available:
                gpus = tuple(
                    Gpu(torch.cuda.get_device_name(i), tuple(torch.cuda.get_device_capability(i)))  # type: ignore[arg-type]
                    for i in range(torch.cuda.device_count())
                )
                nccl = ".".join(map(str, torch.cuda.nccl.version()))
                nccl_source = "torch.cuda.nccl"
        except Exception as exc:  # a broken CUDA install must be reported, not crash the doctor
            torch_error = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if nccl is None:
        nccl = _installed("nvidia-nccl-cu12") or _installed("nvidia-nccl-cu11")
        nccl_source = "nvidia-nccl wheel" if nccl else None

    return Facts(
        python=host.python_version(),
        packages=packages,
        torch_cuda=torch_cuda,
        torch_error=torch_error,
        cuda_available=cuda_available,
        nccl=nccl,
        nccl_source=nccl_source,
        driver=driver,
        driver_source=driver_source,
        gpus=gpus,
        shm_bytes=_shm_bytes(),
        env=visible_env(os.environ),
    )


def examine(versions: Versions) -> Report:
    """Probe this machine and check what it runs."""
    facts = probe()
    return Report(facts, tuple(check(facts, versions)))
