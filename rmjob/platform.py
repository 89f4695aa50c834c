"""Versions, images, mount paths and node shapes shared with the chart and the image build.

The data lives in ``platform.yaml`` next to this module; the chart carries a generated copy.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

PLATFORM_FILE = Path(__file__).with_name("platform.yaml")
GPU_RESOURCE = "nvidia.com/gpu"
GPU_PRODUCT_LABEL = "nvidia.com/gpu.product"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Versions(_Strict):
    python: str
    cuda_base: str
    cuda_wheels: str
    min_driver: str
    torch: str
    vllm: str
    verl: str
    ray: str
    kuberay: str


class Images(_Strict):
    trainer: str
    tools: str
    tag: str


class Paths(_Strict):
    site_packages: str
    data: str
    checkpoints: str
    models: str


class Secrets(_Strict):
    name: str
    keys: list[str]


class RayPods(_Strict):
    """Defaults of every Ray pod (Kubernetes-shaped fragments, copied into each pod as they are)."""

    image_pull_policy: str
    head_ports: list[dict[str, str | int]]
    env: list[dict[str, str]]
    automount_service_account_token: bool
    pod_security_context: dict[str, Any]
    container_security_context: dict[str, Any]


class PodSize(_Strict):
    cpu: str
    memory: str


class MachineSize(_Strict):
    cpu: int
    memory_gib: int


class NodeShape(_Strict):
    instance: str
    product: str
    gpus: int
    gpu_memory_gb: int
    node: MachineSize
    worker: PodSize


class Platform(_Strict):
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
    return Platform.model_validate(yaml.safe_load(PLATFORM_FILE.read_text()))
