"""`make bench` (render part): wall time of the CLI paths users run most, median of 20 runs.

Targets on the 2-core dev machine (issue 18): `rmjob --help` under 0.3 s, and `rmjob render pairwise`
no slower than `helm template charts/rm-cluster` (where a helm binary is cached). The two are timed
interleaved, run by run, so a change in the machine's load hits both. Commands run as users run them:
the virtualenv's `rmjob` script, not `python -m`.
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
RMJOB = [str(Path(sys.executable).with_name("rmjob"))]


def seconds(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def median_seconds(*argvs: list[str]) -> list[float]:
    """Median wall time of each command, the commands run in turn ``RUNS`` times after one untimed run
    (which writes bytecode and rmjob's parsed-YAML cache, as a user's first command does)."""
    for argv in argvs:
        seconds(argv)
    times: list[list[float]] = [[] for _ in argvs]
    for _ in range(RUNS):
        for argv, taken in zip(argvs, times, strict=True):
            taken.append(seconds(argv))
    return [statistics.median(taken) for taken in times]


def cached_helm() -> str | None:
    script = ROOT / "scripts" / "get-helm"
    if not script.exists():
        return None
    proc = subprocess.run([str(script)], cwd=ROOT, capture_output=True, text=True, check=False)
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def main() -> None:
    print(f"render benchmark: median of {RUNS} runs; targets: --help < 0.300 s, render <= helm template")
    rows = [("rmjob --help", RMJOB + ["--help"])]
    rows += [(f"rmjob render {p}", RMJOB + ["render", p]) for p in preset_names() if p != "pairwise"]
    results = {label: median_seconds(argv)[0] for label, argv in rows}
    render = RMJOB + ["render", "pairwise"]
    helm = cached_helm()
    helm_argv = [helm or "helm", "template", "rm-cluster", "charts/rm-cluster"]
    if helm and subprocess.run(helm_argv, cwd=ROOT, capture_output=True, check=False).returncode == 0:
        ours, theirs = median_seconds(render, helm_argv)
        results["rmjob render pairwise"] = ours
        results["helm template charts/rm-cluster"] = theirs
    else:
        helm, results["rmjob render pairwise"] = None, median_seconds(render)[0]
    for label, taken in results.items():
        flag = "" if taken < 0.3 or label.startswith("helm") else "  (over target)"
        print(f"  {label:<36} {taken:.3f} s{flag}")
    if helm:
        ratio = results["rmjob render pairwise"] / results["helm template charts/rm-cluster"]
        verdict = "ok" if ratio <= 1.0 else "BELOW TARGET"
        print(f"  rmjob render pairwise / helm template (interleaved): {ratio:.2f}  {verdict}")


if __name__ == "__main__":
    main()
