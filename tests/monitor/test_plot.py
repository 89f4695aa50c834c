from __future__ import annotations

import struct
from pathlib import Path

import pytest

from rmjob.errors import UserError
from rmjob.monitor.logs import parse_log
from rmjob.monitor.plot import build_figure, write_plot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_plot_writes_a_png_that_opens(tmp_path):
    log = parse_log((FIXTURES / "verl_pairwise_ok.log").read_text().splitlines())
    target = tmp_path / "curves.png"
    write_plot(log, "rm-pairwise", target)
    data = target.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1100, 800)
    from matplotlib import image

    pixels = image.imread(target)
    assert pixels.shape[:2] == (800, 1100) and pixels.std() > 0  # something was drawn


def test_plot_has_validation_reward_length_and_throughput_panels_on_integer_steps():
    log = parse_log((FIXTURES / "verl_pairwise_ok.log").read_text().splitlines())
    figure = build_figure(log, "rm-pairwise")
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == [
        "validation",
        "reward (train batch mean)",
        "response length (tokens, mean)",
        "throughput (tokens/s/GPU)",
    ]
    for ax in figure.axes:
        assert ax.lines, ax.get_title()
        ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
        assert ticks and all(float(t).is_integer() for t in ticks), (ax.get_title(), ticks)
    assert [line.get_label() for line in figure.axes[0].lines] == ["accuracy", "mean reward"]


def test_plot_without_metrics_is_one_clear_error(tmp_path):
    with pytest.raises(UserError, match="no verl step metrics"):
        write_plot(parse_log(["nothing here"]), "x", tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()
