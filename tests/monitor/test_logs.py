from __future__ import annotations

from pathlib import Path

from rmjob.monitor.logs import REWARD_KEY, metrics_rows, parse_log

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
