"""How old a scheme's sources are, and whether a calendar date is one a source states or one projected from it.

`last_verified` only says that the data matches its documents; these say how recent the documents are.

Dating a source: its `published_on` when it has one (a date known to the month is stored as the 1st, and used
as such). A source dated only by a text (`published_text: '2022'`, « signée le 4 juin 2024 ») is dated by the
latest year that text names, on 31 December of that year: the latest day it can be from, so a source is never
shown older than it may be, and a `stale` warning is never raised on a doubt. A source with no year at all
(a dataset) does not date the scheme.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from app.models import SourceDocument

STALE_MONTHS = 24
_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")

_MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")


def source_date(doc: SourceDocument) -> dt.date | None:
    """The day a source is dated to (see the module's rule), or None when nothing in it gives a year."""
    if doc.published_on is not None:
        return doc.published_on
    years = [int(y) for y in _YEAR.findall(doc.published_text or "")]
    return dt.date(max(years), 12, 31) if years else None


def newest(docs: Iterable[SourceDocument]) -> SourceDocument | None:
    """The most recent of these sources by `source_date` (ties: the first id), or None if none is dated."""
    dated = [(d, day) for d in docs if (day := source_date(d)) is not None]
    if not dated:
        return None
    return min(dated, key=lambda pair: (-pair[1].toordinal(), pair[0].key))[0]


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` months earlier (the last day of that month when it is shorter: 29 Feb → 28 Feb)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def is_stale(as_of: dt.date | None, today: dt.date) -> bool:
    """True when the newest source is dated more than STALE_MONTHS months before today (exactly 24: not stale)."""
    return as_of is not None and as_of < months_before(today, STALE_MONTHS)


def precision(doc: SourceDocument) -> str:
    """`date` when the source has a `published_on` (known to the month at least), `year` when only a year dates it."""
    return "date" if doc.published_on is not None else "year"


def stale_message(day: dt.date, precision: str) -> str:
    """« … la plus récente date de décembre 2023. » (month and year: `published_on` may be known to the month only)."""
    when = str(day.year) if precision == "year" else f"{_MONTHS_FR[day.month - 1]} {day.year}"
    return f"Sources datées de plus de {STALE_MONTHS} mois : la plus récente date de {when}."


# --- calendar ----------------------------------------------------------------------------------------------------


def expected_note(source_year: int) -> str:
    return f"Date attendue, projetée depuis le calendrier {source_year} de la source."
