"""The preflight rules, loaded from ``rules.yaml`` (one entry per lesson)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from rmjob.bounded_yaml import load_package_yaml
from rmjob.schema import Section, validate

RULES_FILE = Path(__file__).with_name("rules.yaml")


class Rule(Section):
    """One preflight lesson: what it refuses (an env value, a version range or a check) and why."""

    id: str
    severity: Literal["error", "warning"]
    kind: Literal["env", "version", "check"]
    reason: str
    reference: str
    # kind: env
    variable: str | None = None
    contains: str | None = None
    # kind: version (inclusive major.minor[.patch] bounds)
    package: str | None = None
    bad_from: str | None = None
    bad_until: str | None = None
    # kind: check
    check: str | None = None


@lru_cache(maxsize=1)
def load_rules() -> tuple[Rule, ...]:
    rules = tuple(validate(Rule, entry) for entry in load_package_yaml(RULES_FILE))
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{RULES_FILE}: duplicate rule ids")
    return rules
