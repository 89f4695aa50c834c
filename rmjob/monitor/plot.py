"""Training curves (validation accuracy and reward against step) as a PNG, from parsed logs.

Like the seed's training-curve figures, but from the console log, so no W&B account is needed.
Needs matplotlib (the ``plot`` extra); imported here only.
"""

from __future__ import annotations

import io
from pathlib import Path

from rmjob.atomic import write_bytes_atomic
from rmjob.errors import UserError
from rmjob.monitor.logs import REWARD_KEY, SCORE_KEY, RunLog


def render_png(log: RunLog, title: str) -> bytes:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise UserError("plotting needs matplotlib: pip install 'rmjob[plot]'") from None

    accuracy = log.series("val_acc")
    reward = log.series(REWARD_KEY) or log.series(SCORE_KEY)
    if not accuracy and not reward:
        raise UserError("no verl step metrics in the log yet (lines like 'step:1 - critic/rewards/mean:...')")
    fig, (ax_acc, ax_rew) = plt.subplots(1, 2, figsize=(11, 4), dpi=100)
    for ax, points, label, color in (
        (ax_acc, accuracy, "validation accuracy", "tab:blue"),
        (ax_rew, reward, "reward (train batch mean)", "tab:orange"),
    ):
        if points:
            steps, values = zip(*points, strict=True)
            ax.plot(steps, values, marker="o" if len(points) < 40 else None, color=color)
        else:
            ax.text(0.5, 0.5, "not logged yet", ha="center", va="center", transform=ax.transAxes)
        ax.set_title(label)
        ax.set_xlabel("step")
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()


def write_png(log: RunLog, title: str, path: Path) -> None:
    data = render_png(log, title)
    try:
        write_bytes_atomic(path, data)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
