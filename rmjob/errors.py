"""The one exception type users see: the CLI prints its message as a single line and exits 2."""

from __future__ import annotations


class UserError(Exception):
    """Bad input: what is wrong, where, and how to fix it, in one line."""

    exit_code = 2


# Longer than any message rmjob writes itself; cuts an echoed HTML page or log to size.
MAX_MESSAGE_CHARS = 600


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` as one line: whitespace runs (newlines too) become one space, cut at ``limit``."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else f"{flat[: limit - 3]}..."
