"""End to end on CPU: the tiny offline judge -> a verl FSDP checkpoint written by verl's checkpoint
manager -> merged by verl's model merger -> judgments generated with the transformers backend -> report.

The numbers a random tiny model produces mean nothing; every step is the real code path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.eval.conftest import rmbench_rows
from tests.eval.support import assert_one_line_error, eval_run, report_of

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def checkpoint_run(tmp_path_factory) -> tuple[Path, Path]:
    from rmjob.train.tiny_model import TinyShape, write_tiny_model

    root = tmp_path_factory.mktemp("e2e")
    model = write_tiny_model(root / "tiny", TinyShape(layers=1, hidden=32, intermediate=64))
    run_dir = root / "checkpoints" / "rm-pairwise-0123abcd"
    made = subprocess.run(
        [sys.executable, "-m", "tests.eval.verl_checkpoint", str(model), str(run_dir), "4"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stderr[-2000:]
    return model, run_dir


def test_a_verl_checkpoint_merges_and_is_judged_on_rmbench(checkpoint_run, tmp_path):
    import torch
    from safetensors.torch import load_file

    model, run_dir = checkpoint_run
    data = tmp_path / "total_dataset.json"
    data.write_text(json.dumps(rmbench_rows()))
    out = tmp_path / "out"
    source = ("--run", run_dir.name, "--checkpoints", run_dir.parent, "--backend", "transformers")
    decoding = ("--max-new-tokens", "6", "--batch-size", "18", "--limit", "2")
    result = eval_run("rmbench", data, out, *source, *decoding)
    assert result.returncode == 0, result.stderr[-2000:]

    merged = run_dir / "global_step_4" / "huggingface_merged"
    original, restored = load_file(model / "model.safetensors"), load_file(merged / "model.safetensors")
    # The tiny model ties lm_head to the embeddings; the merger writes the tied copy out as well.
    assert set(restored) - set(original) <= {"lm_head.weight"}
    original.setdefault("lm_head.weight", original["model.embed_tokens.weight"])
    for name, tensor in restored.items():  # verl's merger saves bfloat16
        assert torch.equal(original[name].to(torch.bfloat16), tensor), name

    report = report_of(out)
    assert report["n"] == 36 and report["items"] == 2 and report["missing"] == 0
    assert report["run"]["step"] == 4 and report["run"]["model"] == str(merged)
    assert (
        report["run"]["sampling"]["max_new_tokens"] == 6 and report["run"]["judge"]["enable_thinking"] is True
    )
    lines = (out / "judgments.jsonl").read_text().splitlines()
    assert len(lines) == 36 and {"id", "chosen", "rejected", "swapped", "output"} == set(json.loads(lines[0]))
    assert (out / "report.png").stat().st_size > 0 and (out / "report.md").is_file()

    # The written judgments score again to the same report.
    again = eval_run(
        "rmbench", data, tmp_path / "again", "--limit", "2", "--judgments", out / "judgments.jsonl"
    )
    assert again.returncode == 0, again.stderr
    rescored = report_of(tmp_path / "again")
    assert rescored["domains"] == report["domains"] and rescored["parse_rate"] == report["parse_rate"]


def test_the_merged_model_judges_helpsteer2_with_the_training_prompt(checkpoint_run, tmp_path):
    from rmjob.data.convert import ConvertOptions, convert
    from rmjob.data.synthetic import generate

    _, run_dir = checkpoint_run
    generate(tmp_path / "src", size="sample", seed=5)
    convert(ConvertOptions(mode="pointwise", src=tmp_path / "src", out=tmp_path / "data", split="official"))
    data = tmp_path / "data" / "helpsteer2_pointwise_test.parquet"
    out = tmp_path / "out"
    # The model was merged by the first test or is merged now; --spec pointwise sets the thinking flag.
    judge = ("--run", run_dir, "--spec", "pointwise", "--max-new-tokens", "4", "--limit", "6")
    result = eval_run("helpsteer2", data, out, *judge)
    assert result.returncode == 0, result.stderr[-2000:]
    report = report_of(out)
    assert report["mode"] == "pointwise" and report["n"] == 6 and report["seed"]["value"] == 0.42
    assert "rmbench" not in result.stdout and "exact accuracy" in result.stdout


def test_the_vllm_backend_without_vllm_is_one_line_exit_2(checkpoint_run, tmp_path):
    import importlib.util

    if importlib.util.find_spec("vllm") is not None:
        pytest.skip("vLLM is installed here; this pins the message where it is not")
    model, _ = checkpoint_run
    data = tmp_path / "total_dataset.json"
    data.write_text(json.dumps(rmbench_rows()))
    result = eval_run(
        "rmbench", data, tmp_path / "out", "--model", model, "--backend", "vllm", "--limit", "1"
    )
    assert_one_line_error(result, "--backend vllm needs vllm (in the trainer image")
