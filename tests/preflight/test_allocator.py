"""The allocator lesson reaches the pods three ways; each is refused, and the defaults pass."""

from pathlib import Path

import yaml

from tests.preflight.conftest import ROOT, check, results, status

RULE = "allocator-expandable-segments"
BAD = "expandable_segments:True"


def test_the_default_runtime_env_and_chart_values_pass():
    assert status(check("pairwise", values_files=[ROOT / "charts/rm-cluster/values.yaml"]), RULE) == "pass"


def test_a_spec_env_that_sets_expandable_segments_is_refused_with_where_and_fix(spec_in):
    report = check(spec_in(env={"PYTORCH_CUDA_ALLOC_CONF": f"max_split_size_mb:512,{BAD}"}))
    (found,) = results(report, RULE)
    assert found.status == "fail" and not report.ok
    assert "spec env.PYTORCH_CUDA_ALLOC_CONF" in found.detail and "`env`" in found.fix
    assert "cumem.py" in found.reference


def test_a_spec_env_that_overrides_a_bad_runtime_env_with_a_safe_value_passes(spec_in, tmp_path: Path):
    env_file = tmp_path / "runtime_env.yaml"
    env_file.write_text(yaml.safe_dump({"env_vars": {"PYTORCH_CUDA_ALLOC_CONF": BAD}}))
    safe = spec_in(env={"PYTORCH_CUDA_ALLOC_CONF": "expandable_segments:False"})
    assert status(check(safe, runtime_env_file=str(env_file)), RULE) == "pass"


def test_a_custom_runtime_env_that_sets_it_is_refused(tmp_path: Path):
    env_file = tmp_path / "my_env.yaml"
    env_file.write_text(
        yaml.safe_dump({"env_vars": {"PYTORCH_CUDA_ALLOC_CONF": BAD, "HYDRA_FULL_ERROR": "1"}})
    )
    (found,) = results(check("pointwise", runtime_env_file=str(env_file)), RULE)
    assert found.status == "fail" and str(env_file) in found.detail and str(env_file) in found.fix


def test_chart_values_that_set_it_are_refused(tmp_path: Path):
    values = tmp_path / "values.yaml"
    values.write_text(yaml.safe_dump({"env": [{"name": "PYTORCH_CUDA_ALLOC_CONF", "value": BAD}]}))
    (found,) = results(check("pairwise", values_files=[values]), RULE)
    assert found.status == "fail" and "chart values" in found.detail and "helm upgrade" in found.fix


def test_the_rule_matches_the_string_vllm_asserts_on():
    """vLLM's CuMemAllocator refuses when 'expandable_segments:True' is in PYTORCH_CUDA_ALLOC_CONF."""
    from rmjob.preflight.rules import load_rules

    rule = next(r for r in load_rules() if r.id == RULE)
    assert (rule.variable, rule.contains) == ("PYTORCH_CUDA_ALLOC_CONF", BAD)


def test_verl_builds_its_vllm_rollout_with_sleep_mode():
    """The premise of the rule, read from the installed verl 0.4.1."""
    from rmjob.preflight.upstream import verl_file

    source = verl_file("workers/rollout/vllm_rollout/vllm_rollout_spmd.py").read_text().splitlines()
    assert source[150].strip() == "enable_sleep_mode=True,"
