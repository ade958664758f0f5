"""Search keys: lower case, no accents, single spaces, so LIKE works the same everywhere."""
from __future__ import annotations

import re
import unicodedata

#: The accents of Latin letters once decomposed (U+0300-U+036F, those that combine: not U+034F):
#: removed in one C pass; what other text still holds after it is looked at one character at a time.
_LATIN_ACCENTS = re.compile(
    "[" + "".join(c for c in map(chr, range(0x300, 0x370)) if unicodedata.combining(c)) + "]"
)


def search_key(*parts: object) -> str:
    text = " ".join(str(p) for p in parts if p)
    if not text.isascii():  # ASCII text is its own NFKD form and holds no combining mark
        text = _LATIN_ACCENTS.sub("", unicodedata.normalize("NFKD", text))
        if not text.isascii():
            text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.lower().split())
