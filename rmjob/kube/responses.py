"""What the API server answered, checked before anything reads it.

A proxy's HTML error page, a JSON document of the wrong shape or a garbage line in a watch stream
becomes one ``UserError`` line naming the server and what came back, instead of a traceback from
whichever code first indexes into it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rmjob.errors import UserError, one_line

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


def describe_body(data: bytes | str | None) -> str:
    """A short, one-line account of a body that is not the JSON expected."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else (data or "")
    if not text.strip():
        return "an empty answer"
    lowered = text.lstrip()[:200].lower()
    if lowered.startswith(("<!doctype html", "<html")) or "<html" in lowered:
        title = _TITLE.search(text)
        return f"an HTML page ({one_line(title.group(1), 80)!r})" if title else "an HTML page"
    return f"{len(text)} characters that are not JSON ({one_line(text, 60)!r})"


def decode_json(data: bytes | None, server: str, what: str) -> Any:
    try:
        return json.loads(data or b"null")
    except ValueError:
        raise UserError(
            f"{what}: the API server at {server} answered with {describe_body(data)} instead of JSON; "
            "is the kube context's server a Kubernetes API server (not a proxy or a web page)?"
        ) from None


def _is_object(item: Any) -> bool:
    meta = item.get("metadata") if isinstance(item, dict) else None
    return isinstance(meta, dict) and isinstance(meta.get("name", ""), str)


def _shape(data: Any) -> str:
    if isinstance(data, dict):
        return f"a mapping with keys {', '.join(sorted(map(str, data))[:6]) or 'none'}"
    return f"a JSON {type(data).__name__}"


def expect_object(data: Any, server: str, what: str) -> dict[str, Any]:
    """A Kubernetes object: a mapping with ``metadata`` (and a string name, when there is one)."""
    if not _is_object(data):
        raise UserError(
            f"{what}: the API server at {server} answered with {_shape(data)}, not a Kubernetes object"
        )
    return data  # type: ignore[no-any-return]


def expect_list(data: Any, server: str, what: str) -> dict[str, Any]:
    """A Kubernetes list: a mapping whose ``items`` are objects."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise UserError(
            f"{what}: the API server at {server} answered with {_shape(data)}, not a list with items"
        )
    bad = next((i for i, item in enumerate(items) if not _is_object(item)), None)
    if bad is not None:
        raise UserError(
            f"{what}: the API server at {server} answered with a list whose item {bad} is not a Kubernetes "
            f"object ({_shape(items[bad])})"
        )
    return data  # type: ignore[no-any-return]


def watch_event(line: str, server: str, what: str) -> dict[str, Any]:
    """One line of a watch stream: ``{"type": ..., "object": {...}}``."""
    try:
        event = json.loads(line)
    except ValueError:
        raise UserError(
            f"{what}: the API server at {server} sent {describe_body(line)} in the watch stream"
        ) from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("object"), dict)
    ):
        raise UserError(
            f"{what}: the API server at {server} sent {_shape(event)} in the watch stream, not an event"
        )
    return event
