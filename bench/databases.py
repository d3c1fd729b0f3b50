"""Fresh databases for a bench run: a SQLite file in a temporary folder, or a PostgreSQL schema of its own.

Both are migrated with Alembic and loaded from seed/ exactly as `make run` does, and removed at the end; a bench
never touches the database of `make run` or of the tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from app.config import PROJECT_ROOT, Settings
from app.db import make_engine
from app.migrate import upgrade
from app.seed.loader import load_seed

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Database:
    kind: str  # "sqlite" or "postgres"
    url: str  # what the server gets as DATABASE_URL
    engine: Engine  # for the bench's own setup and EXPLAIN
    label: str


def postgres_available(base_url: str) -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = make_engine(Settings(database_url=base_url).database_url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means "not available"
        return f"{type(exc).__name__}: {str(exc).splitlines()[0]}"


@contextmanager
def _own_database(base: Any) -> Iterator[str]:
    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base.render_as_string(hide_password=False)).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def analyze(engine: Engine) -> None:
    """Refresh the planner's statistics of the bench's own tables (PostgreSQL), as autovacuum would eventually."""
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
        return
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars().all()
        for table in tables:
            conn.execute(text(f'ANALYZE "{table}"'))


@contextmanager
def fresh_database(
    kind: str, tmp: Path, *, postgres_url: str = DEFAULT_POSTGRES_URL, seed: bool = True, own_database: bool = False
) -> Iterator[Database]:
    """A migrated, seeded catalogue, removed afterwards. PostgreSQL: a schema of its own in the given database, or
    with `own_database` a whole temporary database (so extensions tried by the growth scenario stay isolated)."""
    if kind == "sqlite":
        path = tmp / f"bench-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        try:
            upgrade(engine)
            if seed:
                load_seed(engine, PROJECT_ROOT / "seed")
            with engine.connect() as conn:
                version = conn.exec_driver_sql("select sqlite_version()").scalar()
            yield Database("sqlite", url, engine, f"SQLite {version} (file in {tmp})")
        finally:
            engine.dispose()
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if kind != "postgres":
        raise ValueError(kind)
    base = make_url(Settings(database_url=postgres_url).database_url)
    if own_database:
        with _own_database(base) as url:
            engine = make_engine(url)
            try:
                upgrade(engine)
                if seed:
                    load_seed(engine, PROJECT_ROOT / "seed")
                analyze(engine)
                with engine.connect() as conn:
                    version = conn.execute(text("SHOW server_version")).scalar()
                name = make_url(url).database
                yield Database("postgres", url, engine,
                               f"PostgreSQL {version} on {base.host}:{base.port} (database {name})")
            finally:
                engine.dispose()
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base.render_as_string(hide_password=False))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        version = conn.execute(text("SHOW server_version")).scalar()
    scoped = base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    engine = make_engine(scoped)
    try:
        upgrade(engine)
        if seed:
            load_seed(engine, PROJECT_ROOT / "seed")
        analyze(engine)
        yield Database("postgres", scoped, engine, f"PostgreSQL {version} on {base.host}:{base.port} (schema {schema})")
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
