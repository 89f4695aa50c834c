"""Eval asks exactly what training optimised: its prompt token ids equal verl's dataset class's."""

from __future__ import annotations

from pathlib import Path

import pytest

from rmjob.data.convert import ConvertOptions, convert
from rmjob.data.synthetic import generate
from rmjob.eval.generate import prompt_ids
from rmjob.eval.inputs import load_helpsteer2
from rmjob.eval.prompts import JudgeSettings, helpsteer2_messages
from tests.train.verl_config import compose, data_overrides

pytestmark = pytest.mark.slow
RUBRIC = "Prefer the response a careful expert would sign."


@pytest.fixture(scope="module")
def validation(tmp_path_factory) -> Path:
    src, out = tmp_path_factory.mktemp("src"), tmp_path_factory.mktemp("data")
    generate(src, size="sample", seed=11)
    convert(ConvertOptions(mode="pairwise", src=src, out=out, split="official"))
    return out / "helpsteer2_pairwise_test.parquet"


@pytest.fixture(scope="module")
def tokenizer(validation):
    import pyarrow.parquet as pq

    from rmjob.train.tiny_model import build_tokenizer

    rows = pq.read_table(validation).to_pylist()
    return build_tokenizer([r["extra_info"]["response_a"] for r in rows] + [RUBRIC], vocab_size=600)


@pytest.mark.parametrize(("thinking", "output_format"), [(True, "rm-kit"), (False, "rm-kit"), (True, "seed")])
def test_eval_prompt_ids_match_the_training_dataset(validation, tokenizer, thinking, output_format):
    from verl.trainer.main_ppo import create_rl_dataset

    overrides = data_overrides(validation, "PairwiseTrainDataset", thinking=thinking)
    config = compose(
        *overrides, f"+data.judge.rubric='{RUBRIC}'", f"+data.judge.output_format={output_format}"
    )
    dataset = create_rl_dataset(config.data.train_files, config.data, tokenizer, None)
    data = load_helpsteer2(validation)
    settings = JudgeSettings(enable_thinking=thinking, rubric=RUBRIC, output_format=output_format)
    conversations = [helpsteer2_messages(data.rows[i], settings) for i in range(3)]
    ids = prompt_ids(tokenizer, conversations, thinking)
    for i in range(3):
        assert ids[i] == dataset[i]["raw_prompt_ids"]
    assert RUBRIC in tokenizer.decode(ids[0])
    assert ("<reason>" in tokenizer.decode(ids[0])) is (output_format == "seed")
