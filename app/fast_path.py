"""Answers already kept in memory, sent from in front of the layers that would only pass them through (issue 12).

A repeated GET is answered by the snapshot (app/snapshot.py), but it reaches it through HEAD handling, the host
check, CORS, the body limit and HTTP validators, each wrapping the answer on its way out: about 40 us of a
worker's time where the bare ASGI baseline needs 8. For a GET whose answer is kept, those layers have nothing to
decide, so this one, just inside the request id and access log, sends the kept answer itself, as they would have:

- only for what they would pass through unchanged: a GET (HEAD goes the long way), with no body, no `Origin`
  (a cross-origin request gets its CORS headers from the CORS layer), for a `Host` the host check has already let
  through (`TrustedHosts.passed`), an answer the snapshot holds with its ETag, for the catalogue version of this
  request (the one version check per request, as the snapshot makes it);
- not at all when rate limiting is on (each request must be counted by the RateLimit layer);
- with the headers those layers add, computed by their own code: Cache-Control and Vary from HttpCache's helpers,
  304 on a matching If-None-Match as HttpCache answers it, and the CORS layer's own `send` (which adds `Vary:
  Origin`) for both. For a 200, those headers depend only on the kept answer and the Cache-Control value (no
  `Origin` comes this way), so they are computed once and kept with the answer (`Kept.sent`).

A repeated simulation (`POST /simulate` or `/simulate/compare` with a body whose answer the snapshot holds) is sent
the same way, for a body the body limit would let through unread (a declared length within its limit, exactly that
many bytes, no chunked body): its body is read here and, when no answer is kept, replayed to the long way. POST
answers get no HTTP validators (HttpCache passes them through), so only the CORS layer's headers are added.

Everything else goes through the whole stack. tests/test_fast_path.py compares, request by request, the answers of
an app with and without this layer (status, every header but the request id, body).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.body_limit import BodyLimit
from app.hosts import TrustedHosts
from app.http_cache import HttpCache, matches, not_modified_headers, with_cache_headers
from app.memory.watch import DatabaseUnavailable
from app.observability import RateLimit
from app.snapshot import CACHED_POSTS, MAX_BODY, Kept, Snapshot, read_body

# Request headers that send a request the long way: a body to bound, an origin to answer CORS for.
_LONG_WAY = (b"origin", b"content-length", b"transfer-encoding")


@dataclass(frozen=True)
class _Layers:
    hosts: TrustedHosts
    cors: CORSMiddleware
    http_cache: HttpCache
    snapshot: Snapshot
    body_limit: BodyLimit


class FastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.layers: _Layers | None = None
        self.searched = False
        self.served = 0  # answers sent from here (the tests count them)

    def _find(self) -> _Layers | None:
        """The layers below, found once (Starlette builds them on the first request): None when rate limiting is
        on, or when one of them is missing (no snapshot kept: SNAPSHOT_ENTRIES=0)."""
        found: dict[type, object] = {}
        current: object = self.app
        while current is not None:
            if isinstance(current, RateLimit):
                return None
            for kind in (TrustedHosts, CORSMiddleware, HttpCache, Snapshot, BodyLimit):
                if isinstance(current, kind):
                    found.setdefault(kind, current)
            current = getattr(current, "app", None)
        if len(found) < 5:
            return None
        return _Layers(hosts=found[TrustedHosts], cors=found[CORSMiddleware],  # type: ignore[arg-type]
                       http_cache=found[HttpCache], snapshot=found[Snapshot],  # type: ignore[arg-type]
                       body_limit=found[BodyLimit])  # type: ignore[arg-type]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if scope["method"] == "GET" and await self._serve(scope, send):
                return
            if scope["method"] == "POST" and scope["path"] in CACHED_POSTS:
                left = await self._serve_post(scope, receive, send)
                if left is None:
                    return
                receive = left  # the body read, replayed to the long way
        await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, send: Send) -> bool:
        """Send the kept answer and say True, or say False (and send nothing) for the long way."""
        if not self.searched:
            self.layers, self.searched = self._find(), True
        layers = self.layers
        if layers is None:
            return False
        snapshot = layers.snapshot
        if not snapshot.cacheable(scope):
            return False
        host = asked = None
        for name, value in scope["headers"]:  # one pass; the first line of a name counts, as Headers.get reads
            if name in _LONG_WAY:
                return False
            if name == b"host" and host is None:
                host = value
            elif name == b"if-none-match" and asked is None:
                asked = value
        if host is None or host not in layers.hosts.passed:
            return False
        kept = await self._kept(snapshot, scope, b"")
        if kept is None:
            return False
        cache_control = layers.http_cache.cache_control
        etag = next(value for name, value in kept.headers if name == b"etag")
        if asked is not None and matches(asked.decode("latin-1"), etag.decode("latin-1")):
            out = functools.partial(layers.cors.send, send=send, request_headers=Headers(scope=scope))
            await out({"type": "http.response.start", "status": 304,
                       "headers": not_modified_headers(Headers(raw=kept.headers), cache_control)})
            await out({"type": "http.response.body", "body": b""})
            return True
        sent = kept.sent
        if sent is None or sent[0] != cache_control:
            sent = kept.sent = (cache_control, await _through(layers.cors, with_cache_headers(kept.headers,
                                                                                              cache_control)))
        await send({"type": "http.response.start", "status": kept.status, "headers": list(sent[1])})
        await send({"type": "http.response.body", "body": kept.body})
        return True


    async def _kept(self, snapshot: Snapshot, scope: Scope, body: bytes) -> Kept | None:
        """The answer the snapshot keeps for this request, for the catalogue version of this request (the one
        version check per request, as the snapshot makes it), counted as sent; None for the long way."""
        try:
            current = await snapshot.catalogues.version(scope)
        except DatabaseUnavailable:
            return None
        if current != snapshot.version:
            return None  # the snapshot clears itself on the long way
        key = snapshot.key(scope, body)
        kept = snapshot.entries.get(key)
        if kept is None or kept.tag or any(name == b"location" for name, _ in kept.headers):
            return None
        snapshot.entries.move_to_end(key)
        snapshot.hits += 1
        self.served += 1
        return kept

    async def _serve_post(self, scope: Scope, receive: Receive, send: Send) -> Receive | None:
        """A kept simulation (POST /simulate, /simulate/compare) sent for a body the snapshot holds its answer to:
        None once sent; else the `receive` the long way reads the body from (replayed if it was read here).

        Only for a body the body limit would let through unread: a declared length within its limit (no chunked
        body), and exactly that many bytes. HttpCache passes POST answers through (no ETag, no Cache-Control); the
        CORS layer's `send` still gives its headers, kept with the answer as for a GET."""
        if not self.searched:
            self.layers, self.searched = self._find(), True
        layers = self.layers
        if layers is None or not layers.snapshot.cacheable(scope):
            return receive
        host = declared = None
        for name, value in scope["headers"]:
            if name in (b"origin", b"transfer-encoding"):
                return receive
            if name == b"host" and host is None:
                host = value
            elif name == b"content-length":
                if declared is not None or not value.isdigit():
                    return receive
                declared = int(value)
        if (host is None or host not in layers.hosts.passed or declared is None
                or declared > min(layers.body_limit.max_bytes, MAX_BODY)):
            return receive
        body, replay = await read_body(receive)
        snapshot = layers.snapshot
        if len(body) != declared:
            return replay
        kept = await self._kept(snapshot, scope, body)
        if kept is None:
            return replay
        sent = kept.sent
        if sent is None or sent[0] != "":  # "": no Cache-Control (a GET's entry has its value there)
            sent = kept.sent = ("", await _through(layers.cors, list(kept.headers)))
        await send({"type": "http.response.start", "status": kept.status, "headers": list(sent[1])})
        await send({"type": "http.response.body", "body": kept.body})
        return None


async def _through(cors: CORSMiddleware, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` as the CORS layer's own `send` leaves them for a request without `Origin` (the only requests served
    here): they depend on nothing else of the request, so a kept answer's are computed once per Cache-Control value
    and kept with it (Kept.sent), instead of on every replay."""
    out: list[list[tuple[bytes, bytes]]] = []

    async def keep(message: Message) -> None:
        out.append(message["headers"])

    await cors.send({"type": "http.response.start", "status": 200, "headers": headers}, send=keep,
                    request_headers=Headers(raw=[]))
    return out[0]
