"""A retired scheme answers the same everywhere: 410, one message (« n'est plus proposé depuis le … »), `as_of`
named only when the client sent it, and the `as_of` that shows the scheme as it was. An unknown slug stays a 404
(path) or 422 (filter, body field) with the schemes in force as the allowed values."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.dates import today
from tests.helpers import record


def retire(api: TestClient, keys: dict[str, dict[str, str]], slug: str, last_day: dt.date) -> None:
    etag, _ = record(api, f"schemes/{slug}")
    answer = api.post(f"/records/schemes/{slug}/retire", json={"valid_to": last_day.isoformat()},
                      headers={**keys["writer"], "If-Match": etag})
    assert answer.status_code == 200, answer.text


@pytest.fixture
def ahu_retired(api: TestClient, keys: dict[str, dict[str, str]]) -> dt.date:
    """AHU retired yesterday: its last day in force."""
    last_day = today() - dt.timedelta(days=1)
    retire(api, keys, "ahu", last_day)
    return last_day


def gone(answer: Any, field: str, location: str) -> str:
    assert answer.status_code == 410, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    (error,) = answer.json()["errors"]
    assert (error["field"], error["in"]) == (field, location)
    return answer.json()["detail"]


def test_one_message_on_every_route_that_names_the_scheme(api: TestClient, ahu_retired: dt.date) -> None:
    since = f"{today():%d/%m/%Y}"
    expected = (f"Le dispositif « ahu » n'est plus proposé depuis le {since}. "
                f"Tel qu'il était : /schemes/ahu?as_of={ahu_retired.isoformat()}.")
    assert gone(api.get("/schemes/ahu"), "slug", "path") == expected
    assert gone(api.get("/schemes/ahu/simulation"), "slug", "path") == expected
    assert gone(api.get("/contacts?scheme=ahu"), "scheme", "query") == expected
    assert gone(api.get("/calendar?scheme=ahu"), "scheme", "query") == expected
    assert gone(api.get("/calendar?scheme=ahu&format=ics"), "scheme", "query") == expected
    assert gone(api.get("/calendar?scheme=ahu&region=32"), "scheme", "query") == expected
    english = api.get("/schemes/ahu", headers={"Accept-Language": "en"}).json()["detail"]
    assert english == (f"Scheme 'ahu' is no longer offered since {since}. "
                       f"As it was: /schemes/ahu?as_of={ahu_retired.isoformat()}.")
    assert api.get("/contacts?scheme=ahu&lang=en").json()["detail"] == english
    # The way back it points to works.
    then = api.get(f"/schemes/ahu?as_of={ahu_retired.isoformat()}")
    assert then.status_code == 200 and then.json()["slug"] == "ahu"
    assert api.get(f"/contacts?scheme=ahu&as_of={ahu_retired.isoformat()}").status_code == 200


def test_as_of_is_named_only_when_it_was_sent(api: TestClient, ahu_retired: dt.date) -> None:
    assert "as_of :" not in api.get("/schemes/ahu").json()["detail"]
    later = (today() + dt.timedelta(days=30))
    for path in (f"/schemes/ahu?as_of={later}", f"/contacts?scheme=ahu&as_of={later}",
                 f"/calendar?scheme=ahu&as_of={later}"):
        detail = gone(api.get(path), "as_of", "query")
        assert detail == (f"Le dispositif « ahu » n'est plus proposé depuis le {today():%d/%m/%Y} (date demandée par "
                          f"as_of : {later:%d/%m/%Y}). Tel qu'il était : /schemes/ahu?as_of={ahu_retired.isoformat()}.")


def test_a_simulation_of_a_retired_scheme_gets_the_same_message(api: TestClient, ahu_retired: dt.date) -> None:
    start = (today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)  # the first of next month
    body = {"scheme": "ahu", "region": "32", "start": start.isoformat(), "months": 12}
    detail = gone(api.post("/simulate", json=body), "start", "body")
    assert detail.startswith(f"Le dispositif « ahu » n'est plus proposé depuis le {today():%d/%m/%Y} (date demandée "
                             f"par start : {start:%d/%m/%Y}).")
    assert f"/schemes/ahu?as_of={ahu_retired.isoformat()}" in detail
    assert gone(api.get("/simulate", params=body), "start", "query") == detail
    compare = {"start": start.isoformat(), "months": 12, "items": [{"scheme": "ahu", "region": "32"},
                                                                     {"scheme": "ccu-ah", "region": "32"}]}
    assert gone(api.post("/simulate/compare", json=compare), "start", "body") == detail


def test_a_retired_scheme_leaves_lists_and_region_pages(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    # Some of AUMG's calendar events are for AUMG alone.
    events = [e for e in api.get("/calendar").json() if e["schemes"] == ["aumg"]]
    assert events
    region = events[0]["region"]["code"]
    last_day = today() - dt.timedelta(days=1)
    retire(api, keys, "aumg", last_day)
    ids = {e["id"] for e in events}
    assert "aumg" not in {s["slug"] for s in api.get("/schemes?limit=200").json()["items"]}
    page = api.get(f"/regions/{region}").json()
    assert "aumg" not in {s["slug"] for s in page["schemes"]}
    # Events for a retired scheme alone are gone with it; none is left showing `schemes: []`.
    assert not ids & {e["id"] for e in page["calendar"]}
    assert not ids & {e["id"] for e in api.get("/calendar").json()}
    assert all(e["schemes"] for e in api.get("/calendar").json())
    assert all(c["schemes"] for c in api.get("/contacts").json())
    # As it was, everything is back.
    assert ids <= {e["id"] for e in api.get(f"/calendar?as_of={last_day}").json()}
    in_region = {e["id"] for e in events if e["region"]["code"] == region}
    assert in_region <= {e["id"] for e in api.get(f"/regions/{region}?as_of={last_day}").json()["calendar"]}


def test_unknown_slugs_stay_404_or_422_with_the_schemes_in_force(api: TestClient, ahu_retired: dt.date) -> None:
    unknown = api.get("/schemes/nope")
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "slug"
    allowed = unknown.json()["errors"][0]["allowed"]
    assert "ccu-ah" in allowed and "ahu" not in allowed  # a retired scheme is not a value to suggest
    for path in ("/contacts?scheme=nope", "/calendar?scheme=nope"):
        answer = api.get(path)
        assert answer.status_code == 422 and answer.json()["errors"][0]["allowed"] == allowed
    options = api.get("/schemes/nope/simulation")
    assert options.status_code == 404 and options.json()["errors"][0]["field"] == "slug"


def test_a_scheme_offered_again_later_says_from_when(api: TestClient, keys: dict[str, dict[str, str]]) -> None:
    retire(api, keys, "asr", today() - dt.timedelta(days=1))
    etag, versions = record(api, "schemes/asr")
    again = today() + dt.timedelta(days=10)
    body = {**versions[-1], "valid_from": again.isoformat(), "valid_to": None}
    assert api.put("/records/schemes/asr", json=body, headers={**keys["writer"], "If-Match": etag}).status_code == 200
    expected = (f"Le dispositif « asr » n'est proposé qu'à partir du {again:%d/%m/%Y}. "
                f"Tel qu'il sera : /schemes/asr?as_of={again.isoformat()}.")
    answer = api.get("/schemes/asr")
    assert answer.status_code == 404 and answer.json()["detail"] == expected
    answer = api.get("/contacts?scheme=asr")
    assert answer.status_code == 422 and answer.json()["detail"] == expected
    assert api.get(f"/schemes/asr?as_of={again.isoformat()}").status_code == 200


def test_embedded_pages_say_the_same(api: TestClient, ahu_retired: dt.date) -> None:
    expected = api.get("/schemes/ahu").json()["detail"]
    page = api.get("/embed/schemes/ahu")
    assert page.status_code == 410 and page.headers["content-type"].startswith("text/html")
    assert "Dispositif retiré" in page.text and expected in html.unescape(page.text)
    simulator = api.get("/embed/simulator?scheme=ahu")
    assert simulator.status_code == 410 and expected in html.unescape(simulator.text)
    english = api.get("/embed/schemes/ahu?lang=en")
    assert "Scheme withdrawn" in english.text and "is no longer offered since" in html.unescape(english.text)
    assert api.get("/embed/schemes/nope").status_code == 404
    assert api.get("/embed/simulator?scheme=nope").status_code == 422
