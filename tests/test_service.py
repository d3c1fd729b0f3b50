"""Operations: request ids, JSON logs, readiness, database outages, SQLite WAL (rate limiting: test_rate_limit.py)."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.observability import JsonFormatter

UNREACHABLE = "postgresql+psycopg://postgres@127.0.0.1:1/test"


class TestRequestIds:
    def test_a_new_id_on_every_answer(self, client: TestClient) -> None:
        first, second = client.get("/health"), client.get("/schemes/nope")
        assert len(first.headers["x-request-id"]) == 32
        assert second.headers["x-request-id"] not in ("", first.headers["x-request-id"])

    def test_the_callers_id_is_echoed_when_sane(self, client: TestClient) -> None:
        echoed = client.get("/regions", headers={"X-Request-ID": "faculte-42.a_b"}).headers["x-request-id"]
        assert echoed == "faculte-42.a_b"
        replaced = client.get("/regions", headers={"X-Request-ID": "bad id!" * 10}).headers["x-request-id"]
        assert replaced != "bad id" and len(replaced) == 32

    def test_one_json_access_line_per_answer(self, client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
        with caplog.at_level(logging.INFO, logger="app.access"):
            response = client.get("/schemes?region=28", headers={"X-Request-ID": "trace-me"})
        record = next(r for r in caplog.records if getattr(r, "request_id", None) == "trace-me")
        line = json.loads(JsonFormatter().format(record))
        assert line["message"] == "request" and line["status"] == response.status_code == 200
        assert line["path"] == "/schemes" and line["method"] == "GET" and line["duration_ms"] >= 0


class TestReadiness:
    def test_ready_when_migrated(self, client: TestClient) -> None:
        assert client.get("/ready").json() == {"status": "ready", "database": "ok", "migrations": "head"}

    def test_not_ready_and_clean_503s_when_the_database_is_down(self) -> None:
        engine = make_engine(UNREACHABLE)
        with TestClient(create_app(Settings(database_url=UNREACHABLE), engine=engine)) as down:
            ready = down.get("/ready")
            assert ready.status_code == 503 and ready.json()["status"] == 503
            for path in ("/schemes", "/schemes/ccu-mg", "/regions/28", "/calendar?format=ics"):
                response = down.get(path)
                assert response.status_code == 503, path
                assert response.headers["retry-after"] == "5"
                assert response.headers["content-type"].startswith("application/problem+json")
            simulated = down.post("/simulate",
                                  json={"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 1})
            assert simulated.status_code == 503
            assert down.get("/health").status_code == 200  # the process itself is alive
        engine.dispose()

    def test_not_ready_before_migrations(self, new_database) -> None:
        fresh = new_database()
        with TestClient(create_app(Settings(database_url="sqlite://"), engine=fresh)) as unmigrated:
            response = unmigrated.get("/ready")
        assert response.status_code == 503 and "n'est pas à jour" in response.json()["detail"]


def test_sqlite_runs_in_wal_mode(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("WAL is a SQLite setting")
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def test_each_request_thread_can_have_a_connection() -> None:
    """A worker runs requests in 40 threads; its pool holds as many connections, so none waits for one."""
    import anyio
    import anyio.to_thread

    async def threads() -> int:
        return int(anyio.to_thread.current_default_thread_limiter().total_tokens)

    settings = Settings()
    app = create_app(settings)
    try:
        pool = app.state.engine.pool
        capacity = pool.size() + pool._max_overflow  # private: no public accessor
        assert capacity >= anyio.run(threads)
    finally:
        app.state.engine.dispose()
