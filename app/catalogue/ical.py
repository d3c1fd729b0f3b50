"""iCalendar (RFC 5545) rendering of calendar events, for people who subscribe in their agenda.

Written with the maintained `icalendar` package, which escapes, folds and types every property as the RFC says;
tests/catalogue/test_ical.py parses each feed back with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from app.catalogue.age import expected_note
from app.catalogue.schemas import CalendarEventOut

if TYPE_CHECKING:
    from icalendar import Event

# icalendar is imported by the first feed asked for, not at start: a worker that never serves one does not hold it
# in memory (issue 12).

PRODID = "-//post-internat API//catalogue//FR"


def _event(event: CalendarEventOut, *, summary: str, description: list[str], status: str) -> Event:
    from icalendar import Event

    start = event.date
    vevent = Event()
    vevent.add("uid", f"{event.id}@post-internat")
    # A stable stamp (the event's own date) keeps the feed byte-identical until the data changes.
    vevent.add("dtstamp", dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC))
    vevent.add("dtstart", start)
    vevent.add("dtend", start + dt.timedelta(days=1))
    vevent.add("summary", summary)
    vevent.add("description", "\n".join(description))
    vevent.add("location", event.region.name)
    vevent.add("categories", [event.kind.upper()])
    vevent.add("transp", "TRANSPARENT")
    vevent.add("status", status)
    return vevent


def render(events: Sequence[CalendarEventOut], *, name: str) -> str:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for event in events:
        description = [event.when_text, "Dispositifs : " + ", ".join(event.schemes)]
        description += [f"Source : {c.title}" + (f" ({c.file})" if c.file else "") for c in event.sources]
        summary = event.label + ("" if event.precision == "day" else f" ({event.when_text})")
        if event.recurrence != "yearly":
            calendar.add_component(_event(event, summary=summary, description=description, status="CONFIRMED"))
            continue
        # Yearly: the series is our projection of the source's date into later years (tentative, with the note);
        # the occurrence the source states is overridden as confirmed (RFC 5545 RECURRENCE-ID, same UID).
        series = _event(event, summary=summary + " (date attendue)",
                        description=[expected_note(event.date.year), *description], status="TENTATIVE")
        series.add("rrule", {"freq": "yearly"})
        calendar.add_component(series)
        stated = _event(event, summary=summary, description=description, status="CONFIRMED")
        stated.add("recurrence-id", event.date)
        calendar.add_component(stated)
    text: bytes = calendar.to_ical()
    return text.decode("utf-8")
