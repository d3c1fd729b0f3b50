"""Text normalisation for searches: case- and accent-insensitive."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s'’\-–—_/.,;:()«»\"]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and ligatures, collapse separators: "Médecine Générale" -> "medecine generale"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", stripped.casefold()).strip()


def terms(query: str) -> list[str]:
    """The folded words of a query; each must appear in a matching text."""
    return [term for term in fold(query).split(" ") if term]
