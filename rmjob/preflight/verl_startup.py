"""verl's start-up checks, run with verl's own code (see ``upstream``) on the composed config.

What runs, in the order a GPU run meets it:
1. ``RayPPOTrainer._validate_config`` (trainer/ppo/ray_trainer.py): batch sizes against the world size,
   micro-batch settings, loss aggregation, sequence parallel vs remove-padding, ...
2. ``ActorRolloutRefWorker.__init__``'s config normalisation (workers/fsdp_workers.py), once for the
   ``actor_rollout`` worker and once for ``ref``: mini-batch x rollout.n divided over the GPUs, and the
   micro-batch against it. Its device mesh is a stand-in that only answers ``size()``.
3. ``vLLMRollout.__init__``'s checks before it builds the engine (vllm_rollout_spmd.py): eager mode vs
   free_cache_engine, tensor parallel size vs world size, context length, chunked-prefill tokens.
"""

from __future__ import annotations

from enum import Enum
from types import SimpleNamespace
from typing import Any

from rmjob.preflight import upstream
from rmjob.preflight.inputs import Inputs
from rmjob.preflight.models import model_shape
from rmjob.preflight.result import Verdict, failed, passed, skipped
from rmjob.preflight.rules import Rule
from rmjob.preflight.verl_config import (
    NOT_INSTALLED,
    ComposeFailed,
    composed,
    config_or_skip,
    verl_installed,
    world_size,
)

TRAINER = "trainer/ppo/ray_trainer.py"
WORKERS = "workers/fsdp_workers.py"
ROLLOUT = "workers/rollout/vllm_rollout/vllm_rollout_spmd.py"


def _roles(config: Any) -> tuple[bool, bool]:
    """(use_reference_policy, use_critic) as main_ppo's TaskRunner.run and RayPPOTrainer.__init__ decide
    them (both need Ray and GPUs to run, so these two lines are restated here)."""
    use_ref = bool(config.algorithm.use_kl_in_reward or config.actor_rollout_ref.actor.use_kl_loss)
    return use_ref, config.algorithm.adv_estimator == "gae"


def validate_config(config: Any) -> None:
    estimator = upstream.load_class("trainer/ppo/core_algos.py", "AdvantageEstimator", {"Enum": Enum})
    check = upstream.load_function(
        TRAINER, "RayPPOTrainer._validate_config", {"AdvantageEstimator": estimator}
    )
    use_ref, use_critic = _roles(config)
    trainer = SimpleNamespace(config=config, use_reference_policy=use_ref, use_critic=use_critic)
    with upstream.quiet():
        upstream.call(check, trainer)


def normalize_worker(config: Any, role: str) -> Any:
    """The worker's view of ``actor_rollout_ref`` after its __init__ normalised it (a copy)."""
    from omegaconf import OmegaConf

    normalise = upstream.load_slice(
        WORKERS, "ActorRolloutRefWorker.__init__", "self.config.actor.ppo_mini_batch_size *=", None, {}
    )
    worker_config = OmegaConf.create(OmegaConf.to_container(config.actor_rollout_ref))
    gpus = world_size(config)
    worker = SimpleNamespace(
        config=worker_config,
        device_mesh=SimpleNamespace(size=lambda: gpus),
        ulysses_sequence_parallel_size=worker_config.actor.get("ulysses_sequence_parallel_size", 1),
        # fsdp_workers.py ActorRolloutRefWorker.__init__: the role flags
        _is_actor=role in ("actor", "actor_rollout", "actor_rollout_ref"),
        _is_rollout=role in ("rollout", "actor_rollout", "actor_rollout_ref"),
        _is_ref=role in ("ref", "actor_rollout_ref"),
    )
    upstream.call(normalise, worker, worker_config, role)
    return worker_config


def rollout_checks(worker_config: Any, gpus: int, hf_config: Any) -> None:
    checks = upstream.load_slice(
        ROLLOUT,
        "vLLMRollout.__init__",
        "assert not (not config.enforce_eager",
        "trust_remote_code = kwargs.get",
        # The world the rollout's process group spans: every GPU of the run.
        {"torch": SimpleNamespace(distributed=SimpleNamespace(get_world_size=lambda: gpus))},
    )
    rollout = worker_config.rollout
    upstream.call(checks, SimpleNamespace(config=rollout), None, rollout, None, hf_config)


