"""Refusing secrets where they would be written down (specs, runtime_env.yaml, manifests)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

# Names that carry credentials by convention.
_SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)", re.IGNORECASE)
# Values shaped like well-known credentials, whatever the variable is called.
_SECRET_VALUE = re.compile(
    r"^(hf_[A-Za-z0-9]{20,}"  # Hugging Face token
    r"|[0-9a-f]{40}"  # W&B API key
    r"|sk-[A-Za-z0-9_-]{20,}"  # OpenAI-style key
    r"|gh[pousr]_[A-Za-z0-9]{30,}"  # GitHub token
    r"|AKIA[0-9A-Z]{16}"  # AWS access key id
    r"|xox[baprs]-[A-Za-z0-9-]{10,})$"  # Slack token
)
# A URL carrying a credential: `scheme://user:password@host` or a token as the user,
# and query parameters such as `?token=...`, `&X-Amz-Signature=...`, `&sig=...` (Azure SAS).
_URL_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#\s@]+)@")
_URL_SECRET_PARAM = re.compile(
    r"[?&](?:[\w.-]*[_.-])?(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|AUTH|SIG|SIGNATURE)"
    r"(?:[_.-][\w.-]*)?=[^&#\s]+",
    re.IGNORECASE,
)


def url_with_credentials(text: str) -> bool:
    """True when ``text`` contains a URL whose user info or query carries a credential."""
    for match in _URL_USERINFO.finditer(text):
        user, _, password = match.group(1).partition(":")
        if password or _SECRET_VALUE.match(user):
            return True
    return bool(_URL_SECRET_PARAM.search(text))


# Token counts (verl's max_num_batched_tokens, ppo_max_token_len_per_gpu): a number there is a length.
_TOKEN_COUNT = re.compile(r"TOKENS|TOKEN_LEN", re.IGNORECASE)


def secret_looking(name: str, value: object) -> bool:
    """True when ``name=value`` would put a credential in plain text.

    A credential-like name with an empty value is fine (it documents the variable); so is a value
    that only points elsewhere, such as a file path.
    """
    text = "" if value is None else str(value).strip()
    if _SECRET_VALUE.match(text) or url_with_credentials(text):
        return True
    if _TOKEN_COUNT.search(name) and text.isdigit():
        return False
    return bool(_SECRET_NAME.search(name)) and bool(text) and not text.startswith("/")


def nested_values(data: object, path: str = "") -> Iterator[tuple[str, object]]:
    """``data`` and every value inside its mappings and lists, each with its dotted path, a container
    before what it holds."""
    yield path, data
    items: Iterable[tuple[object, object]] = ()
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    for key, value in items:
        yield from nested_values(value, f"{path}.{key}" if path else str(key))


def credential_paths(data: object) -> list[str]:
    """Dotted paths of every string inside ``data`` that holds a URL with credentials."""
    return [
        path or "value"
        for path, value in nested_values(data)
        if isinstance(value, str) and url_with_credentials(value)
    ]
