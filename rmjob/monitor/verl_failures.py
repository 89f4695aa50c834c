"""Why a verl run stopped, in plain words, read from its console output (any backend's log).

Each rule matches a message verl 0.4.1, Ray or Python prints and says what to do. Pure.
"""

from __future__ import annotations

import re

from rmjob.findings import Finding, Level

# verl/trainer/ppo/ray_trainer.py (0.4.1), ResourcePoolManager._check_resource_available.
_GPUS = re.compile(r"Total available GPUs (\d+) is less than total desired GPUs (\d+)")
# verl/trainer/ppo/ray_trainer.py (0.4.1), RayPPOTrainer._create_dataloader.
_EMPTY = "Train dataloader is empty!"
_NO_MODULE = re.compile(r"No module named '([\w.]+)'")
_NO_FILE = re.compile(r"FileNotFoundError: .*?'?(/[^'\s]+\.parquet)")
_NO_MODEL = re.compile(r"(?:Incorrect path_or_model_id|does not appear to have a file named config\.json)")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def verl_findings(log: str, subject: str, nodes: int | None = None) -> list[Finding]:
    """Findings from a run's log, the most specific first; ``nodes`` is the run's node count."""
    findings: list[Finding] = []
    if match := _GPUS.search(log):
        have, want = int(match[1]), int(match[2])
        count = nodes or 1
        per_node = want // count
        findings.append(
            Finding(
                Level.ERROR,
                "not-enough-gpus",
                f"the Ray cluster has {_plural(have, 'GPU')}; this run asks for {per_node} per node on "
                f"{_plural(count, 'node')} (verl: {match[0]}); run it on a head with GPUs, or lower "
                "cluster.nodes / cluster.gpus_per_node",
                subject,
            )
        )
    if _EMPTY in log:
        findings.append(
            Finding(
                Level.ERROR,
                "empty-train-data",
                "no full training batch is left after verl drops prompts longer than "
                "training.max_prompt_length: raise it, lower training.train_batch_size, or add data",
                subject,
            )
        )
    for module in dict.fromkeys(_NO_MODULE.findall(log)):
        top = module.split(".")[0]
        fix = {
            "vllm": "install vllm==0.8.4 where the Ray head runs, or set training.rollout: hf",
            "verl": "start the Ray head from a virtualenv with verl (its bin first on PATH: make ray-up)",
            "rmjob": "start the Ray head from the virtualenv that has rmjob (make ray-up)",
        }.get(top, f"install {top} where the Ray head runs")
        findings.append(
            Finding(Level.ERROR, "missing-module", f"Python module {module!r} is missing: {fix}", subject)
        )
    if match := _NO_FILE.search(log):
        findings.append(
            Finding(
                Level.ERROR,
                "missing-data",
                f"no data file {match[1]}: convert HelpSteer2 first (`rmjob data submit --mode ...`)",
                subject,
            )
        )
    if _NO_MODEL.search(log):
        findings.append(
            Finding(
                Level.ERROR,
                "missing-model",
                "the model directory is missing or incomplete: check model.path (for the tiny presets, "
                "`make ray-up` writes it)",
                subject,
            )
        )
    return findings
