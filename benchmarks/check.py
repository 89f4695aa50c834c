"""`make bench` (preflight part): wall time of `rmjob check PRESET` as users run it, median of 7 runs,
and where the time goes inside one run (target on the 2-core dev machine: under 2 s, verl's checks
included). The cluster is not read (--offline): its reads cost the API server's round trips.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rmjob.spec import preset_names

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
TARGET_S = 2.0
RMJOB = [sys.executable, "-m", "rmjob.cli"]


def median_seconds(argv: list[str]) -> tuple[float, float]:
    """Median wall and CPU (user + system) seconds: on a shared machine the CPU figure is the stable one."""
    walls, cpus = [], []
    for _ in range(RUNS):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=False, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def rule_times(preset: str) -> list[tuple[str, float]]:
    """Seconds per rule in this process (the first rule that composes verl's config pays for Hydra)."""
    from rmjob.preflight.inputs import gather
    from rmjob.preflight.rules import load_rules
    from rmjob.preflight.run import check_for
    from rmjob.runtime_env import load_runtime_env
    from rmjob.spec import parse_spec, resolve_data

    data, spec_dir = resolve_data(preset)
    inputs = gather(
        parse_spec(data), spec_dir, load_runtime_env(ROOT / "runtime_env.yaml"), "runtime_env.yaml", []
    )
    timed = []
    for rule in load_rules():
        start = time.perf_counter()
        check_for(rule)(rule, inputs)
        timed.append((rule.id, time.perf_counter() - start))
    return timed


def main() -> None:
    load = os.getloadavg()[0]
    print(
        f"check benchmark: `rmjob check PRESET --offline`, median of {RUNS} runs, target < {TARGET_S:.1f} s "
        f"(load average {load:.1f} on {os.cpu_count()} CPUs)"
    )
    for preset in preset_names():
        wall, cpu = median_seconds([*RMJOB, "check", preset, "--offline"])
        flag = "" if wall < TARGET_S else "  (over target)"
        print(f"  rmjob check {preset:<24} wall {wall:.3f} s  cpu {cpu:.3f} s{flag}")
    print("  per rule, wall, in one process (pairwise):")
    for rule, seconds in rule_times("pairwise"):
        print(f"    {rule:<32} {seconds * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
