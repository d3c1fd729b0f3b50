"""HEAD on every GET: the same status and headers (Content-Length of the GET body), no body; caches and 304 work."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.errors import _routes
from app.main import create_app
from app.snapshot import Snapshot
from tests.helpers import layer

# An example value for every path parameter of the app, from the seed.
EXAMPLES = {"slug": "ccu-ah", "code": "28", "key": "ccu-ah", "scheme": "ccu-ah", "region": "32", "audit_id": "1",
            "name": "regions", "source_id": "hdf-mg-2023"}
KEYS = {"/records/pay-components/{key}": "ccu-mg-salaire-universitaire", "/records/contacts/{key}": "chu-amiens-dam",
        "/records/calendar/{key}": "normandie-2024-courrier", "/records/pay-parameters/{key}": "pmss"}
QUERIES = {"/simulate": "?scheme=ccu-ah&region=32&start=2027-11-01&months=24", "/calendar": "?region=28"}
# Not routes of their own: files under /static, and other representations of a route.
MORE = ["/static/embed/embed.css", "/static/embed/frame.js", "/calendar?region=28&format=ics",
        "/simulate?scheme=ccu-ah&region=32&start=2027-11-01&months=24&format=csv", "/embed/schemes/nope", "/nope",
        "/regions/FR-HDF"]
PER_ANSWER = {"x-request-id", "date"}


def get_paths() -> list[str]:
    app = create_app(Settings(database_url="sqlite://"))
    try:
        paths = []
        for route in _routes(app.router.routes):
            if "GET" in route.methods:
                path = re.sub(r"\{(\w+)\}", lambda m, route=route: KEYS.get(route.path) or EXAMPLES[m.group(1)],
                              route.path)
                paths.append(path + QUERIES.get(route.path, ""))
        return paths
    finally:
        app.state.engine.dispose()


PATHS = get_paths()


def test_the_walk_covers_every_get_route_and_what_the_issue_names() -> None:
    assert len(PATHS) >= 28
    assert {"/health", "/embed.js", "/export", "/openapi.json", "/docs", "/redoc", "/ready", "/embed"} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS + MORE)
def test_head_answers_as_get_without_the_body(client: TestClient, path: str) -> None:
    for _ in range(2):  # the second time from memory (snapshot) where the answer is kept: same headers again
        got = client.get(path)
        head = client.head(path)
        assert head.status_code == got.status_code != 405, (path, got.status_code)
        assert head.content == b""
        headers = {k: v for k, v in got.headers.items() if k not in PER_ANSWER}
        assert {k: v for k, v in head.headers.items() if k not in PER_ANSWER} == headers, path
        if "content-length" in got.headers:
            assert int(head.headers["content-length"]) == len(got.content), path


@pytest.mark.parametrize("path", ["/schemes?region=28", "/embed/schemes?audience=mg", "/embed.js", "/health"])
def test_head_gets_304_for_the_etag_it_holds(client: TestClient, path: str) -> None:
    etag = client.head(path).headers["etag"]
    again = client.head(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(path).headers["etag"] == etag


def test_head_fills_and_uses_the_snapshot_like_get(engine: Engine) -> None:
    with TestClient(create_app(Settings(database_url="sqlite://"), engine=engine)) as client:
        path = "/schemes?region=32&limit=3"
        first = client.head(path)
        snapshot = layer(client.app, Snapshot)
        assert first.status_code == 200 and len(snapshot.entries) == 1  # kept: the GET body it stands for
        got = client.get(path)
        assert snapshot.hits == 1 and int(first.headers["content-length"]) == len(got.content)
        assert client.head(path).headers["etag"] == got.headers["etag"] and snapshot.hits == 2


def test_allow_names_head_and_head_without_get_is_a_405(client: TestClient) -> None:
    refused = client.post("/health")
    assert refused.status_code == 405 and refused.headers["allow"] == "GET, HEAD"
    head = client.head("/import")  # POST only
    assert head.status_code == 405 and head.headers["allow"] == "POST" and head.content == b""


def test_openapi_lists_get_only(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [path for path, item in paths.items() if "head" in item]
