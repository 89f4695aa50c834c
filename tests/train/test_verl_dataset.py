"""Our parquet through verl 0.4's own dataset creation (``create_rl_dataset``) with our ``custom_cls``."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rmjob.modes import output_file_name
from tests.train.verl_config import compose, data_overrides

pytestmark = pytest.mark.slow


def build(parquet: Path, tokenizer, cls: str, *extra: str, **kwargs):
    from verl.trainer.main_ppo import create_rl_dataset

    config = compose(*data_overrides(parquet, cls, **kwargs), *extra)
    return create_rl_dataset(config.data.train_files, config.data, tokenizer, None)


def user_content(dataset, item: int, tokenizer) -> str:
    text = tokenizer.decode(dataset[item]["raw_prompt_ids"])
    return text.split("<|im_start|>user\n", 1)[1].split("<|im_end|>", 1)[0]


def test_pairwise_parquet_yields_verl_samples_through_our_class(parquet_dir: Path, tokenizer) -> None:
    parquet = parquet_dir / output_file_name("pairwise", "train")
    dataset = build(parquet, tokenizer, "PairwiseTrainDataset", max_prompt_length=8192)

    assert type(dataset).__name__ == "PairwiseTrainDataset"
    assert len(dataset) == pq.read_metadata(parquet).num_rows
    sample = dataset[0]
    assert (
        sample["input_ids"].shape == sample["attention_mask"].shape == sample["position_ids"].shape == (8192,)
    )
    real = sample["attention_mask"].bool()
    assert sample["input_ids"][real].tolist() == sample["raw_prompt_ids"]
    assert not real[0]  # left padded
    assert sample["position_ids"][-1] == len(sample["raw_prompt_ids"]) - 1
    assert sample["reward_model"]["ground_truth"] in {"A", "B", "tie"}
    assert sample["data_source"] == "helpsteer2_pairwise"
    assert sample["index"] == 0 and dataset[5]["index"] == 5


@pytest.mark.parametrize("thinking", [True, False])
def test_thinking_flag_drives_both_the_chat_template_and_the_format_section(
    parquet_dir: Path, tokenizer, thinking: bool
) -> None:
    parquet = parquet_dir / output_file_name("pointwise", "test")
    dataset = build(parquet, tokenizer, "PointwiseTrainDataset", thinking=thinking)
    prompt = tokenizer.decode(dataset[0]["raw_prompt_ids"])
    content = user_content(dataset, 0, tokenizer)

    if thinking:  # Qwen3: the template thinks on its own; the prompt does not ask for <think>
        assert prompt.endswith("<|im_start|>assistant\n")
        assert "<think>" not in content
    else:  # Qwen2.5: no template thinking; the prompt asks for a <think> block first
        assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")
        assert "<think>...</think>" in content
    assert "<score>N</score>" in content


def test_judge_text_overrides_from_hydra_reach_the_prompt(parquet_dir: Path, tokenizer) -> None:
    parquet = parquet_dir / output_file_name("pairwise", "test")
    dataset = build(
        parquet,
        tokenizer,
        "PairwiseTrainDataset",
        "+data.judge.description='Judge like a strict teacher.'",
        "+data.judge.rubric='Correctness only.'",
        "+data.judge.examples=['first example','second example']",
    )
    content = user_content(dataset, 0, tokenizer)
    assert content.startswith("Judge like a strict teacher.\n\n# Rubric\nCorrectness only.")
    assert "## Example 2\nsecond example" in content


def test_judge_overrides_as_rmjob_renders_them_compose_in_hydra(parquet_dir: Path, tokenizer) -> None:
    from rmjob.verl_args import hydra_value

    parquet = parquet_dir / output_file_name("pointwise", "test")
    description = "Don't be lenient: a 4 must be flawless."
    examples = ["Response: '42'. <score>1</score>", "Another, with a comma."]
    dataset = build(
        parquet,
        tokenizer,
        "PointwiseTrainDataset",
        f"+data.judge.description={hydra_value(description)}",
        f"+data.judge.examples={hydra_value(examples)}",
        thinking=False,
    )
    content = user_content(dataset, 0, tokenizer)
    assert content.startswith(description + "\n\n# Rubric")
    assert f"## Example 1\n{examples[0]}\n\n## Example 2\n{examples[1]}" in content
    assert "<think>...</think>" in content


def test_multi_turn_prompts_reach_the_model_as_a_dialogue(parquet_dir: Path, tokenizer) -> None:
    parquet = parquet_dir / output_file_name("pointwise", "train")
    dataset = build(parquet, tokenizer, "PointwiseTrainDataset")
    multi = [i for i in range(len(dataset)) if len(dataset.dataframe[i]["extra_info"]["conversation"]) > 1]
    assert multi
    content = user_content(dataset, multi[0], tokenizer)
    assert "[Assistant]\n" in content
    assert "<extra_id_1>" not in content


def test_overlong_prompts_are_dropped_and_counted(parquet_dir: Path, tokenizer, capsys) -> None:
    parquet = parquet_dir / output_file_name("pointwise", "train")
    full = build(parquet, tokenizer, "PointwiseTrainDataset")
    lengths = sorted(len(full[i]["raw_prompt_ids"]) for i in range(len(full)))
    limit = lengths[len(lengths) // 2]
    capsys.readouterr()

    dataset = build(parquet, tokenizer, "PointwiseTrainDataset", max_prompt_length=limit)

    kept = sum(n <= limit for n in lengths)
    assert len(dataset) == kept
    assert (
        f"dropped {len(lengths) - kept} prompts longer than data.max_prompt_length={limit}"
        in capsys.readouterr().out
    )
    assert all(len(dataset[i]["raw_prompt_ids"]) <= limit for i in range(len(dataset)))


def test_a_dataset_left_empty_says_why(parquet_dir: Path, tokenizer) -> None:
    parquet = parquet_dir / output_file_name("pointwise", "test")
    with pytest.raises(ValueError, match=r"all \d+ prompts .* longer than data.max_prompt_length=16 tokens"):
        build(parquet, tokenizer, "PointwiseTrainDataset", max_prompt_length=16)


def test_the_mode_specific_class_refuses_the_other_mode(parquet_dir: Path, tokenizer) -> None:
    parquet = parquet_dir / output_file_name("pairwise", "test")
    with pytest.raises(ValueError, match="PointwiseTrainDataset reads helpsteer2_pointwise rows"):
        build(parquet, tokenizer, "PointwiseTrainDataset")


def test_verl_collate_batches_our_samples(parquet_dir: Path, tokenizer) -> None:
    from torch.utils.data import DataLoader
    from verl.utils.dataset.rl_dataset import collate_fn

    parquet = parquet_dir / output_file_name("pairwise", "test")
    dataset = build(parquet, tokenizer, "BaseTrainDataset", max_prompt_length=4096)
    batch = next(iter(DataLoader(dataset, batch_size=4, collate_fn=collate_fn)))
    assert batch["input_ids"].shape == (4, 4096)
    assert [row["ground_truth"] for row in batch["reward_model"]] == [
        dataset.dataframe[i]["reward_model"]["ground_truth"] for i in range(4)
    ]


def test_seed_output_format_from_hydra_asks_for_reason_then_score(parquet_dir: Path, tokenizer) -> None:
    parquet = parquet_dir / output_file_name("pointwise", "test")
    dataset = build(parquet, tokenizer, "PointwiseTrainDataset", "+data.judge.output_format=seed")
    prompt = tokenizer.decode(dataset[0]["raw_prompt_ids"])
    content = user_content(dataset, 0, tokenizer)
    # The seed thinks through Qwen3's chat template and also asks for a <reason> block.
    assert prompt.endswith("<|im_start|>assistant\n")
    assert content.index("<reason>...</reason>") < content.index("<score>N</score>")
