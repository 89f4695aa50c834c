"""`make demo`, single-box part: a local CPU Ray head runs data prep and verl's main_ppo for real.

6. start the local Ray head (`make ray-up`: Ray 2.46.0 from this virtualenv, plus the tiny model);
7. `rmjob data submit` the pairwise conversion of the synthetic sample: a Ray job, SUCCEEDED;
8. `rmjob submit tiny-pairwise --wait`: verl 0.4.1's main_ppo builds our dataset and dataloaders, then
   stops at its GPU check; `rmjob status` says why in plain words, `rmjob metrics` that no step ran.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from rmjob.rayjobs.head import DEFAULT_DASHBOARD_PORT

PORT_ENV = "RAY_DASHBOARD_PORT"


def single_box(step: Callable[[str], None], sh: Callable[..., str], rmjob: str, root: str) -> None:
    port = os.environ.get(PORT_ENV) or str(DEFAULT_DASHBOARD_PORT)
    step("6. a local Ray head on this machine (make ray-up): the single-box backend, no Kubernetes")
    sh([sys.executable, "-m", "rmjob.rayjobs.local", "up", "--dashboard-port", port])
    env = {**os.environ, "RAY_ADDRESS": f"http://127.0.0.1:{port}"}
    print(f"  export RAY_ADDRESS={env['RAY_ADDRESS']}")
    step("7. data prep as a Ray job: the synthetic sample -> parquet on the head's data volume")
    synthetic = os.path.join(root, "data", "helpsteer2-synthetic")
    sh([rmjob, "data", "submit", "--mode", "pairwise", "--src", synthetic, "--wait"], env=env)
    step("8. verl's own main_ppo on the tiny model, up to the first GPU")
    sh([rmjob, "submit", "tiny-pairwise", "--wait"], env=env, check=False)
    sh([rmjob, "status", "tiny-pairwise"], env=env, check=False)
    sh([rmjob, "logs", "tiny-pairwise", "--tail", "4"], env=env, check=False)
    sh([rmjob, "metrics", "tiny-pairwise"], env=env, check=False)
    print(
        "\nverl read the parquet through our dataset class with the tiny tokenizer and chat template, built\n"
        "its dataloaders, and stopped where it needs 8 GPUs. Stop the head with: make ray-down"
    )
