"""`make demo`, single-box part: a local CPU Ray head runs data prep and verl's main_ppo for real.

7. start the local Ray head (`make ray-up`: Ray 2.46.0 from this virtualenv, plus the tiny model);
8. `rmjob data submit` the pairwise conversion of the synthetic sample: a Ray job, SUCCEEDED;
9. `rmjob submit tiny-pairwise --wait`: verl 0.4.1's main_ppo builds our dataset and dataloaders, then
   stops at its GPU check; `rmjob status` says why in plain words, `rmjob metrics` that no step ran.

A head the demo started is stopped at the end (`make ray-down`); one that was already up is left alone.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from devtools.demo_sim import Sh, expect, show_verl_milestones
from rmjob.rayjobs.head import DEFAULT_DASHBOARD_PORT

PORT_ENV = "RAY_DASHBOARD_PORT"
RUN = "tiny-pairwise"
GPU_DIAGNOSIS = "the Ray cluster has 0 GPUs; this run asks for 8 per node on 1 node"


@contextmanager
def local_head(sh: Sh) -> Iterator[dict[str, str]]:
    """The local Ray head's environment (RAY_ADDRESS); stopped afterwards if this started it."""
    port = os.environ.get(PORT_ENV) or str(DEFAULT_DASHBOARD_PORT)
    head = [sys.executable, "-m", "rmjob.rayjobs.local"]
    started = sh([*head, "up", "--dashboard-port", port])
    env = {**os.environ, "RAY_ADDRESS": f"http://127.0.0.1:{port}"}
    print(f"$ export RAY_ADDRESS={env['RAY_ADDRESS']}")
    try:
        yield env
    finally:
        if "Ray head started" in started.stdout:
            print("\nthe demo started this Ray head, so it stops it:")
            sh([*head, "down"], check=False)


def single_box(step: Callable[[str], None], sh: Sh, rmjob: str, root: str) -> None:
    step("7. a local Ray head on this machine (make ray-up): the single-box backend, no Kubernetes")
    with local_head(sh) as env:
        step("8. data prep as a Ray job: the synthetic sample -> parquet on the head's data volume")
        synthetic = os.path.join(root, "data", "helpsteer2-synthetic")
        sh([rmjob, "data", "synth", "--out", synthetic, "--size", "sample"])
        converted = sh([rmjob, "data", "submit", "--mode", "pairwise", "--src", synthetic, "--wait"], env=env)
        expect(converted.returncode == 0, "the data job did not succeed on the local Ray head")
        step("9. verl's own main_ppo on the tiny model, up to the first GPU")
        sh([rmjob, "submit", RUN, "--wait"], env=env, check=False)
        status = sh([rmjob, "status", RUN], env=env, check=False)
        expect(
            status.returncode == 1 and GPU_DIAGNOSIS in status.stdout,
            f"{RUN} did not fail at verl's GPU check on the local Ray head (`rmjob status` exit "
            f"{status.returncode})",
        )
        show_verl_milestones(sh, [rmjob, "logs", RUN], env)
        sh([rmjob, "metrics", RUN], env=env, check=False)
        print(
            "\nverl read the parquet through our dataset class with the tiny tokenizer and chat template,\n"
            "built its dataloaders, and stopped where it needs 8 GPUs."
        )
