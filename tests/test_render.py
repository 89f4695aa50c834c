from __future__ import annotations

import shlex
import subprocess
import sys

import pytest

from rmjob.platform import load_platform
from rmjob.render import render_rayjob, to_yaml
from rmjob.schema import replace
from rmjob.spec import DNS_1035, load_spec
from tests.conftest import rendered, spec_variant
from tests.support.crd import validation_errors

PRESETS = ["pointwise", "pairwise", "pointwise-seed", "pairwise-seed"]
VARIANTS = [
    {"nodes": 1},
    {"nodes": 4},
    {"nodes": 1, "reuse": None},
    {"nodes": 2, "reuse": None, "node_shape": "azure-nd96asr-v4"},
]


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("cluster", VARIANTS, ids=lambda c: "-".join(f"{k}={v}" for k, v in c.items()))
def test_rendered_rayjob_validates_against_the_real_kuberay_crd(preset, cluster, runtime_env):
    assert validation_errors(rendered(preset, runtime_env, **cluster)) == []


def test_crd_validation_catches_a_misspelled_field(runtime_env):
    job = rendered("pairwise", runtime_env)
    job["spec"]["shutdownAfterJobFinish"] = True
    assert any("shutdownAfterJobFinish" in e for e in validation_errors(job))


def test_name_is_dns1035_at_most_47_and_changes_with_the_spec(runtime_env):
    a = rendered("pairwise", runtime_env)["metadata"]["name"]
    b = rendered("pairwise", runtime_env, nodes=2)["metadata"]["name"]
    assert a != b
    longest = replace(spec_variant("pairwise"), name="r" * 38)
    name = render_rayjob(longest, runtime_env, load_platform())["metadata"]["name"]
    for n in (a, b, name):
        assert len(n) <= 47 and DNS_1035.match(n), n


def test_reuse_selects_the_chart_cluster_and_ephemeral_brings_its_own(runtime_env):
    reuse = rendered("pairwise", runtime_env)["spec"]
    assert reuse["clusterSelector"] == {"ray.io/cluster": "rm-cluster"}
    assert "rayClusterSpec" not in reuse and "shutdownAfterJobFinishes" not in reuse
    ephemeral = rendered("pairwise", runtime_env, reuse=None)["spec"]
    assert ephemeral["shutdownAfterJobFinishes"] is True and ephemeral["ttlSecondsAfterFinished"] == 3600
    assert "clusterSelector" not in ephemeral


def test_ephemeral_pod_shape_comes_from_the_platform_node_shape(runtime_env):
    platform = load_platform()
    shape = platform.node_shapes["gcp-a2-highgpu-8g"]
    cluster = rendered("pairwise", runtime_env, reuse=None, nodes=3, node_shape="gcp-a2-highgpu-8g")["spec"][
        "rayClusterSpec"
    ]
    head = cluster["headGroupSpec"]["template"]["spec"]["containers"][0]
    assert "nvidia.com/gpu" not in head["resources"]["limits"]
    assert cluster["headGroupSpec"]["rayStartParams"]["num-gpus"] == "0"
    (workers,) = cluster["workerGroupSpecs"]
    assert workers["replicas"] == workers["minReplicas"] == workers["maxReplicas"] == 3
    pod = workers["template"]["spec"]
    resources = pod["containers"][0]["resources"]
    assert resources["requests"] == resources["limits"]
    assert resources["limits"] == {
        "cpu": shape.worker.cpu,
        "memory": shape.worker.memory,
        "nvidia.com/gpu": 8,
    }
    assert pod["nodeSelector"] == {"nvidia.com/gpu.product": shape.product}
    assert pod["tolerations"][0]["key"] == "nvidia.com/gpu"
    anti = pod["affinity"]["podAntiAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][0]
    assert anti["topologyKey"] == "kubernetes.io/hostname"
    mounts = {m["mountPath"] for m in pod["containers"][0]["volumeMounts"]}
    assert mounts == {platform.paths.data, platform.paths.checkpoints, platform.paths.models}
    assert cluster["rayVersion"] == platform.versions.ray


def test_secrets_appear_only_as_references(runtime_env):
    for preset in PRESETS:
        job = rendered(preset, runtime_env, reuse=None)
        text = to_yaml(job)
        assert "secretKeyRef" in text
        head = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]
        for var in head["env"]:
            if var["name"] in ("WANDB_API_KEY", "HF_TOKEN"):
                assert set(var) == {"name", "valueFrom"}
        wandb = next(v for v in head["env"] if v["name"] == "WANDB_API_KEY")
        # Required exactly when the run logs to W&B (the seed presets do).
        assert wandb["valueFrom"]["secretKeyRef"]["optional"] is (preset.endswith("-seed") is False)


def test_submitter_uses_the_light_tools_image(runtime_env):
    job = rendered("pairwise", runtime_env, reuse=None)
    submitter = job["spec"]["submitterPodTemplate"]["spec"]["containers"][0]
    assert submitter["image"] == load_platform().image("tools")
    trainer = job["spec"]["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"]
    assert submitter["image"] != trainer


def test_runtime_env_merges_the_file_with_the_spec_env(runtime_env):
    spec = replace(load_spec("pairwise"), env={"NCCL_DEBUG": "INFO", "HYDRA_FULL_ERROR": "0"})
    import yaml

    env = yaml.safe_load(render_rayjob(spec, runtime_env, load_platform())["spec"]["runtimeEnvYAML"])[
        "env_vars"
    ]
    assert env["TORCH_NCCL_AVOID_RECORD_STREAMS"] == "1"
    assert env["NCCL_DEBUG"] == "INFO" and env["HYDRA_FULL_ERROR"] == "0"


def test_labels_follow_kubernetes_conventions(runtime_env):
    labels = rendered("pointwise", runtime_env)["metadata"]["labels"]
    assert labels["app.kubernetes.io/part-of"] == "rm-kit"
    assert labels["app.kubernetes.io/managed-by"] == "rmjob"
    assert labels["rm-kit.io/mode"] == "pointwise"
    assert all(len(v) <= 63 for v in labels.values())


def test_render_is_byte_stable_across_processes(repo_root):
    def run() -> bytes:
        return subprocess.run(
            [sys.executable, "-m", "rmjob.cli", "render", "pairwise"],
            cwd=repo_root,
            capture_output=True,
            check=True,
        ).stdout

    first, second = run(), run()
    assert first == second and first.startswith(b"apiVersion: ray.io/v1")


def test_data_rayjob_converts_into_the_directory_the_presets_read():
    from pathlib import PurePosixPath

    from rmjob.render import render_data_rayjob

    job = render_data_rayjob("pairwise", "/mnt/data/helpsteer2-raw", load_platform())
    argv = shlex.split(job["spec"]["entrypoint"])
    out = argv[argv.index("--out") + 1]
    assert str(PurePosixPath(load_spec("pairwise").data.train_files[0]).parent) == out
    assert job["spec"]["clusterSelector"] == {"ray.io/cluster": "rm-cluster"}
    assert (
        job["metadata"]["name"]
        == render_data_rayjob("pairwise", "/mnt/data/helpsteer2-raw", load_platform())["metadata"]["name"]
    )
    assert validation_errors(job) == []
