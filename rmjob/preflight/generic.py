"""The two rule kinds that are pure data: a bad environment value, a bad version range."""

from __future__ import annotations

from rmjob.doctor import version_tuple
from rmjob.preflight.inputs import Inputs
from rmjob.preflight.result import Verdict, failed, passed
from rmjob.preflight.rules import Rule


def env_rule(rule: Rule, inputs: Inputs) -> list[Verdict]:
    assert rule.variable and rule.contains
    verdicts = []
    for source in inputs.env_sources:
        value = source.env.get(rule.variable)
        if value is not None and rule.contains in value:
            verdicts.append(
                failed(
                    f"{source.where} sets {rule.variable}={value}",
                    f"{source.remove} (or set it without {rule.contains})",
                )
            )
    if verdicts:
        return verdicts
    places = "; ".join(s.where for s in inputs.env_sources)
    return [passed(f"no {rule.variable}={rule.contains} in {places}")]


def in_range(version: str, low: str, high: str) -> bool:
    """Inclusive on both ends at the precision the bounds are written in (2.37 covers 2.37.x)."""
    v = version_tuple(version)
    lo, hi = version_tuple(low), version_tuple(high)
    return lo <= v[: len(lo)] and v[: len(hi)] <= hi


def version_rule(rule: Rule, inputs: Inputs) -> list[Verdict]:
    assert rule.package and rule.bad_from and rule.bad_until
    verdicts: list[Verdict] = []
    seen: dict[str, int] = {}
    for source in inputs.version_sources:
        version = source.versions.get(rule.package)
        if version is None:
            continue
        seen[version] = seen.get(version, 0) + 1
        if in_range(version, rule.bad_from, rule.bad_until):
            verdicts.append(
                failed(
                    f"{source.where} has {rule.package} {version}",
                    f"use {rule.package} {_pinned(inputs, rule.package)} (rmjob/platform.yaml) there",
                )
            )
    if verdicts:
        return verdicts
    found = ", ".join(f"{v} ({n} source{'s' if n > 1 else ''})" for v, n in seen.items())
    return [passed(f"{rule.package} {found or 'not found in any source'}")]


def _pinned(inputs: Inputs, package: str) -> str:
    return inputs.version_sources[0].versions.get(package, "as pinned")
