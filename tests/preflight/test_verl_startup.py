"""verl's own start-up checks, executed from the installed verl 0.4.1 on the composed config."""

import pytest

from tests.preflight.conftest import check, results, status

pytest.importorskip("verl")
RULE = "verl-startup"


@pytest.mark.parametrize("preset", ["pairwise", "pointwise", "pairwise-seed", "pointwise-seed"])
def test_the_presets_pass_verls_checks(preset):
    (found,) = results(check(preset, skip_rules=frozenset({"memory-fit"})), RULE)
    assert found.status == "pass" and "_validate_config" in found.detail and "vLLMRollout" in found.detail


@pytest.mark.parametrize(
    ("training", "verl_says", "where", "fix"),
    [
        (
            {"train_batch_size": 10, "ppo_mini_batch_size": 10, "rollout_n": 1},
            "real_train_batch_size (10) must be divisible by minimal possible batch size (8)",
            "ray_trainer.py",
            "multiple of nodes x gpus_per_node (8)",
        ),
        (
            {"train_batch_size": 16, "ppo_mini_batch_size": 1, "rollout_n": 4},
            "should be larger than 0 after normalization",
            "fsdp_workers.py",
            "at least 2",
        ),
        (
            {
                "train_batch_size": 16,
                "ppo_mini_batch_size": 16,
                "rollout_n": 1,
                "micro_batch_size_per_gpu": 3,
            },
            "should be divisible by ppo_micro_batch_size_per_gpu 3",
            "fsdp_workers.py",
            "= 2 samples",
        ),
        (
            {"max_prompt_length": 32768, "max_response_length": 16384},
            "model context length should be greater than total sequence length",
            "vllm_rollout_spmd.py",
            "32768 + 16384",
        ),
    ],
)
def test_a_config_verl_refuses_fails_with_verls_words_and_a_fix(spec_in, training, verl_says, where, fix):
    (found,) = results(check(spec_in(training=training)), RULE)
    assert found.status == "fail", found
    assert verl_says in found.detail and where in found.detail and fix in found.fix


def test_chunked_prefill_tokens_below_the_sequence_are_refused(spec_in):
    spec = spec_in(verl_overrides=["actor_rollout_ref.rollout.max_num_batched_tokens=4096"])
    (found,) = results(check(spec), RULE)
    assert (
        found.status == "fail"
        and "chunked prefill" in found.detail
        and "max_num_batched_tokens=6144" in found.fix
    )


def test_dynamic_batch_token_limits_below_one_sequence_are_refused_and_enough_passes(spec_in):
    short = spec_in(
        verl_overrides=[
            "actor_rollout_ref.actor.use_dynamic_bsz=True",
            "actor_rollout_ref.actor.ppo_max_token_len_per_gpu=4096",
        ]
    )
    found = results(check(short), "dynamic-batch-tokens")
    assert {f.status for f in found} == {
        "fail"
    } and "4096 < max_prompt_length + max_response_length = 6144" in found[0].detail
    enough = spec_in(
        verl_overrides=[
            "actor_rollout_ref.actor.use_dynamic_bsz=True",
            "actor_rollout_ref.actor.ppo_max_token_len_per_gpu=8192",
        ]
    )
    assert status(check(enough), "dynamic-batch-tokens") == "pass"


@pytest.mark.slow
def test_verls_micro_batching_asserts_exactly_where_the_dynamic_batch_rule_refuses():
    """The rule's premise against verl's real rearrange_micro_batches (imports torch)."""
    import torch
    from tensordict import TensorDict
    from verl.utils.seqlen_balancing import rearrange_micro_batches

    batch = TensorDict({"attention_mask": torch.ones(2, 6144, dtype=torch.long)}, batch_size=2)
    rearrange_micro_batches(batch, max_token_len=6144)
    with pytest.raises(AssertionError, match="max_token_len must be greater than the sequence length"):
        rearrange_micro_batches(batch, max_token_len=6143)
