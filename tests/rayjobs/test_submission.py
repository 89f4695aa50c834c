"""A run on a `ray start` head: the RayJob's entrypoint and runtime env, with paths on the local volumes."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from rmjob.errors import UserError
from rmjob.platform import load_platform
from rmjob.rayjobs.client import dashboard_url
from rmjob.rayjobs.layout import LocalLayout
from rmjob.rayjobs.submission import data_submission, training_submission
from rmjob.render import render_rayjob
from rmjob.spec import load_spec

LAYOUT = LocalLayout(Path("/srv/box"), "/venv/site-packages")


def _args(entrypoint: str) -> dict[str, str]:
    argv = shlex.split(entrypoint.replace("\\\n", " "))
    return dict(a.split("=", 1) for a in argv[3:])


@pytest.mark.parametrize("preset", ["tiny-pairwise", "pairwise"])
def test_submission_id_is_the_rayjob_name_and_the_runtime_env_is_the_same(preset, runtime_env):
    job = render_rayjob(load_spec(preset), runtime_env, load_platform())
    sub = training_submission(load_spec(preset), runtime_env, LAYOUT)
    assert sub.submission_id == job["metadata"]["name"]
    import yaml

    assert sub.runtime_env == yaml.safe_load(job["spec"]["runtimeEnvYAML"])


def test_entrypoint_differs_from_the_rayjob_only_in_paths_on_the_volumes(runtime_env):
    spec = load_spec("tiny-pairwise")
    cluster_args = _args(render_rayjob(spec, runtime_env, load_platform())["spec"]["entrypoint"])
    local_args = _args(training_submission(spec, runtime_env, LAYOUT).entrypoint)
    changed = {k: (cluster_args[k], local_args[k]) for k in cluster_args if cluster_args[k] != local_args[k]}
    assert changed == {
        "data.train_files": (
            "/mnt/data/helpsteer2/helpsteer2_pairwise_train.parquet",
            "/srv/box/data/helpsteer2/helpsteer2_pairwise_train.parquet",
        ),
        "data.val_files": (
            "/mnt/data/helpsteer2/helpsteer2_pairwise_test.parquet",
            "/srv/box/data/helpsteer2/helpsteer2_pairwise_test.parquet",
        ),
        "data.custom_cls.path": (
            "/opt/venv/lib/python3.10/site-packages/rmjob/train/datasets.py",
            "/venv/site-packages/rmjob/train/datasets.py",
        ),
        "actor_rollout_ref.model.path": ("/mnt/models/tiny-qwen3", "/srv/box/models/tiny-qwen3"),
        "custom_reward_function.path": (
            "/opt/venv/lib/python3.10/site-packages/rmjob/train/rewards.py",
            "/venv/site-packages/rmjob/train/rewards.py",
        ),
        "trainer.default_local_dir": (
            cluster_args["trainer.default_local_dir"],
            "/srv/box/checkpoints/" + cluster_args["trainer.default_local_dir"].rsplit("/", 1)[1],
        ),
    }


def test_tiny_presets_keep_the_cluster_shape_and_use_the_hf_rollout(runtime_env):
    for preset, thinking in (("tiny-pairwise", "True"), ("tiny-pointwise", "False")):
        args = _args(training_submission(load_spec(preset), runtime_env, LAYOUT).entrypoint)
        assert (args["trainer.nnodes"], args["trainer.n_gpus_per_node"]) == ("1", "8")
        assert args["actor_rollout_ref.rollout.name"] == "hf"
        assert args["+data.judge.enable_thinking"] == thinking


def test_a_hugging_face_model_id_is_left_alone():
    assert LAYOUT.local_path("Qwen/Qwen3-14B") == "Qwen/Qwen3-14B"
    assert LAYOUT.local_path("/mnt/database/x") == "/mnt/database/x"


def test_data_submission_writes_where_training_reads_and_has_a_stable_id():
    sub = data_submission("pairwise", "/mnt/data/helpsteer2-raw", LAYOUT)
    argv = shlex.split(sub.entrypoint)
    assert argv[:5] == ["python3", "-m", "rmjob.cli", "data", "helpsteer2"]
    assert argv[argv.index("--src") + 1] == "/srv/box/data/helpsteer2-raw"
    assert argv[argv.index("--out") + 1] == "/srv/box/data/helpsteer2"
    assert sub.submission_id == data_submission("pairwise", "/mnt/data/helpsteer2-raw", LAYOUT).submission_id
    assert sub.submission_id != data_submission("pointwise", "/mnt/data/helpsteer2-raw", LAYOUT).submission_id


@pytest.mark.parametrize(
    ("given", "url"),
    [
        ("127.0.0.1:8265", "http://127.0.0.1:8265"),
        ("http://127.0.0.1:8265/", "http://127.0.0.1:8265"),
        ("https://ray.example:443", "https://ray.example:443"),
    ],
)
def test_dashboard_url_needs_only_host_and_port(given, url):
    assert dashboard_url(given) == url


@pytest.mark.parametrize("bad", ["ray://127.0.0.1:10001", "grpc://127.0.0.1:6379"])
def test_addresses_that_are_not_a_dashboard_are_refused(bad):
    with pytest.raises(UserError, match="--ray-address"):
        dashboard_url(bad)
