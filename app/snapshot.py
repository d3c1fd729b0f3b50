"""Answers served from memory while the catalogue has not changed.

Every answer the API gives depends only on the request and on the catalogue's data (schemes, pay, parameters),
so a successful answer can be kept in memory and served again as long as the data is the same. Before using a
kept answer, the worker checks the catalogue version (app/memory/watch.py: no round trip unless it moved); any
write bumps it in its own transaction, so after a committed write no worker — however many there are — serves an
older answer.

Kept: successful GET answers of the API (not the docs, static files or health checks) and successful POST
answers of the simulation, keyed by method, path, query, the representation asked for (Accept) and the body.
Bounded in entries and in bytes (SNAPSHOT_ENTRIES, SNAPSHOT_MAX_BYTES): least recently used entries go first.
"""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.dates import today
from app.http_cache import etag_of
from app.memory.watch import Catalogues, DatabaseUnavailable

logger = logging.getLogger("app.snapshot")

UNCACHED_PREFIXES = ("/health", "/ready", "/docs", "/redoc", "/openapi.json", "/static")
CACHED_POSTS = ("/simulate", "/simulate/compare")
MAX_BODY = 1 << 20


@dataclass
class Kept:
    """An answer kept in memory. Not frozen: a GET answer's ETag is added to `headers` once, when first replayed (on
    the event loop, with no await between the check and the change)."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    tag: bool = False  # a GET answer gets its ETag the first time it is replayed (see _replay)
    # The headers app/fast_path.py sends this answer with, for the Cache-Control value they were computed for.
    sent: tuple[str, list[tuple[bytes, bytes]]] | None = None


class Snapshot:
    def __init__(self, app: ASGIApp, *, catalogues: Catalogues, max_entries: int = 2048,
                 max_bytes: int = 16 << 20) -> None:
        self.app = app
        # The version check is the app's one per request (app/memory/watch.py): done here, kept in the request's
        # scope, and not done again by the endpoint that reads the in-memory catalogue.
        self.catalogues = catalogues
        self.max_entries = max_entries
        # Bounded by bytes too: one 96-month simulation answer weighs ~170 KB, so a count alone could hold
        # hundreds of MB per worker.
        self.max_bytes = max_bytes
        self.bytes = 0
        self.entries: OrderedDict[bytes, Kept] = OrderedDict()
        self.version: int | None = None
        self.hits = 0  # answers replayed from memory (the tests count them to see what was kept)

    async def _current_version(self, scope: Scope) -> int | None:
        try:
            return await self.catalogues.version(scope)
        except DatabaseUnavailable:
            # Serve nothing from memory; the request fails cleanly (503) where it needs the catalogue.
            self._clear()
            self.version = None
            return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.cacheable(scope):
            await self.app(scope, receive, send)
            return
        body, receive = await read_body(receive) if scope["method"] == "POST" else (b"", receive)
        if len(body) > MAX_BODY:
            await self.app(scope, receive, send)
            return
        current = await self._current_version(scope)
        if current is None:
            await self.app(scope, receive, send)
            return
        if current != self.version:
            self._clear()
            self.version = current
        key = self.key(scope, body)
        kept = self.entries.get(key)
        if kept is not None:
            self.entries.move_to_end(key)
            self.hits += 1
            await _replay(kept, scope, send)
            return
        await self._forward_and_keep(scope, receive, send, key, current)

    def cacheable(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if any(name == b"authorization" for name, _ in scope["headers"]):
            # An authenticated answer (the audit log) is never kept: replaying it would skip the key check.
            return False
        if scope["method"] == "GET":
            return not path.startswith(UNCACHED_PREFIXES)
        return scope["method"] == "POST" and path in CACHED_POSTS

    def key(self, scope: Scope, body: bytes) -> bytes:
        named: dict[bytes, bytes | None] = {b"accept": None, b"content-type": None, b"accept-language": None}
        for name, value in scope["headers"]:  # one pass; the first line of each name counts, as Headers.get reads
            if name in named and named[name] is None:
                named[name] = value
        # Not the Host: no answer depends on it (absolute links are written from PUBLIC_URL), and a Host outside
        # ALLOWED_HOSTS never gets this far (app.hosts). Without `as_of`, answers show the catalogue as of today (and
        # yearly events relative to today). One hash call over the parts joined (each ends with a NUL).
        accept, content_type, language = named.values()
        return hashlib.blake2b(b"\0".join((
            scope["method"].encode(), scope["path"].encode(), scope.get("query_string", b""), accept or b"",
            content_type or b"", language or b"", today().isoformat().encode() + body)), digest_size=20).digest()

    async def _forward_and_keep(self, scope: Scope, receive: Receive, send: Send, key: bytes, seen: int) -> None:
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body" and start is not None and start["status"] == 200:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False) and self.version == seen:
                    body = b"".join(chunks)
                    if len(body) <= MAX_BODY:
                        # The ETag of a GET answer is computed when it is first replayed, not here: HttpCache,
                        # outside, hashes this same body for the answer going out, and a body kept but never asked
                        # again would be hashed for nothing (a 70 KB detail: ~50 us a hash).
                        headers = list(start["headers"])
                        tag = scope["method"] == "GET" and not any(name == b"etag" for name, _ in headers)
                        self._store(key, Kept(200, headers, body, tag))
            await send(message)

        await self.app(scope, receive, capture)

    def _clear(self) -> None:
        self.entries.clear()
        self.bytes = 0

    def _store(self, key: bytes, kept: Kept) -> None:
        if len(kept.body) > self.max_bytes:
            return
        previous = self.entries.pop(key, None)
        if previous is not None:
            self.bytes -= len(previous.body)
        self.entries[key] = kept
        self.bytes += len(kept.body)
        while len(self.entries) > self.max_entries or self.bytes > self.max_bytes:
            _, dropped = self.entries.popitem(last=False)
            self.bytes -= len(dropped.body)


async def read_body(receive: Receive) -> tuple[bytes, Receive]:
    """Read the request body once, and hand the app a receive that replays it."""
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _replay(kept: Kept, scope: Scope, send: Send) -> None:
    if kept.tag:
        kept.headers.append((b"etag", etag_of(kept.body).encode("latin-1")))
        kept.tag = False
    await send({"type": "http.response.start", "status": kept.status, "headers": kept.headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else kept.body})
