"""Reading the judge's verdict out of a generated response.

Only the text after the last ``</think>`` counts, so tags the model writes while thinking are not
votes; a response still inside an unclosed ``<think>`` (cut off by the length limit) has no verdict.
When the answer holds several tags, the last one is the verdict. Anything else is a parse failure
(``None``), never a guess: "Response A is worse than Response B" without the tag is not a vote.
"""

from __future__ import annotations

import re

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
SCORE_TAG = re.compile(r"<score>(.*?)</score>", re.IGNORECASE | re.DOTALL)
PREFERENCE_TAG = re.compile(r"<preference>(.*?)</preference>", re.IGNORECASE | re.DOTALL)
SCORE_RANGE = range(0, 5)
PREFERENCES = {"a": "A", "b": "B", "tie": "tie"}


def final_answer(text: str) -> str | None:
    """The part of ``text`` after any thinking block, or None while a block is still open."""
    close = text.rfind(THINK_CLOSE)
    answer = text[close + len(THINK_CLOSE) :] if close >= 0 else text
    if THINK_OPEN in answer:
        return None
    return answer


def _last_tag(pattern: re.Pattern[str], text: str) -> str | None:
    answer = final_answer(text)
    if answer is None:
        return None
    values = pattern.findall(answer)
    return values[-1].strip() if values else None


def parse_score(text: str) -> int | None:
    """The final ``<score>N</score>``: an integer 0..4, else None ("3.5", "5", "three" fail)."""
    value = _last_tag(SCORE_TAG, text)
    if value is None or not value.isascii() or not value.isdigit():
        return None
    score = int(value)
    return score if score in SCORE_RANGE else None


def parse_preference(text: str) -> str | None:
    """The final ``<preference>``: ``A``, ``B`` or ``tie``, forgiving case and surrounding spaces."""
    value = _last_tag(PREFERENCE_TAG, text)
    return None if value is None else PREFERENCES.get(value.casefold())
