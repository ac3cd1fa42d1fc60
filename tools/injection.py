"""Lines addressed to the assistant rather than to the people in the meeting (prompt injection).

Such a line is never a scheduling request, a decision or an action item; the stages that skip it may
quote it in the meeting's warnings.
"""

from __future__ import annotations

import re

_INJECTION = re.compile(
    r"\b(ignore|disregard|forget)\b.{0,30}\b(instructions?|prompt|rules)\b|system prompt|\byou are (now )?an? (ai|assistant|bot)\b"
    r"|지시(를|사항을|는)?\s*(모두\s*)?무시|프롬프트|명령을?\s*무시", re.I)


def looks_like_injection(text: str) -> bool:
    """True when ``text`` tries to instruct the assistant ("ignore all previous instructions …")."""
    return bool(_INJECTION.search(text))
