"""Dated versions: which version of a record is in force on a day, and what "today" is for the catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, or_
from sqlalchemy.sql.elements import ColumnElement

try:
    _PARIS: dt.tzinfo = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # a system without time zone data: UTC is at most two hours off
    _PARIS = dt.UTC


def today() -> dt.date:
    """The date in France: versions change at midnight, Paris time."""
    return dt.datetime.now(_PARIS).date()


def seconds_left_today(now: dt.datetime | None = None) -> int:
    """Seconds until the next midnight in France (at least 1): how long an answer about "today" stays true."""
    current = (now or dt.datetime.now(_PARIS)).astimezone(_PARIS)
    midnight = dt.datetime.combine(current.date() + dt.timedelta(days=1), dt.time(), tzinfo=_PARIS)
    return max(1, int((midnight - current).total_seconds()))


def in_force(model: Any, day: dt.date) -> ColumnElement[bool]:
    """SQL condition: the row's version is in force on `day` (bounds inclusive, None open)."""
    return and_(
        or_(model.valid_from.is_(None), model.valid_from <= day),
        or_(model.valid_to.is_(None), model.valid_to >= day),
    )


def covers(valid_from: dt.date | None, valid_to: dt.date | None, day: dt.date) -> bool:
    return (valid_from is None or valid_from <= day) and (valid_to is None or day <= valid_to)
