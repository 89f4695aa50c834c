from __future__ import annotations

from pathlib import Path

import pytest

from rmjob.monitor.logs import REWARD_KEY, StepMetrics, metrics_rows, parse_log

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def read(name: str) -> list[str]:
    return (FIXTURES / name).read_text().splitlines()


def test_step_lines_become_metrics_per_step_through_ray_prefixes_and_ansi():
    log = parse_log(read("verl_pairwise_ok.log"))
    assert [s.step for s in log.steps] == [0, 1, 2, 3, 4, 5, 6]
    assert log.total_steps == 6 and log.last_step == 6
    step1 = log.steps[1].values
    assert step1["actor/entropy"] == 0.59 and step1["timing_s/step"] == 181.5
    assert step1[REWARD_KEY] == step1["critic/score/mean"]


def test_validation_accuracy_is_read_from_val_core_at_validation_steps_only():
    log = parse_log(read("verl_pairwise_ok.log"))
    assert log.series("val_acc") == [(0, 0.512), (2, 0.542), (4, 0.572), (6, 0.602)]
    assert len(log.series(REWARD_KEY)) == 6


def test_metrics_rows_have_the_columns_of_rmjob_metrics():
    rows = metrics_rows(parse_log(read("verl_pairwise_ok.log")))
    assert rows[2]["val_acc"] == 0.542 and rows[1]["val_acc"] is None
    assert rows[1]["response_length"] == 792.0 and rows[1]["throughput"] == 1460.7
    assert set(rows[0]) == {
        "step",
        "val_acc",
        "val_reward",
        "reward",
        "score",
        "response_length",
        "throughput",
        "step_time_s",
    }


def test_tracebacks_surface_their_final_exception_line():
    log = parse_log(read("verl_pairwise_oom.log"))
    assert log.last_step == 1
    first, second = log.errors
    assert first.startswith("ray.exceptions.RayTaskError(OutOfMemoryError): ray::WorkerDict")
    assert second.startswith("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB")


def test_initial_validation_dict_is_read_when_printed_on_one_line():
    line = (
        "(TaskRunner pid=1) Initial validation metrics: "
        "{'val-core/helpsteer2_pointwise/acc/mean@1': np.float64(0.41)}"
    )
    assert parse_log([line]).series("val_acc") == [(0, 0.41)]


def test_garbage_and_partial_lines_are_ignored():
    log = parse_log(["step:x - a:1", "step:3 - a:b - c:2.5 - :1", "", "random text step:"])
    assert [(s.step, s.values) for s in log.steps] == [(3, {"c": 2.5})]


TRAIN_STEP = {
    "critic/rewards/mean": 0.61,
    "response_length/mean": 812.0,
    "perf/throughput": 1502.25,
    "timing_s/step": 95.5,
}


def test_val_core_reward_of_any_data_source_is_read_from_verls_console_lines():
    """A stock verl run (gsm8k, a float reward): val-core is ``val-core/openai/gsm8k/reward/mean@1``."""
    pytest.importorskip("verl")
    from tests.monitor.verl_console import console_lines, validation_metrics

    validation = validation_metrics("openai/gsm8k", {"reward": [1.0, 0.0, 1.0, 1.0]})
    assert "val-core/openai/gsm8k/reward/mean@1" in validation
    log = parse_log(console_lines({0: validation, 1: TRAIN_STEP, 2: {**validation, **TRAIN_STEP}}))

    rows = metrics_rows(log)
    assert [r["val_reward"] for r in rows] == [0.75, None, 0.75]
    assert [r["val_acc"] for r in rows] == [None, None, None]
    assert rows[1]["response_length"] == 812.0 and rows[1]["throughput"] == 1502.25


def test_the_seeds_accuracy_is_read_from_val_aux_and_its_reward_from_val_core():
    """The seed's reward returns ``accuracy`` (not ``acc``), so verl puts the reward in val-core."""
    pytest.importorskip("verl")
    from tests.monitor.verl_console import console_lines, validation_metrics

    infos = {"reward": [1.0, 0.607, 0.368, 1.0], "accuracy": [1.0, 0.0, 0.0, 1.0]}
    validation = validation_metrics("helpsteer2", infos)
    assert "val-aux/helpsteer2/accuracy/mean@1" in validation
    step = log_step(parse_log(console_lines({10: validation})), 10)
    assert step.val_accuracy() == 0.5
    assert step.val_reward() == pytest.approx(0.744, abs=0.001)


def test_rm_kit_val_core_is_exact_accuracy_and_the_reward_stays_visible():
    pytest.importorskip("verl")
    from tests.monitor.verl_console import console_lines, validation_metrics

    infos = {"reward": [1.0, 0.607], "score": [1.0, 0.607], "acc": [1.0, 0.0], "parsed": [1.0, 1.0]}
    validation = validation_metrics("helpsteer2_pointwise", infos)
    assert "val-core/helpsteer2_pointwise/acc/mean@1" in validation
    step = log_step(parse_log(console_lines({4: validation})), 4)
    assert (step.val_accuracy(), step.val_reward()) == (0.5, pytest.approx(0.8035, abs=0.001))


def test_several_data_sources_report_the_first_by_name():
    values = {
        "val-core/zeta/acc/mean@1": 0.9,
        "val-core/alpha/acc/mean@1": 0.2,
        "val-aux/alpha/acc/mean@1": 0.5,
    }
    assert StepMetrics(1, values).val_accuracy() == 0.2


def log_step(log, step: int):
    return next(s for s in log.steps if s.step == step)
