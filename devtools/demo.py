"""`make demo`: the kit's whole story, for real, on a machine with no cluster and no GPU.

1. render the pairwise run and check it against the real references (KubeRay's CRD schema from
   the Go module proxy, verl's Hydra config from the pinned wheel);
2-6. the simulated cluster (real control plane and KubeRay operator, fake 8xA100 nodes, real Ray heads):
   `helm upgrade --install rm-cluster`, the data job SUCCEEDED, tiny-pairwise stopped at verl's GPU
   check, with describe and logs (``demo_sim``);
7-9. a local CPU Ray head runs the data prep and verl's main_ppo for real (``demo_ray``);
10. `rmjob check` passes the preset and refuses a spec that cannot work, with its fix (``demo_preflight``).

Every step runs the command a user would type, and prints it first, and how long it took. The outcomes
are checked: a data job that does not succeed, or a training run that does not stop at verl's GPU check,
fails the demo (exit 1). The simulated cluster stays up for the next commands (`make sim-down`).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from devtools import crd, demo_sim
from devtools.demo_preflight import check_then_refuse
from devtools.demo_ray import single_box
from devtools.demo_sim import DemoFailed
from devtools.gomod import ToolMissing
from devtools.verl_compose import compose
from rmjob.errors import UserError
from rmjob.platform import load_platform
from rmjob.render import render_rayjob
from rmjob.runtime_env import load_runtime_env
from rmjob.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
RMJOB = str(Path(sys.executable).parent / "rmjob")


class Steps:
    """Prints each step's title and, when the next one starts, how long it took."""

    def __init__(self) -> None:
        self.times: list[tuple[str, float]] = []
        self._current: tuple[str, float] | None = None

    def __call__(self, title: str) -> None:
        self.finish()
        print(f"\n== {title}", flush=True)
        self._current = (title, time.monotonic())

    def finish(self) -> None:
        if self._current:
            title, started = self._current
            self.times.append((title, time.monotonic() - started))
            print(f"   ({time.monotonic() - started:.0f} s)", flush=True)
            self._current = None

    def summary(self) -> None:
        self.finish()
        print("\nTime per step:")
        for title, seconds in self.times:
            print(f"  {seconds:6.0f} s  {title.split(':')[0]}")
        print(f"  {sum(s for _, s in self.times):6.0f} s  in all")


step = Steps()


def sh(
    argv: list[str], env: dict[str, str] | None = None, check: bool = True, show_stdout: bool = True
) -> subprocess.CompletedProcess[str]:
    """Print the command as a user would type it, run it, print its output; ``check``: exit 0 or fail."""
    shown = " ".join(shlex.quote(_short(a)) for a in argv)
    print(f"$ {shown}", flush=True)
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    out = ((proc.stdout if show_stdout else "") + proc.stderr).rstrip()
    if out:
        print(out, flush=True)
    if check and proc.returncode != 0:
        raise DemoFailed(f"`{shown}` failed (exit {proc.returncode}); see its output above")
    return proc


def _short(arg: str) -> str:
    if arg == sys.executable:
        return "python"
    if arg == RMJOB:
        return "rmjob"
    if Path(arg).name.startswith("helm-v"):  # scripts/get-helm's pinned binary
        return "helm"
    return os.path.relpath(arg, ROOT) if arg.startswith(str(ROOT)) else arg


def check_rendering() -> None:
    platform = load_platform()
    step("1. render the pairwise run and check it against the real references")
    job = render_rayjob(load_spec("pairwise"), load_runtime_env(ROOT / "runtime_env.yaml"), load_platform())
    sh([RMJOB, "render", "pairwise", "--out", str(ROOT / "build" / "demo")])
    try:
        errors = crd.validation_errors(job)
        verdict = errors if errors else "valid"
        print(f"  KubeRay {platform.versions.kuberay} RayJob CRD schema: {verdict}")
    except ToolMissing as exc:
        print(f"  CRD check skipped: {exc}")
        errors = []
    argv = shlex.split(job["spec"]["entrypoint"].replace("\\\n", " "))
    cfg = compose(argv[3:])
    print(
        f"  verl {platform.versions.verl} config: composes ({len(argv) - 3} overrides; "
        f"nnodes={cfg.trainer.nnodes}, batch={cfg.data.train_batch_size}, "
        f"checkpoints={cfg.trainer.default_local_dir})"
    )
    if errors:
        raise UserError("the rendered RayJob does not match the KubeRay CRD schema")


def on_the_simulated_cluster() -> dict[str, str]:
    step("2. the simulated cluster (first run builds it from the Go module proxy: tens of minutes)")
    env = demo_sim.start_cluster(sh)
    step("3. helm install rm-cluster; its head pod is a real Ray head")
    demo_sim.install_chart(sh, env, ROOT, RMJOB)
    step("4. the tiny model and the raw synthetic sample onto the chart's volumes")
    demo_sim.put_inputs_on_volumes(sh, env, RMJOB)
    step("5. data prep as a RayJob on the chart's cluster: parquet onto the data volume")
    demo_sim.convert_on_cluster(sh, env, RMJOB)
    step("6. verl's own main_ppo on the tiny model, on the simulated cluster, up to the first GPU")
    demo_sim.train_to_the_gpu_check(sh, env, RMJOB)
    return env


def main() -> None:
    try:
        check_rendering()
        env = on_the_simulated_cluster()
        single_box(step, sh, RMJOB, str(ROOT))
        step("10. preflight: rmjob check passes the preset and refuses a run that cannot work, with the fix")
        check_then_refuse(sh, env, RMJOB, ROOT / "build" / "demo")
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)
    except DemoFailed as exc:
        step.summary()
        print(f"demo FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
    step.summary()
    print(
        f"\nLeft running for your next commands: the simulated cluster (rm-cluster in namespace "
        f"{demo_sim.NAMESPACE}, its real Ray head included).\n"
        f"  export KUBECONFIG=$(python -m sim up); rmjob list -n {demo_sim.NAMESPACE}\n"
        "Stop it with: make sim-down"
    )


if __name__ == "__main__":
    main()
