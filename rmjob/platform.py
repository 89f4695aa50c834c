"""Versions, images, mount paths and node shapes shared with the chart and the image build.

The data lives in ``platform.yaml`` next to this module; the chart carries a generated copy.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from rmjob.bounded_yaml import load_package_yaml
from rmjob.schema import Section, validate

PLATFORM_FILE = Path(__file__).with_name("platform.yaml")
GPU_RESOURCE = "nvidia.com/gpu"
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"


class Versions(Section):
    """Pinned versions of the training stack, the images' Python and CUDA, and KubeRay."""

    python: str
    cuda_base: str
    cuda_wheels: str
    min_driver: str
    torch: str
    vllm: str
    verl: str
    ray: str
    kuberay: str


class Images(Section):
    """Repositories of the two images and the tag both carry."""

    trainer: str
    tools: str
    tag: str


class Paths(Section):
    """Fixed paths inside the pods: where rmjob is installed and where each volume is mounted."""

    site_packages: str
    data: str
    checkpoints: str
    models: str


class Secrets(Section):
    """The Kubernetes Secret the cluster and jobs reference, and the keys it may hold."""

    name: str
    keys: list[str]


class RayPods(Section):
    """Defaults of every Ray pod (Kubernetes-shaped fragments, copied into each pod as they are)."""

    image_pull_policy: str
    head_ports: list[dict[str, str | int]]
    env: list[dict[str, str]]
    automount_service_account_token: bool
    pod_security_context: dict[str, Any]
    container_security_context: dict[str, Any]


class PodSize(Section):
    """CPU and memory a pod requests, as Kubernetes quantities."""

    cpu: str
    memory: str


class MachineSize(Section):
    """A machine as sold: CPUs and memory in GiB."""

    cpu: int
    memory_gib: int


class NodeShape(Section):
    """One GPU machine type: its GPUs, the machine, and what a Ray worker pod on it requests."""

    instance: str
    product: str
    gpus: int
    gpu_memory_gb: int
    node: MachineSize
    worker: PodSize


class Platform(Section):
    """Everything ``platform.yaml`` holds."""

    versions: Versions
    images: Images
    paths: Paths
    secrets: Secrets
    label_prefix: str
    ray_pods: RayPods
    head: PodSize
    node_shapes: dict[str, NodeShape]
    default_node_shape: str

    def image(self, which: str) -> str:
        repo = self.images.trainer if which == "trainer" else self.images.tools
        return f"{repo}:{self.images.tag}"

    def payload_file(self, module: str) -> str:
        """Path inside the image of a file of ``rmjob.train`` (verl loads these by path)."""
        return f"{self.paths.site_packages}/rmjob/train/{module}.py"


@lru_cache(maxsize=1)
def load_platform() -> Platform:
    return validate(Platform, load_package_yaml(PLATFORM_FILE))
