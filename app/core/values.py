"""The value types every input is read with: ids and codes, exact decimals, ISO dates, and a broken rule's error.

The record schemas (app/records/schemas.py), the simulation's and eligibility's requests and the query parameters
all read values through these, so a date or a number means the same everywhere."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, StringConstraints, WithJsonSchema
from pydantic_core import PydanticCustomError

from app.core.text import clean_strings

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", max_length=80)]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]
# ISO 3166-2:FR code of a region: FR-HDF for a metropolitan region, FR-971 for an overseas one, FR-20R for Corse.
IsoRegionCode = Annotated[str, StringConstraints(pattern=r"^FR-[0-9A-Z]{2,3}$")]
# Free-form JSON (a rule's `data`): every string in it follows the text rules of app/core/text.py.
FreeForm = Annotated[dict[str, object], AfterValidator(clean_strings)]


def invalid(fr: str, en: str) -> PydanticCustomError:
    """A rule of the catalogue broken, in both languages (app/errors.py renders the request's)."""
    return PydanticCustomError("record_rule", en, {"fr": fr})


NUMBER_PATTERN = r"^[+-]?[0-9]+(?:\.[0-9]+)?$"
_NUMBER = re.compile(NUMBER_PATTERN)


def _ascii_number(value: object) -> object:
    # Python's Decimal would also read '\uff11\uff12' (full-width digits), '1e3', ' 12 ' and '1_000': a number
    # written in a string is ASCII digits and a point, nothing else.
    if isinstance(value, str) and not _NUMBER.fullmatch(value):
        raise PydanticCustomError(
            "ascii_number", "write numbers with ASCII digits and a point ('1392.50', '12'), without spaces or exponent")
    return value


def _exact_number(value: object) -> object:
    # YAML reads 1392.50 as a float, which cannot hold every decimal exactly: numbers are written as quoted
    # strings or integers, and a float is refused rather than silently rounded.
    if isinstance(value, float):
        raise PydanticCustomError(
            "float_number", "write numbers as quoted strings ('1392.50', '0.069') or integers, never as floats")
    return _ascii_number(value)


AsciiDecimal = Annotated[Decimal, BeforeValidator(_ascii_number)]  # a JSON number, or ASCII digits in a string


# What the API documents is what it accepts: an integer, or a string of ASCII digits with an optional point.
_EXACT_SCHEMA = {"anyOf": [{"type": "integer"}, {"type": "string", "pattern": NUMBER_PATTERN}]}
ExactDecimal = Annotated[Decimal, BeforeValidator(_exact_number), WithJsonSchema(_EXACT_SCHEMA, mode="validation")]
OptionalExactDecimal = Annotated[
    Decimal | None, BeforeValidator(_exact_number),
    WithJsonSchema({"anyOf": [*_EXACT_SCHEMA["anyOf"], {"type": "null"}]}, mode="validation"),
]


def _iso_date(value: object) -> object:
    # Pydantic would also read numbers as Unix timestamps (`from=0` → 1970-01-01): only YYYY-MM-DD is a date here.
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    raise PydanticCustomError("iso_date", "dates are written YYYY-MM-DD")


# Every date a client sends stays in a range where a year can still be added (yearly events project into the next
# year: 9999-12-31 would overflow) and that any catalogue can mean.
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2999, 12, 31)


def _bounded(value: dt.date) -> dt.date:
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError("date_range", "the date must be between {earliest} and {latest}",
                                  {"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()})
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_bounded)]
