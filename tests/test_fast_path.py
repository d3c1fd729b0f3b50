"""Kept answers sent from in front of the middleware stack (app/fast_path.py) are the answers the stack would send.

Two apps on the same catalogue, one with the fast path and one without, get the same requests; each request is sent
three times (computed, then replayed by the snapshot, which tags it, then replayed again: by the fast path where it
applies). The third answers must be the same: status, every header but the request id, body.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.config import Settings
from app.core.versions import bump
from app.fast_path import FastPath
from app.main import create_app
from tests.helpers import layer

PATHS = [
    "/schemes?region=28",
    "/schemes?audience=mg&sort=-duration",
    "/schemes/ccu-ah",
    "/schemes/aumg?as_of=2025-01-15",
    "/regions",
    "/regions/32",
    "/calendar?region=28",
    "/simulate?scheme=ccu-ah&region=32&start=2027-11-01&months=24",
    "/schemes/ccu-ah/simulation",
    "/sources",
]
# Header sets: none, another language, another representation, a cross-origin browser, an old-style client.
HEADERS: list[dict[str, str]] = [
    {},
    {"Accept-Language": "en"},
    {"Accept": "text/csv"},
    {"Origin": "https://faculte.example.fr"},
    {"Accept": "application/json", "Accept-Language": "fr-FR,fr;q=0.9"},
]


def _comparable(response: object) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = [(k.lower(), v) for k, v in response.headers.multi_items()  # type: ignore[attr-defined]
               if k.lower() != "x-request-id"]
    # Cache-Control counts down to midnight in France: the two answers may be a second apart.
    headers = [(k, re.sub(r"max-age=\d+", "max-age=N", v) if k == "cache-control" else v) for k, v in headers]
    return response.status_code, headers, response.content  # type: ignore[attr-defined]


def _apps(engine: Engine, **settings: object) -> Iterator[tuple[TestClient, TestClient]]:
    fast = create_app(Settings(database_url="sqlite://", fast_path=True, **settings), engine=engine)  # type: ignore[arg-type]
    slow = create_app(Settings(database_url="sqlite://", fast_path=False, **settings), engine=engine)  # type: ignore[arg-type]
    with TestClient(fast) as f, TestClient(slow) as s:
        yield f, s


@pytest.fixture(params=[["*"], ["https://faculte.example.fr"]], ids=["any-origin", "one-origin"])
def pair(request: pytest.FixtureRequest, engine: Engine) -> Iterator[tuple[TestClient, TestClient]]:
    yield from _apps(engine, cors_origins=request.param)


def test_every_kept_answer_is_the_one_the_whole_stack_sends(pair: tuple[TestClient, TestClient]) -> None:
    fast, slow = pair
    served = 0
    for path in PATHS:
        for headers in HEADERS:
            answers = []
            for client in (fast, slow):
                for _ in range(2):
                    client.get(path, headers=headers)
                before = layer(fast.app, FastPath).served
                answers.append(_comparable(client.get(path, headers=headers)))
                if client is fast:
                    served += layer(fast.app, FastPath).served - before
            assert answers[0] == answers[1], (path, headers)
            status, got, _ = answers[0]
            etag = dict(got).get("etag")
            if status == 200 and etag:
                # Revalidation: 304 from both, with the same headers.
                revalidated = [_comparable(c.get(path, headers={**headers, "If-None-Match": etag}))
                               for c in (fast, slow)]
                assert revalidated[0] == revalidated[1] and revalidated[0][0] == 304, (path, headers)
    # The fast path answered the plain GETs (not the cross-origin ones, which take the whole stack).
    assert served >= len(PATHS) * (len(HEADERS) - 1) - 3, served


# Simulations as a form sends them (the README's example contract), in JSON, CSV and English.
POSTS: list[tuple[str, dict[str, object]]] = [
    ("/simulate", {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 24}),
    ("/simulate", {"scheme": "ccu-ah", "region": "32", "start": "2027-11-01", "months": 24,
                   "options": {"gardes_per_month": 4}}),
    ("/simulate/compare", {"start": "2027-11-01", "months": 12, "items": [
        {"scheme": "ccu-ah", "region": "32"}, {"scheme": "ccu-mg", "region": "32"}]}),
]


def test_every_kept_simulation_is_the_one_the_whole_stack_sends(pair: tuple[TestClient, TestClient]) -> None:
    fast, slow = pair
    served = 0
    for path, body in POSTS:
        for headers in HEADERS:
            answers = []
            for client in (fast, slow):
                client.post(path, json=body, headers=headers)
                before = layer(fast.app, FastPath).served
                answers.append(_comparable(client.post(path, json=body, headers=headers)))
                if client is fast:
                    served += layer(fast.app, FastPath).served - before
            assert answers[0] == answers[1], (path, headers)
            assert answers[0][0] == 200, (path, headers, answers[0][2][:300])
    # Sent from the fast path but for the cross-origin requests, which take the whole stack.
    assert served == len(POSTS) * (len(HEADERS) - 1), served


def test_a_simulation_body_is_replayed_to_the_stack_when_no_answer_is_kept(
        pair: tuple[TestClient, TestClient]) -> None:
    fast, _ = pair
    fast_path = layer(fast.app, FastPath) if fast.get("/regions").status_code else None
    assert isinstance(fast_path, FastPath)
    path, body = POSTS[1]
    first = fast.post(path, json=body)  # read here, then by the whole stack, which computes and keeps it
    assert first.status_code == 200 and fast_path.served == 0
    assert fast.post(path, json=body).content == first.content and fast_path.served == 1
    # An invalid body: read, then answered by the stack (its 422), never kept.
    for _ in range(2):
        refused = fast.post(path, json={**body, "months": 0})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "months"
    # A chunked body (no declared length) goes the whole way, and gets the same answer.
    chunked = fast.post(path, content=iter([json.dumps(body).encode()]),
                        headers={"Content-Type": "application/json"})
    assert chunked.status_code == 200 and chunked.content == first.content and fast_path.served == 1


def test_what_the_fast_path_leaves_to_the_stack(pair: tuple[TestClient, TestClient]) -> None:
    fast, _ = pair
    fast_path = layer(fast.app, FastPath) if fast.get("/regions").status_code else None
    assert isinstance(fast_path, FastPath)
    for _ in range(3):
        fast.get("/regions")
    before = fast_path.served
    assert fast.get("/regions").status_code == 200 and fast_path.served == before + 1
    for request in (
        lambda: fast.head("/regions"),
        lambda: fast.get("/regions", headers={"Origin": "https://faculte.example.fr"}),
        lambda: fast.get("/regions", headers={"Host": "elsewhere.example.org"}),
        lambda: fast.get("/health"),
    ):
        request()
        assert fast_path.served == before + 1


def test_after_a_write_no_kept_answer_is_sent(seeded_database: Callable[[], Engine]) -> None:
    engine = seeded_database()
    for fast, _ in _apps(engine):
        fast_path = None
        for _ in range(3):
            first = fast.get("/schemes/ccu-ah")
        fast_path = layer(fast.app, FastPath)
        before = fast_path.served
        assert fast.get("/schemes/ccu-ah").content == first.content and fast_path.served == before + 1
        with Session(engine) as session:
            bump(session)  # what every write does in its transaction
            session.commit()
        fast.get("/schemes/ccu-ah")
        assert fast_path.served == before + 1  # the new version goes the whole way, and is kept again


def test_rate_limiting_turns_it_off(engine: Engine) -> None:
    """Each request must be counted by the RateLimit layer: with limits on, nothing answers in front of it."""
    for per_minute, present in ((0, True), (1000, False)):
        app = create_app(Settings(database_url="sqlite://", rate_limit_per_minute=per_minute), engine=engine)
        with TestClient(app) as client:
            assert client.get("/regions").status_code == 200
            stack, found = app.middleware_stack, False
            while stack is not None:
                found = found or isinstance(stack, FastPath)
                stack = getattr(stack, "app", None)
            assert found is present, per_minute
