"""What one rule found, and the report of all of them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

Status = Literal["pass", "fail", "warn", "skip"]


@dataclass(frozen=True)
class Verdict:
    """A check's answer for one subject; ``fail`` turns into ``warn`` for warning-severity rules."""

    status: Literal["pass", "fail", "skip"]
    detail: str
    fix: str = ""


def passed(detail: str) -> Verdict:
    return Verdict("pass", detail)


def failed(detail: str, fix: str) -> Verdict:
    return Verdict("fail", detail, fix)


def skipped(detail: str) -> Verdict:
    return Verdict("skip", detail)


@dataclass(frozen=True)
class Result:
    rule: str
    status: Status
    detail: str
    fix: str
    why: str
    reference: str


@dataclass(frozen=True)
class Report:
    subject: str
    results: tuple[Result, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(r.status != "fail" for r in self.results)

    def to_json(self) -> str:
        return json.dumps(
            {
                "subject": self.subject,
                "ok": self.ok,
                "seconds": round(self.seconds, 3),
                "results": [asdict(r) for r in self.results],
            },
            indent=2,
        )
