"""Run spec -> KubeRay RayJob (``ray.io/v1``), as a dict and as YAML/JSON text.

Pure: no cluster access, no clock, no randomness. The same spec, runtime env and platform give
the same bytes in any process; the job name carries a hash of all three, so a changed spec is a
new RayJob (one immutable run) and an unchanged one re-applies as a no-op.
"""

from __future__ import annotations

import copy
import hashlib
import json
import shlex
from typing import Any

from rmjob.platform import GPU_PRODUCT_LABEL, GPU_RESOURCE, Platform
from rmjob.runtime_env import merged_runtime_env
from rmjob.schema import to_dict
from rmjob.spec import RunSpec
from rmjob.verl_args import verl_overrides
from rmjob.yaml_writer import dump_yaml

# Bump when rendering changes in a way that must start new runs for unchanged specs.
RENDER_SCHEMA = 1
WORKER_GROUP = "gpu-workers"


def spec_hash(spec: RunSpec, runtime_env: dict[str, Any], platform: Platform) -> str:
    payload = {
        "schema": RENDER_SCHEMA,
        "spec": to_dict(spec),
        "runtime_env": runtime_env,
        "platform": to_dict(platform),
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:8]


def job_name(spec: RunSpec, digest: str) -> str:
    return f"{spec.name}-{digest}"


def entrypoint(overrides: list[str]) -> str:
    """One override a line: readable in Git diffs; the submitter's bash joins the lines."""
    lines = ["python3 -m verl.trainer.main_ppo", *(shlex.quote(o) for o in overrides)]
    return " \\\n  ".join(lines)


def labels(spec: RunSpec, name: str, platform: Platform) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": "reward-model",
        "app.kubernetes.io/instance": name,
        "app.kubernetes.io/component": "training",
        "app.kubernetes.io/part-of": "rm-kit",
        "app.kubernetes.io/managed-by": "rmjob",
        "app.kubernetes.io/version": platform.images.tag,
        f"{platform.label_prefix}/mode": spec.mode,
        f"{platform.label_prefix}/run": spec.name,
    }


def _secret_env(spec: RunSpec, platform: Platform) -> list[dict[str, Any]]:
    """Keys reach the pods by reference only; W&B's is required when W&B logging is on."""
    wandb_required = "wandb" in spec.logging.loggers
    return [
        {
            "name": "WANDB_API_KEY",
            "valueFrom": {
                "secretKeyRef": {
                    "name": spec.logging.wandb_secret or platform.secrets.name,
                    "key": spec.logging.wandb_secret_key,
                    "optional": not wandb_required,
                }
            },
        },
        {
            "name": "HF_TOKEN",
            "valueFrom": {
                "secretKeyRef": {"name": platform.secrets.name, "key": "HF_TOKEN", "optional": True}
            },
        },
        {"name": "HF_HOME", "value": f"{platform.paths.models}/huggingface"},
        *copy.deepcopy(platform.ray_pods.env),
    ]


def _volumes(spec: RunSpec, platform: Platform) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    claims = spec.cluster.storage
    mounts = [
        ("data", claims.data_claim, platform.paths.data),
        ("checkpoints", claims.checkpoints_claim, platform.paths.checkpoints),
        ("models", claims.models_claim, platform.paths.models),
    ]
    volumes = [{"name": n, "persistentVolumeClaim": {"claimName": c}} for n, c, _ in mounts]
    volume_mounts = [{"name": n, "mountPath": p} for n, _, p in mounts]
    return volumes, volume_mounts


def _ray_pod(
    spec: RunSpec, platform: Platform, container_name: str, size: dict[str, Any], head: bool
) -> dict[str, Any]:
    """A Ray pod's spec from the shared defaults (``platform.yaml`` ``ray_pods``, also read by the chart)."""
    pods = platform.ray_pods
    volumes, mounts = _volumes(spec, platform)
    container: dict[str, Any] = {
        "name": container_name,
        "image": spec.cluster.image or platform.image("trainer"),
        "imagePullPolicy": pods.image_pull_policy,
    }
    if head:
        container["ports"] = copy.deepcopy(pods.head_ports)
    container |= {
        "env": _secret_env(spec, platform),
        "resources": {"requests": size, "limits": dict(size)},
        "securityContext": copy.deepcopy(pods.container_security_context),
        "volumeMounts": mounts,
    }
    return {
        "automountServiceAccountToken": pods.automount_service_account_token,
        "securityContext": copy.deepcopy(pods.pod_security_context),
        "volumes": volumes,
        "containers": [container],
    }


