"""How a worker knows, at every request, which version of the catalogue is the last committed one — cheaply.

Every write bumps `catalogue_version` in its own transaction (app/core/versions.py). A worker keeps one connection of
its own, outside the pool, to learn when that happens:

- **SQLite**: `PRAGMA data_version` on that connection changes when any other connection (of any process) has
  committed. It reads the WAL index in shared memory: no disk read and no lock, a few microseconds. Only when it
  changed is the version row read again.
- **PostgreSQL**: the connection `LISTEN`s on `post_internat_catalogue`; a trigger on the version row (migration
  0010) notifies it, naming its schema, in the transaction that bumps it. Each request drains what the socket already
  holds (`PQconsumeInput`, never waiting); a notification for our schema marks the version to be read again. The
  version is also read at least once a second (the bounded poll), in case a notification is ever missed.

The check runs on the event loop when it needs no round trip, in a worker thread when it does (opening the
connection, or reading the version row after a change), so an unreachable database never blocks the loop.
`Catalogues` keeps the in-memory catalogue (app/memory/__init__.py) of the last version seen and reads a new one,
in a thread, when the version moves.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Annotated, Any

import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from starlette.types import Scope

from app import memory
from app.core import versions

logger = logging.getLogger("app.memory.watch")

CHANNEL = "post_internat_catalogue"
POLL_SECONDS = 1.0  # PostgreSQL: the version row is read at least this often, notifications or not
RETRY_SECONDS = 1.0  # after a failure, the database is not tried again before this
STATE_KEY = "catalogue_version"  # where a request's checked version is kept in the ASGI scope's state


class DatabaseUnavailable(OperationalError):
    """The version cannot be read: the request gets the database's 503 (app/errors.py)."""

    def __init__(self, reason: str) -> None:
        super().__init__("catalogue version check", None, Exception(reason))


class VersionWatch:
    def __init__(self, engine: Engine) -> None:
        self.postgres = engine.dialect.name == "postgresql"
        self.engine = _own_engine(engine)
        self.lock = threading.Lock()
        self.wrapper: Any = None  # the pool's wrapper of our driver connection (dropping it closes it)
        self.driver: Any = None
        self.schema: str | None = None
        self.version: int | None = None
        self.data_version: int | None = None
        self.stale = True
        self.read_at = 0.0
        self.retry_at = 0.0
        event.listen(engine, "engine_disposed", _closer(weakref.ref(self)))

    # --- the two paths -------------------------------------------------------------------------------------------

    def quick(self) -> int | None:
        """The current version if it can be known without a round trip to the database, else None."""
        if not self.lock.acquire(blocking=False):
            return None
        try:
            if self.driver is None or self.version is None:
                return None
            if self.postgres:
                self._drain()
                if self.stale or time.monotonic() - self.read_at > POLL_SECONDS:
                    return None
                return self.version
            return self.version if self._data_version() == self.data_version else None
        except Exception:
            self._drop()
            return None
        finally:
            self.lock.release()

    def slow(self) -> int:
        """The current version, connecting or reading the version row as needed (blocking: run it in a thread)."""
        with self.lock:
            if time.monotonic() < self.retry_at:
                raise DatabaseUnavailable("the database did not answer a moment ago")
            try:
                if self.driver is None:
                    self._connect()
                if self.postgres:
                    self._drain()
                elif self.version is not None:
                    data_version = self._data_version()
                    if data_version != self.data_version:
                        self.data_version = data_version
                        self.stale = True
                if self.stale or self.version is None or (
                        self.postgres and time.monotonic() - self.read_at > POLL_SECONDS):
                    self._read()
                assert self.version is not None
                return self.version
            except DatabaseUnavailable:
                raise
            except Exception as exc:  # any driver error: unreachable for now
                self._drop()
                self.retry_at = time.monotonic() + RETRY_SECONDS
                raise DatabaseUnavailable(exc.__class__.__name__) from None

    async def current(self) -> int:
        found = self.quick()
        if found is not None:
            return found
        return await anyio.to_thread.run_sync(self.slow)

    # --- connection -----------------------------------------------------------------------------------------------

    def _connect(self) -> None:
        wrapper = self.engine.raw_connection()
        driver = wrapper.driver_connection
        assert driver is not None
        if self.postgres:
            driver.autocommit = True
            self.schema = driver.execute("SELECT current_schema()").fetchone()[0]
            driver.add_notify_handler(self._heard)
            driver.execute(f"LISTEN {CHANNEL}")
        else:
            driver.isolation_level = None  # autocommit: each read sees the last commit
        self.wrapper, self.driver = wrapper, driver
        if not self.postgres:
            self.data_version = self._data_version()
        self.stale = True

    def _data_version(self) -> int:
        return int(self.driver.execute("PRAGMA data_version").fetchone()[0])

    def _read(self) -> None:
        # Both drivers' connections run a query themselves (psycopg and sqlite3 `execute`).
        (version,) = self.driver.execute(versions.CURRENT).fetchone()
        self.version = int(version)
        self.stale = False
        self.read_at = time.monotonic()

    def _drain(self) -> None:
        """Read the notifications already on the socket, without waiting for any."""
        pgconn = self.driver.pgconn
        pgconn.consume_input()
        while (notice := pgconn.notifies()) is not None:
            self._heard_payload(notice.extra.decode())

    def _heard(self, notice: Any) -> None:  # psycopg's handler, for notifications read during a query
        self._heard_payload(notice.payload)

    def _heard_payload(self, payload: str) -> None:
        schema = payload.partition(" ")[0]
        if schema == self.schema:
            self.stale = True

    def _drop(self) -> None:
        if self.wrapper is not None:
            with contextlib.suppress(Exception):  # already broken
                self.wrapper.invalidate()
        self.wrapper = self.driver = None
        self.version = None
        self.stale = True

    def close(self) -> None:
        with self.lock:
            self._drop()


