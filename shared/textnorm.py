"""Text normalisation shared by the backend and the NLU tokenizer.

Every function here keeps the text's length, so token offsets computed on the normalised
text are valid offsets into what the resident typed.
"""
import re
import unicodedata

import zhconv

_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")


def _char(c: str) -> str:
    # Full-width letters/digits → ASCII; traditional → simplified, one character at a time.
    n = unicodedata.normalize("NFKC", c)
    if len(n) != 1:
        n = c
    s = zhconv.convert(n, "zh-cn")
    return s if len(s) == 1 else n


def normalise(text: str) -> str:
    """Simplified characters, half-width digits and letters, lower case; same length."""
    return "".join(_char(c) for c in text).lower()


def clean(text: str) -> str:
    """Drop control and invisible formatting characters and trim (this may change length)."""
    return _CONTROL.sub("", text or "").replace("\r", "").strip()


def clean_stored(value):
    """clean() for what is kept: a text, or every text inside a dict/list (a case's context), so
    no stored line carries control characters that break a page, a log line or an XML export."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean(str(k)): clean_stored(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_stored(v) for v in value]
    return value
