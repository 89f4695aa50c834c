"""`make demo`, preflight part: `rmjob check` passes a preset and refuses a run that cannot work.

10. `rmjob check pairwise -n demo` (reading the chart's RayCluster on the simulated cluster): ok;
    a copy of the preset whose env sets PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True: refused by
    `rmjob check` and by `rmjob submit`, with the reason and the fix; without that line it passes.
"""

from __future__ import annotations

from pathlib import Path

from devtools.demo_sim import NAMESPACE, Sh, expect
from rmjob.atomic import write_text_atomic

ALLOCATOR_RULE = "allocator-expandable-segments"
BAD_ENV = "env:\n  PYTORCH_CUDA_ALLOC_CONF: expandable_segments:True\n"


def check_then_refuse(sh: Sh, env: dict[str, str], rmjob: str, workdir: Path) -> None:
    passed = sh([rmjob, "check", "pairwise", "-n", NAMESPACE], env=env, check=False)
    expect(passed.returncode == 0, f"`rmjob check pairwise` did not pass (exit {passed.returncode})")

    spec = workdir / "pairwise-expandable.yaml"
    shown = sh([rmjob, "spec", "show", "pairwise"], env=env, show_stdout=False).stdout
    expect("env: {}\n" in shown, "the pairwise preset's spec has no empty `env: {}` to edit")
    write_text_atomic(spec, shown.replace("env: {}\n", BAD_ENV))
    print(f"  (saved as {spec.name}, with its env set to PYTORCH_CUDA_ALLOC_CONF: expandable_segments:True)")
    for verb in ("check", "submit"):
        refused = sh([rmjob, verb, str(spec), "-n", NAMESPACE], env=env, check=False, show_stdout=False)
        _verdict(refused.stdout)
        expect(
            refused.returncode == 1 and ALLOCATOR_RULE in refused.stdout + refused.stderr,
            f"`rmjob {verb}` did not refuse the expandable_segments spec (exit {refused.returncode})",
        )

    print("  the fix it names: delete that env line; then the same spec passes:")
    write_text_atomic(spec, shown)
    fixed = sh([rmjob, "check", str(spec), "-n", NAMESPACE], env=env, check=False, show_stdout=False)
    _verdict(fixed.stdout)
    expect(fixed.returncode == 0, f"the fixed spec did not pass `rmjob check` (exit {fixed.returncode})")


def _verdict(table: str) -> None:
    """The verdict and the failing rules of a `rmjob check` table (the passing rows were shown once)."""
    for line in table.splitlines():
        if line.startswith("rmjob check") or " FAIL " in line or line.startswith(f"  {ALLOCATOR_RULE}"):
            print(line)