def _own_engine(engine: Engine) -> Engine:
    from app.db import make_engine  # app.db imports nothing of app.records; kept local to stay that way

    return make_engine(engine.url.render_as_string(hide_password=False), poolclass=NullPool)


def _closer(watch: weakref.ref[VersionWatch]) -> Callable[[Engine], None]:
    """Disposing of the app's engine (shutdown, a test releasing its databases) closes our connection too: it is
    outside the pool, so dispose() alone would leave it open."""

    def close(_engine: Engine) -> None:
        kept = watch()
        if kept is not None:
            kept.close()

    return close


class Catalogues:
    """The in-memory catalogue of the last committed version, for one worker."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.watch = VersionWatch(engine)
        self.catalogue: memory.Catalogue | None = None
        self.loading = threading.Lock()

    async def version(self, scope: Scope) -> int:
        """The request's version: checked once per request, then kept in its scope."""
        state = scope.setdefault("state", {})
        found = state.get(STATE_KEY)
        if found is None:
            found = state[STATE_KEY] = await self.watch.current()
        return int(found)

    async def for_request(self, scope: Scope) -> memory.Catalogue:
        version = await self.version(scope)
        catalogue = self.catalogue
        if catalogue is not None and catalogue.version == version:
            return catalogue
        return await anyio.to_thread.run_sync(self._load, version)

    def _load(self, version: int) -> memory.Catalogue:
        with self.loading:  # one read per version, whatever the number of requests waiting for it
            catalogue = self.catalogue
            if catalogue is not None and catalogue.version == version:
                return catalogue
            catalogue = memory.read(self.engine)
            self.catalogue = catalogue
            _keep_out_of_collections()
            return catalogue


_FULL_COLLECTION_EVERY_S = 60.0
_last_full_collection = [float("-inf")]


def _keep_out_of_collections() -> None:
    """Move what the worker holds for good (modules, the app, the catalogue just read) out of the garbage
    collector's generations (gc.freeze). A full collection otherwise walks those ~150 000 objects: ~100 ms during
    which the worker answers nothing, measured as a p99 of 131 ms for new simulations at 16 clients
    (docs/benchmarks.md); frozen, a full collection takes about 1 ms.

    A catalogue holds no reference cycle (measured: dropping one leaves nothing for the collector), so the one a
    write replaced is freed by reference counting, frozen or not. What would stay frozen for good is cyclic garbage
    that exists at the moment of freezing: the young generations are collected first (about 1 ms), and a full
    collection is made first too when the last one is a minute old or more, so a burst of writes does not pay
    ~100 ms each (the test suite makes hundreds)."""
    now = time.monotonic()
    if now - _last_full_collection[0] >= _FULL_COLLECTION_EVERY_S:
        gc.unfreeze()
        gc.collect()
        _last_full_collection[0] = now
    else:
        gc.collect(1)
    gc.freeze()


async def get_catalogue(request: Request) -> memory.Catalogue:
    """The request's catalogue: the in-memory one of the last committed version (one version check per request)."""
    catalogues: Catalogues = request.app.state.catalogues
    return await catalogues.for_request(request.scope)


CatalogueDep = Annotated[memory.Catalogue, Depends(get_catalogue)]
