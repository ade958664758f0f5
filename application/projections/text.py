"""Search keys: lower case, no accents, single spaces, so LIKE works the same everywhere."""
from __future__ import annotations

import unicodedata


def search_key(*parts: object) -> str:
    text = " ".join(str(p) for p in parts if p)
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())
