"""`make bench` (render part): wall time of the CLI paths users run most, median of 20 runs.

Target on the 2-core dev machine: `rmjob render PRESET` and `rmjob --help` each under 0.3 s.
Where a helm binary is already cached, `helm template charts/rm-cluster` is timed alongside.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from rmjob.spec import preset_names

ROOT = Path(__file__).resolve().parents[1]
RUNS = 20
RMJOB = [sys.executable, "-m", "rmjob.cli"]


def median_seconds(argv: list[str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cached_helm() -> str | None:
    script = ROOT / "scripts" / "get-helm"
    if not script.exists():
        return None
    proc = subprocess.run([str(script)], cwd=ROOT, capture_output=True, text=True, check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def main() -> None:
    print(f"render benchmark: median of {RUNS} runs, target < 0.300 s", flush=True)
    rows = [("rmjob --help", RMJOB + ["--help"])]
    rows += [(f"rmjob render {p}", RMJOB + ["render", p]) for p in preset_names()]
    results = {label: median_seconds(argv) for label, argv in rows}
    helm = cached_helm()
    helm_argv = [helm or "helm", "template", "rm-cluster", "charts/rm-cluster"]
    if helm and subprocess.run(helm_argv, cwd=ROOT, capture_output=True, check=False).returncode == 0:
        results["helm template charts/rm-cluster"] = median_seconds(helm_argv)
    else:
        helm = None
    for label, seconds in results.items():
        flag = "" if seconds < 0.3 or label.startswith("helm") else "  (over target)"
        print(f"  {label:<36} {seconds:.3f} s{flag}")
    if helm:
        ratio = results["rmjob render pairwise"] / results["helm template charts/rm-cluster"]
        print(f"  rmjob render pairwise / helm template: {ratio:.2f}")


if __name__ == "__main__":
    main()
