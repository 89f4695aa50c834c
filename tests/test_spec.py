from __future__ import annotations

import pytest
import yaml

from rmjob.errors import UserError
from rmjob.schema import to_dict
from rmjob.spec import load_spec, parse_spec, preset_names, resolve_data, spec_to_yaml


def test_presets_are_the_six_documented_ones():
    assert preset_names() == [
        "pairwise",
        "pairwise-seed",
        "pointwise",
        "pointwise-seed",
        "tiny-pairwise",
        "tiny-pointwise",
    ]


@pytest.mark.parametrize(
    ("preset", "test_freq", "epochs"), [("pairwise-seed", 2, 10), ("pointwise-seed", 10, 1)]
)
def test_seed_presets_keep_the_seed_settings(preset, test_freq, epochs):
    t = load_spec(preset).training
    seed = dict(
        train_batch_size=96,
        max_prompt_length=4096,
        max_response_length=2048,
        lr=1e-6,
        ppo_mini_batch_size=24,
        micro_batch_size_per_gpu=1,
        rollout_n=4,
        tensor_parallel_size=8,
        gpu_memory_utilization=0.6,
        use_kl_loss=True,
        kl_loss_coef=0.001,
        kl_loss_type="low_var_kl",
        entropy_coeff=0,
        ref_param_offload=True,
        remove_padding=True,
        gradient_checkpointing=True,
        save_freq=20,
        test_freq=test_freq,
        total_epochs=epochs,
    )
    assert {k: getattr(t, k) for k in seed} == seed
    assert load_spec(preset).cluster.nodes == 1 and load_spec(preset).cluster.gpus_per_node == 8


def test_our_presets_differ_from_the_seed_only_where_a_reason_is_written(repo_root):
    for mode in ("pointwise", "pairwise"):
        ours = to_dict(load_spec(mode))
        seed = to_dict(load_spec(f"{mode}-seed"))
        changed = {
            f"{section}.{key}"
            for section in ours
            if isinstance(ours[section], dict)
            for key in ours[section]
            if ours[section][key] != seed[section][key]
        }
        text = (repo_root / "rmjob" / "presets" / f"{mode}.yaml").read_text()
        for path in changed:
            key = path.split(".")[-1]
            line = next(i for i, line in enumerate(text.splitlines()) if line.strip().startswith(f"{key}:"))
            assert text.splitlines()[line - 1].strip().startswith("#"), (
                f"{mode}: {path} changed without a reason"
            )


def test_chat_template_thinking_defaults_by_family_and_yields_to_the_spec():
    data, _ = resolve_data("pairwise")
    assert parse_spec(data).model.enable_thinking is True
    data["model"] = {"path": "Qwen/Qwen2.5-14B-Instruct", "family": "qwen2.5"}
    assert parse_spec(data).model.enable_thinking is False
    data["model"]["thinking"] = True
    assert parse_spec(data).model.enable_thinking is True


def test_spec_show_output_loads_back_to_the_same_spec(tmp_path):
    spec = load_spec("pointwise")
    path = tmp_path / "mine.yaml"
    path.write_text(spec_to_yaml(spec))
    assert load_spec(str(path)) == spec


def test_user_spec_can_start_from_a_preset(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump({"base": "pairwise", "name": "my-run", "cluster": {"nodes": 2}}))
    spec = load_spec(str(path))
    assert (spec.name, spec.cluster.nodes, spec.training.train_batch_size) == ("my-run", 2, 96)


def _bad(update: dict) -> str:
    data, _ = resolve_data("pairwise")
    for dotted, value in update.items():
        node = data
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    with pytest.raises(UserError) as err:
        parse_spec(data, "run.yaml")
    return str(err.value)


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"trainng": {}}, "unknown key 'trainng' (did you mean 'training'?)"),
        ({"training.rollout_m": 4}, "unknown key 'training.rollout_m' (did you mean 'rollout_n'?)"),
        ({"training.lr": "fast"}, "training.lr: Input should be a valid number"),
        ({"name": "x" * 39}, "at most 38"),
        ({"name": "My_Run"}, "not a DNS-1035 label"),
        ({"cluster.nodes": 0}, "cluster.nodes: Input should be greater than or equal to 1"),
        ({"cluster.gpus_per_node": 4}, "gpus_per_node=4 but node shape aws-p4de has 8 GPUs"),
        ({"cluster.node_shape": "aws-p4e"}, "did you mean 'aws-p4d"),
        ({"mode": "listwise"}, "mode: Input should be 'pointwise' or 'pairwise'"),
        ({"env": {"WANDB_API_KEY": "abc123"}}, "looks like a secret"),
        ({"env": {"NOTE": "hf_" + "a" * 30}}, "looks like a secret"),
        ({"training.ppo_mini_batch_size": 25}, "must divide train_batch_size=96"),
        ({"training.tensor_parallel_size": 3}, "must divide cluster.gpus_per_node=8"),
        ({"template.rubric": "costs $5"}, "template.rubric: contains $"),
    ],
)
def test_bad_specs_give_one_line_naming_the_field(update, expected):
    message = _bad(update)
    assert expected in message
    assert message.startswith("run.yaml: ") and "\n" not in message


def test_unknown_preset_suggests_the_nearest():
    with pytest.raises(UserError, match="did you mean 'pointwise'"):
        load_spec("pointwse")


def test_unreadable_and_malformed_spec_files(tmp_path):
    with pytest.raises(UserError, match="does not exist"):
        load_spec(str(tmp_path / "missing.yaml"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    with pytest.raises(UserError, match="line 2 is not valid YAML"):
        load_spec(str(broken))
    listy = tmp_path / "list.yaml"
    listy.write_text("- a\n")
    with pytest.raises(UserError, match="must be a YAML mapping"):
        load_spec(str(listy))


def test_token_counts_are_settings_not_secrets_but_token_values_still_are():
    from rmjob.secret_scan import secret_looking

    assert not secret_looking("actor_rollout_ref.rollout.max_num_batched_tokens", "8192")
    assert not secret_looking("actor_rollout_ref.actor.ppo_max_token_len_per_gpu", 16384)
    assert secret_looking("HF_TOKEN", "12345678")
    assert secret_looking("max_num_batched_tokens", "hf_" + "a" * 30)
