"""Copy ``rmjob/platform.yaml`` into the chart, which reads it with ``.Files.Get``.

Helm can only read files inside the chart directory, so the chart carries a generated copy;
the chart tests fail when it drifts from the package's.
"""

from __future__ import annotations

from pathlib import Path

from rmjob.atomic import write_bytes_atomic
from rmjob.platform import PLATFORM_FILE

CHART_COPY = Path(__file__).resolve().parents[1] / "charts" / "rm-cluster" / "platform.yaml"


def main() -> None:
    write_bytes_atomic(CHART_COPY, PLATFORM_FILE.read_bytes())
    print(f"copied {PLATFORM_FILE.name} -> {CHART_COPY}")


if __name__ == "__main__":
    main()
