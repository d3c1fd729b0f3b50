"""Engine, the per-request sessions, and the one place where transactions end.

Reads take `SessionDep`. Writes take `WriteSessionDep` (or, outside a request, `transaction(engine)`): the service
does its work in the session and calls `changed(session)` when there is something to keep; the transaction then
commits when the endpoint returns normally, before its answer is sent, and rolls back otherwise (an error, or a
change that changed nothing). No service commits or rolls back itself.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, create_engine

logger = logging.getLogger("app.db")


def make_engine(url: str, **options: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        if not parsed.database or parsed.database == ":memory:":
            # An in-memory database lives in one connection (SingletonThreadPool): sizing options do not apply.
            options = {k: v for k, v in options.items() if k not in ("pool_size", "max_overflow", "pool_timeout")}
        engine = create_engine(url, connect_args={"check_same_thread": False}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            # Readers never wait for a writer (WAL), and a writer waits up to 30 s for the others instead of failing:
            # a maintenance write rewrites the catalogue, so eight queued writers on a busy machine took over 5 s
            # (PostgreSQL's writers wait on the version row's lock without a bound).
            cursor.execute("PRAGMA busy_timeout=30000")
            if parsed.database and parsed.database != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    # pre_ping: a connection dropped by a database restart is replaced instead of failing a request;
    # connect_timeout: an unreachable database fails a request in seconds, cleanly (503), instead of hanging.
    return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 3}, **options)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request, committed once at the end; rolled back on any error.

    Async on purpose: the endpoint uses the session in a worker thread, but ending it (which returns its
    connection to the pool) happens on the event loop. As a sync dependency its teardown would need a free
    worker thread, and under load every worker thread can be waiting for a pooled connection that only such a
    teardown would release: a deadlock (seen with 64 concurrent clients).
    """
    session = Session(request.app.state.engine)
    try:
        yield session
        # Only a session holding changes commits: committing a read would fail needlessly when the database
        # has just gone away (the endpoint already answered; the error would surface as a 500 or a dropped
        # connection instead of the 503 the endpoint itself would have given).
        if session.new or session.dirty or session.deleted:
            session.commit()
    except Exception:
        _quietly(session.rollback)
        raise
    finally:
        _quietly(session.close)


_CHANGED = "changed"


def changed(session: Session) -> None:
    """Mark a write session as holding a change to keep: it commits when its unit of work ends without error."""
    session.info[_CHANGED] = True


def _end(session: Session) -> None:
    """End a unit of work that ran without error: commit what was marked changed, roll back anything else."""
    if session.info.pop(_CHANGED, False):
        session.commit()
    else:
        session.rollback()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A unit of work outside a request (the seed command): the same rule as `WriteSessionDep`."""
    with Session(engine) as session:
        try:
            yield session
            _end(session)
        except BaseException:
            _quietly(session.rollback)
            raise


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """A request's write session. Ended when the endpoint returns (`scope="function"`), so that a failed commit
    is the answer (503), never a success already sent; on the event loop for the reason `get_session` gives (a
    writer holds the database's write lock from its first statement: the commit itself never waits for another)."""
    session = Session(request.app.state.engine)
    try:
        yield session
        _end(session)
    except Exception:
        _quietly(session.rollback)
        raise
    finally:
        _quietly(session.close)


def _quietly(end: Callable[[], None]) -> None:
    """End a transaction or session; a connection already lost has nothing left to release."""
    try:
        end()
    except SQLAlchemyError as exc:
        logger.warning("could not end a database session cleanly: %s", exc.__class__.__name__)


SessionDep = Annotated[Session, Depends(get_session)]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]
