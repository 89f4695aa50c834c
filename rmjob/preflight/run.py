"""Run every rule over the gathered inputs, in ``rules.yaml``'s order."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable

from rmjob.preflight.generic import env_rule, version_rule
from rmjob.preflight.inputs import Inputs
from rmjob.preflight.result import Report, Result, Verdict
from rmjob.preflight.rules import Rule, load_rules

Check = Callable[[Rule, Inputs], list[Verdict]]
# check name in rules.yaml -> module that defines it (imported only when its rule runs)
CHECK_MODULES = {
    "ray_versions_agree": "rmjob.preflight.versions",
    "stack_pins": "rmjob.preflight.versions",
    "verl_startup": "rmjob.preflight.verl_startup",
    "dynamic_batch_tokens": "rmjob.preflight.verl_startup",
    "context_length": "rmjob.preflight.lengths",
    "overlong_prompts": "rmjob.preflight.lengths",
    "prompts_left": "rmjob.preflight.lengths",
    "memory_fit": "rmjob.preflight.memory",
    "cluster_shape": "rmjob.preflight.cluster_fit",
    "cluster_capacity": "rmjob.preflight.cluster_fit",
    "mode_data": "rmjob.preflight.data_mode",
}


def check_for(rule: Rule) -> Check:
    if rule.kind == "env":
        return env_rule
    if rule.kind == "version":
        return version_rule
    if rule.check not in CHECK_MODULES:
        raise ValueError(f"rule {rule.id}: no check named {rule.check!r} (known: {', '.join(CHECK_MODULES)})")
    check: Check = getattr(importlib.import_module(CHECK_MODULES[rule.check]), rule.check)
    return check


def run_rules(inputs: Inputs, subject: str, skip: frozenset[str] = frozenset()) -> Report:
    start = time.perf_counter()
    results: list[Result] = []
    for rule in load_rules():
        if rule.id in skip:
            verdicts = [Verdict("skip", "skipped with --skip-rule")]
        else:
            verdicts = check_for(rule)(rule, inputs)
        for v in verdicts:
            status = "warn" if v.status == "fail" and rule.severity == "warning" else v.status
            results.append(Result(rule.id, status, v.detail, v.fix, rule.reason, rule.reference))
    return Report(subject, tuple(results), time.perf_counter() - start)