def head_group(spec: RunSpec, name: str, platform: Platform) -> dict[str, Any]:
    size = {"cpu": platform.head.cpu, "memory": platform.head.memory}
    prefix = platform.label_prefix
    return {
        # No GPUs on the head: the verl driver runs here; training runs on the workers.
        "rayStartParams": {"dashboard-host": "0.0.0.0", "num-gpus": "0"},
        "template": {
            "metadata": {"labels": {f"{prefix}/role": "head", f"{prefix}/job": name}},
            "spec": _ray_pod(spec, platform, "ray-head", size, head=True),
        },
    }


def worker_group(spec: RunSpec, name: str, platform: Platform, shape_name: str) -> dict[str, Any]:
    shape = platform.node_shapes[shape_name]
    size = {"cpu": shape.worker.cpu, "memory": shape.worker.memory, GPU_RESOURCE: shape.gpus}
    prefix = platform.label_prefix
    role = {f"{prefix}/role": "gpu-worker", f"{prefix}/job": name}
    pod = _ray_pod(spec, platform, "ray-worker", size, head=False)
    pod |= {
        "nodeSelector": {GPU_PRODUCT_LABEL: shape.product},
        "tolerations": [{"key": GPU_RESOURCE, "operator": "Exists", "effect": "NoSchedule"}],
        # One worker per 8-GPU node: two workers on one node could never both get 8 GPUs.
        "affinity": {
            "podAntiAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": [
                    {"labelSelector": {"matchLabels": role}, "topologyKey": "kubernetes.io/hostname"}
                ]
            }
        },
    }
    return {
        "groupName": WORKER_GROUP,
        "replicas": spec.cluster.nodes,
        "minReplicas": spec.cluster.nodes,
        "maxReplicas": spec.cluster.nodes,
        "rayStartParams": {},
        "template": {
            "metadata": {
                "labels": role,
                "annotations": {
                    f"{prefix}/node-shape": shape_name,
                    f"{prefix}/instance-type": shape.instance,
                },
            },
            "spec": pod,
        },
    }


def submitter_template(spec: RunSpec, platform: Platform) -> dict[str, Any]:
    """A light pod for `ray job submit` (the default would pull the 15+ GB trainer image again)."""
    return submitter_template_for(spec.cluster.submitter_image, platform)


