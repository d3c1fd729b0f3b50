"""`POST /simulate` answered by app/simulation/fast_route.py is the answer FastAPI's route sends.

Two apps on the same catalogue, one with the layer (fast_path on) and one without, get the same requests: valid and
invalid bodies, with the headers and query strings that send a request the long way or not. Status, every header
but the request id, and body must be the same; the layer must have answered the plain valid requests, and no other.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app
from app.simulation.fast_route import SimulateRoute
from tests.helpers import layer
from tests.test_fast_path import _comparable

VALID: list[dict[str, Any]] = [
    {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 24},
    {"scheme": "ccu-ah", "region": "28", "start": "2028-05-01", "months": 24, "method": "published",
     "options": {"gardes_per_month": 4.5, "astreintes_per_month": 2, "tax": "neutral"}},
    {"scheme": "ccu-mg", "region": "32", "start": "2027-05-01", "months": 96,
     "options": {"acts_per_week": 30, "cpam_contract": True, "tax": "personal", "tax_rate": "7.5"}},
    {"scheme": "atp-regional", "region": "32", "start": "2027-11-01", "months": 24,
     "options": {"periphery_share": 50, "gardes_per_month": "4", "tax": "personal", "tax_rate": 0.1}},
]
INVALID: list[str] = [
    json.dumps({"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 0}),
    json.dumps({"scheme": "nope", "region": "32", "start": "2027-11-01", "months": 24}),
    json.dumps({"scheme": "ccu-ah", "region": "94", "start": "2027-11-01", "months": 24}),
    json.dumps({"scheme": "ccu-ah", "region": "32", "start": "2035-11-01", "months": 24}),
    json.dumps({"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 24,
                "options": {"acts_per_week": 30}}),
    json.dumps({"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 24, "colour": "blue"}),
    '{"scheme": "ccu-ah", "region": "32"',
    "[]",
    "",
]
# A cross-origin request is plain too: CORS, outside, adds its headers to the layer's answer as to the route's.
PLAIN = [({}, ""), ({"Accept": "*/*"}, "?bench=1"), ({"Accept": "application/json"}, "?lang=en"),
         ({"Accept-Language": "en"}, ""), ({"Origin": "https://faculte.example.fr"}, "")]
LONG_WAY = [({"Accept": "text/csv"}, ""), ({"Accept": "application/json, text/csv;q=0.5"}, ""),
            ({"Content-Type": "application/json; charset=utf-8"}, ""), ({}, "?note=%00")]


@pytest.fixture(params=[2048, 0], ids=["snapshot", "no-snapshot"])
def pair(request: pytest.FixtureRequest, engine: Engine) -> Iterator[tuple[TestClient, TestClient]]:
    settings = {"snapshot_entries": request.param, "cors_origins": ["https://faculte.example.fr"]}
    fast = create_app(Settings(database_url="sqlite://", fast_path=True, **settings), engine=engine)  # type: ignore[arg-type]
    slow = create_app(Settings(database_url="sqlite://", fast_path=False, **settings), engine=engine)  # type: ignore[arg-type]
    with TestClient(fast) as f, TestClient(slow) as s:
        yield f, s


_SENT = iter(range(1_000_000))


def _both(pair: tuple[TestClient, TestClient], body: str, headers: dict[str, str], query: str) -> tuple[Any, int]:
    """Each request once to each app, with an ignored parameter of its own, so that no kept answer replies."""
    fast = pair[0]
    route = layer(fast.app, SimulateRoute)
    before = route.served
    query += ("&" if query else "?") + f"n={next(_SENT)}"
    answers = [_comparable(c.post("/simulate" + query, content=body.encode(),
                                  headers={"Content-Type": "application/json", **headers})) for c in pair]
    assert answers[0] == answers[1], (body, headers, query)
    return answers[0], route.served - before


def test_plain_requests_are_answered_by_the_layer_as_the_route_would(pair: tuple[TestClient, TestClient]) -> None:
    for body in VALID:
        for headers, query in PLAIN:
            (status, _, _), served = _both(pair, json.dumps(body), headers, query)
            assert status == 200 and served == 1, (body, headers, query)


def test_other_requests_go_the_long_way_and_get_its_answer(pair: tuple[TestClient, TestClient]) -> None:
    for body in VALID[:2]:
        for headers, query in LONG_WAY:
            (status, _, _), served = _both(pair, json.dumps(body), headers, query)
            assert served == 0, (body, headers, query)
            assert status in (200, 422), (body, headers, query)
    for text in INVALID:
        for headers, query in PLAIN[:2]:
            (status, got, _), served = _both(pair, text, headers, query)
            assert served == 0 and status == 422, (text, headers, query)
            assert dict(got)["content-type"] == "application/problem+json", text
