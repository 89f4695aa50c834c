"""The report's figure: RM-Bench's 3x3 heat map per domain, or HelpSteer2's confusion matrix, beside a
bar chart of the headline figures with the seed's result drawn as a dashed reference line.

Needs matplotlib (the ``plot`` extra); imported here only.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from rmjob.errors import UserError
from rmjob.eval.report import METRICS, bench_key

SHORT_STYLES = ["concise", "detailed", "markdown"]  # rmbench.STYLES, short enough for tick labels
# Bars are the figures in 0..1; the MAE is on another scale and stays in the tables.
BAR_METRICS = {"mae", "mae_parsed"}


def _heat_map(
    ax: Any, matrix: list[list[float | None]], title: str, x: list[str], y: list[str], fmt: str
) -> Any:
    values = [[float("nan") if v is None else float(v) for v in row] for row in matrix]
    vmax = (
        1.0 if fmt == "{:.2f}" else max(1.0, max((v for row in values for v in row if v == v), default=1.0))
    )
    image = ax.imshow(values, cmap="viridis", vmin=0.0, vmax=vmax)
    ax.set_xticks(range(len(x)), x, rotation=30, ha="right")
    ax.set_yticks(range(len(y)), y)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            text = "-" if value is None else fmt.format(value)
            ax.text(
                j, i, text, ha="center", va="center", color="white" if (value or 0) < 0.6 * vmax else "black"
            )
    ax.set_title(title)
    return image


def _bars(ax: Any, report: Mapping[str, Any]) -> None:
    seed = report["seed"]
    metrics = [(key, label) for key, label in METRICS[bench_key(report)] if key not in BAR_METRICS]
    metrics += [(name, name) for name in report.get("core_domains", [])]
    values = [
        report["domains"][key]["total"] if key in report.get("domains", {}) else report.get(key)
        for key, _ in metrics
    ]
    heights = [0.0 if v is None else v for v in values]
    colors = ["tab:blue" if key == seed["metric"] else "tab:gray" for key, _ in metrics]
    ax.bar(range(len(metrics)), heights, color=colors)
    ax.set_xticks(range(len(metrics)), [label for _, label in metrics], rotation=30, ha="right")
    ax.axhline(seed["value"], color="tab:red", linestyle="--", label=seed["label"])
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper right", fontsize=8)
    ax.set_title(f"{seed['metric']} (blue) vs the seed")
    ax.grid(axis="y", alpha=0.3)


def render_png(report: Mapping[str, Any]) -> bytes:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UserError("the report figure needs matplotlib: pip install 'rmjob[plot]'") from None

    domains = report.get("domains", {})
    panels = len(domains) if domains else 1
    fig, axes = plt.subplots(1, panels + 1, figsize=(4 * (panels + 1), 4), dpi=100, squeeze=False)
    if domains:
        for ax, (name, domain) in zip(axes[0], domains.items(), strict=False):
            _heat_map(
                ax,
                domain["matrix"],
                f"{name} ({_fmt(domain['total'])})",
                SHORT_STYLES,
                SHORT_STYLES,
                "{:.2f}",
            )
            ax.set_xlabel("rejected style")
            ax.set_ylabel("chosen style")
    else:
        confusion = report["confusion"]
        _heat_map(
            axes[0][0],
            confusion["counts"],
            "label vs verdict (counts)",
            confusion["columns"],
            confusion["rows"],
            "{}",
        )
        axes[0][0].set_xlabel("verdict")
        axes[0][0].set_ylabel("label")
    _bars(axes[0][-1], report)
    fig.suptitle(f"{bench_key(report)}: {_fmt(report.get('accuracy'))} ({report['n']} judgments)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
