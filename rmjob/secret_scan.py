"""Refusing secrets where they would be written down (specs, runtime_env.yaml, manifests)."""

from __future__ import annotations

import re

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

# Token counts (verl's max_num_batched_tokens, ppo_max_token_len_per_gpu): a number there is a length.
_TOKEN_COUNT = re.compile(r"TOKENS|TOKEN_LEN", re.IGNORECASE)


def secret_looking(name: str, value: object) -> bool:
    """True when ``name=value`` would put a credential in plain text.

    A credential-like name with an empty value is fine (it documents the variable); so is a value
    that only points elsewhere, such as a file path.
    """
    text = "" if value is None else str(value).strip()
    if _SECRET_VALUE.match(text):
        return True
    if _TOKEN_COUNT.search(name) and text.isdigit():
        return False
    return bool(_SECRET_NAME.search(name)) and bool(text) and not text.startswith("/")