def submitter_template_for(image: str | None, platform: Platform) -> dict[str, Any]:
    size = {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    container = {
        "name": "ray-job-submitter",
        "image": image or platform.image("tools"),
        "imagePullPolicy": platform.ray_pods.image_pull_policy,
        "resources": size,
        "securityContext": copy.deepcopy(platform.ray_pods.container_security_context),
    }
    return {
        "spec": {
            "restartPolicy": "Never",
            "automountServiceAccountToken": platform.ray_pods.automount_service_account_token,
            "containers": [container],
            "securityContext": copy.deepcopy(platform.ray_pods.pod_security_context),
        }
    }


def cluster_fields(spec: RunSpec, name: str, platform: Platform) -> dict[str, Any]:
    """Where a job runs: its own RayCluster (ephemeral, deleted after) or the reused one it selects."""
    if not spec.cluster.ephemeral:
        return {"clusterSelector": {"ray.io/cluster": spec.cluster.reuse}}
    shape_name = spec.cluster.node_shape or platform.default_node_shape
    return {
        "shutdownAfterJobFinishes": True,
        "ttlSecondsAfterFinished": spec.cluster.ttl_seconds_after_finished,
        "rayClusterSpec": {
            "rayVersion": platform.versions.ray,
            "headGroupSpec": head_group(spec, name, platform),
            "workerGroupSpecs": [worker_group(spec, name, platform, shape_name)],
        },
    }


def render_rayjob(spec: RunSpec, runtime_env: dict[str, Any], platform: Platform) -> dict[str, Any]:
    """The RayJob for ``spec``; ``runtime_env`` is the loaded ``runtime_env.yaml``."""
    env = merged_runtime_env(runtime_env, spec.env)
    name = job_name(spec, spec_hash(spec, env, platform))
    job_spec: dict[str, Any] = {
        "entrypoint": entrypoint(verl_overrides(spec, name, platform)),
        "runtimeEnvYAML": runtime_env_yaml(env),
        "submissionMode": "K8sJobMode",
        "submitterPodTemplate": submitter_template(spec, platform),
        "submitterConfig": {"backoffLimit": 2},
    }
    if spec.cluster.active_deadline_seconds:
        job_spec["activeDeadlineSeconds"] = spec.cluster.active_deadline_seconds
    job_spec |= cluster_fields(spec, name, platform)
    prefix = platform.label_prefix
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {
            "name": name,
            "labels": labels(spec, name, platform),
            "annotations": {
                f"{prefix}/model": spec.model.path,
                f"{prefix}/cluster": spec.cluster.reuse or "ephemeral",
                f"{prefix}/nodes": str(spec.cluster.nodes),
                f"{prefix}/gpus": str(spec.cluster.nodes * spec.cluster.gpus_per_node),
            },
        },
        "spec": job_spec,
    }


def runtime_env_yaml(env: dict[str, Any]) -> str:
    return dump_yaml(env, sort_keys=True, width=1000)


def to_yaml(obj: dict[str, Any]) -> str:
    """Multi-line strings (entrypoint, runtimeEnvYAML) as literal blocks, for readable diffs."""
    return dump_yaml(obj, literal_multiline=True, width=1000, allow_unicode=True)


def to_json(obj: dict[str, Any]) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def data_dir(platform: Platform) -> str:
    """Where the presets' data files live on the data volume."""
    return f"{platform.paths.data}/helpsteer2"


def raw_source_dir(platform: Platform) -> str:
    """Where ``rmjob data submit`` looks for HelpSteer2's own files by default."""
    return f"{platform.paths.data}/helpsteer2-raw"


def data_prep_command(mode: str, src: str, out: str) -> tuple[str, str]:
    """The job name and shell command of one HelpSteer2 conversion; the name hashes the command."""
    argv = ["python3", "-m", "rmjob.cli", "data", "helpsteer2", "--mode", mode, "--src", src, "--out", out]
    command = " ".join(shlex.quote(a) for a in argv)
    return f"helpsteer2-{mode}-{hashlib.sha256(command.encode()).hexdigest()[:8]}", command


def render_data_rayjob(
    mode: str, src: str, platform: Platform, cluster: str = "rm-cluster"
) -> dict[str, Any]:
    """The HelpSteer2 conversion as a RayJob on the chart's RayCluster (its head mounts the data volume).

    The parquet lands in ``<data>/helpsteer2``, where the presets' runs read it; the name hashes the
    command, so the same conversion is one RayJob.
    """
    name, command = data_prep_command(mode, src, data_dir(platform))
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {
            "name": name,
            "labels": {
                "app.kubernetes.io/name": "reward-model",
                "app.kubernetes.io/instance": name,
                "app.kubernetes.io/component": "data",
                "app.kubernetes.io/part-of": "rm-kit",
                "app.kubernetes.io/managed-by": "rmjob",
                f"{platform.label_prefix}/mode": mode,
                f"{platform.label_prefix}/run": f"helpsteer2-{mode}",
            },
        },
        "spec": {
            "entrypoint": command,
            "submissionMode": "K8sJobMode",
            "submitterPodTemplate": submitter_template_for(None, platform),
            "submitterConfig": {"backoffLimit": 2},
            "clusterSelector": {"ray.io/cluster": cluster},
        },
    }
