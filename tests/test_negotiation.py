"""Content negotiation: `format=` wins, then Accept with its q-values (RFC 9110 §12.5.1), JSON on a tie, 406 when
nothing offered is acceptable; answers say `Vary: Accept`, and answers kept in memory never come back in the wrong
format."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app
from app.snapshot import Snapshot

CALENDAR = "/calendar?region=32"
SIMULATE = "/simulate?scheme=ccu-ah&region=32&start=2027-11-01&months=2"
BODY = {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 2}
ICS, CSV, JSON, PROBLEM = "text/calendar", "text/csv", "application/json", "application/problem+json"


def media_type(answer: Any) -> str:
    return answer.headers["content-type"].split(";")[0]


def varies_on_accept(answer: Any) -> bool:
    named = {v.strip().lower() for line in answer.headers.get_list("vary") for v in line.split(",")}
    return "accept" in named


@pytest.mark.parametrize(("accept", "expected"), [
    ("application/json, text/calendar;q=0.1", JSON),  # the case: iCalendar was sent
    ("application/json;q=0.2, text/calendar;q=0.9", ICS),
    ("text/calendar", ICS),
    ("text/calendar, application/json", JSON),  # a tie keeps the server's preference
    ("text/calendar;q=0.5, application/json;q=0.5", JSON),
    ("text/*", ICS),  # a range that covers iCalendar and not JSON
    ("*/*", JSON),
    ("text/html, */*;q=0.8", JSON),  # a browser
    ("text/calendar; charset=utf-8", ICS),  # what is sent, parameters and all
    ("TEXT/Calendar", ICS),
    ("", JSON),
])
def test_calendar_follows_accept_q_values(client: TestClient, accept: str, expected: str) -> None:
    answer = client.get(CALENDAR, headers={"Accept": accept})
    assert answer.status_code == 200, answer.text
    assert media_type(answer) == expected
    assert varies_on_accept(answer)


@pytest.mark.parametrize("accept", [
    "text/calendar;q=0",  # q=0: not acceptable, and JSON is not asked for
    "text/calendar;q=0, text/*",  # the most specific range decides: iCalendar refused, `text/*` does not cover JSON
    "application/json;q=0, text/calendar;q=0, */*",
    "text/html",
    "*/*;q=0",
])
def test_calendar_answers_406_when_nothing_offered_is_acceptable(client: TestClient, accept: str) -> None:
    answer = client.get(CALENDAR, headers={"Accept": accept})
    assert answer.status_code == 406, answer.text
    assert media_type(answer) == PROBLEM
    (error,) = answer.json()["errors"]
    assert (error["field"], error["in"], error["allowed"]) == ("Accept", "header", [JSON, ICS])
    assert ("Formats disponibles : application/json, text/calendar "
            "(ou le paramètre de requête format=json|ics).") in answer.json()["detail"]
    assert varies_on_accept(answer)
    english = client.get(CALENDAR, headers={"Accept": accept, "Accept-Language": "en"}).json()["detail"]
    assert english.startswith("None of the formats available here matches the Accept header sent. Available: "
                              "application/json, text/calendar")


def test_format_parameter_wins_over_accept(client: TestClient) -> None:
    assert media_type(client.get(f"{CALENDAR}&format=ics", headers={"Accept": "text/calendar;q=0"})) == ICS
    assert media_type(client.get(f"{CALENDAR}&format=json", headers={"Accept": "text/calendar"})) == JSON
    assert media_type(client.get(f"{SIMULATE}&format=csv", headers={"Accept": "text/csv;q=0"})) == CSV
    assert media_type(client.get(f"{SIMULATE}&format=json", headers={"Accept": "text/csv"})) == JSON


@pytest.mark.parametrize(("accept", "expected"), [
    ("text/csv", CSV),
    ("application/json, text/csv;q=0.1", JSON),
    ("text/csv;q=0.9, application/json;q=0.2", CSV),
    ("text/csv, application/json", JSON),
    ("application/json, text/csv;q=0", JSON),
    ("text/csv;q=0", None),  # the case: CSV was sent
    ("text/csv;q=0, text/*", None),
])
def test_simulate_follows_accept_q_values(client: TestClient, accept: str, expected: str | None) -> None:
    for answer in (client.get(SIMULATE, headers={"Accept": accept}),
                   client.post("/simulate", json=BODY, headers={"Accept": accept})):
        if expected is None:
            assert answer.status_code == 406, answer.text
            assert answer.json()["errors"][0]["allowed"] == [JSON, CSV]
        else:
            assert answer.status_code == 200, answer.text
            assert media_type(answer) == expected
        assert varies_on_accept(answer)  # POST answers too: HTTP caching of GETs is not what adds it


def test_the_406_of_post_simulate_names_no_format_parameter(client: TestClient) -> None:
    detail = client.post("/simulate", json=BODY, headers={"Accept": "text/html"}).json()["detail"]
    assert detail == ("Aucun des formats proposés ici ne convient à l'en-tête Accept envoyé. Formats disponibles : "
                      "application/json, text/csv.")


def test_several_accept_lines_are_one_list(client: TestClient) -> None:
    answer = client.get(SIMULATE, headers=[("Accept", "text/csv;q=0"), ("Accept", "application/json")])
    assert answer.status_code == 200 and media_type(answer) == JSON


@pytest.mark.parametrize(("accept", "format", "expected"), [
    (None, None, "application/yaml"),
    ("application/json", None, JSON),
    ("application/json;q=0.5, application/yaml", None, "application/yaml"),
    ("application/json, application/yaml", None, "application/yaml"),  # a tie keeps YAML, the export's own format
    ("text/yaml;q=0.9, application/json;q=0.1", None, "application/yaml"),
    ("application/json", "yaml", "application/yaml"),
    ("text/csv", None, PROBLEM),
])
def test_export_follows_accept_too(client: TestClient, accept: str | None, format: str | None, expected: str) -> None:
    answer = client.get("/export" + (f"?format={format}" if format else ""),
                        headers={"Accept": accept} if accept else {})
    assert media_type(answer) == expected
    assert answer.status_code == (406 if expected == PROBLEM else 200)


@pytest.fixture
def kept(engine: Engine) -> Iterator[tuple[TestClient, Snapshot]]:
    """An app of its own, with its in-memory snapshot, to count what is served from memory."""
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=engine)) as api:
        layer: Any = api.app.middleware_stack  # type: ignore[attr-defined]
        while not isinstance(layer, Snapshot):
            layer = layer.app
        yield api, layer


def test_kept_answers_are_never_replayed_in_another_format(kept: tuple[TestClient, Snapshot]) -> None:
    api, snapshot = kept
    asks = ["text/csv", "application/json, text/csv;q=0.1", "text/csv;q=0.9, application/json;q=0.2",
            "text/csv;q=0, application/json"]
    expected = [CSV, JSON, CSV, JSON]
    for round_ in range(2):  # the second round is served from memory
        hits = snapshot.hits
        for accept, wanted in zip(asks, expected, strict=True):
            got = [api.get(SIMULATE, headers={"Accept": accept}),
                   api.get(CALENDAR + "&format=json", headers={"Accept": accept}),
                   api.post("/simulate", json=BODY, headers={"Accept": accept})]
            assert [media_type(a) for a in got] == [wanted, JSON, wanted], (round_, accept)
            assert all(varies_on_accept(a) for a in got), (round_, accept)
        assert snapshot.hits - hits == (len(asks) * 3 if round_ else 0)


def test_a_304_from_memory_still_varies_on_accept(kept: tuple[TestClient, Snapshot]) -> None:
    api, snapshot = kept
    first = api.get(CALENDAR)
    again = api.get(CALENDAR, headers={"If-None-Match": first.headers["etag"]})
    assert snapshot.hits == 1
    assert again.status_code == 304 and varies_on_accept(again)
