"""Run spec -> a Ray Job Submission request: the RayJob's entrypoint and runtime env, for ``ray start`` heads.

Pure. The submission id is the RayJob's name (run name + spec hash, computed on the spec as
written), so the same spec submits once whichever backend runs it; only the paths inside the
entrypoint move to the local volumes (``LocalLayout``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rmjob.platform import Platform, load_platform
from rmjob.rayjobs.layout import LocalLayout
from rmjob.render import data_dir, data_prep_command, entrypoint, job_name, spec_hash
from rmjob.runtime_env import merged_runtime_env
from rmjob.spec import RunSpec
from rmjob.verl_args import verl_overrides

MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_PREFIX = load_platform().label_prefix
# Ray job metadata keys, the same names as the RayJob's labels and annotations.
RUN_KEY = f"{LABEL_PREFIX}/run"
MODE_KEY = f"{LABEL_PREFIX}/mode"
MODEL_KEY = f"{LABEL_PREFIX}/model"
NODES_KEY = f"{LABEL_PREFIX}/nodes"
GPUS_KEY = f"{LABEL_PREFIX}/gpus"
KIND_KEY = f"{LABEL_PREFIX}/kind"  # training | data


@dataclass(frozen=True)
class Submission:
    submission_id: str
    entrypoint: str
    runtime_env: dict[str, Any]
    metadata: dict[str, str]


def training_submission(
    spec: RunSpec, runtime_env: dict[str, Any], layout: LocalLayout, platform: Platform | None = None
) -> Submission:
    platform = platform or load_platform()
    env = merged_runtime_env(runtime_env, spec.env)
    name = job_name(spec, spec_hash(spec, env, platform))
    local = layout.relocate(spec)
    return Submission(
        submission_id=name,
        entrypoint=entrypoint(verl_overrides(local, name, layout.platform(platform))),
        runtime_env=env,
        metadata={
            MANAGED_BY: "rmjob",
            KIND_KEY: "training",
            RUN_KEY: spec.name,
            MODE_KEY: spec.mode,
            MODEL_KEY: spec.model.path,
            NODES_KEY: str(spec.cluster.nodes),
            GPUS_KEY: str(spec.cluster.nodes * spec.cluster.gpus_per_node),
        },
    )


def data_submission(mode: str, src: str, layout: LocalLayout, platform: Platform | None = None) -> Submission:
    """The HelpSteer2 conversion as a Ray job writing where training reads (``<data>/helpsteer2``).

    ``src`` may name the data volume's mount path (``/mnt/data/...``); it moves with the volume.
    The id hashes the command, so the same conversion is submitted once.
    """
    platform = platform or load_platform()
    out = layout.local_path(data_dir(platform), platform)
    name, command = data_prep_command(mode, layout.local_path(src, platform), out)
    return Submission(
        submission_id=name,
        entrypoint=command,
        runtime_env={},
        metadata={MANAGED_BY: "rmjob", KIND_KEY: "data", RUN_KEY: f"helpsteer2-{mode}", MODE_KEY: mode},
    )
