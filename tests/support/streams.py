"""Reading a subprocess's output while it runs, without blocking the test forever."""

from __future__ import annotations

import threading


class Lines(threading.Thread):
    """Collects a process's stdout lines as they come."""

    def __init__(self, stream) -> None:
        super().__init__(daemon=True)
        self.stream, self.lines = stream, []

    def run(self) -> None:
        for line in self.stream:
            self.lines.append(line.rstrip("\n"))

    def seen(self, text: str) -> bool:
        return any(text in line for line in self.lines)
