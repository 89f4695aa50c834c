"""rmjob: render, submit and monitor verl GRPO reward-model training runs on KubeRay."""

__version__ = "0.1.0"
