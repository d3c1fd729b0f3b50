"""Text normalisation for searches: case- and accent-insensitive."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s'’\-–—_/.,;:()«»\"]+")


def fold(text: str) -> str:
    """Lower-case, strip accents and ligatures, collapse separators: "Médecine Générale" -> "medecine generale"."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae"))
    # Drop combining accents and control/format characters (NUL, zero-width…): never searchable text.
    stripped = "".join(
        ch for ch in decomposed if not unicodedata.combining(ch) and not unicodedata.category(ch).startswith("C")
    )
    return _SEPARATORS.sub(" ", stripped.casefold()).strip()


PUBLIC_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
REGION_CODE = re.compile(r"^\d{2}$")


def is_public_id(value: str) -> bool:
    """Slugs and codes are lower-case ASCII words joined by hyphens, 80 characters at most."""
    return len(value) <= 80 and PUBLIC_ID.match(value) is not None


def terms(query: str) -> list[str]:
    """The folded words of a query; each must appear in a matching text."""
    return [term for term in fold(query).split(" ") if term]
