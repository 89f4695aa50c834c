"""`make demo`: the kit's main job on its built-in default, on a machine with no cluster and no GPU.

Renders the pairwise run and checks it against the real references: the KubeRay CRD schema
(fetched through the Go module proxy) and verl's own Hydra config (from the installed wheel).
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from rmjob.dev import crd
from rmjob.dev.gomod import ToolMissing
from rmjob.dev.verl_compose import compose
from rmjob.errors import UserError
from rmjob.platform import load_platform
from rmjob.render import render_rayjob, to_yaml
from rmjob.runtime_env import load_runtime_env
from rmjob.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


def run(preset: str = "pairwise") -> int:
    platform = load_platform()
    spec = load_spec(preset)
    job = render_rayjob(spec, load_runtime_env(ROOT / "runtime_env.yaml"))
    print(to_yaml(job))
    name = job["metadata"]["name"]
    print(f"rendered RayJob {name} ({spec.mode}, {spec.model.path}, {spec.cluster.nodes}x8 A100)")
    try:
        errors = crd.validation_errors(job)
    except ToolMissing as exc:
        print(f"  CRD check skipped: {exc}")
        errors = []
    else:
        verdict = "valid" if not errors else f"{len(errors)} errors"
        print(f"  KubeRay {platform.versions.kuberay} RayJob CRD schema: {verdict}")
    for error in errors:
        print(f"    {error}")
    argv = shlex.split(job["spec"]["entrypoint"].replace("\\\n", " "))
    cfg = compose(argv[3:])
    print(
        f"  verl {platform.versions.verl} config: composes ({len(argv) - 3} overrides; "
        f"grpo={cfg.algorithm.adv_estimator == 'grpo'}, nnodes={cfg.trainer.nnodes}, "
        f"batch={cfg.data.train_batch_size}, checkpoints={cfg.trainer.default_local_dir})"
    )
    print("next: `make test`, or submit it to a cluster with the manifests in manifests/")
    return 1 if errors else 0


def main() -> None:
    try:
        sys.exit(run(*sys.argv[1:2]))
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
