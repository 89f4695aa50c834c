"""Which of the spec's paths (paths inside the pods) can be read on this machine."""

from __future__ import annotations

from pathlib import Path


def local_file(path: str, spec_dir: Path | None) -> Path | None:
    candidates = [Path(path)] + ([spec_dir / path] if spec_dir is not None else [])
    return next((c for c in candidates if c.is_file()), None)
