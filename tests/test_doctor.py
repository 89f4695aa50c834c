"""`rmjob doctor`: the pure checks on observed facts, and the real probe on this (GPU-less) machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from rmjob.doctor import Facts, Gpu, Report, check, probe, version_tuple, visible_env
from rmjob.errors import UserError
from rmjob.findings import Finding, Level
from rmjob.platform import load_platform
from tests.support.cli import invoke

ROOT = Path(__file__).resolve().parents[1]
VERSIONS = load_platform().versions
A100 = Gpu("NVIDIA A100-SXM4-80GB", (8, 0))
H100 = Gpu("NVIDIA H100 80GB HBM3", (9, 0))
GIB = 1 << 30


def trainer_facts(**changes: object) -> Facts:
    """What a healthy trainer pod on an 8xA100 node reports, with ``changes`` applied."""
    facts = {
        "python": "3.10.12",
        "packages": {
            "torch": VERSIONS.torch,
            "vllm": VERSIONS.vllm,
            "verl": VERSIONS.verl,
            "ray": VERSIONS.ray,
            "flash-attn": "2.7.4.post1",
            "transformers": "4.53.3",
            "tensordict": "0.6.2",
        },
        "torch_cuda": "12.4",
        "cuda_available": True,
        "nccl": "2.21.5",
        "nccl_source": "torch.cuda.nccl",
        "driver": "550.54.15",
        "driver_source": "nvidia-smi",
        "gpus": (H100,) * 8,
        "shm_bytes": 64 * GIB,
        "env": {},
    }
    facts.update(changes)
    return Facts(**facts)  # type: ignore[arg-type]


def codes(findings: list[Finding], level: Level | None = None) -> set[str]:
    return {f.code for f in findings if level is None or f.level is level}


def with_package(name: str, version: str | None) -> dict[str, str | None]:
    return {**trainer_facts().packages, name: version}


def test_healthy_trainer_node_has_no_findings() -> None:
    assert check(trainer_facts(), VERSIONS) == []


@pytest.mark.parametrize("ray", ["2.11.0", "2.30.0", "2.37.0"])
def test_ray_in_the_dashboard_hang_range_is_an_error(ray: str) -> None:
    findings = check(trainer_facts(packages=with_package("ray", ray)), VERSIONS)
    assert "ray-known-bad" in codes(findings, Level.ERROR)
    assert not Report(trainer_facts(), tuple(findings)).ok


@pytest.mark.parametrize("ray", ["2.10.0", "2.38.0", "2.46.0"])
def test_ray_outside_the_bad_range_is_not_flagged(ray: str) -> None:
    assert "ray-known-bad" not in codes(check(trainer_facts(packages=with_package("ray", ray)), VERSIONS))


@pytest.mark.parametrize(("driver", "bad"), [("470.82.01", True), ("525.60.12", True), ("525.60.13", False)])
def test_driver_older_than_the_cuda_runtime_minimum_is_an_error(driver: str, bad: bool) -> None:
    findings = check(trainer_facts(driver=driver), VERSIONS)
    assert ("driver-too-old" in codes(findings, Level.ERROR)) is bad


def test_vllm_on_non_hopper_gpus_warns_about_cascade_attention() -> None:
    assert "cascade-attention" in codes(check(trainer_facts(gpus=(A100,) * 8), VERSIONS), Level.WARNING)
    assert "cascade-attention" not in codes(check(trainer_facts(gpus=(H100,) * 8), VERSIONS))
    no_vllm = trainer_facts(gpus=(A100,), packages=with_package("vllm", None))
    assert "cascade-attention" not in codes(check(no_vllm, VERSIONS))


@pytest.mark.parametrize(("shm", "code"), [(64 << 20, "small-shm"), (None, "no-shm"), (2 * GIB, None)])
def test_small_or_missing_dev_shm_is_a_warning(shm: int | None, code: str | None) -> None:
    found = codes(check(trainer_facts(shm_bytes=shm), VERSIONS), Level.WARNING)
    assert found == ({code} if code else set())


def test_versions_other_than_platform_yaml_are_drift_warnings() -> None:
    drifted = trainer_facts(packages=with_package("vllm", "0.8.5"))
    findings = check(drifted, VERSIONS)
    assert [f.code for f in findings] == ["version-drift"] and "vllm 0.8.5" in findings[0].summary
    local_label = trainer_facts(packages=with_package("torch", f"{VERSIONS.torch}+cu124"))
    assert check(local_label, VERSIONS) == []


def test_missing_heavy_packages_are_reported_not_failed() -> None:
    bare = Facts(python="3.11.7", packages={}, shm_bytes=8 * GIB)
    findings = check(bare, VERSIONS)
    assert codes(findings) == {"no-gpu", "not-installed"}
    assert Report(bare, tuple(findings)).ok


def test_visible_gpus_with_a_cpu_only_torch_is_an_error() -> None:
    assert "torch-cpu-build" in codes(check(trainer_facts(torch_cuda=None, cuda_available=False), VERSIONS))
    assert "cuda-unavailable" in codes(check(trainer_facts(cuda_available=False), VERSIONS), Level.ERROR)


def test_torch_that_fails_to_import_is_an_error() -> None:
    broken = trainer_facts(torch_error="OSError: libcudnn.so.9: cannot open shared object file")
    assert "torch-import" in codes(check(broken, VERSIONS), Level.ERROR)


def test_only_nccl_ray_vllm_env_is_shown_and_secret_looking_values_are_masked() -> None:
    env = {
        "NCCL_DEBUG": "INFO",
        "NCCL_SOCKET_IFNAME": "eth0",
        "RAY_REDIS_PASSWORD": "hunter2",
        "RAY_AUTH_TOKEN": "abc",
        "RAY_ADDRESS": "http://user:pw@head:8265",
        "VLLM_USE_V1": "1",
        "WANDB_API_KEY": "never-shown",
        "HOME": "/root",
    }
    shown = visible_env(env)
    assert shown == {
        "NCCL_DEBUG": "INFO",
        "NCCL_SOCKET_IFNAME": "eth0",
        "RAY_REDIS_PASSWORD": "****",
        "RAY_AUTH_TOKEN": "****",
        "RAY_ADDRESS": "http://****@head:8265",
        "VLLM_USE_V1": "1",
    }
    assert "hunter2" not in json.dumps(shown) and "never-shown" not in json.dumps(shown)


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("2.6.0+cu124", (2, 6, 0)),
        ("550.54.15", (550, 54, 15)),
        ("0.8.5.post1", (0, 8, 5)),
        ("2.46.0rc1", (2, 46, 0)),
    ],
)
def test_version_tuple_reads_the_numeric_release(text: str, parsed: tuple[int, ...]) -> None:
    assert version_tuple(text) == parsed


def test_text_report_lists_versions_and_findings() -> None:
    facts = trainer_facts(gpus=(A100,) * 8, env={"NCCL_DEBUG": "INFO"})
    text = Report(facts, tuple(check(facts, VERSIONS))).to_text()
    assert "8: 8 x NVIDIA A100-SXM4-80GB (sm_80)" in text
    assert "NCCL_DEBUG=INFO" in text and "550.54.15 (nvidia-smi)" in text
    assert "WARNING  cascade-attention:" in text


# --- the real probe --------------------------------------------------------------------------------------


def _has_gpu() -> bool:
    facts = probe()
    return bool(facts.gpus or facts.cuda_available)


def test_doctor_on_this_cpu_machine_says_there_is_no_gpu_and_exits_0(capsys: pytest.CaptureFixture) -> None:
    if _has_gpu():
        pytest.skip("this machine has a GPU")
    result = invoke(capsys, "doctor", "-o", "json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] is True
    assert report["facts"]["gpus"] == [] and report["facts"]["driver"] is None
    assert "no-gpu" in {f["code"] for f in report["findings"]}
    assert report["facts"]["python"] == ".".join(map(str, sys.version_info[:3]))


def test_doctor_text_output_on_this_machine(capsys: pytest.CaptureFixture) -> None:
    result = invoke(capsys, "doctor")
    assert result.code == 0, result.stderr
    assert result.stdout.startswith("python ") and "/dev/shm" in result.stdout


def test_unknown_output_format_is_a_user_error(capsys: pytest.CaptureFixture) -> None:
    result = invoke(capsys, "doctor", "-o", "yaml")
    assert result.code == UserError.exit_code and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: --output 'yaml' is not supported")


def test_doctor_works_with_none_of_the_heavy_packages_installed(tmp_path: Path) -> None:
    """A Python with only rmjob's light dependencies (no site-packages): everything reported missing."""
    (tmp_path / "yaml").symlink_to(Path(yaml.__file__).resolve().parent)  # rmjob's one light dependency here
    (tmp_path / "rmjob").symlink_to(ROOT / "rmjob")
    code = (
        "from rmjob.doctor import examine; from rmjob.platform import load_platform; "
        "print(examine(load_platform().versions).to_json())"
    )
    proc = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(tmp_path), "PATH": os.environ.get("PATH", "")},
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["facts"]["packages"] == dict.fromkeys(
        ("torch", "vllm", "verl", "ray", "flash-attn", "transformers", "tensordict")
    )
    assert "not-installed" in {f["code"] for f in report["findings"]}
