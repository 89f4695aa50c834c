"""The rendered entrypoint, after the shells it passes through, composes against verl's own config."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.verl_compose import compose
from devtools.verl_keys import snapshot
from rmjob.errors import UserError
from rmjob.platform import load_platform
from rmjob.schema import replace
from rmjob.verl_args import KEYS_FILE, verl_overrides
from tests.conftest import rendered, spec_variant

hydra = pytest.importorskip("hydra", reason="verl's Hydra comes with the train extra")


def argv_after_job_shells(entrypoint: str, tmp_path: Path) -> list[str]:
    """What main_ppo receives: KubeRay puts the entrypoint into the submitter's `bash -ce` command,
    `ray job submit` joins its argv with subprocess.list2cmdline, and Ray's job supervisor runs that
    string with shell=True. The shells are real; `python3` on PATH records its argv."""
    from ray.dashboard.modules.job import cli as ray_job_cli

    assert ray_job_cli.list2cmdline is subprocess.list2cmdline  # the join `ray job submit` uses
    bindir = tmp_path / "bin"
    bindir.mkdir()
    joiner = bindir / "ray-job-submit"
    joiner.write_text(
        f"#!{sys.executable}\nimport subprocess, sys\n"
        "args = sys.argv[1:]\n"
        "print(subprocess.list2cmdline(args[args.index('--') + 1:]), end='')\n"
    )
    recorder = bindir / "python3"
    recorder.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps(sys.argv[1:]))\n")
    for tool in (joiner, recorder):
        tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    submitted = subprocess.run(
        ["/bin/bash", "-ce", "--", f"ray-job-submit --no-wait -- {entrypoint}"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tmp_path,
    ).stdout
    recorded = subprocess.run(
        ["/bin/sh", "-c", submitted], capture_output=True, text=True, check=True, env=env, cwd=tmp_path
    ).stdout
    argv = json.loads(recorded)
    assert argv[:2] == ["-m", "verl.trainer.main_ppo"]
    return argv[2:]


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["pointwise", "pairwise", "pointwise-seed", "pairwise-seed"])
@pytest.mark.parametrize("nodes", [1, 2])
def test_entrypoint_composes_against_verls_ppo_trainer_config(preset, nodes, runtime_env, tmp_path):
    job = rendered(preset, runtime_env, nodes=nodes)
    cfg = compose(argv_after_job_shells(job["spec"]["entrypoint"], tmp_path))
    spec = spec_variant(preset, nodes=nodes)
    platform = load_platform()
    assert cfg.algorithm.adv_estimator == "grpo"
    assert cfg.trainer.nnodes == nodes and cfg.trainer.n_gpus_per_node == 8
    assert cfg.trainer.resume_mode == "auto"
    assert cfg.trainer.default_local_dir == f"{platform.paths.checkpoints}/{job['metadata']['name']}"
    assert cfg.data.custom_cls.path == platform.payload_file("datasets")
    assert cfg.custom_reward_function.path == platform.payload_file("rewards")
    assert cfg.data.judge.enable_thinking is True
    assert cfg.data.train_batch_size == spec.training.train_batch_size
    assert cfg.actor_rollout_ref.rollout.n == spec.training.rollout_n
    assert list(cfg.trainer.logger) == spec.logging.loggers
    assert cfg.trainer.test_freq == spec.training.test_freq


@pytest.mark.slow
def test_template_text_survives_the_shells_and_hydra(runtime_env, tmp_path):
    spec = spec_variant("pairwise")
    template = replace(
        spec.template,
        description="You judge replies. Be strict; don't reward length!",
        rubric='Prefer the "correct" answer (facts > style) * always',
        examples=["Q: 2+2? A: 4 -> good", "tabs\tand\nnewlines & pipes | too"],
    )
    from rmjob.render import render_rayjob

    job = render_rayjob(replace(spec, template=template), runtime_env, load_platform())
    cfg = compose(argv_after_job_shells(job["spec"]["entrypoint"], tmp_path))
    assert cfg.data.judge.description == template.description
    assert cfg.data.judge.rubric == template.rubric
    assert list(cfg.data.judge.examples) == template.examples


def test_a_misspelled_override_is_refused_by_verls_own_config():
    from hydra.errors import ConfigCompositionException

    with pytest.raises(ConfigCompositionException):
        compose(["trainer.nnode=2"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("trainer.nnode=2", "did you mean 'trainer.nnodes'"),
        ("actor_rollout_ref.rollout.temprature=0.7", "did you mean 'actor_rollout_ref.rollout.temperature'"),
        ("trainer.nnodes=2", "set from the spec"),
        ("+trainer.max_actor_ckpt_to_keep=2", "already exists"),
        ("+nosuch.section.key=1", "no section 'nosuch.section'"),
        ("trainer.save_freq", "has no value"),
        ("not an override", "is not a Hydra override"),
        ("trainer.wandb_api_key_x=1", "has no config key"),
    ],
)
def test_raw_overrides_are_checked_against_verls_keys(raw, expected):
    spec = replace(spec_variant("pairwise"), verl_overrides=[raw])
    with pytest.raises(UserError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        verl_overrides(spec, "rm-pairwise-00000000", load_platform())


@pytest.mark.slow
def test_accepted_raw_overrides_compose_in_verl(runtime_env, tmp_path):
    raw = [
        "actor_rollout_ref.rollout.temperature=0.7",
        "+ray_init.include_dashboard=False",
        "trainer.max_actor_ckpt_to_keep=3",
    ]
    spec = replace(spec_variant("pairwise"), verl_overrides=raw)
    from rmjob.render import render_rayjob

    job = render_rayjob(spec, runtime_env, load_platform())
    cfg = compose(argv_after_job_shells(job["spec"]["entrypoint"], tmp_path))
    assert cfg.actor_rollout_ref.rollout.temperature == 0.7
    assert cfg.trainer.max_actor_ckpt_to_keep == 3


@pytest.mark.slow
def test_key_snapshot_matches_the_installed_verl_wheel():
    assert KEYS_FILE.read_text() == snapshot(), "run: python -m devtools.verl_keys"
