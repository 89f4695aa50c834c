"""``python -m rmjob.rayjobs.local up|down|status``: the local CPU Ray head behind ``make ray-up``.

``up`` starts the head (or finds it running), creates the local volumes and writes the tiny model
the tiny presets read (``<storage>/models/tiny-qwen3``) when it is missing, then prints the address.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rmjob.errors import UserError
from rmjob.rayjobs.head import (
    DEFAULT_DASHBOARD_PORT,
    HeadPorts,
    default_state_dir,
    running_head,
    start_head,
    stop_head,
)
from rmjob.rayjobs.layout import VOLUMES, LocalLayout

TINY_MODEL = "tiny-qwen3"


def prepare_storage(layout: LocalLayout) -> Path:
    """The local volumes, and the tiny model in the models volume (written once)."""
    for name in VOLUMES:
        layout.volume(name).mkdir(parents=True, exist_ok=True)
    model = layout.volume("models") / TINY_MODEL
    if not (model / "config.json").is_file():
        from rmjob.train.tiny_model import write_tiny_model

        print(f"writing the tiny model for the tiny presets to {model}", flush=True)
        write_tiny_model(model)
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rmjob.rayjobs.local")
    parser.add_argument("action", choices=["up", "down", "status"])
    parser.add_argument("--dashboard-port", type=int, default=DEFAULT_DASHBOARD_PORT)
    parser.add_argument("--state-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    state_dir = args.state_dir or default_state_dir()
    try:
        if args.action == "up":
            layout = LocalLayout.default()
            prepare_storage(layout)
            state, new = start_head(state_dir, HeadPorts.all_free(dashboard=args.dashboard_port))
            what = "started" if new else "already up"
            print(f"Ray head {what}: {state.address} (log {state.log}; volumes in {layout.storage})")
            print(f"export RAY_ADDRESS={state.address}")
        elif args.action == "down":
            stopped = stop_head(state_dir)
            print(f"Ray head at {stopped.address} stopped" if stopped else "no Ray head was running")
        else:
            running = running_head(state_dir)
            print(f"Ray head up: {running.address}" if running else "no Ray head running")
            return 0 if running else 1
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
