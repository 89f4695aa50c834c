"""What rm-kit keeps per machine under ``$RMKIT_CACHE`` (default ``~/.cache/rm-kit``): the simulated
cluster's binaries, the local Ray head's state, and parsed YAML.

Parsed YAML: every command reads ``platform.yaml``, a preset or spec and ``runtime_env.yaml``, and
importing PyYAML alone costs more than the rest of ``rmjob render`` (~20 ms on the 2-core dev machine).
A successful parse is kept as ``marshal`` data keyed by a hash of the file's bytes, the reader and
this interpreter, so an unchanged file is never parsed twice and an edited one always is. Failed
parses are not kept (their errors come from the parser every time). The cache is best effort: an
unwritable or damaged cache means parsing, never an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Bump when what a reader returns for the same bytes changes (a new float rule, say).
_FORMAT = "1"
# Entries kept; the oldest written go first. One entry is one file's parse, a few KB.
MAX_PARSED = 256


def cache_root() -> Path:
    return Path(os.environ.get("RMKIT_CACHE") or Path.home() / ".cache" / "rm-kit")


def parsed(source: bytes, reader: str, parse: Callable[[], Any]) -> Any:
    """``parse()``, the parse of ``source`` by ``reader``, from the cache when it is there."""
    digest = hashlib.sha256(f"{_FORMAT}\0{reader}\0{sys.implementation.cache_tag}\0".encode() + source)
    key = digest.hexdigest()
    try:
        entry = cache_root() / "parsed-yaml" / f"{key[:40]}.marshal"
    except RuntimeError:  # no home directory to put it in
        return parse()
    try:
        stored_key, data = marshal.loads(entry.read_bytes())
        if stored_key == key:
            return data
    except (OSError, EOFError, ValueError, TypeError):
        pass
    data = parse()
    _store(entry, key, data)
    return data


def _store(entry: Path, key: str, data: Any) -> None:
    """Atomically (a concurrent reader sees the whole entry or none), keeping ``MAX_PARSED`` entries."""
    try:
        payload = marshal.dumps((key, data))
    except ValueError:
        return  # a value marshal cannot hold (a YAML timestamp): parse that file every time
    temporary = entry.with_name(f"{entry.name}.{os.getpid()}.tmp")
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(payload)
        os.replace(temporary, entry)
        entries = list(entry.parent.glob("*.marshal"))
        if len(entries) > MAX_PARSED:
            entries.sort(key=lambda path: path.stat().st_mtime_ns)
            for old in entries[: len(entries) - MAX_PARSED]:
                old.unlink(missing_ok=True)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
