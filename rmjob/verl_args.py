"""Run spec -> the Hydra overrides of ``verl.trainer.main_ppo``.

Pure: the same spec always gives the same list, in the same order. Raw overrides from the spec
are checked against a snapshot of verl's config keys (``verl_keys.txt``, regenerated from the
pinned wheel by ``python -m devtools.verl_keys``), so a typo fails at render time, not on GPUs.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rmjob.errors import UserError
from rmjob.modes import MODES
from rmjob.platform import Platform
from rmjob.secret_scan import secret_looking
from rmjob.spec import RunSpec

KEYS_FILE = Path(__file__).with_name("verl_keys.txt")
_BARE = re.compile(r"^[A-Za-z0-9_./:@-]+$")
_OVERRIDE = re.compile(r"^(?P<op>\+\+|\+|~)?(?P<key>[A-Za-z_][A-Za-z0-9_.]*)(?:=(?P<value>.*))?$", re.DOTALL)


def hydra_value(value: object) -> str:
    """Format a Python value in Hydra's override grammar."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(hydra_value(v) for v in value) + "]"
    text = str(value)
    if _BARE.match(text) and text.lower() not in ("true", "false", "null"):
        return text
    # Quote with the character the text does not use: escapes would not survive the job shells
    # (spec.shell_safe_text guarantees one of the two is free).
    quote = '"' if "'" in text else "'"
    return f"{quote}{text}{quote}"


def checkpoint_dir(job_name: str, platform: Platform) -> str:
    return f"{platform.paths.checkpoints}/{job_name}"


def managed_overrides(spec: RunSpec, job_name: str, platform: Platform) -> dict[str, object]:
    """The overrides rmjob sets from the spec, keyed by verl config path."""
    t = spec.training
    judge: dict[str, object] = {
        "+data.judge.enable_thinking": spec.model.enable_thinking,
        "+data.judge.output_format": spec.template.output_format,
    }
    for field in ("description", "rubric", "examples"):
        value = getattr(spec.template, field)
        if value is not None:
            judge[f"+data.judge.{field}"] = value
    return {
        "algorithm.adv_estimator": "grpo",
        "algorithm.use_kl_in_reward": False,
        # A single file as a plain path: no brackets for the job shells to glob.
        "data.train_files": _one_or_list(spec.data.train_files),
        "data.val_files": _one_or_list(spec.data.val_files),
        "data.train_batch_size": t.train_batch_size,
        "data.max_prompt_length": t.max_prompt_length,
        "data.max_response_length": t.max_response_length,
        "data.filter_overlong_prompts": t.filter_overlong_prompts,
        **({"data.val_batch_size": t.val_batch_size} if t.val_batch_size is not None else {}),
        "data.truncation": t.truncation,
        "data.custom_cls.path": platform.payload_file("datasets"),
        "data.custom_cls.name": MODES[spec.mode].dataset_class,
        **judge,
        "actor_rollout_ref.model.path": spec.model.path,
        "actor_rollout_ref.model.use_remove_padding": t.remove_padding,
        "actor_rollout_ref.model.enable_gradient_checkpointing": t.gradient_checkpointing,
        "actor_rollout_ref.actor.optim.lr": t.lr,
        "actor_rollout_ref.actor.ppo_mini_batch_size": t.ppo_mini_batch_size,
        "actor_rollout_ref.actor.ppo_micro_batch_size_per_gpu": t.micro_batch_size_per_gpu,
        "actor_rollout_ref.actor.use_kl_loss": t.use_kl_loss,
        "actor_rollout_ref.actor.kl_loss_coef": t.kl_loss_coef,
        "actor_rollout_ref.actor.kl_loss_type": t.kl_loss_type,
        "actor_rollout_ref.actor.entropy_coeff": t.entropy_coeff,
        "actor_rollout_ref.actor.fsdp_config.param_offload": t.actor_param_offload,
        "actor_rollout_ref.actor.fsdp_config.optimizer_offload": t.actor_optimizer_offload,
        "actor_rollout_ref.rollout.name": t.rollout,
        "actor_rollout_ref.rollout.tensor_model_parallel_size": t.tensor_parallel_size,
        "actor_rollout_ref.rollout.gpu_memory_utilization": t.gpu_memory_utilization,
        "actor_rollout_ref.rollout.n": t.rollout_n,
        "actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu": t.micro_batch_size_per_gpu,
        "actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu": t.micro_batch_size_per_gpu,
        "actor_rollout_ref.ref.fsdp_config.param_offload": t.ref_param_offload,
        "reward_model.reward_manager": "naive",
        "custom_reward_function.path": platform.payload_file("rewards"),
        "custom_reward_function.name": "compute_score",
        "trainer.critic_warmup": 0,
        "trainer.logger": spec.logging.loggers,
        "trainer.project_name": spec.logging.wandb_project or "rm-kit",
        "trainer.experiment_name": spec.logging.experiment_name or job_name,
        "trainer.nnodes": spec.cluster.nodes,
        "trainer.n_gpus_per_node": spec.cluster.gpus_per_node,
        "trainer.save_freq": t.save_freq,
        "trainer.test_freq": t.test_freq,
        "trainer.total_epochs": t.total_epochs,
        "trainer.val_before_train": t.val_before_train,
        "trainer.default_local_dir": checkpoint_dir(job_name, platform),
        "trainer.resume_mode": "auto",
    }


def _one_or_list(files: list[str]) -> str | list[str]:
    return files[0] if len(files) == 1 else files


@lru_cache(maxsize=1)
def known_keys() -> frozenset[str]:
    lines = KEYS_FILE.read_text().splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _check_raw(override: str, managed: dict[str, object]) -> str:
    match = _OVERRIDE.match(override.strip())
    if not match:
        raise UserError(f"verl_overrides: {override!r} is not a Hydra override (expected key=value)")
    op, key, value = match["op"] or "", match["key"], match["value"]
    keys = known_keys()
    leaf_keys = {k for k in keys if not k.endswith(".")}
    if value is None and op != "~":
        raise UserError(f"verl_overrides: {override!r} has no value (expected {key}=VALUE)")
    if key in managed or f"+{key}" in managed:
        raise UserError(
            f"verl_overrides: {key} is set from the spec; change the spec field instead "
            "(see `rmjob spec show PRESET`)"
        )
    if op == "+":
        parent = key.rpartition(".")[0]
        if key in leaf_keys or f"{key}." in keys:
            raise UserError(f"verl_overrides: {key} already exists in verl's config; drop the '+'")
        if parent and f"{parent}." not in keys:
            raise UserError(f"verl_overrides: cannot add {key}: verl's config has no section {parent!r}")
    elif key not in leaf_keys and f"{key}." not in keys:
        import difflib  # only for a message: kept off the start-up of every render

        near = difflib.get_close_matches(key, sorted(leaf_keys), n=1, cutoff=0.6)
        hint = f" (did you mean {near[0]!r}?)" if near else " (prefix '+' to add a new key)"
        raise UserError(f"verl_overrides: verl 0.4 has no config key {key!r}{hint}")
    if value is not None and secret_looking(key, value):
        raise UserError(
            f"verl_overrides: {key} looks like a secret; use a Kubernetes Secret reference instead"
        )
    return override.strip()


def verl_overrides(spec: RunSpec, job_name: str, platform: Platform) -> list[str]:
    """All overrides for ``main_ppo``: the managed ones, then the spec's checked raw ones."""
    managed = managed_overrides(spec, job_name, platform)
    rendered = [f"{key}={hydra_value(value)}" for key, value in managed.items()]
    return rendered + [_check_raw(raw, managed) for raw in spec.verl_overrides]
