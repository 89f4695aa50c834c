"""A misbehaving Kubernetes API server on loopback, for the error paths a real one rarely takes.

It answers every request through a routing function the test gives, with one of a few behaviours:
a canned response (HTML error pages, JSON of the wrong shape, garbage bytes), a watch stream that
sends some lines and then garbage or silence, a stall that never answers, or a connection reset.
Everything is bounded: stalls end when the server stops or after ``MAX_STALL_S``, and the server
listens on 127.0.0.1 only. The real API server's behaviour is tested against the simulated cluster
(tests/sim, tests/kube/*_on_sim.py); this is for what that one would not send.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_STALL_S = 60.0

HTML_PAGE = """<!DOCTYPE html>
<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
<p>The proxy in front of the API server
could not reach it.</p>
<script>
  // a corporate proxy's page goes on for a while
</script>
</body>
</html>
"""


@dataclass
class Reply:
    """A whole response: status, body, content type."""

    status: int = 200
    body: bytes | str | Any = b""
    content_type: str = "application/json"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


@dataclass
class Stream:
    """200 with chunked lines (a watch or a followed log), then ``then``: 'end', 'stall' or 'reset'."""

    lines: list[bytes | str | Any] = field(default_factory=list)
    then: str = "end"


@dataclass
class Stall:
    """Read the request and never answer (until the server stops)."""


@dataclass
class Reset:
    """Read the request and reset the connection."""


Behaviour = Reply | Stream | Stall | Reset


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    # When it arrived (time.monotonic()): deadlines are measured from the first request, not from
    # the start of a process whose start-up a loaded machine may slow down.
    at: float = field(default_factory=time.monotonic)

    @property
    def watch(self) -> bool:
        return self.query.get("watch", [""])[0] in ("true", "1")


Route = Callable[[Request], Behaviour]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 10_000_000))
        request = Request(self.command, parts.path, parse_qs(parts.query))
        self.server.requests.append(request)
        behaviour = self.server.route(request)
        if isinstance(behaviour, Reply):
            payload = behaviour.payload()
            self.send_response(behaviour.status)
            self.send_header("Content-Type", behaviour.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        elif isinstance(behaviour, Stream):
            self._stream(behaviour)
        elif isinstance(behaviour, Stall):
            self.server.stopping.wait(MAX_STALL_S)
            self.close_connection = True
        else:
            self._reset()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def _stream(self, stream: Stream) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for line in stream.lines:
            data = line if isinstance(line, bytes) else (line if isinstance(line, str) else json.dumps(line))
            chunk = (data.encode() if isinstance(data, str) else data) + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        if stream.then == "stall":
            self.server.stopping.wait(MAX_STALL_S)
        elif stream.then == "reset":
            self._reset()
            return
        self.wfile.write(b"0\r\n\r\n")
        self.close_connection = True

    def _reset(self) -> None:
        # SO_LINGER 0: close() sends RST instead of FIN.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, route: Route) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.route = route
        self.requests: list[Request] = []
        self.stopping = threading.Event()


@dataclass
class FakeApiServer:
    url: str
    requests: list[Request]

    def kubeconfig(self, folder: Path, namespace: str = "default") -> Path:
        path = folder / "kubeconfig"
        path.write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
                    "contexts": [
                        {"name": "fake", "context": {"cluster": "fake", "user": "u", "namespace": namespace}}
                    ],
                    "current-context": "fake",
                    "users": [{"name": "u", "user": {"token": "not-a-secret"}}],
                }
            )
        )
        return path


@contextmanager
def fake_apiserver(route: Route) -> Iterator[FakeApiServer]:
    server = _Server(route)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield FakeApiServer(f"http://{host}:{port}", server.requests)
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()


def rayjob(name: str = "rm-pairwise-1234abcd", **status: Any) -> dict[str, Any]:
    """A well-formed RayJob as the API server returns it."""
    return {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "metadata": {
            "name": name,
            "namespace": "default",
            "resourceVersion": "100",
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app.kubernetes.io/managed-by": "rmjob"},
        },
        "spec": {"entrypoint": "python3 -m verl.trainer.main_ppo"},
        "status": {"jobDeploymentStatus": "Running", "jobStatus": "RUNNING", **status},
    }
