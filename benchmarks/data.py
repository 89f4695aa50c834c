"""`make bench` (data part): full-size synthetic HelpSteer2 -> verl parquet, per mode.

Each conversion runs in a fresh process so its peak RSS is its own (interpreter and pyarrow
included); the time is the conversion alone, median of 3 runs. Target on the 2-core dev machine:
under 3 s and under 1 GiB peak RSS per mode. The synthetic input is generated once per machine
into $RMKIT_CACHE.
"""

from __future__ import annotations

import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 3
TARGET_SECONDS = 3.0
TARGET_RSS_MIB = 1024
SEED = 42


def synthetic_input() -> Path:
    from rmjob.data.synthetic import generate

    cache = Path(os.environ.get("RMKIT_CACHE", Path.home() / ".cache" / "rm-kit"))
    # Keyed by the generator's source, so a changed generator regenerates.
    source = Path(sys.modules[generate.__module__].__file__ or "").read_bytes()
    stamp = hashlib.sha256(source).hexdigest()[:12]
    src = cache / f"helpsteer2-synthetic-full-{SEED}-{stamp}"
    if not (src / "preference" / "preference.jsonl.gz").is_file():
        print(f"generating full-size synthetic HelpSteer2 into {src} (once per machine) ...", flush=True)
        generate(src, size="full", seed=SEED)
    return src


def one(mode: str, src: str, out: str) -> None:
    """Child process: convert once, print seconds, samples and peak RSS as JSON."""
    import pyarrow.parquet  # noqa: F401  (imported before the clock starts, as the CLI would)

    from rmjob.data.convert import ConvertOptions, convert

    start = time.perf_counter()
    summary = convert(ConvertOptions(mode=mode, src=Path(src), out=Path(out)))  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"seconds": seconds, "samples": sum(summary.samples.values()), "rss_mib": rss_mib}))


def main() -> None:
    src = synthetic_input()
    print(
        f"data benchmark: full-size synthetic HelpSteer2, median of {RUNS} runs, "
        f"target < {TARGET_SECONDS:.1f} s and < {TARGET_RSS_MIB} MiB peak RSS per mode",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="rmkit-bench-") as out:
        for mode in ("pointwise", "pairwise"):
            runs = []
            for _ in range(RUNS):
                proc = subprocess.run(
                    [sys.executable, "-m", "benchmarks.data", "--one", mode, str(src), out],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            seconds = statistics.median(r["seconds"] for r in runs)
            rss = max(r["rss_mib"] for r in runs)
            ok = "ok" if seconds < TARGET_SECONDS and rss < TARGET_RSS_MIB else "OVER TARGET"
            print(
                f"  convert {mode:<9} {runs[0]['samples']:>7,} samples  {seconds:6.2f} s  "
                f"peak RSS {rss:6.0f} MiB  {ok}",
                flush=True,
            )


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--one":
        one(*sys.argv[2:])
    else:
        main()
