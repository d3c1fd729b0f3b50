"""Dated parameters as the engine sees them: values of the law that change on given dates, each with its source.

Pure: no FastAPI, SQL or I/O. The database layer builds these from the `pay_parameter` tables.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property


class MissingParameter(LookupError):
    """No value of a parameter is known for a date."""

    def __init__(self, code: str, day: dt.date, covered: tuple[dt.date, dt.date | None] | None) -> None:
        self.code, self.day, self.covered = code, day, covered
        super().__init__(f"no value of '{code}' on {day}")


@dataclass(frozen=True)
class Bracket:
    threshold: Decimal
    inclusive: bool  # True: applies from the threshold on; False: strictly above it
    value: Decimal


@dataclass(frozen=True)
class DatedValue:
    valid_from: dt.date
    valid_to: dt.date | None
    value: Decimal | None
    brackets: tuple[Bracket, ...] | None
    confirmed: bool
    sources: tuple[str, ...]
    derivation: str | None = None  # how the value was computed from official figures, when no text states it

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    def lookup(self, x: Decimal) -> Decimal:
        """The scale's value for input x (0 below the first step)."""
        result = Decimal("0")
        for bracket in self.brackets or ():
            if x > bracket.threshold or (bracket.inclusive and x == bracket.threshold):
                result = bracket.value
        return result


@dataclass(frozen=True)
class Parameter:
    code: str
    label: str
    unit: str
    values: tuple[DatedValue, ...]

    @property
    def first_day(self) -> dt.date:
        return self.values[0].valid_from

    @property
    def last_day(self) -> dt.date | None:
        return self.values[-1].valid_to

    @property
    def newest(self) -> DatedValue:
        """The most recent value a text gives (the one carried forward past `last_day`)."""
        return self.values[-1]

    def at(self, day: dt.date) -> tuple[DatedValue, bool]:
        """The value in force on `day`, and whether it is carried forward past the last known period."""
        for value in self.values:
            if value.covers(day):
                return value, False
        last = self.values[-1]
        if last.valid_to is not None and day > last.valid_to:
            return last, True
        raise MissingParameter(self.code, day, (self.first_day, self.last_day))

    def segments(self, start: dt.date, end: dt.date) -> list[tuple[DatedValue, int, bool]]:
        """Values in force over the days [start, end], with the number of days each covers."""
        out: list[tuple[DatedValue, int, bool]] = []
        # Days before the first value count for nothing (a status that starts mid-month).
        day = max(start, self.first_day)
        while day <= end:
            value, carried = self.at(day)
            last = end if carried or value.valid_to is None else min(end, value.valid_to)
            out.append((value, (last - day).days + 1, carried))
            day = last + dt.timedelta(days=1)
        return out


@dataclass(frozen=True)
class UsedValue:
    """A parameter value the computation used: shown in the trace."""

    code: str
    label: str
    value: DatedValue
    carried_forward: bool


@dataclass(frozen=True)
class ParameterSet:
    parameters: dict[str, Parameter]

    def __getitem__(self, code: str) -> Parameter:
        try:
            return self.parameters[code]
        except KeyError:
            raise MissingParameter(code, dt.date.min, None) from None

    def __contains__(self, code: str) -> bool:
        return code in self.parameters

    def get(self, code: str) -> Parameter | None:
        return self.parameters.get(code)

    def used_on(self, code: str, day: dt.date) -> UsedValue:
        """The value of `code` in force on `day`, as the trace shows it; read once per day and kept with the set,
        which is immutable (the contributions read eleven values every month of every simulation). Raises
        MissingParameter as Parameter.at does."""
        key = (code, day)
        found = self._used.get(key)
        if found is None:
            parameter = self[code]
            value, carried = parameter.at(day)
            found = self._used[key] = UsedValue(code, parameter.label, value, carried)
        return found

    @cached_property
    def _used(self) -> dict[tuple[str, dt.date], UsedValue]:
        return {}

    @cached_property
    def kept(self) -> dict[object, object]:
        """What the engine derives from this set and keeps with it (app/simulation/engine.py: fixed_lines;
        app/simulation/contributions.py: the contribution values in force on a day)."""
        return {}

    @cached_property
    def change_days(self) -> tuple[dt.date, ...]:
        """Every day on which some parameter's value in force changes: a value begins, or the day after one ends
        (where the next begins, a gap opens or the last one starts being carried forward). Between two of these
        days every parameter reads the same; computed once per set (the set is immutable)."""
        days: set[dt.date] = set()
        for parameter in self.parameters.values():
            for value in parameter.values:
                days.add(value.valid_from)
                if value.valid_to is not None:
                    days.add(value.valid_to + dt.timedelta(days=1))
        return tuple(sorted(days))
