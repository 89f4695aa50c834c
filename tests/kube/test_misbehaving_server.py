"""Whatever the API server sends, rmjob says so in one line naming the server, and never hangs.

Against tests/support/fake_apiserver.py (loopback only): HTML pages, JSON of the wrong shape,
garbage, resets, stalls, and watch streams that turn to garbage or go silent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.fake_apiserver import (
    HTML_PAGE,
    Behaviour,
    Reply,
    Request,
    Reset,
    Stall,
    Stream,
    fake_apiserver,
    rayjob,
)

ROOT = Path(__file__).resolve().parents[2]
NAME = "rm-pairwise-1234abcd"


def rmjob(
    kubeconfig: Path, *args: str, timeout: float = 60
) -> tuple[subprocess.CompletedProcess[str], float]:
    """The result, and when the process ended (time.monotonic())."""
    result = subprocess.run(
        [sys.executable, "-m", "rmjob.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "KUBECONFIG": str(kubeconfig)},
        cwd=ROOT,
        timeout=timeout,
    )
    return result, time.monotonic()


def one_line_naming(result: subprocess.CompletedProcess[str], server: str, *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: "), result.stderr
    assert server in result.stderr, result.stderr
    for text in expected:
        assert text in result.stderr, result.stderr


ANSWERS: list[tuple[str, Behaviour, str]] = [
    ("html-502", Reply(502, HTML_PAGE, "text/html"), "an HTML page ('502 Bad Gateway')"),
    ("html-200", Reply(200, HTML_PAGE, "text/html"), "an HTML page ('502 Bad Gateway')"),
    ("garbage", Reply(200, b"\x00\xff not json"), "not JSON"),
    ("json-without-items", Reply(200, {"kind": "List"}), "not"),
    ("json-array", Reply(200, [1, 2, 3]), "a JSON list"),
    ("malformed-rayjobs", Reply(200, {"items": [1, {"metadata": 5}]}), "not a Kubernetes object"),
    ("status-500", Reply(500, {"kind": "Status", "message": "etcd\nis\ndown"}), "etcd is down"),
    ("reset", Reset(), "cannot reach the API server"),
]


@pytest.mark.parametrize("command", [["list"], ["status", NAME], ["describe", NAME], ["metrics", NAME]])
@pytest.mark.parametrize(("case", "answer", "expected"), ANSWERS, ids=[c for c, _, _ in ANSWERS])
def test_any_answer_is_one_line_naming_the_server(tmp_path, command, case, answer, expected):
    with fake_apiserver(lambda request: answer) as server:
        result, _ = rmjob(server.kubeconfig(tmp_path), *command)
    one_line_naming(result, server.url, expected)


def _watch_route(stream: Stream) -> object:
    def route(request: Request) -> Behaviour:
        if request.watch:
            return stream
        if request.path.endswith(f"/rayjobs/{NAME}"):
            return Reply(200, rayjob(NAME))
        return Reply(200, {"items": []})

    return route


def test_garbage_in_the_watch_stream_is_one_line(tmp_path):
    route = _watch_route(
        Stream([{"type": "MODIFIED", "object": rayjob(NAME)}, "<html>oops", "x"], then="end")
    )
    with fake_apiserver(route) as server:  # type: ignore[arg-type]
        result, _ = rmjob(server.kubeconfig(tmp_path), "watch", NAME, "--timeout", "20")
    assert result.returncode == 2 and server.url in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "watch stream" in errors[0] and "Traceback" not in result.stderr


@pytest.mark.parametrize("then", ["stall", "reset"])
def test_watch_honours_its_timeout_when_the_stream_stalls_or_resets(tmp_path, then):
    route = _watch_route(Stream([{"type": "BOOKMARK", "object": rayjob(NAME)}], then=then))
    with fake_apiserver(route) as server:  # type: ignore[arg-type]
        result, ended = rmjob(server.kubeconfig(tmp_path), "watch", NAME, "--timeout", "4", timeout=60)
    first_watch = next(r for r in server.requests if r.watch)
    assert int(first_watch.query["timeoutSeconds"][0]) <= 4
    took = ended - first_watch.at
    # Before: the read timeout was --timeout + 30 s, so a stalled stream held it 34 s or more. The slack
    # above 4 s is process exit on a loaded machine, not waiting.
    assert took < 4 + 10, f"watch --timeout 4 ran {took:.1f} s after opening its watch"
    assert result.returncode == 2, result.stderr
    assert "stopped following" in result.stderr and "after 4 s" in result.stderr


@pytest.mark.slow
def test_a_stalled_server_is_given_up_on_not_waited_for_forever(tmp_path):
    """Requests have a read timeout (kube.cluster.TIMEOUT, one retry): silence ends in one line (~2 min)."""
    with fake_apiserver(lambda request: Stall()) as server:
        result, _ = rmjob(server.kubeconfig(tmp_path), "list", timeout=200)
    one_line_naming(result, server.url, "cannot reach the API server")


@pytest.mark.parametrize("value", ["-1", "0", "soon"])
def test_watch_refuses_a_timeout_below_one_second(tmp_path, value):
    result, _ = rmjob(tmp_path / "no-kubeconfig", "watch", NAME, "--timeout", value)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "--timeout" in result.stderr
