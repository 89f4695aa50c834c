"""`make bench` (eval part): scoring a full-size RM-Bench judgments file, report and figure included.

RM-Bench's published set has about 1.3k items; 1,400 synthetic items in its layout give 25,200 judgments
(18 an item). Times ``run_eval`` (read data and judgments, parse, score, write report.json/md/png), median
of 3 runs, in this process after a warm-up. Target on the 2-core dev machine: under 5 s.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

ITEMS = 1400
RUNS = 3
TARGET_SECONDS = 5.0
DOMAINS = ("chat", "code", "math", "safety-refuse", "safety-response")


def write_inputs(directory: Path) -> tuple[Path, Path]:
    from rmjob.eval import rmbench

    rows = [
        {
            "id": str(n),
            "prompt": f"question {n} " * 20,
            "chosen": [f"right answer {n} style {s} " * 30 for s in range(3)],
            "rejected": [f"wrong answer {n} style {s} " * 30 for s in range(3)],
            "domain": DOMAINS[n % len(DOMAINS)],
        }
        for n in range(ITEMS)
    ]
    data = directory / "total_dataset.json"
    data.write_text(json.dumps(rows))
    items = rmbench.parse_items((str(n), row) for n, row in enumerate(rows))
    verdicts = ("A", "B", "tie", "no verdict")
    lines = [
        json.dumps(
            {
                "id": c.id,
                "chosen": c.chosen,
                "rejected": c.rejected,
                "swapped": c.swapped,
                "output": "thinking... " * 40 + f"<preference>{verdicts[n % 4]}</preference>",
            }
        )
        for n, c in enumerate(rmbench.comparisons(items))
    ]
    judgments = directory / "judgments.jsonl"
    judgments.write_text("\n".join(lines) + "\n")
    return data, judgments


def main() -> None:
    from rmjob.eval.pipeline import EvalOptions, run_eval

    with tempfile.TemporaryDirectory(prefix="rmjob-eval-bench-") as scratch:
        data, judgments = write_inputs(Path(scratch))
        options = EvalOptions(bench="rmbench", data=data, out=Path(scratch) / "out", judgments=judgments)
        run_eval(options, log=lambda _: None)  # warm-up: imports, matplotlib's font cache
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            result = run_eval(options, log=lambda _: None)
            times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    verdict = "ok" if seconds < TARGET_SECONDS else "SLOWER THAN TARGET"
    print(
        f"eval benchmark: RM-Bench scoring, {result.report['n']:,} judgments of {ITEMS:,} items -> report, "
        f"median of {RUNS}: {seconds:.2f} s (target < {TARGET_SECONDS:.0f} s) {verdict}"
    )


if __name__ == "__main__":
    main()
