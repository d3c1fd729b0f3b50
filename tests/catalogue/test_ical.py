"""Every iCalendar feed parses back with the `icalendar` package into the same events as the JSON calendar."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar


def _feeds(client: TestClient) -> list[str]:
    regions = [f"region={r['code']}" for r in client.get("/regions").json()]
    schemes = [f"scheme={s['slug']}" for s in client.get("/schemes?limit=200").json()["items"]]
    return ["", *regions, *schemes, "region=93&scheme=aumg", "from=2024-01-01"]


def _expected(event: dict) -> list[tuple]:
    """What each JSON event becomes in iCalendar: (uid, start, status, yearly, recurrence id, summary)."""
    uid, start = f"{event['id']}@post-internat", dt.date.fromisoformat(event["date"])
    summary = event["label"] + ("" if event["precision"] == "day" else f" ({event['when_text']})")
    if event["recurrence"] != "yearly":
        return [(uid, start, "CONFIRMED", False, None, summary)]
    return [(uid, start, "TENTATIVE", True, None, summary + " (date attendue)"),
            (uid, start, "CONFIRMED", False, start, summary)]


def test_every_feed_parses_back_to_the_json_events(client: TestClient) -> None:
    checked = 0
    for query in _feeds(client):
        json_events = client.get(f"/calendar?{query}").json()
        response = client.get(f"/calendar?{query}&format=ics")
        assert response.status_code == 200, query
        calendar = Calendar.from_ical(response.content)
        assert str(calendar["version"]) == "2.0" and str(calendar["prodid"]).startswith("-//post-internat")
        parsed = []
        for vevent in calendar.walk("VEVENT"):
            recurrence = vevent.get("recurrence-id")
            parsed.append((str(vevent["uid"]), vevent.decoded("dtstart"), str(vevent["status"]), "RRULE" in vevent,
                           recurrence.dt if recurrence else None, str(vevent["summary"])))
            assert vevent.decoded("dtend") == vevent.decoded("dtstart") + dt.timedelta(days=1)
            assert str(vevent["location"]) in {e["region"]["name"] for e in json_events}
        assert parsed == [row for event in json_events for row in _expected(event)], query
        checked += len(parsed)
    assert checked > 50  # the seed's calendar, seen through many feeds


def test_descriptions_keep_commas_and_line_breaks(client: TestClient) -> None:
    """The text a source states survives escaping: commas, semicolons and new lines come back as sent."""
    (event,) = [e for e in client.get("/calendar?region=93&scheme=aumg").json()
                if e["id"] == "paca-aumg-2019-prise-de-fonction"]
    calendar = Calendar.from_ical(client.get("/calendar?region=93&scheme=aumg&format=ics").content)
    series = [v for v in calendar.walk("VEVENT") if str(v["uid"]).startswith(event["id"]) and "RRULE" in v]
    description = str(series[0]["description"]).split("\n")
    assert description[0] == "Date attendue, projetée depuis le calendrier 2019 de la source."
    assert description[1] == event["when_text"]
    assert description[2] == "Dispositifs : " + ", ".join(event["schemes"])


@pytest.mark.parametrize("query", ["region=28", "scheme=aumg"])
def test_lines_are_folded_at_75_octets(client: TestClient, query: str) -> None:
    body = client.get(f"/calendar?{query}&format=ics").content
    assert body.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
