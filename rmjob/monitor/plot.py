"""Training curves from parsed logs as PNG, PDF or SVG: validation, reward, response length, throughput.

Like the seed's training-curve figures, but from the console log, so no W&B account is needed.
Steps are whole numbers, so the x axes tick on integers only. Needs matplotlib (the ``plot``
extra); imported here only.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from rmjob.atomic import write_bytes_atomic
from rmjob.errors import UserError
from rmjob.monitor.logs import LENGTH_KEY, REWARD_KEY, SCORE_KEY, THROUGHPUT_KEY, RunLog

# (panel title, [(series, line label)]): one panel each, in reading order.
PANELS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("validation", (("val_acc", "accuracy"), ("val_reward", "mean reward"))),
    ("reward (train batch mean)", ((REWARD_KEY, "reward"),)),
    ("response length (tokens, mean)", ((LENGTH_KEY, "length"),)),
    ("throughput (tokens/s/GPU)", ((THROUGHPUT_KEY, "throughput"),)),
)


# The file's suffix chooses the format: the bytes always match the name.
FORMATS = ("png", "pdf", "svg")


def plot_format(path: Path) -> str:
    """The format the file name asks for; refuses names whose suffix we would not honour."""
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise UserError(f"cannot tell the plot format from {path.name!r}: name the file .png, .pdf or .svg")
    return fmt


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UserError("plotting needs matplotlib: pip install 'rmjob[plot]'") from None
    return plt


def build_figure(log: RunLog, title: str) -> Any:
    """The matplotlib figure (2x2 panels); raises UserError when the log has no step metrics yet."""
    plt = _pyplot()
    from matplotlib.ticker import MaxNLocator

    if not any(log.series(key) for _, lines in PANELS for key, _ in lines) and not log.series(SCORE_KEY):
        raise UserError("no verl step metrics in the log yet (lines like 'step:1 - critic/rewards/mean:...')")
    fig, axes = plt.subplots(2, 2, figsize=(11, 8), dpi=100)
    for ax, (panel, lines) in zip(axes.flat, PANELS, strict=True):
        drawn = 0
        for key, label in lines:
            points = log.series(key)
            if key == REWARD_KEY and not points:
                points = log.series(SCORE_KEY)  # a run without KL-in-reward logs score only
            if points:
                steps, values = zip(*points, strict=True)
                ax.plot(steps, values, marker="o" if len(points) < 40 else None, label=label)
                drawn += 1
        if not drawn:
            ax.text(0.5, 0.5, "not logged yet", ha="center", va="center", transform=ax.transAxes)
        elif len(lines) > 1:
            ax.legend(loc="best")
        ax.set_title(panel)
        ax.set_xlabel("step")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def render_plot(log: RunLog, title: str, fmt: str = "png") -> bytes:
    fig = build_figure(log, title)
    buffer = io.BytesIO()
    # No creation time in PDF/SVG metadata: re-plotting the same log changes nothing.
    metadata = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}.get(fmt)
    fig.savefig(buffer, format=fmt, metadata=metadata)
    _pyplot().close(fig)
    return buffer.getvalue()


def write_plot(log: RunLog, title: str, path: Path) -> None:
    data = render_plot(log, title, plot_format(path))
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
