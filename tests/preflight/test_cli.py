"""`rmjob check` and `rmjob submit`'s preflight as users run them: exit codes, output, no heavy imports."""

import json
import subprocess
import sys
from pathlib import Path

from tests.preflight.conftest import ROOT
from tests.test_cli import rmjob


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return rmjob(*args, "--offline", cwd=ROOT) if args[0] == "check" else rmjob(*args, cwd=ROOT)


def test_a_preset_passes_with_a_table_and_exit_0():
    result = run("check", "pairwise")
    assert result.returncode == 0, result.stdout + result.stderr
    header = result.stdout.splitlines()[0].split()
    assert header == ["RULE", "RESULT", "REASON", "FIX"]
    assert "rmjob check pairwise: ok" in result.stdout


def test_json_output_carries_every_rule_with_why_and_reference():
    from rmjob.preflight.rules import load_rules

    data = json.loads(run("check", "pointwise", "-o", "json").stdout)
    assert data["ok"] is True
    assert [r["rule"] for r in data["results"]] == [r.id for r in load_rules()]
    assert all(r["why"] and r["reference"] for r in data["results"])


def test_a_failing_rule_exits_1_with_reason_and_fix(tmp_path: Path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "base: pairwise\nname: rm-bad\nenv: {PYTORCH_CUDA_ALLOC_CONF: 'expandable_segments:True'}\n"
    )
    result = run("check", str(spec))
    assert result.returncode == 1
    row = next(
        line for line in result.stdout.splitlines() if line.startswith("allocator-expandable-segments")
    )
    assert "FAIL" in row and "delete it from the spec's `env`" in row
    assert "refused" in result.stdout


def test_bad_input_is_one_line_and_exit_2():
    for args in (
        ("check", "no-such-preset"),
        ("check", "pairwise", "-o", "xml"),
        ("check", "pairwise", "--skip-rule", "nope"),
    ):
        result = run(*args)
        assert (
            result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        ), args


def test_submit_refuses_a_failing_run_and_skip_check_submits_it_with_a_warning(tmp_path: Path):
    spec = tmp_path / "bad.yaml"
    spec.write_text(
        "base: pairwise\nname: rm-bad\n"
        "training: {train_batch_size: 10, ppo_mini_batch_size: 10, rollout_n: 1}\n"
    )
    refused = run("submit", str(spec), "--dry-run", "client")
    assert refused.returncode == 1 and refused.stdout == ""
    assert "real_train_batch_size (10)" in refused.stderr and "--skip-check" in refused.stderr
    forced = run("submit", str(spec), "--dry-run", "client", "--skip-check")
    assert forced.returncode == 0 and "kind: RayJob" in forced.stdout
    assert "warning: --skip-check" in forced.stderr


def test_check_runs_verls_checks_without_importing_torch_verl_or_vllm():
    probe = (
        "import sys, runpy; sys.argv = ['rmjob', 'check', 'pairwise', '--offline'];\n"
        "try:\n    runpy.run_module('rmjob.cli', run_name='__main__')\nexcept SystemExit:\n    pass\n"
        "heavy = ('torch', 'verl', 'vllm', 'ray', 'transformers')\n"
        "print('\\nLOADED', sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True).stdout
    assert "verl-startup                    PASS" in out and out.strip().endswith("LOADED []"), out[-400:]
