"""Answers kept in memory are never served after the catalogue changes, whichever worker made the change."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from app.config import Settings
from app.main import create_app
from app.migrate import upgrade
from app.seed.loader import load_seed
from tests.conftest import SEED_DIR


@pytest.fixture
def two_workers(engine: Engine) -> Iterator[tuple[TestClient, TestClient]]:
    """Two apps (as two worker processes would be) with their own snapshots, over the same database."""
    settings = Settings(database_url="sqlite://")
    with TestClient(create_app(settings, engine=engine)) as a, TestClient(create_app(settings, engine=engine)) as b:
        yield a, b


def rename_first_scheme(seed_dir: Path, name: str) -> str:
    path = seed_dir / "schemes.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows[0]["name"] = name
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return rows[0]["slug"]


@pytest.mark.slow  # a two-worker server
def test_a_write_is_seen_at_once_by_every_worker(two_workers, engine: Engine, seed_copy: Path) -> None:
    a, b = two_workers
    slug = rename_first_scheme(seed_copy, "Nom provisoire")
    before_a, before_b = a.get(f"/schemes/{slug}").json()["name"], b.get(f"/schemes/{slug}").json()["name"]
    assert before_a == before_b != "Nom provisoire"
    a.get(f"/schemes/{slug}")  # now kept in memory by both
    try:
        load_seed(engine, seed_copy)  # a write, by neither worker
        assert a.get(f"/schemes/{slug}").json()["name"] == "Nom provisoire"
        assert b.get(f"/schemes/{slug}").json()["name"] == "Nom provisoire"
        assert "Nom provisoire" in b.get("/schemes?limit=200").text
    finally:
        load_seed(engine, SEED_DIR)
    assert a.get(f"/schemes/{slug}").json()["name"] == before_a


def test_kept_answers_are_served_from_memory(two_workers) -> None:
    a, _ = two_workers
    snapshot = next(m for m in a.app.user_middleware if m.cls.__name__ == "Snapshot")
    assert snapshot  # configured
    first = a.get("/schemes?region=28")
    second = a.get("/schemes?region=28")
    assert first.content == second.content and first.headers["etag"] == second.headers["etag"]
    assert a.get("/schemes?region=28", headers={"If-None-Match": first.headers["etag"]}).status_code == 304


def test_simulations_are_kept_by_body(two_workers) -> None:
    a, _ = two_workers
    body = {"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 3}
    first, second = a.post("/simulate", json=body), a.post("/simulate", json=body)
    assert first.status_code == second.status_code == 200 and first.content == second.content
    other = a.post("/simulate", json=body | {"months": 4})
    assert len(other.json()["months"]) == 4


def test_errors_are_not_kept(two_workers) -> None:
    a, _ = two_workers
    assert a.get("/schemes/nope").status_code == 404
    assert a.post("/simulate", json={"scheme": "nope"}).status_code == 422


def test_cors_headers_follow_each_origin(engine: Engine) -> None:
    settings = Settings(database_url="sqlite://", cors_origins=["https://a.example", "https://b.example"])
    with TestClient(create_app(settings, engine=engine)) as client:
        first = client.get("/regions", headers={"Origin": "https://a.example"})
        second = client.get("/regions", headers={"Origin": "https://b.example"})
        third = client.get("/regions", headers={"Origin": "https://evil.example"})
    assert first.headers["access-control-allow-origin"] == "https://a.example"
    assert second.headers["access-control-allow-origin"] == "https://b.example"
    assert "access-control-allow-origin" not in third.headers


def test_answers_that_name_their_own_address_are_kept_per_host(two_workers) -> None:
    a, _ = two_workers
    first = a.get("/embed", headers={"Host": "api.faculte-a.fr"}).text
    second = a.get("/embed", headers={"Host": "api.faculte-b.fr"}).text
    assert "api.faculte-a.fr" in first and "api.faculte-b.fr" in second and "api.faculte-a.fr" not in second


def test_memory_is_bounded_in_bytes(engine: Engine) -> None:
    settings = Settings(database_url="sqlite://", snapshot_max_bytes=200_000)
    with TestClient(create_app(settings, engine=engine)) as client:
        snapshot = client.app.middleware_stack
        while not hasattr(snapshot, "entries"):
            snapshot = snapshot.app
        for months in range(1, 25):
            body = {"scheme": "ccu-mg", "region": "32", "start": "2024-01-01", "months": months}
            assert client.post("/simulate", json=body).status_code == 200
        assert 0 < snapshot.bytes <= 200_000
        assert snapshot.bytes == sum(len(k.body) for k in snapshot.entries.values())


def test_simulations_use_new_figures_as_soon_as_they_are_written(two_workers, engine: Engine, seed_copy: Path) -> None:
    a, b = two_workers
    body = {"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 1, "method": "published"}
    assert a.post("/simulate", json=body).json()["months"][0]["net"] == 3882
    path = seed_copy / "pay_components.yaml"
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    next(r for r in rows if r["code"] == "ccu-ah-iespe")["amount"] = "1110.00"
    path.write_text(yaml.safe_dump(rows, allow_unicode=True, sort_keys=False), encoding="utf-8")
    try:
        load_seed(engine, seed_copy)
        assert a.post("/simulate", json=body).json()["months"][0]["net"] == 3982
        assert b.post("/simulate", json=body | {"months": 2}).json()["months"][1]["net"] == 3982
    finally:
        load_seed(engine, SEED_DIR)
    assert a.post("/simulate", json=body).json()["months"][0]["net"] == 3882


def test_kept_answers_vary_on_accept_like_the_first(two_workers) -> None:
    """`Vary: Accept-Language` hid the missing `Accept` (a substring test): a shared cache could give the JSON
    calendar to an iCalendar request from an answer replayed from memory."""
    a, _ = two_workers
    first, replayed = a.get("/calendar?region=32"), a.get("/calendar?region=32")
    tokens = {token.strip() for token in first.headers["vary"].split(",")}
    assert first.headers["vary"] == replayed.headers["vary"] and tokens == {"Accept-Language", "Accept", "Origin"}
    not_modified = a.get("/calendar?region=32", headers={"If-None-Match": first.headers["etag"]})
    assert not_modified.status_code == 304 and not_modified.headers["vary"] == first.headers["vary"]


def _snapshot_of(app) -> object:
    """The Snapshot middleware instance of a started app (Starlette builds the stack at the first request)."""
    layer = app.middleware_stack
    while layer is not None and type(layer).__name__ != "Snapshot":
        layer = getattr(layer, "app", None)
    assert layer is not None, "no Snapshot in the middleware stack"
    return layer


def test_disposing_of_the_engine_closes_the_version_watch_connection(new_database) -> None:
    # The worker checks the version on a connection of its own, outside any pool: engine.dispose() alone would
    # leave it open. A test run kept 49 such connections and a loaded two-worker server ran out (503s).
    engine = new_database()
    upgrade(engine)
    client = TestClient(create_app(Settings(database_url="sqlite://"), engine=engine))
    assert client.get("/schemes").status_code == 200
    watch = client.app.state.catalogues.watch
    assert watch.driver is not None  # opened by the version check
    engine.dispose()
    assert watch.driver is None
    assert client.get("/schemes").status_code == 200  # and it reopens on demand
    assert watch.driver is not None
    engine.dispose()
