"""``rmjob eval submit``: the RayJob it renders, validated against KubeRay's CRD like the training jobs."""

from __future__ import annotations

import shlex

import pytest

from rmjob.errors import UserError
from rmjob.eval.job import EvalJob, render_eval_rayjob
from rmjob.platform import load_platform
from rmjob.schema import replace
from rmjob.spec import DNS_1035, RunSpec, load_spec
from tests.conftest import spec_variant
from tests.support.crd import validation_errors

RUN = "rm-pairwise-1a2b3c4d"


def render(job: EvalJob, spec: RunSpec, runtime_env: dict) -> dict:
    return render_eval_rayjob(job, spec, runtime_env, load_platform())


def argv(job: dict) -> list[str]:
    return shlex.split(job["spec"]["entrypoint"])


@pytest.mark.slow
@pytest.mark.parametrize("reuse", ["rm-cluster", None], ids=["shared-cluster", "ephemeral"])
@pytest.mark.parametrize("bench", ["helpsteer2", "rmbench"])
def test_eval_rayjob_validates_against_the_real_kuberay_crd(runtime_env, bench, reuse):
    spec = spec_variant("pairwise", reuse=reuse)
    job = render(EvalJob(bench=bench, run=RUN, tensor_parallel_size=2), spec, runtime_env)
    assert validation_errors(job) == []
    assert job["spec"]["entrypointNumGpus"] == 2


def test_the_job_runs_eval_with_vllm_and_the_training_spec_judge_settings(runtime_env):
    spec = load_spec("pointwise")
    job = render(EvalJob(bench="helpsteer2", run=RUN, step=40), spec, runtime_env)
    args = argv(job)
    assert args[:5] == ["python3", "-m", "rmjob.cli", "eval", "run"]

    def flag(name: str) -> str:
        return args[args.index(name) + 1]

    assert flag("--backend") == "vllm" and flag("--run") == RUN and flag("--step") == "40"
    assert flag("--data") == spec.data.val_files[0]
    assert flag("--out") == f"/mnt/checkpoints/{RUN}/eval/helpsteer2"
    assert flag("--max-new-tokens") == str(spec.training.max_response_length)
    assert ("--thinking" in args) is spec.model.enable_thinking


def test_template_overrides_reach_the_job_intact(runtime_env):
    spec = load_spec("pairwise")
    spec = replace(spec, template=replace(spec.template, rubric="Prefer the 'correct' one."))
    job = render(EvalJob(bench="rmbench", run=RUN), spec, runtime_env)
    args = argv(job)
    assert args[args.index("--rubric") + 1] == "Prefer the 'correct' one."


def test_the_name_fits_kuberay_and_changes_with_the_settings(runtime_env):
    spec = load_spec("pairwise")
    long_run = "r" * 47
    a = render(EvalJob(bench="helpsteer2", run=long_run), spec, runtime_env)["metadata"]["name"]
    b = render(EvalJob(bench="helpsteer2", run=long_run, limit=5), spec, runtime_env)["metadata"]["name"]
    assert a != b
    for name in (a, b):
        assert len(name) <= 47 and DNS_1035.match(name), name


def test_exactly_one_of_run_and_model():
    with pytest.raises(UserError, match="exactly one of --run"):
        EvalJob(bench="rmbench")
    with pytest.raises(UserError, match="exactly one of --run"):
        EvalJob(bench="rmbench", run=RUN, model="/mnt/models/judge")


def test_more_gpus_than_a_node_is_refused(runtime_env):
    with pytest.raises(UserError, match="more than a node's 8 GPUs"):
        render(EvalJob(bench="rmbench", run=RUN, tensor_parallel_size=16), load_spec("pairwise"), runtime_env)


def test_a_seed_preset_asks_for_the_seed_output_format(runtime_env):
    job = render(EvalJob(bench="rmbench", run=RUN), load_spec("pairwise-seed"), runtime_env)
    args = argv(job)
    assert args[args.index("--output-format") + 1] == "seed"
