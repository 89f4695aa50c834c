"""Our ``compute_score``, loaded by path as verl does, in verl's NaiveRewardManager on a real DataProto."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import pytest

from rmjob.modes import output_file_name
from tests.train.verl_config import REWARDS_FILE, compose, data_overrides

pytestmark = pytest.mark.slow


def rollout_batch(
    parquet: Path, cls: str, tokenizer, size: int, respond: Callable[[list[str]], list[str]], *extra: str
):
    """Prompts from our dataset class plus responses (written from the labels), shaped as verl's rollout."""
    import torch
    from verl import DataProto
    from verl.trainer.main_ppo import create_rl_dataset
    from verl.utils.dataset.rl_dataset import collate_fn

    config = compose(
        *data_overrides(parquet, cls, max_prompt_length=4096),
        f"custom_reward_function.path={REWARDS_FILE}",
        "custom_reward_function.name=compute_score",
        *extra,
    )
    dataset = create_rl_dataset(config.data.train_files, config.data, tokenizer, None)
    batch = collate_fn([dataset[i] for i in range(size)])
    responses = respond([row["ground_truth"] for row in batch["reward_model"]])

    width = 64
    response_ids = torch.full((len(responses), width), tokenizer.pad_token_id)
    response_mask = torch.zeros((len(responses), width), dtype=torch.long)
    for row, text in enumerate(responses):
        ids = tokenizer.encode(text, add_special_tokens=False)
        assert len(ids) <= width
        response_ids[row, : len(ids)] = torch.tensor(ids)
        response_mask[row, : len(ids)] = 1
    data = DataProto.from_dict(
        tensors={
            "prompts": batch["input_ids"],
            "responses": response_ids,
            "input_ids": torch.cat([batch["input_ids"], response_ids], dim=1),
            "attention_mask": torch.cat([batch["attention_mask"], response_mask], dim=1),
        },
        non_tensors={key: batch[key] for key in ("data_source", "reward_model", "extra_info")},
    )
    return config, data, response_mask.sum(dim=1)


def test_pointwise_rewards_land_on_the_last_response_token(parquet_dir: Path, tokenizer) -> None:
    from verl.trainer.ppo.reward import load_reward_manager

    parquet = parquet_dir / output_file_name("pointwise", "test")
    truths: list[int] = []

    def respond(labels: list[str]) -> list[str]:
        truths.extend(int(label) for label in labels)
        return [
            f"Solid answer. <score>{truths[0]}</score>",  # exact
            f"<score>{(truths[1] + 2) % 5}</score>",  # off by 2 or 3
            "I cannot decide.",  # unparseable
            f"<think>maybe <score>{truths[3]}</score></think>no verdict",  # tag only inside thinking
        ]

    config, data, lengths = rollout_batch(parquet, "PointwiseTrainDataset", tokenizer, 4, respond)
    reward_fn = load_reward_manager(config, tokenizer, num_examine=0)
    assert type(reward_fn).__name__ == "NaiveRewardManager"

    result = reward_fn(data, return_dict=True)

    rewards, info = result["reward_tensor"], result["reward_extra_info"]
    errors = [0, abs((truths[1] + 2) % 5 - truths[1]), 4, 4]
    expected = [1.0, pytest.approx(math.exp(-2 * errors[1] / 4)), 0.0, 0.0]
    for row, length in enumerate(lengths.tolist()):
        assert rewards[row, length - 1].item() == expected[row]
        assert rewards[row].count_nonzero() <= 1
    assert info["parsed"] == [1.0, 1.0, 0.0, 0.0]
    assert info["abs_error"] == [float(e) for e in errors]
    assert {key: len(values) for key, values in info.items()} == dict.fromkeys(
        ("score", "acc", "parsed", "abs_error"), 4
    )


def test_pairwise_batch_of_good_bad_and_unparseable_keeps_equal_length_info(
    parquet_dir: Path, tokenizer
) -> None:
    from verl.trainer.ppo.reward import load_reward_manager

    parquet = parquet_dir / output_file_name("pairwise", "test")
    wrong = {"A": "B", "B": "tie", "tie": "A"}

    def respond(truths: list[str]) -> list[str]:
        return [
            f"<think>weighing</think><preference> {truths[0].lower()} </preference>",
            f"<preference>{wrong[truths[1]]}</preference>",
            "Response A is worse than Response B.",
        ]

    config, data, lengths = rollout_batch(parquet, "PairwiseTrainDataset", tokenizer, 3, respond)
    result = load_reward_manager(config, tokenizer, num_examine=0)(data, return_dict=True)

    rewards, info = result["reward_tensor"], result["reward_extra_info"]
    assert [rewards[row, n - 1].item() for row, n in enumerate(lengths.tolist())] == [1.0, 0.0, 0.0]
    assert info["acc"] == [1.0, 0.0, 0.0]
    assert info["parsed"] == [1.0, 1.0, 0.0]
    assert {len(values) for values in info.values()} == {3}


def test_seed_format_answers_score_like_ours(parquet_dir: Path, tokenizer) -> None:
    """What a *-seed run's judge writes (thinking, a <reason> block, the tag) scores through verl."""
    from verl.trainer.ppo.reward import load_reward_manager

    parquet = parquet_dir / output_file_name("pointwise", "test")
    truths: list[int] = []

    def respond(labels: list[str]) -> list[str]:
        truths.extend(int(label) for label in labels)
        return [
            f"<think>hmm</think><reason>Accurate.</reason><score>{truths[0]}</score>",
            f"<reason>Off a bit.</reason><score>{(truths[1] + 1) % 5}</score>",
            f"<reason>Too long to finish <score>{truths[2]}",  # unclosed tag: no verdict
        ]

    config, data, lengths = rollout_batch(
        parquet, "PointwiseTrainDataset", tokenizer, 3, respond, "+data.judge.output_format=seed"
    )
    result = load_reward_manager(config, tokenizer, num_examine=0)(data, return_dict=True)

    rewards = [result["reward_tensor"][row, n - 1].item() for row, n in enumerate(lengths.tolist())]
    off = abs((truths[1] + 1) % 5 - truths[1])
    assert rewards == [1.0, pytest.approx(math.exp(-2 * off / 4)), 0.0]
    assert result["reward_extra_info"]["parsed"] == [1.0, 1.0, 0.0]
