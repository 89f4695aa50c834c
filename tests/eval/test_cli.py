"""``rmjob eval`` as users run it: a fresh interpreter, real files, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rmjob.data.convert import ConvertOptions, convert
from rmjob.data.synthetic import generate
from rmjob.eval import rmbench
from rmjob.eval.inputs import load_helpsteer2
from tests.eval.conftest import rmbench_rows
from tests.eval.support import assert_one_line_error, eval_run, report_of, rmjob, score

HEAVY = ("torch", "verl", "vllm", "transformers", "pyarrow", "matplotlib")


def judgment(c: rmbench.Comparison, verdict: str) -> dict:
    output = f"Both are fine, but <preference>{verdict}</preference>"
    return {"id": c.id, "chosen": c.chosen, "rejected": c.rejected, "swapped": c.swapped, "output": output}


def test_scoring_rmbench_judgments_writes_the_report_with_known_numbers(rmbench_file, tmp_path):
    items = rmbench.parse_items((str(i), row) for i, row in enumerate(rmbench_rows()))
    rows = []
    for c in rmbench.comparisons(items):
        if c.id.startswith("code") and c.chosen < c.rejected:
            rows.append(judgment(c, "tie"))  # code's hard cells: ties, score 0
        elif c.id.startswith("math") and c.swapped:
            continue  # math: only one order judged
        elif (c.id, c.chosen, c.rejected, c.swapped) == ("chat-0", 2, 2, True):
            rows.append(judgment(c, "B") | {"output": "no tag"})  # unparsable
        else:
            rows.append(judgment(c, "B" if c.swapped else "A"))
    out = tmp_path / "out"
    result = score("rmbench", rmbench_file, rows, tmp_path)
    assert result.returncode == 0, result.stderr
    report = report_of(tmp_path / "out")
    assert report["bench"] == "rmbench" and report["n"] == len(rows) == 90 - 9 and report["missing"] == 9
    assert report["domains"]["code"]["hard"] == 0.0 and report["domains"]["code"]["easy"] == 1.0
    assert report["domains"]["math"]["total"] == 1.0
    assert report["domains"]["chat"]["matrix"][2][2] == 0.5  # the unparsable order scores 0
    assert report["domains"]["safety"]["total"] == 1.0
    assert report["total"] == pytest.approx((17 / 18 + 6 / 9 + 1.0 + 1.0) / 4)
    assert report["parse_rate"] == pytest.approx(80 / 81) and report["seed"]["value"] == 0.625
    assert {"matrix", "easy", "normal", "hard", "total"} <= set(report["domains"]["chat"])
    assert (out / "report.md").read_text().startswith("# Judge evaluation: rmbench")
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
    assert not (out / "judgments.jsonl").exists()  # nothing generated: the input file is the record

    shown = rmjob("eval", "report", out)
    assert shown.returncode == 0 and "0.625" in shown.stdout and "81 judged, 9 missing" in shown.stdout


@pytest.fixture(scope="module")
def validation_parquets(tmp_path_factory) -> Path:
    src, out = tmp_path_factory.mktemp("hs2"), tmp_path_factory.mktemp("parquet")
    generate(src, size="sample", seed=3)
    for mode in ("pointwise", "pairwise"):
        convert(ConvertOptions(mode=mode, src=src, out=out, split="official"))
    return out


def test_scoring_helpsteer2_pointwise_judgments(validation_parquets, tmp_path):
    data = validation_parquets / "helpsteer2_pointwise_test.parquet"
    items = load_helpsteer2(data).pointwise
    # Right on even rows, one off on odd rows; row 1 unparsable.
    rows = [
        {
            "index": it.index,
            "output": f"<score>{it.truth if it.index % 2 == 0 else (it.truth + 1) % 5}</score>",
        }
        for it in items
    ]
    rows[1]["output"] = "<score>five</score>"
    result = score("helpsteer2", data, rows, tmp_path)
    assert result.returncode == 0, result.stderr
    report = report_of(tmp_path / "out")
    n = len(items)
    assert report["mode"] == "pointwise" and report["n"] == n
    assert report["accuracy"] == pytest.approx(((n + 1) // 2) / n)
    assert report["parse_rate"] == pytest.approx((n - 1) / n)
    assert sum(map(sum, report["confusion"]["counts"])) == n and report["seed"]["value"] == 0.42


def test_scoring_helpsteer2_pairwise_judgments_measures_position_consistency(validation_parquets, tmp_path):
    data = validation_parquets / "helpsteer2_pairwise_test.parquet"
    pairs = load_helpsteer2(data).pairwise
    rows = [{"index": p.index, "swapped": p.swapped, "output": "<preference>A</preference>"} for p in pairs]
    result = score("helpsteer2", data, rows, tmp_path)
    assert result.returncode == 0, result.stderr
    report = report_of(tmp_path / "out")
    assert report["mode"] == "pairwise" and report["position_consistency"] == 0.0
    assert report["accuracy"] == pytest.approx(sum(p.truth == "A" for p in pairs) / len(pairs))


def test_judgments_for_an_unknown_id_are_one_line_exit_2(rmbench_file, tmp_path):
    rows = [{"id": "nope", "chosen": 0, "rejected": 1, "swapped": False, "output": "x"}]
    result = score("rmbench", rmbench_file, rows, tmp_path)
    assert_one_line_error(result, "j.jsonl:1: id 'nope' is not in the RM-Bench data")
    assert not (tmp_path / "out").exists()


def test_helpsteer2_judgment_for_a_row_past_the_end_is_one_line_exit_2(validation_parquets, tmp_path):
    data = validation_parquets / "helpsteer2_pointwise_test.parquet"
    rows = [{"index": 10**6, "output": "<score>1</score>"}]
    result = score("helpsteer2", data, rows, tmp_path)
    assert_one_line_error(result, "index 1000000 is not a row of")


def test_rmbench_rows_without_three_styles_are_one_line_exit_2(tmp_path):
    bad = rmbench_rows()
    bad[2]["chosen"] = bad[2]["chosen"][:2]
    data = tmp_path / "bad.json"
    data.write_text(json.dumps(bad))
    result = score("rmbench", data, [], tmp_path)
    assert_one_line_error(result, f"{data}[2]: 'chosen' must be a list of 3 response strings")


def test_a_model_directory_that_is_not_one_is_one_line_exit_2(rmbench_file, tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "notes.txt").write_text("hi")
    result = eval_run("rmbench", rmbench_file, tmp_path / "out", "--model", tmp_path / "model")
    assert_one_line_error(result, "is not a Hugging Face model directory")


def test_a_run_without_checkpoints_is_one_line_exit_2(rmbench_file, tmp_path):
    (tmp_path / "ckpt" / "rm-pairwise-0123abcd").mkdir(parents=True)
    result = eval_run(
        "rmbench",
        rmbench_file,
        tmp_path / "out",
        "--run",
        "rm-pairwise-0123abcd",
        "--checkpoints",
        tmp_path / "ckpt",
    )
    assert_one_line_error(result, "holds no global_step_N checkpoint")


def test_eval_report_of_a_directory_without_one_is_one_line_exit_2(tmp_path):
    assert_one_line_error(rmjob("eval", "report", tmp_path), "no eval report at")


def test_the_eval_cli_imports_no_heavy_modules():
    probe = (
        "import sys, rmjob.cli, rmjob.cli.eval, rmjob.eval.pipeline, rmjob.eval.rmbench, rmjob.eval.report;"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_limit_scores_the_first_items_of_a_judgments_file_that_covers_them_all(rmbench_file, tmp_path):
    items = rmbench.parse_items((str(i), row) for i, row in enumerate(rmbench_rows()))
    rows = [judgment(c, "B" if c.swapped else "A") for c in rmbench.comparisons(items)]
    result = score("rmbench", rmbench_file, rows, tmp_path, "--limit", "2")
    assert result.returncode == 0, result.stderr
    report = report_of(tmp_path / "out")
    assert report["n"] == 36 and report["items"] == 2 and report["total"] == 1.0
