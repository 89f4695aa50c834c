"""``rmjob eval submit``: the same ``rmjob eval run`` as a KubeRay RayJob next to the training runs.

Pure, like ``rmjob.render``: a training spec (for the cluster, storage, image, thinking flag and judge
template) and the eval settings in, a RayJob dict out. The job reuses render's building blocks (labels,
volumes, pod groups, the light submitter pod). The entrypoint asks Ray for the GPUs vLLM needs
(``entrypointNumGpus``), so on the chart's shared cluster it runs on a GPU worker, not on the CPU head,
with ``CUDA_VISIBLE_DEVICES`` set to the GPUs Ray gave it (Ray 2.46: the job supervisor actor is
scheduled with the entrypoint's resources, ``dashboard/modules/job/job_manager.py``).
Reports land on the checkpoints volume beside the run: ``<checkpoints>/<run>/eval/<bench>``.
"""

from __future__ import annotations

import hashlib
import json
import shlex
from dataclasses import asdict, dataclass
from typing import Any

from rmjob.errors import UserError
from rmjob.platform import Platform
from rmjob.render import RENDER_SCHEMA, cluster_fields, labels, runtime_env_yaml, submitter_template
from rmjob.runtime_env import merged_runtime_env
from rmjob.schema import replace, to_dict
from rmjob.spec import RunSpec

MAX_JOB_NAME = 47  # KubeRay's RayJob name limit (see rmjob.spec.MAX_RUN_NAME)
HASH_CHARS = 8


@dataclass(frozen=True)
class EvalJob:
    """What to evaluate and how; ``run`` is a training RayJob name (its checkpoints are merged)."""

    bench: str
    run: str | None = None
    model: str | None = None
    step: int | None = None
    data: str | None = None
    limit: int | None = None
    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int | None = None
    seed: int = 0
    tensor_parallel_size: int = 1
    out: str | None = None

    def __post_init__(self) -> None:
        if (self.run is None) == (self.model is None):
            raise UserError(
                "rmjob eval submit needs exactly one of --run NAME or --model PATH (a path in the pods)"
            )
        if self.step is not None and self.run is None:
            raise UserError("--step needs --run (a checkpoint step of a training run)")


def data_path(job: EvalJob, spec: RunSpec, platform: Platform) -> str:
    """``--data``, else the spec's validation parquet (HelpSteer2) or RM-Bench on the data volume."""
    if job.data:
        return job.data
    if job.bench == "helpsteer2":
        return spec.data.val_files[0]
    return f"{platform.paths.data}/rm-bench/total_dataset.json"


def out_path(job: EvalJob, name: str, platform: Platform) -> str:
    if job.out:
        return job.out
    if job.run:
        return f"{platform.paths.checkpoints}/{job.run}/eval/{job.bench}"
    return f"{platform.paths.checkpoints}/eval/{name}"


def eval_args(job: EvalJob, spec: RunSpec, name: str, platform: Platform) -> list[str]:
    """The ``rmjob eval run`` command line the job runs: judge settings from the training spec."""
    # The image's python3 (as the training entrypoint's), so no PATH lookup of a console script.
    args = ["python3", "-m", "rmjob.cli", "eval", "run", "--bench", job.bench, "--backend", "vllm"]
    args += ["--run", job.run] if job.run else ["--model", str(job.model)]
    if job.step is not None:
        args += ["--step", str(job.step)]
    args += ["--data", data_path(job, spec, platform), "--out", out_path(job, name, platform)]
    args += ["--thinking" if spec.model.enable_thinking else "--no-thinking"]
    template = spec.template
    args += ["--output-format", template.output_format]
    if template.description is not None:
        args += ["--description", template.description]
    if template.rubric is not None:
        args += ["--rubric", template.rubric]
    for example in template.examples or []:
        args += ["--example", example]
    args += ["--max-new-tokens", str(job.max_new_tokens or spec.training.max_response_length)]
    args += ["--temperature", repr(job.temperature), "--top-p", repr(job.top_p), "--seed", str(job.seed)]
    args += ["--tensor-parallel-size", str(job.tensor_parallel_size)]
    if job.limit is not None:
        args += ["--limit", str(job.limit)]
    return args


def job_name(job: EvalJob, spec: RunSpec, runtime_env: dict[str, Any], platform: Platform) -> str:
    """``<run or spec>-eval-<bench>`` cut to fit, then a hash of everything that shapes the job."""
    payload = {
        "schema": RENDER_SCHEMA,
        "eval": asdict(job),
        "spec": to_dict(spec),
        "runtime_env": runtime_env,
        "platform": to_dict(platform),
    }
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:HASH_CHARS]
    prefix = f"{job.run or spec.name}-eval-{job.bench}"[: MAX_JOB_NAME - HASH_CHARS - 1].rstrip("-")
    return f"{prefix}-{digest}"


def render_eval_rayjob(
    job: EvalJob, spec: RunSpec, runtime_env: dict[str, Any], platform: Platform
) -> dict[str, Any]:
    gpus = job.tensor_parallel_size
    if gpus > spec.cluster.gpus_per_node:
        raise UserError(
            f"--tensor-parallel-size {gpus} is more than a node's {spec.cluster.gpus_per_node} GPUs; "
            "vLLM shards one judge within a node here"
        )
    # One node is enough to judge; the spec's cluster settings (reuse, shape, image, storage) still apply.
    spec = replace(spec, cluster=replace(spec.cluster, nodes=1))
    env = merged_runtime_env(runtime_env, spec.env)
    name = job_name(job, spec, env, platform)
    job_spec: dict[str, Any] = {
        "entrypoint": " ".join(shlex.quote(a) for a in eval_args(job, spec, name, platform)),
        "entrypointNumGpus": gpus,
        "runtimeEnvYAML": runtime_env_yaml(env),
        "submissionMode": "K8sJobMode",
        "submitterPodTemplate": submitter_template(spec, platform),
        "submitterConfig": {"backoffLimit": 2},
    }
    job_spec |= cluster_fields(spec, name, platform)
    prefix = platform.label_prefix
    # The training run's labels, marked as its evaluation.
    job_labels = labels(spec, name, platform) | {
        "app.kubernetes.io/component": "evaluation",
        f"{prefix}/run": job.run or spec.name,
        f"{prefix}/bench": job.bench,
    }
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {
            "name": name,
            "labels": job_labels,
            "annotations": {f"{prefix}/model": job.model or f"{job.run} (step {job.step or 'latest'})"},
        },
        "spec": job_spec,
    }
