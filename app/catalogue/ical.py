"""iCalendar (RFC 5545) rendering of calendar events, for people who subscribe in their agenda."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from app.catalogue.age import expected_note
from app.catalogue.schemas import CalendarEventOut

PRODID = "-//post-internat API//catalogue//FR"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets are folded, continuation lines starting with a space (RFC 5545 §3.1)."""
    out, current = [], ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode("utf-8")) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def render(events: Sequence[CalendarEventOut], *, name: str) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{_escape(name)}"]
    for event in events:
        start = event.date
        description = [event.when_text, "Dispositifs : " + ", ".join(event.schemes)]
        description += [f"Source : {c.title}" + (f" ({c.file})" if c.file else "") for c in event.sources]
        summary = event.label + ("" if event.precision == "day" else f" ({event.when_text})")
        common = [
            f"UID:{event.id}@post-internat",
            # A stable stamp (the event's own date) keeps the feed byte-identical until the data changes.
            f"DTSTAMP:{start:%Y%m%d}T000000Z",
            f"DTSTART;VALUE=DATE:{start:%Y%m%d}",
            f"DTEND;VALUE=DATE:{start + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(summary)}",
        ]
        where = [f"LOCATION:{_escape(event.region.name)}", f"CATEGORIES:{event.kind.upper()}", "TRANSP:TRANSPARENT"]
        announced = f"DESCRIPTION:{_escape(chr(10).join(description))}"
        if event.recurrence != "yearly":
            lines += ["BEGIN:VEVENT", *common, announced, *where, "STATUS:CONFIRMED", "END:VEVENT"]
            continue
        # Yearly: the series is our projection of the source's date into later years (tentative, with the note);
        # the occurrence the source states is overridden as confirmed (RFC 5545 RECURRENCE-ID, same UID).
        projected = [expected_note(start.year), *description]
        tentative = [*common[:-1], f"SUMMARY:{_escape(summary + ' (date attendue)')}"]
        lines += ["BEGIN:VEVENT", *tentative, f"DESCRIPTION:{_escape(chr(10).join(projected))}", *where,
                  "STATUS:TENTATIVE", "RRULE:FREQ=YEARLY", "END:VEVENT"]
        lines += ["BEGIN:VEVENT", *common, f"RECURRENCE-ID;VALUE=DATE:{start:%Y%m%d}", announced, *where,
                  "STATUS:CONFIRMED", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(f"{folded}\r\n" for line in lines for folded in _fold(line))
