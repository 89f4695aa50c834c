"""One vocabulary for what a check found: the doctor's machine checks and a run's diagnosis.

``code`` is a stable identifier for scripts (``insufficient-gpus``, ``driver-too-old``, ...),
``summary`` one line in plain words that says what to do, ``subject`` the pod or object it is
about (empty: the machine itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Level(str, Enum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Finding:
    level: Level
    code: str
    summary: str
    subject: str = ""