def verl_startup(rule: Rule, inputs: Inputs) -> list[Verdict]:
    if not verl_installed():
        return [skipped(NOT_INSTALLED)]
    try:
        config = composed(inputs)
    except ComposeFailed as exc:
        return [failed(f"Hydra refuses the config verl would get: {exc}", "fix the override it names")]
    gpus = world_size(config)
    ran = ["RayPPOTrainer._validate_config", "ActorRolloutRefWorker config normalisation"]
    try:
        validate_config(config)
        actor = normalize_worker(config, "actor_rollout")
        if _roles(config)[0]:
            normalize_worker(config, "ref")
        rollout = config.actor_rollout_ref.rollout
        shape = model_shape(inputs.spec.model.path, inputs.spec_dir)
        if rollout.name == "vllm" and rollout.mode == "sync" and shape is not None:
            hf = SimpleNamespace(
                rope_scaling=shape.rope_scaling, max_position_embeddings=shape.max_position_embeddings
            )
            rollout_checks(actor, gpus, hf)
            ran.append("vLLMRollout start-up checks")
    except upstream.LayoutChanged as exc:
        return [skipped(f"the installed verl is laid out differently ({exc}); verl's checks were skipped")]
    except upstream.UpstreamRefused as exc:
        return [failed(f"verl refuses it ({exc.where}): {exc.message}", fix_for(exc.message, config))]
    return [passed(f"{', '.join(ran)} accept the config ({gpus} GPUs)")]


def fix_for(message: str, config: Any) -> str:
    """A concrete change for verl's known refusals; verl's words say the rest."""
    gpus = world_size(config)
    batch, n = config.data.train_batch_size, config.actor_rollout_ref.rollout.n
    mini = config.actor_rollout_ref.actor.ppo_mini_batch_size
    micro = config.actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu
    plen, rlen = config.data.max_prompt_length, config.data.max_response_length
    if "real_train_batch_size" in message:
        return (
            f"make training.train_batch_size x rollout_n ({batch} x {n}) a multiple of "
            f"nodes x gpus_per_node ({gpus})"
        )
    if "should be larger than 0 after normalization" in message:
        need = -(-gpus // n)
        return (
            f"raise training.ppo_mini_batch_size to at least {need}: "
            f"ppo_mini_batch_size x rollout_n must reach {gpus} GPUs"
        )
    if (
        "divisible by ppo_micro_batch_size_per_gpu" in message
        or "larger than ppo_micro_batch_size_per_gpu" in message
    ):
        per_gpu = mini * n // gpus
        return (
            f"each GPU gets ppo_mini_batch_size x rollout_n / GPUs = {per_gpu} samples a mini-batch; make "
            f"training.micro_batch_size_per_gpu ({micro}) divide it"
        )
    if "tensor parallel size" in message:
        return f"training.tensor_parallel_size must be at most the run's {gpus} GPUs"
    if "context length" in message:
        return (
            f"lower max_prompt_length + max_response_length ({plen} + {rlen}) to the model's context length"
        )
    if "max_num_batched_tokens" in message:
        return (
            f"add verl_overrides actor_rollout_ref.rollout.max_num_batched_tokens={plen + rlen} "
            "(at least prompt + response length)"
        )
    if "train_batch_size >=" in message or "ppo_mini_batch_size" in message:
        return "make training.ppo_mini_batch_size at most train_batch_size"
    return "change the setting verl names, in `training` or `verl_overrides`"


def dynamic_batch_tokens(rule: Rule, inputs: Inputs) -> list[Verdict]:
    config = config_or_skip(inputs)
    if isinstance(config, Verdict):
        return [config]
    arr = config.actor_rollout_ref
    longest = int(config.data.max_prompt_length) + int(config.data.max_response_length)
    limits = [
        (
            "actor_rollout_ref.actor.ppo_max_token_len_per_gpu",
            arr.actor.use_dynamic_bsz,
            arr.actor.ppo_max_token_len_per_gpu,
            arr.actor.ulysses_sequence_parallel_size,
        ),
        (
            "actor_rollout_ref.rollout.log_prob_max_token_len_per_gpu",
            arr.rollout.log_prob_use_dynamic_bsz,
            arr.rollout.log_prob_max_token_len_per_gpu,
            arr.actor.ulysses_sequence_parallel_size,
        ),
        (
            "actor_rollout_ref.ref.log_prob_max_token_len_per_gpu",
            arr.ref.log_prob_use_dynamic_bsz,
            arr.ref.log_prob_max_token_len_per_gpu,
            arr.ref.ulysses_sequence_parallel_size,
        ),
    ]
    on = [(key, int(limit) * int(sp)) for key, enabled, limit, sp in limits if enabled]
    if not on:
        return [passed("use_dynamic_bsz is off: micro-batches are counted in samples")]
    # verl pads every sequence to prompt + response length, so one micro-batch must hold that many.
    short = [(key, limit) for key, limit in on if limit < longest]
    if short:
        return [
            failed(
                f"{key}={limit} < max_prompt_length + max_response_length = {longest}",
                f"add verl_overrides {key}={longest} (or more)",
            )
            for key, limit in short
        ]
    return [
        passed(
            f"dynamic batch token limits {', '.join(str(v) for _, v in on)} hold a {longest}-token sequence"
        )
    ]
