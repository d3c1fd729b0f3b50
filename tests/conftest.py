"""Test fixtures: a real database, migrated by Alembic and loaded from the real seed, once per run.

The database is `TEST_DATABASE_URL` when set (PostgreSQL runs get a schema of their own, dropped at the
end, so a run never touches other data), otherwise a fresh SQLite file. The app's own DATABASE_URL is
never used by tests.
"""

from __future__ import annotations

import os

# The test client asks for http://testserver/…: that is the service's public address in tests (so ALLOWED_HOSTS
# defaults to testserver, 127.0.0.1 and localhost, as it would for any PUBLIC_URL), whatever the environment says.
# Set before the app is imported: app.main builds its module-level app from the environment.
os.environ["PUBLIC_URL"] = "http://testserver"
os.environ.pop("ALLOWED_HOSTS", None)
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from app.config import PROJECT_ROOT, Settings
from app.db import make_engine
from app.main import create_app
from app.migrate import upgrade
from app.seed.loader import load_seed
from tests.helpers import Server

SEED_DIR = PROJECT_ROOT / "seed"
SHARED_SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"


def _base_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


# Every database the tests made in this run (engine, PostgreSQL schema or None), removed at the end.
_DATABASES: list[tuple[Engine, str | None]] = []


def _release_idle_connections() -> None:
    """Close the idle pooled connections of every database made so far (they reopen on demand).

    A load test's server may open up to 80 connections (2 workers × 40 threads): on PostgreSQL
    (max_connections 100) the idle connections this test process keeps would leave it short."""
    for made_engine, _ in _DATABASES:
        made_engine.dispose()


# What a test needs decides its marker: `api` if it uses a database (through the app or not), `unit` otherwise;
# `slow` (fuzzing, browser, load, faults, real subprocesses) is set by the modules themselves. `make test-quick`
# runs everything but `slow`.
DATABASE_FIXTURES = {"new_database", "seeded_database", "engine"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses_database = DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        item.add_marker(pytest.mark.api if uses_database else pytest.mark.unit)


@pytest.fixture(scope="session")
def new_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[], Engine]]:
    """Factory of empty databases (SQLite files, or fresh PostgreSQL schemas), all removed at the end."""
    made = _DATABASES
    base = _base_url()

    def make() -> Engine:
        if base is None:
            path = tmp_path_factory.mktemp("db") / "catalogue.db"
            engine = make_engine(f"sqlite:///{path}")
            made.append((engine, None))
            return engine
        url = make_url(Settings(database_url=base).database_url)
        schema = f"test_{uuid.uuid4().hex[:12]}"
        admin = make_engine(url.render_as_string(hide_password=False))
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        scoped = url.update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(scoped.render_as_string(hide_password=False))
        made.append((engine, schema))
        return engine

    make.release = _release_idle_connections  # type: ignore[attr-defined]
    yield make

    for engine, schema in made:
        engine.dispose()
        if schema is not None:
            admin = make_engine(Settings(database_url=base).database_url)  # type: ignore[arg-type]
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()


@pytest.fixture(autouse=True)
def _close_idle_connections_after_each_test() -> Iterator[None]:
    """Each test database keeps a pool of its own: without this, a PostgreSQL run (max_connections 100) accumulated
    the idle connections of every database made before and ran out ("sorry, too many clients already")."""
    yield
    _release_idle_connections()


@pytest.fixture(scope="session")
def seeded_database(new_database: Callable[[], Engine]) -> Callable[[], Engine]:
    """Factory of catalogues as `make run` builds them (migrated to head, loaded from seed/), each its own database.

    On SQLite each one is a copy of a template migrated and loaded once per run: the copy takes milliseconds where
    migrating and loading take about a second, and tests that write (maintenance, feeds, created schemes) each get
    one. On PostgreSQL each one is migrated and loaded in a schema of its own."""
    template: Engine | None = None

    def make() -> Engine:
        nonlocal template
        engine = new_database()
        if engine.dialect.name != "sqlite":
            upgrade(engine)
            load_seed(engine, SEED_DIR)
            return engine
        if template is None:
            template = new_database()
            upgrade(template)
            load_seed(template, SEED_DIR)
            template.dispose()
        # SQLite's online backup copies the pages whatever the journal mode (the template is in WAL mode).
        with closing(sqlite3.connect(str(template.url.database))) as source, \
                closing(sqlite3.connect(str(engine.url.database))) as target:
            source.backup(target)
        return engine

    return make


@pytest.fixture(scope="session")
def engine(seeded_database: Callable[[], Engine]) -> Engine:
    """The catalogue as `make run` builds it, shared by the tests that only read it."""
    return seeded_database()


@pytest.fixture(scope="session")
def client(engine: Engine) -> Iterator[TestClient]:
    app = create_app(Settings(database_url="sqlite://", cors_origins=["*"]), engine=engine)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A writable copy of seed/, for tests that break it on purpose."""
    target = tmp_path / "seed"
    target.mkdir()
    for file in SEED_DIR.glob("*.yaml"):
        (target / file.name).write_text(file.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def url_quote(value: str) -> str:
    return quote(value, safe="")


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the shared rate limit is tested on (`.ci/run` starts it); skipped without it, except in CI."""
    import redis

    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as client:
            client.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs Redis at {REDIS_URL} (.ci/run starts it): {exc}")
        pytest.skip(f"no Redis answers at {REDIS_URL} (TEST_REDIS_URL): {exc}")
    return REDIS_URL


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start uvicorn servers in subprocesses (`start(database_url, workers=2)`); any still running are stopped."""
    servers: list[Server] = []

    def start(database_url: str, workers: int = 2, **options: Any) -> Server:
        server = Server(database_url, workers, tmp_path / f"server-{len(servers)}.log", **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        if server.process.poll() is None:
            server.stop()
