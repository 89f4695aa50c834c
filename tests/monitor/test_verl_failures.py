"""Plain-words findings from the messages verl 0.4.1 and Python print when a run stops."""

from __future__ import annotations

from rmjob.monitor.verl_failures import verl_findings


def test_gpu_check_says_what_the_cluster_has_and_what_the_run_asks():
    log = "ValueError: Total available GPUs 0 is less than total desired GPUs 16\n"
    (finding,) = verl_findings(log, "run-1", nodes=2)
    assert finding.code == "not-enough-gpus"
    assert finding.summary.startswith("the Ray cluster has 0 GPUs; this run asks for 8 per node on 2 nodes")


def test_the_upstream_gpu_message_is_the_one_verl_prints():
    """Pinned against the installed verl: the rule must match its real text."""
    import inspect

    from verl.trainer.ppo import ray_trainer

    source = inspect.getsource(ray_trainer.ResourcePoolManager._check_resource_available)
    assert "Total available GPUs {total_available_gpus} is less than total desired GPUs" in source


def test_missing_vllm_and_empty_dataloader_are_explained():
    log = "ModuleNotFoundError: No module named 'vllm'\nAssertionError: Train dataloader is empty!\n"
    codes = [f.code for f in verl_findings(log, "run-1")]
    assert codes == ["empty-train-data", "missing-module"]
    (vllm,) = [f for f in verl_findings(log, "run-1") if f.code == "missing-module"]
    assert "training.rollout: hf" in vllm.summary


def test_a_clean_log_has_no_findings():
    assert verl_findings("step:1 - critic/rewards/mean:0.5\n", "run-1") == []
