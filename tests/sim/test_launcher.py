"""The launcher's own logic, without a running cluster: sizes, ports, node shapes, pins."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from rmjob.errors import UserError
from rmjob.platform import GPU_PRODUCT_LABEL, GPU_RESOURCE, load_platform
from sim import build, cluster, components, gotoolchain, nodes, processes
from tests.support.tools import unavailable


def test_port_in_use_is_named_with_a_way_out() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(
            UserError, match=rf"port {port} on 127.0.0.1 \(for kube-apiserver\) is in use.*SIM_PORT_BASE"
        ):
            processes.check_ports_free({"kube-apiserver": port})


def test_free_ports_pass_the_check() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    processes.check_ports_free({"etcd": port})


@pytest.mark.parametrize("raw", ["two", "-1", "1.5"])
def test_node_counts_must_be_whole_numbers(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("GPU_NODES", raw)
    with pytest.raises(UserError, match="GPU_NODES=.* is not a whole number"):
        cluster.Sizes.from_env()


def test_node_counts_default_to_two_gpu_nodes_and_one_cpu_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GPU_NODES", raising=False)
    monkeypatch.delenv("CPU_NODES", raising=False)
    assert cluster.Sizes.from_env() == cluster.Sizes(gpu_nodes=2, cpu_nodes=1)


@pytest.mark.parametrize("raw", ["80", "65535", "http"])
def test_port_base_out_of_range_is_refused(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("SIM_PORT_BASE", raw)
    with pytest.raises(UserError, match="SIM_PORT_BASE"):
        cluster.port_base()


def test_gpu_nodes_have_the_default_shape_product_resources_and_taint() -> None:
    platform = load_platform()
    shape = platform.node_shapes[platform.default_node_shape]
    node = nodes.gpu_node(0, shape)
    assert node["metadata"]["labels"][GPU_PRODUCT_LABEL] == shape.product
    assert node["status"]["capacity"][GPU_RESOURCE] == str(shape.gpus) == "8"
    assert node["status"]["capacity"]["cpu"] == str(shape.node.cpu)
    assert node["status"]["capacity"]["memory"] == f"{shape.node.memory_gib}Gi"
    assert node["spec"]["taints"] == [{"key": GPU_RESOURCE, "value": "present", "effect": "NoSchedule"}]


def test_every_node_address_is_kwoks_loopback_address_even_for_many_nodes() -> None:
    shape = load_platform().node_shapes[load_platform().default_node_shape]
    many = nodes.desired_nodes(600, 3, shape)
    addresses = {a["address"] for n in many for a in n["status"]["addresses"] if a["type"] == "InternalIP"}
    assert addresses == {"127.0.0.1"}


def test_cpu_node_fits_a_head_pod_and_carries_no_gpus() -> None:
    node = nodes.cpu_node(0)
    head = load_platform().head
    assert GPU_RESOURCE not in node["status"]["capacity"]
    assert int(node["status"]["capacity"]["cpu"]) >= int(head.cpu)
    assert "taints" not in node["spec"]


def test_kuberay_version_comes_from_the_platform_file() -> None:
    assert components.kuberay().version == load_platform().versions.kuberay


def test_wrapper_modules_pin_kubernetes_and_its_staging_modules_to_the_same_release() -> None:
    k8s = components.kubernetes()
    minor_patch = k8s.version.removeprefix("v1.")
    go_mod = (components.WRAPPERS / "kubernetes" / "go.mod").read_text()
    for staging in ("k8s.io/api", "k8s.io/apiserver", "k8s.io/client-go", "k8s.io/kube-scheduler"):
        assert f"\t{staging} => {staging} v0.{minor_patch}\n" in go_mod


def test_etcd_is_new_enough_for_watches_of_kube_apiserver_1_31_and_later() -> None:
    major, minor, patch = (int(x) for x in components.etcd().version.lstrip("v").split("."))
    assert (major, minor, patch) >= (3, 5, 13)


def test_an_interrupted_build_is_not_mistaken_for_a_finished_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RMKIT_CACHE", str(tmp_path))
    etcd = components.etcd()
    etcd.directory.mkdir(parents=True)
    binary = etcd.binary("etcd")
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert not build.is_built(etcd)  # binaries there, but no .complete record: stale, rebuilt by `sim up`
    (etcd.directory / build.COMPLETE).write_text('{"seconds": 1}')
    assert build.is_built(etcd)
    binary.unlink()
    assert not build.is_built(etcd)


def test_toolchain_check_computes_the_same_hash_as_go_and_its_checksum_database() -> None:
    """The hash that guards a fetched Go toolchain, checked on a small module against `go mod download`."""
    if shutil.which("go") is None:
        unavailable("needs the go command to compare module hashes with")
    proc = subprocess.run(
        ["go", "mod", "download", "-json", "sigs.k8s.io/yaml@v1.4.0"],
        capture_output=True,
        text=True,
        check=False,
    )
    info = json.loads(proc.stdout or "{}")
    if proc.returncode != 0 or "Zip" not in info:
        unavailable(
            f"go mod download sigs.k8s.io/yaml@v1.4.0 failed: {info.get('Error') or proc.stderr.strip()}"
        )
    assert gotoolchain.hash1(Path(info["Zip"])) == info["Sum"]
