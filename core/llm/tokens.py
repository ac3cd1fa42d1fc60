"""Token counts for a stage's model.

The local server's own tokenizer (``/tokenize``, one call for a whole batch of texts); for OpenAI models
``tiktoken`` when its encoding is available offline; otherwise :func:`estimate_tokens`, a rough estimate
(one token per Hangul syllable or CJK character, one per four other characters).
"""

from __future__ import annotations

import codecs
import math
import re
import threading
from typing import Any

_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7a3]")


def estimate_tokens(text: str) -> int:
    """A rough token count when no real tokenizer is at hand: CJK/Hangul chars count 1, others 1/4."""
    if not text:
        return 0
    cjk = len(_CJK.findall(text))
    return max(1, cjk + math.ceil((len(text) - cjk) / 4))


def piece_text(piece: Any) -> str:
    """A ``/tokenize`` piece as text: a string, or (for a token that splits a UTF-8 sequence) its bytes."""
    if isinstance(piece, str):
        return piece
    if isinstance(piece, list):
        return bytes(piece).decode("utf-8", errors="ignore")
    return ""


def split_counts(texts: list[str], pieces: list[Any], sep: str = "\n") -> list[int]:
    """Per-text token counts from the pieces of one tokenization of ``sep.join(texts)``.

    A token is counted for the text in which it starts (a token spanning the separator counts once, for
    the earlier text); characters are located by the pieces' running length, decoded incrementally, so
    pieces that are byte fragments of one character (" \\xec\\x9b" then "\\x94") still land in the right text.
    """
    ends, pos = [], 0
    for t in texts:
        pos += len(t)
        ends.append(pos)
        pos += len(sep)
    counts = [0] * len(texts)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")  # holds a character split across tokens
    i, offset = 0, 0
    for piece in pieces:
        while i < len(texts) - 1 and offset >= ends[i] + len(sep):
            i += 1
        counts[i] += 1
        data = bytes(piece) if isinstance(piece, list) else piece_text(piece).encode()
        offset += len(decoder.decode(data))
    return counts


_TIKTOKEN: dict[str, Any] = {}


def tiktoken_encoding(model: str) -> Any | None:
    """tiktoken's encoding for ``model`` if it loads within 5 s (its files are fetched once, then cached);
    None offline. Loaded in a daemon thread because tiktoken's download has no timeout."""
    if model in _TIKTOKEN:
        return _TIKTOKEN[model]
    box: dict[str, Any] = {}

    def load() -> None:
        try:
            import tiktoken

            try:
                box["enc"] = tiktoken.encoding_for_model(model)
            except KeyError:
                box["enc"] = tiktoken.get_encoding("o200k_base")
        except Exception:  # noqa: BLE001 - offline or not installed: estimate instead
            box["enc"] = None

    t = threading.Thread(target=load, daemon=True)
    t.start()
    t.join(5.0)
    _TIKTOKEN[model] = box.get("enc")
    return _TIKTOKEN[model]
