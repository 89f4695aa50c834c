"""`make bench` (single box): a local CPU Ray head runs data prep and verl's main_ppo up to the GPU check.

Times, from `rmjob submit`: the data-prep job to SUCCEEDED; the tiny-pairwise training job to verl's
``Size of train dataloader`` line (the driver built our dataset on the real parquet) and to its final
state (FAILED at verl's GPU check on a machine without GPUs). The head runs on free ports with its
volumes in a temporary directory, and is stopped after; its start-up is timed too. Each training run
gets a fresh submission id, so nothing is reused between runs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLL_S = 0.5
DATALOADER_LINE = "Size of train dataloader:"


def _rmjob(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rmjob.cli", *args], capture_output=True, text=True, env=env, check=False
    )


def main() -> None:
    from rmjob.data.synthetic import generate
    from rmjob.rayjobs.client import RayDashboard
    from rmjob.rayjobs.head import HeadPorts, start_head, stop_head
    from rmjob.rayjobs.layout import STORAGE_ENV, LocalLayout
    from rmjob.rayjobs.local import prepare_storage

    with tempfile.TemporaryDirectory(prefix="rmkit-bench-ray-") as tmp:
        root = Path(tmp)
        prepare_storage(LocalLayout(root / "storage", ""))
        generate(root / "synthetic", size="sample", seed=42)
        started = time.monotonic()
        state, _ = start_head(root / "state", HeadPorts.all_free())
        print(f"single box: local Ray head up (dashboard answering): {time.monotonic() - started:.1f} s")
        env = {**os.environ, STORAGE_ENV: str(root / "storage"), "RAY_ADDRESS": state.address}
        try:
            t0 = time.monotonic()
            data = _rmjob(
                env, "data", "submit", "--mode", "pairwise", "--src", str(root / "synthetic"), "--wait"
            )
            print(
                f"single box: rmjob data submit --wait (pairwise) -> SUCCEEDED: {time.monotonic() - t0:.1f} s"
                if data.returncode == 0
                else f"single box: data prep failed: {data.stdout}{data.stderr}"
            )
            spec = root / "bench.yaml"
            spec.write_text(f"base: tiny-pairwise\nname: tiny-bench-{os.getpid()}\n")
            dashboard = RayDashboard.connect(state.address)
            t0 = time.monotonic()
            submitted = _rmjob(env, "submit", str(spec))
            name = submitted.stdout.split()[2]
            dataloader_s = None
            while True:
                record = dashboard.resolve(name)
                if dataloader_s is None and DATALOADER_LINE in dashboard.logs(name):
                    dataloader_s = time.monotonic() - t0
                if record.finished:
                    break
                time.sleep(POLL_S)
            final_s = time.monotonic() - t0
            seen = f"{dataloader_s:.1f} s" if dataloader_s is not None else "never printed"
            print(f"single box: tiny-pairwise submit -> verl '{DATALOADER_LINE}': {seen}")
            print(f"single box: tiny-pairwise submit -> final state {record.status}: {final_s:.1f} s")
        finally:
            stop_head(root / "state")


if __name__ == "__main__":
    main()
