"""The image locks: generated from platform.yaml + pyproject + requirements.in, and resolvable on PyPI."""

from __future__ import annotations

import re
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml

from rmjob.platform import PLATFORM_FILE, load_platform
from rmjob.schema import to_dict
from tests.images.lock_script import ROOT, load_lock_script
from tests.support.tools import unavailable

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

lock_image = load_lock_script()
IMAGES = sorted(lock_image.IMAGES)
# Literal version mentions that must agree with platform.yaml wherever they appear in the kit.
DRIFT_PATTERNS = {
    "ray": re.compile(r"\bray(?:\[[a-z,]+\])?==([0-9][0-9a-z.]*)|rayVersion:\s*['\"]?([0-9][0-9.]*)"),
    "torch": re.compile(r"\btorch==([0-9][0-9a-z.+]*)"),
    "vllm": re.compile(r"\bvllm==([0-9][0-9a-z.]*)"),
    "verl": re.compile(r"\bverl==([0-9][0-9a-z.]*)"),
    "cuda_base": re.compile(r"nvidia/cuda:([0-9][0-9.]*)"),
}


def _pypi_reachable() -> None:
    try:
        urllib.request.urlopen("https://pypi.org/simple/pip/", timeout=15).close()
    except OSError as exc:
        unavailable(f"PyPI cannot be reached: {exc}")


def _lock_text(image: str) -> str:
    return lock_image.IMAGES[image].lock_file.read_text()


@pytest.mark.parametrize("image", IMAGES)
def test_lock_pins_the_platform_versions(image: str) -> None:
    versions = to_dict(load_platform().versions)
    locked = lock_image.read_lock(_lock_text(image))
    for requirement, key in lock_image.IMAGES[image].pins:
        name = lock_image.canonical(requirement.split("[")[0])
        assert locked[name][0] == versions[key], (
            f"{image} lock: {name} {locked[name][0]} != platform {versions[key]}"
        )


@pytest.mark.parametrize("image", IMAGES)
def test_lock_was_generated_from_the_current_inputs(image: str) -> None:
    recorded = lock_image.header_inputs(_lock_text(image))
    assert recorded == lock_image.lock_inputs(lock_image.IMAGES[image]), (
        f"images/{image}/requirements.lock is stale: run make lock"
    )


