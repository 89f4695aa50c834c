"""The eval report: ``report.json`` (the numbers), ``report.md`` (tables) and ``report.png``.

Each report sits next to the seed's published figure for the same benchmark (RM-Gallery's runs:
pointwise exact accuracy ~0.42 and pairwise accuracy ~0.62 on HelpSteer2 validation with Qwen3-14B,
RM-Bench 62.5% for the pairwise Qwen2.5-14B judge), so "is my judge any good?" has a yardstick.
Building the dicts and text is pure; ``write_report`` / ``load_report`` are the I/O edge.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rmjob.atomic import write_bytes_atomic, write_text_atomic
from rmjob.errors import UserError
from rmjob.eval.rmbench import STYLES

REPORT_JSON = "report.json"
REPORT_MD = "report.md"
REPORT_PNG = "report.png"
JUDGMENTS = "judgments.jsonl"


@dataclass(frozen=True)
class SeedFigure:
    metric: str
    value: float
    label: str


# The seed's results (DESIGN.md section 3, from RM-Gallery's reward-model training write-up).
SEED_FIGURES: dict[str, SeedFigure] = {
    "helpsteer2/pointwise": SeedFigure("accuracy", 0.42, "seed Qwen3-14B pointwise (~0.42)"),
    "helpsteer2/pairwise": SeedFigure("accuracy", 0.62, "seed Qwen3-14B pairwise (~0.62)"),
    "rmbench": SeedFigure("total", 0.625, "seed Qwen2.5-14B pairwise (62.5%)"),
}

# (key, label) of the figures shown per benchmark, headline first.
METRICS: dict[str, list[tuple[str, str]]] = {
    "helpsteer2/pointwise": [
        ("accuracy", "exact accuracy"),
        ("within_1", "within-1 accuracy"),
        ("mae", "mean absolute error (unparsed = 4)"),
        ("mae_parsed", "mean absolute error (parsed only)"),
        ("parse_rate", "parse rate"),
    ],
    "helpsteer2/pairwise": [
        ("accuracy", "accuracy"),
        ("tie_rate", "tie rate"),
        ("position_consistency", "position consistency"),
        ("parse_rate", "parse rate"),
    ],
    "rmbench": [
        ("total", "total"),
        ("easy", "easy"),
        ("normal", "normal"),
        ("hard", "hard"),
        ("parse_rate", "parse rate"),
        ("tie_rate", "tie rate"),
        ("position_consistency", "position consistency"),
    ],
}


def bench_key(report: Mapping[str, Any]) -> str:
    """``rmbench`` or ``helpsteer2/<mode>``."""
    return str(report["bench"]) if "mode" not in report else f"{report['bench']}/{report['mode']}"


def build_report(section: Mapping[str, Any], run: Mapping[str, Any]) -> dict[str, Any]:
    """A benchmark section plus the seed's figure and how the judgments were made (``run``)."""
    seed = SEED_FIGURES[bench_key(section)]
    return {
        **section,
        "seed": {"metric": seed.metric, "value": seed.value, "label": seed.label},
        "run": dict(run),
    }


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def metric_rows(report: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(label, value, seed) rows: the headline figures, then RM-Bench's domains, then counts."""
    seed = report["seed"]
    rows = [
        (label, _number(report.get(key)), _number(seed["value"]) if key == seed["metric"] else "")
        for key, label in METRICS[bench_key(report)]
    ]
    for name, domain in report.get("domains", {}).items():
        core = "" if name in report.get("core_domains", []) else " (not in total)"
        rows.append((f"{name}{core}", _number(domain["total"]), ""))
    counts = f"{report['n']} judged, {report['missing']} missing"
    rows.append(("judgments", counts, ""))
    return rows


def table(report: Mapping[str, Any]) -> str:
    """Plain columns for the terminal (``rmjob eval report DIR``)."""
    rows = [("metric", "value", "seed"), *metric_rows(report)]
    widths = [max(len(r[c]) for r in rows) for c in range(3)]
    lines = [f"{bench_key(report)}: {report['run'].get('model') or report['run'].get('judgments')}"]
    lines += ["   ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def markdown(report: Mapping[str, Any]) -> str:
    run = report["run"]
    lines = [f"# Judge evaluation: {bench_key(report)}", ""]
    source = run.get("model") or f"judgments from {run.get('judgments')}"
    lines += [f"Judge: `{source}`; data: `{run.get('data')}`.", ""]
    lines += _md_table(["metric", "value", "seed"], [list(r) for r in metric_rows(report)])
    lines += ["", f"The seed's figure is {report['seed']['label']}.", ""]
    for name, domain in report.get("domains", {}).items():
        lines += [f"## {name}: chosen style (rows) against rejected style (columns)", ""]
        lines += _md_table(
            ["chosen \\ rejected", *STYLES],
            [[STYLES[i], *map(_number, row)] for i, row in enumerate(domain["matrix"])],
        )
        lines.append("")
    if "confusion" in report:
        confusion = report["confusion"]
        lines += ["## Confusion matrix: label (rows) against verdict (columns)", ""]
        lines += _md_table(
            ["label \\ verdict", *confusion["columns"]],
            [
                [label, *map(str, counts)]
                for label, counts in zip(confusion["rows"], confusion["counts"], strict=True)
            ],
        )
        lines.append("")
    settings = {k: v for k, v in run.items() if k not in ("model", "data")}
    lines += [
        "## How the judgments were made",
        "",
        "```json",
        json.dumps(settings, indent=2, sort_keys=True),
        "```",
    ]
    lines += ["", f"![report]({REPORT_PNG})", ""]
    return "\n".join(lines)


def write_report(out: Path, report: Mapping[str, Any], png: bytes) -> list[Path]:
    """report.json, report.md and report.png into ``out``, each written atomically."""
    files = {
        out / REPORT_JSON: (json.dumps(report, indent=2, sort_keys=False) + "\n").encode(),
        out / REPORT_MD: markdown(report).encode(),
        out / REPORT_PNG: png,
    }
    try:
        for path, data in files.items():
            write_bytes_atomic(path, data)
    except OSError as exc:
        raise UserError(f"cannot write the report into {out}: {exc.strerror or exc}") from None
    return list(files)


def write_judgments(out: Path, text: str) -> Path:
    path = out / JUDGMENTS
    try:
        write_text_atomic(path, text)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def load_report(directory: Path) -> dict[str, Any]:
    path = directory / REPORT_JSON if directory.is_dir() else directory
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(
            f"no eval report at {path} ({exc.strerror or exc}); run `rmjob eval run --out DIR`"
        ) from None
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} is not JSON ({exc.msg}); was it written by `rmjob eval run`?") from None
    if not isinstance(report, dict) or "bench" not in report or "seed" not in report:
        raise UserError(f"{path} is not an rmjob eval report (no 'bench'/'seed' keys)")
    return report
