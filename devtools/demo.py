"""`make demo`: the kit's whole story on a machine with no cluster and no GPU.

1. render the pairwise run and check it against the real references (KubeRay's CRD schema from
   the Go module proxy, verl's Hydra config from the pinned wheel);
2. bring up the simulated cluster (real control plane and KubeRay operator, fake 8xA100 nodes);
3. `helm upgrade --install rm-cluster charts/rm-cluster`;
4. convert the synthetic HelpSteer2 sample to verl parquet;
5. `rmjob submit pairwise`, then show its status and why training cannot start there;
6-8. a local CPU Ray head runs the data prep and verl's main_ppo for real (``demo_ray``).

Every step runs the command a user would type, and prints it first.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

from devtools import crd
from devtools.demo_ray import single_box
from devtools.gomod import ToolMissing
from devtools.verl_compose import compose
from rmjob.errors import UserError
from rmjob.platform import load_platform
from rmjob.render import render_rayjob
from rmjob.runtime_env import load_runtime_env
from rmjob.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
RMJOB = str(Path(sys.executable).parent / "rmjob")
NAMESPACE = "rm-kit"


def step(title: str) -> None:
    print(f"\n== {title}", flush=True)


def sh(argv: list[str], env: dict[str, str] | None = None, check: bool = True) -> str:
    shown = " ".join(
        shlex.quote(a if not a.startswith(str(ROOT)) else os.path.relpath(a, ROOT)) for a in argv
    )
    print(f"$ {shown}", flush=True)
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    out = (proc.stdout + proc.stderr).rstrip()
    if out:
        print(out)
    if check and proc.returncode != 0:
        raise UserError(f"`{shown}` failed (exit {proc.returncode}); see its output above")
    return proc.stdout


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


def start_cluster() -> dict[str, str]:
    step("2. the simulated cluster (first run builds it from the Go module proxy: tens of minutes)")
    sh([sys.executable, "-m", "sim", "up"])
    from sim.paths import kubeconfig_path

    return {**os.environ, "KUBECONFIG": str(kubeconfig_path()), "NO_PROXY": "127.0.0.1,localhost"}


def install_chart(env: dict[str, str]) -> None:
    step("3. helm install rm-cluster")
    helm = subprocess.run([str(ROOT / "scripts" / "get-helm")], capture_output=True, text=True, check=False)
    if helm.returncode != 0:
        raise UserError(f"no helm: {helm.stderr.strip()}")
    sh(
        [
            helm.stdout.strip(),
            "upgrade",
            "--install",
            "rm-cluster",
            "charts/rm-cluster",
            "-n",
            NAMESPACE,
            "--create-namespace",
        ],
        env=env,
    )


def convert_data() -> None:
    step("4. convert the synthetic HelpSteer2 sample to verl parquet")
    synthetic, out = ROOT / "data" / "helpsteer2-synthetic", ROOT / "data" / "helpsteer2"
    sh([RMJOB, "data", "synth", "--out", str(synthetic), "--size", "sample"])
    sh([RMJOB, "data", "helpsteer2", "--mode", "pairwise", "--src", str(synthetic), "--out", str(out)])
    print(
        f"  (on a real cluster, copy {os.path.relpath(out, ROOT)}/ to the data volume: /mnt/data/helpsteer2)"
    )


def submit_and_explain(env: dict[str, str]) -> None:
    step("5. submit the pairwise run and look at it")
    sh([RMJOB, "submit", "pairwise", "-n", NAMESPACE], env=env)
    os.environ["KUBECONFIG"] = env["KUBECONFIG"]
    from rmjob.kube import Cluster
    from rmjob.kube.runs import observe

    cluster = Cluster.connect(None, NAMESPACE)
    deadline = time.monotonic() + 120
    obs = observe(cluster, "rm-pairwise")
    while obs.job.deployment_status in ("", "Initializing") and time.monotonic() < deadline:
        time.sleep(3)
        obs = observe(cluster, "rm-pairwise")
    sh([RMJOB, "status", "rm-pairwise", "-n", NAMESPACE], env=env, check=False)
    sh([RMJOB, "describe", "rm-pairwise", "-n", NAMESPACE], env=env, check=False)
    print("\nWhat happened, in plain words:")
    deployed = obs.job.deployment_status or "-"
    print(f"- the API server accepted RayJob {obs.job.name}; KubeRay reports '{deployed}'")
    submitter = [p for p in obs.pods if p.role == "submitter"]
    if submitter:
        print(f"- the operator found RayCluster {obs.job.cluster_name} ready and started the submitter pod")
    for pod in obs.pods:
        where = f"scheduled on {pod.node}" if pod.node else "not scheduled"
        print(f"- {pod.role} pod {pod.name}: {where}{f' ({pod.gpus} GPUs)' if pod.gpus else ''}")
    for finding in obs.findings:
        print(f"- {finding.subject}: {finding.summary}")
    print(
        "- the nodes are KWOK fakes: no container really runs, so no Ray process takes the job and no GPU\n"
        f"  trains; the run stays at: {obs.status.summary}\n"
        "On a real 8xA100 cluster, `make watch` follows the training steps. Clean up with: make sim-down"
    )


def main() -> None:
    try:
        check_rendering()
        env = start_cluster()
        install_chart(env)
        convert_data()
        submit_and_explain(env)
        single_box(step, sh, RMJOB, str(ROOT))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
