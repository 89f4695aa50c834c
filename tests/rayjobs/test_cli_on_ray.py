"""The commands of README "Single box" against a real local Ray head: data prep to SUCCEEDED, then
verl 0.4.1's own main_ppo on the tiny presets, up to the GPU check, with the diagnosis."""

from __future__ import annotations

import http.server
import threading

import pyarrow.parquet as pq
import pytest

from rmjob.rayjobs.head import free_ports

pytestmark = pytest.mark.slow

GPU_DIAGNOSIS = "the Ray cluster has 0 GPUs; this run asks for 8 per node on 1 node"


@pytest.fixture(scope="module")
def converted(local_ray):
    """Both modes converted on the head, as `rmjob data submit --wait` does it."""
    results = {
        mode: local_ray.rmjob("data", "submit", "--mode", mode, "--src", str(local_ray.synthetic), "--wait")
        for mode in ("pairwise", "pointwise")
    }
    return results


@pytest.mark.parametrize("mode", ["pairwise", "pointwise"])
def test_data_submit_runs_the_conversion_as_a_ray_job_into_the_data_volume(local_ray, converted, mode):
    result = converted[mode]
    assert result.returncode == 0, result.stderr
    assert "succeeded: finished successfully" in result.stdout
    train = local_ray.storage / "data" / "helpsteer2" / f"helpsteer2_{mode}_train.parquet"
    assert pq.read_metadata(train).num_rows > 100
    # Written atomically: no temporary files left beside the parquet.
    assert not [p.name for p in train.parent.iterdir() if p.name.startswith(".")]


def test_data_submit_of_the_same_conversion_is_unchanged(local_ray, converted):
    again = local_ray.rmjob("data", "submit", "--mode", "pairwise", "--src", str(local_ray.synthetic))
    assert again.returncode == 0, again.stderr
    assert " unchanged at " in again.stdout


@pytest.mark.parametrize("preset", ["tiny-pairwise", "tiny-pointwise"])
def test_tiny_preset_runs_verl_main_ppo_up_to_the_gpu_check(local_ray, converted, preset):
    submitted = local_ray.rmjob("submit", preset, "--wait")
    assert submitted.returncode == 1, submitted.stdout + submitted.stderr
    assert f"diagnosis: {GPU_DIAGNOSIS}" in submitted.stdout

    status = local_ray.rmjob("status", preset)
    assert status.returncode == 1
    assert "jobStatus         FAILED" in status.stdout
    assert GPU_DIAGNOSIS in status.stdout

    log = local_ray.rmjob("logs", preset)
    assert log.returncode == 0
    # verl's own output: our dataset class built the dataloaders on the real parquet, then the GPU check.
    assert "Size of train dataloader: " in log.stdout
    assert "Total available GPUs 0 is less than total desired GPUs 8" in log.stdout

    metrics = local_ray.rmjob("metrics", preset)
    assert metrics.returncode == 0
    assert "no training step was reached" in metrics.stdout

    again = local_ray.rmjob("submit", preset)
    assert again.returncode == 0 and " unchanged at " in again.stdout


def test_list_shows_the_runs_of_the_head(local_ray, converted):
    listed = local_ray.rmjob("list")
    assert listed.returncode == 0, listed.stderr
    assert "helpsteer2-pairwise-" in listed.stdout


def test_stop_then_delete_a_running_job(local_ray, converted, tmp_path):
    spec = tmp_path / "stop-me.yaml"
    spec.write_text("base: tiny-pairwise\nname: tiny-stop-me\n")
    submitted = local_ray.rmjob("submit", str(spec))
    assert submitted.returncode == 0, submitted.stderr
    name = submitted.stdout.split()[2]
    stopped = local_ray.rmjob("stop", name)
    assert stopped.returncode == 0, stopped.stderr
    assert f"ray job {name} stopping" in stopped.stdout
    deleted = local_ray.rmjob("delete", name)
    assert deleted.returncode == 0, deleted.stderr
    assert f"ray job {name} deleted" in deleted.stdout
    gone = local_ray.rmjob("status", name)
    assert gone.returncode == 2
    assert gone.stderr.startswith(f"error: no Ray job {name!r}")


def _one_line_exit_2(result) -> str:
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    return result.stderr


def test_unknown_submission_id_is_one_line_exit_2(local_ray):
    err = _one_line_exit_2(local_ray.rmjob("status", "no-such-run-1234"))
    assert "no Ray job 'no-such-run-1234'" in err


def test_unreachable_address_is_one_line_exit_2(local_ray):
    port = free_ports(1)[0]
    err = _one_line_exit_2(local_ray.rmjob("list", "--ray-address", f"127.0.0.1:{port}"))
    assert f"cannot reach a Ray dashboard at http://127.0.0.1:{port}" in err


def test_an_http_server_that_is_not_ray_is_one_line_exit_2(local_ray):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        address = f"http://127.0.0.1:{server.server_address[1]}"
        err = _one_line_exit_2(local_ray.rmjob("status", "x", "--ray-address", address))
        assert "is not a Ray dashboard" in err
    finally:
        server.shutdown()
        server.server_close()
