"""``rmjob dev``: helpers for trying the kit without downloads (the tiny offline model)."""

from __future__ import annotations

from pathlib import Path

from rmjob.cli.command import Arg, Group, Opt, echo
from rmjob.errors import UserError

app = Group("dev", "Development helpers: offline stand-ins for downloads.")
COMMANDS = (app,)  # what rmjob.cli imports from here


@app.command(
    Arg("out", metavar="DIR", type=Path, help="directory to write (replaced if it exists)"),
    Opt("--layers", type=int, default=2, min=1, max=8, help="decoder layers"),
    Opt("--hidden", type=int, default=64, min=16, max=512, help="hidden size (a multiple of 16)"),
    Opt("--seed", type=int, default=0, help="weights' random seed (same seed, same weights)"),
)
def tiny_model(out: Path, layers: int, hidden: int, seed: int) -> None:
    """Write a tiny randomly initialised Qwen3-architecture judge with an offline tokenizer.

    Example: rmjob dev tiny-model ~/.cache/rm-kit/models/tiny-qwen3
    """
    if hidden % 16:
        raise UserError(f"--hidden {hidden} is not a multiple of 16 (4 heads of equal size); try 64")
    if out.exists() and not out.is_dir():
        raise UserError(f"{out} exists and is not a directory; choose another DIR")
    try:
        from rmjob.train.tiny_model import TinyShape, write_tiny_model
    except ImportError as exc:
        raise UserError(
            f"the tiny model needs the train extra ({exc.name} is missing): pip install 'rmjob[train]'"
        ) from None
    try:
        path = write_tiny_model(out, TinyShape(layers=layers, hidden=hidden, intermediate=2 * hidden), seed)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    echo(f"wrote {path} (Qwen3 architecture, {layers} layers, hidden {hidden}, random weights)")
