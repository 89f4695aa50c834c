"""Context length (config.json or the table) and the prompts verl's filter would drop."""

import json
from pathlib import Path

import pytest

from tests.preflight.conftest import check, results

FAST = frozenset({"verl-startup", "memory-fit"})


def test_the_presets_fit_the_models_context(spec_in):
    (found,) = results(check("pairwise", skip_rules=FAST), "context-length")
    assert found.status == "pass" and "40960" in found.detail


def test_lengths_beyond_the_context_are_refused_with_lengths_that_fit(spec_in):
    spec = spec_in(training={"max_prompt_length": 32768, "max_response_length": 16384})
    (found,) = results(check(spec, skip_rules=FAST), "context-length")
    assert found.status == "fail" and "49152 > 40960" in found.detail
    assert "max_response_length to 8192" in found.fix


def test_a_local_models_config_json_is_read(tmp_path: Path, spec_in):
    model = tmp_path / "my-model"
    model.mkdir()
    config = {
        "hidden_size": 64,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "intermediate_size": 128,
        "vocab_size": 1024,
        "max_position_embeddings": 4096,
    }
    (model / "config.json").write_text(json.dumps(config))
    (found,) = results(check(spec_in(model={"path": str(model)}), skip_rules=FAST), "context-length")
    assert found.status == "fail" and "config.json" in found.detail and "6144 > 4096" in found.detail
    config["max_position_embeddings"] = 8192
    (model / "config.json").write_text(json.dumps(config))
    assert (
        results(check(spec_in(model={"path": str(model)}), skip_rules=FAST), "context-length")[0].status
        == "pass"
    )


def test_prompts_are_not_counted_when_the_files_are_only_in_the_pods():
    (found,) = results(check("pairwise", skip_rules=FAST), "overlong-prompts")
    assert found.status == "skip" and "not readable here" in found.detail


@pytest.fixture(scope="module")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny model (with its tokenizer) and the pairwise parquet of the synthetic sample, on disk."""
    pytest.importorskip("verl")
    from rmjob.data.convert import ConvertOptions, convert
    from rmjob.data.synthetic import generate
    from rmjob.train.tiny_model import write_tiny_model

    root = tmp_path_factory.mktemp("local-run")
    generate(root / "synthetic", size="sample", seed=7)
    convert(ConvertOptions(mode="pairwise", src=root / "synthetic", out=root / "parquet"))
    return write_tiny_model(root / "tiny"), root / "parquet" / "helpsteer2_pairwise_train.parquet"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("max_prompt_length", "overlong", "left"),
    [(8000, "pass", "pass"), (3000, "warn", "pass"), (1000, "warn", "fail")],
)
def test_overlong_prompts_are_counted_with_the_runs_own_dataset_class(
    local_run, spec_in, max_prompt_length, overlong, left
):
    model, parquet = local_run
    spec = spec_in(
        model={"path": str(model)},
        data={"train_files": [str(parquet)], "val_files": [str(parquet)]},
        training={
            "max_prompt_length": max_prompt_length,
            "max_response_length": 64,
            "train_batch_size": 8,
            "ppo_mini_batch_size": 8,
        },
    )
    report = check(spec, skip_rules=frozenset({"verl-startup"}))
    (dropped,), (remaining,) = results(report, "overlong-prompts"), results(report, "prompts-left")
    assert (dropped.status, remaining.status) == (overlong, left), (dropped, remaining)
    if overlong == "warn":
        assert "are dropped" in dropped.detail and "of 178 train prompts" in dropped.detail
    if left == "fail":
        assert "Train dataloader is empty" in remaining.detail and not report.ok