@pytest.mark.parametrize("image", IMAGES)
def test_lock_records_package_count_and_download_size(image: str) -> None:
    text = _lock_text(image)
    count = int(re.search(r"^# packages: (\d+)$", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    size = int(re.search(r"^# download-bytes: (\d+) ", text, re.MULTILINE).group(1))  # type: ignore[union-attr]
    assert count == len(lock_image.read_lock(text)) > 0
    assert size > 0


def test_trainer_lock_has_the_trainer_stack_and_tools_lock_stays_light() -> None:
    trainer = lock_image.read_lock(_lock_text("trainer"))
    tools = lock_image.read_lock(_lock_text("tools"))
    assert {
        "torch",
        "vllm",
        "verl",
        "ray",
        "tensordict",
        "transformers",
        "wandb",
        "pyarrow",
        "hydra-core",
    } <= set(trainer)
    assert trainer["hydra-core"][0].startswith("1."), "verl's config needs hydra-core 1.x"
    assert {"ray", "pyarrow", "pydantic", "kubernetes"} <= set(tools)
    assert not {"torch", "vllm", "verl"} & set(tools)


def test_pyproject_train_extra_agrees_with_platform() -> None:
    versions = load_platform().versions
    train = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["train"]
    pins = dict(re.match(r"([a-z]+)(?:\[[a-z,]+\])?==(\S+)", req).groups() for req in train if "==" in req)  # type: ignore[union-attr]
    assert pins.get("torch") == versions.torch
    assert pins.get("verl") == versions.verl
    assert pins.get("ray") == versions.ray


def test_chart_carries_the_same_platform_file() -> None:
    chart_copy = ROOT / "charts" / "rm-cluster" / "platform.yaml"
    if not chart_copy.exists():
        pytest.skip("charts/rm-cluster/platform.yaml not generated yet (make sync)")
    assert yaml.safe_load(chart_copy.read_text()) == yaml.safe_load(PLATFORM_FILE.read_text()), (
        "run make sync"
    )


def _kit_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    skip = ("tests/", ".venv/")  # tests hold deliberately wrong versions as data
    return [ROOT / p for p in listed if not p.startswith(skip) and (ROOT / p).is_file()]


def _drift(text: str) -> list[str]:
    versions = to_dict(load_platform().versions)
    out = []
    for key, pattern in DRIFT_PATTERNS.items():
        for match in pattern.finditer(text):
            found = next(g for g in match.groups() if g)
            if found.split("+")[0] != versions[key]:
                out.append(f"{match.group(0)} (platform.yaml: {versions[key]})")
    return out


def test_drift_scan_catches_a_stray_version() -> None:
    v = load_platform().versions
    assert _drift(f"ray[default]=={v.ray}\nrayVersion: '{v.ray}'\nFROM nvidia/cuda:{v.cuda_base}-base") == []
    stray = "pip install ray[default]==2.30.0 torch==2.5.1\nrayVersion: 2.9.3\nFROM nvidia/cuda:12.4.1-base"
    assert len(_drift(stray)) == 4


def test_no_file_of_the_kit_names_another_version() -> None:
    drift = []
    for path in _kit_files():
        try:
            text = path.read_text()
        except (UnicodeDecodeError, OSError):
            continue
        drift += [f"{path.relative_to(ROOT)}: {found}" for found in _drift(text)]
    assert not drift, "versions differ from rmjob/platform.yaml:\n" + "\n".join(drift)


def test_source_builds_pin_flash_attn() -> None:
    text = (ROOT / "images/trainer/source-build.lock").read_text()
    assert re.search(r"^flash-attn==\S+ \\\n\s+--hash=sha256:[0-9a-f]{64}$", text, re.MULTILINE)
    pinned = lock_image.read_requirements_in(ROOT / "images/trainer/source-build.in")
    assert [line.split("==")[0] for line in pinned] == ["flash-attn"]


@pytest.mark.slow
def test_flash_attn_has_no_wheel_for_the_image_platform_and_its_sdist_hash_matches(tmp_path: Path) -> None:
    """Why flash-attn is the one package compiled in the image, and that the locked sdist is PyPI's."""
    _pypi_reachable()
    image = lock_image.IMAGES["trainer"]
    (spec,) = lock_image.read_requirements_in(ROOT / "images/trainer/source-build.in")
    name, version = spec.split("==")
    python = _lock_python()
    cmd = [str(python), "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", str(tmp_path)]
    for tag in lock_image.manylinux_platforms(image.glibc):
        cmd += ["--platform", tag]
    proc = subprocess.run(
        [*cmd, "--python-version", "3.10", spec], capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0 and "No matching distribution" in proc.stderr
    sdist = lock_image.sdist_on_pypi(name, version)
    locked = lock_image.read_lock((ROOT / "images/trainer/source-build.lock").read_text())
    assert locked[name] == (version, sdist["hashes"]["sha256"])


def _lock_python() -> Path:
    try:
        return lock_image.lock_python(load_platform().versions.python)
    except lock_image.LockError as exc:
        unavailable(str(exc))
        raise


@pytest.mark.slow
@pytest.mark.parametrize("image", IMAGES)
def test_lock_resolves_for_the_image_platform(image: str) -> None:
    """pip's resolver (wheels only, CPython 3.10, manylinux x86_64) against PyPI gives exactly the lock."""
    _pypi_reachable()
    _lock_python()
    problems = lock_image.verify(lock_image.IMAGES[image])
    assert not problems, (
        f"images/{image}/requirements.lock disagrees with pip (run make lock):\n" + "\n".join(problems)
    )
    text = _lock_text(image)
    count = re.search(r"^# packages: (\d+)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
    size = re.search(r"^# download-bytes: \d+ \((.*)\)$", text, re.MULTILINE).group(1)  # type: ignore[union-attr]
    print(f"{image}: {count} packages resolved, {size} to download")


def test_a_machine_without_the_image_python_gets_a_lock_error_not_a_crash(monkeypatch, tmp_path) -> None:
    """No python3.10 anywhere (a fresh machine): one LockError naming the fix, so the tests skip."""
    monkeypatch.setenv("LOCK_PYTHON", str(tmp_path / "missing" / "python3.10"))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(lock_image, "CACHE", tmp_path / "cache")
    with pytest.raises(lock_image.LockError, match="no Python 2.9 found: install one or set LOCK_PYTHON"):
        lock_image.lock_python("2.9")
