"""Text normalisation shared by search documents and queries (both backends)."""

import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Lowercase, strip accents and ligatures, punctuation to single spaces."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", ascii_text.lower()).strip()


def tokens(text: str, *, min_length: int = 2, limit: int = 8) -> list[str]:
    """Distinct folded words of a query, in order; the first ``limit`` only."""
    seen: list[str] = []
    for word in fold(text).split():
        if len(word) >= min_length and word not in seen:
            seen.append(word)
        if len(seen) == limit:
            break
    return seen
