"""Text: normalisation for searches (case- and accent-insensitive), and the rules every text input follows.

Every free text of the catalogue (names, labels, notes, quotes…), from the seed files or the maintenance API, is
one of the annotated types below: a maximum length for its kind, no control or invisible formatting character,
and NFC normalisation (« é » is stored as one character however it was typed).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

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


# --- what a text may hold ------------------------------------------------------------------------------------

# Maximum lengths, in characters, per kind of text. The longest of each kind in seed/ (November 2026): a name or
# label 132 (a pay parameter's label), a note or description 792, a quoted sentence 431. Room to spare: a quote
# may cite a whole paragraph.
NAME_MAX = 300  # names, labels, organisations, payers, titles of posts, short conditions
NOTE_MAX = 4000  # descriptions, rules, notes, derivations, document titles
QUOTE_MAX = 10_000  # the sentences a source states a fact in
PHONE_MAX = 40
EMAIL_MAX = 254  # RFC 5321: the longest address a mail server accepts
URL_MAX = 2000

_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def refused_character(value: str) -> str | None:
    """The first character no text of the catalogue may hold, if any.

    Refused: control characters other than tab and line breaks (PostgreSQL refuses NUL); invisible format
    characters — the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069 (they make a
    text display other than it reads), zero-width spaces and joiners, byte order marks, soft hyphens; lone
    surrogates and private-use characters. Visible spaces, no-break spaces (U+00A0, U+202F) included, are fine.
    """
    if value.isascii():
        found = _ASCII_CONTROL.search(value)
        return found.group() if found else None
    for ch in value:
        category = unicodedata.category(ch)
        if category in ("Cf", "Cs", "Co") or (category == "Cc" and ch not in "\t\n\r"):
            return ch
    return None


_UNNAMED = {"Cc": "control character", "Cs": "surrogate", "Co": "private use character"}


def character_error(ch: str) -> PydanticCustomError:
    return PydanticCustomError(
        "text_character",
        "Text must not contain {character} ({name}): control characters and invisible formatting characters "
        "(bidirectional overrides, zero-width characters…) are refused",
        {"character": f"U+{ord(ch):04X}", "name": unicodedata.name(ch, _UNNAMED.get(unicodedata.category(ch), "?"))},
    )


def clean_text(value: str) -> str:
    """The text in NFC, or a validation error naming the first refused character."""
    ch = refused_character(value)
    if ch is not None:
        raise character_error(ch)
    return unicodedata.normalize("NFC", value)


def clean_strings(value: Any, max_length: int = NOTE_MAX) -> Any:
    """The same rules for every string (keys included) inside free-form JSON data."""
    if isinstance(value, str):
        if len(value) > max_length:
            raise PydanticCustomError("string_too_long", "String should have at most {max_length} characters",
                                      {"max_length": max_length})
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_strings(k, NAME_MAX): clean_strings(v, max_length) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_strings(v, max_length) for v in value]
    return value


def _text(max_length: int, *, pattern: str | None = None) -> Any:
    # Length first (a megabyte is refused before it is scanned), then the characters, then NFC.
    return Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length, pattern=pattern),
        AfterValidator(clean_text),
    ]


Name = _text(NAME_MAX)
Note = _text(NOTE_MAX)
Quote = _text(QUOTE_MAX)
Phone = _text(PHONE_MAX)
Url = _text(URL_MAX)
Email = _text(EMAIL_MAX, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
FileName = _text(255, pattern=r"^[^/\\]+$")
