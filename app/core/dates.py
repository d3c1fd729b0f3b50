"""Dated versions: which version of a record is in force on a day, and what "today" is for the catalogue."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

try:
    _PARIS: dt.tzinfo = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # a system without time zone data: UTC is at most two hours off
    _PARIS = dt.UTC


# The current day in France and the instants (POSIX time) it starts and ends, worked out again only when the clock
# leaves them: every kept answer reads the day (app/snapshot.py) and the seconds left (app/http_cache.py), and a
# time zone conversion each time was a tenth of a kept answer's cost. One tuple, replaced whole: threads read either
# the old day or the new one.
_DAY: tuple[dt.date, float, float] = (dt.date.min, 0.0, 0.0)


def _day_at(now: float) -> tuple[dt.date, float, float]:
    """The day in France at the POSIX instant `now`, with the instants it starts and ends (kept in _DAY)."""
    global _DAY
    found = _DAY
    if not found[1] <= now < found[2]:  # another day (or the clock was set back past midnight)
        day = dt.datetime.fromtimestamp(now, _PARIS).date()
        found = _DAY = (day, dt.datetime.combine(day, dt.time(), tzinfo=_PARIS).timestamp(),
                        dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=_PARIS).timestamp())
    return found


def today() -> dt.date:
    """The date in France: versions change at midnight, Paris time."""
    return _day_at(time.time())[0]


def seconds_left_today(now: dt.datetime | None = None) -> int:
    """Seconds until the next midnight in France (at least 1): how long an answer about "today" stays true."""
    instant = time.time() if now is None else now.timestamp()
    return max(1, int(_day_at(instant)[2] - instant))


def in_force(model: Any, day: dt.date) -> ColumnElement[bool]:
    """SQL condition: the row's version is in force on `day` (bounds inclusive, None open)."""
    return and_(
        or_(model.valid_from.is_(None), model.valid_from <= day),
        or_(model.valid_to.is_(None), model.valid_to >= day),
    )


def covers(valid_from: dt.date | None, valid_to: dt.date | None, day: dt.date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)
