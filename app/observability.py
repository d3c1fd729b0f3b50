"""Request ids, structured JSON logs, and per-client rate limiting.

- Every answer carries `X-Request-ID` (the caller's, when it is a sane token, or a new one), and every log line
  written while serving the request carries it too.
- Logs are one JSON object per line (`LOG_FORMAT=text` for humans), uvicorn's own lines included, each with the
  worker's pid: one `request` line per answer with method, path, status and duration (uvicorn's access log is off).
- `RATE_LIMIT_PER_MINUTE` (0: off) limits each client address with the `limits` library (moving window), counted
  in `RATE_LIMIT_STORAGE`: in each worker's memory, or in Redis, shared by every worker of every machine. Every
  limited answer says `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`; past the limit it is a 429
  problem with `Retry-After`. When Redis does not answer, requests are let through (logged once), and it is
  asked again a few seconds later.
"""

from __future__ import annotations

import contextvars
import functools
import json
import logging
import math
import os
import re
import time
from dataclasses import dataclass
from typing import cast

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import get_settings
from app.errors import PROBLEM_JSON, Problem
from app.language import Language
from app.messages import Message as M
from app.messages import render

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_logger = logging.getLogger("app.access")
logger = logging.getLogger("app.rate_limit")
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
EXEMPT = ("/health", "/ready")


class JsonFormatter(logging.Formatter):
    FIELDS = ("request_id", "method", "path", "status", "duration_ms", "client")

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for name in self.FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if "request_id" not in entry and (current := request_id_var.get()):
            entry["request_id"] = current
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def make_formatter(fmt: str | None = None) -> logging.Formatter:
    """The formatter of every log line: LOG_FORMAT's (also named by app/log_config.json, for uvicorn's own process)."""
    if (fmt or get_settings().log_format) == "json":
        return JsonFormatter()
    return logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")


def configure_logging(level: str, fmt: str) -> None:
    """One handler on stderr for everything: the app's lines, uvicorn's own, and Python warnings."""
    handler = logging.StreamHandler()
    handler.setFormatter(make_formatter(fmt))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's lines (startup, errors) go through the same handler; its access log is off: the app writes its own
    # `request` line, with the request id (uvicorn only formats access lines when that logger has a handler).
    for name, propagate in (("uvicorn", True), ("uvicorn.error", True), ("uvicorn.access", False)):
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers[:] = []
        uvicorn_logger.propagate = propagate
    logging.captureWarnings(True)


class RequestContext:
    """Request id in and out, and one access log line per answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"").decode("latin-1")
        # 32 random hex digits, as uuid4().hex wrote them, without building a UUID object (a tenth of a kept answer's
        # cost in-process).
        request_id = incoming if _SANE_ID.match(incoming) else os.urandom(16).hex()
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message["headers"] if k != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            if access_logger.isEnabledFor(logging.INFO):  # not building the line's fields when it is not written
                access_logger.info(
                    "request",
                    extra={
                        "request_id": request_id, "method": scope["method"], "path": scope["path"], "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                        "client": (scope.get("client") or ("-",))[0],
                    },
                )
            request_id_var.reset(token)


# --- rate limiting ------------------------------------------------------------------------------------------------

RETRY_STORAGE_SECONDS = 5.0  # after a failure, Redis is left alone this long: requests pass without waiting on it
STORAGE_TIMEOUT_SECONDS = 2.0  # ample on a loopback or LAN Redis, even on a busy worker; a dead one costs this once
STORAGE_ERRORS = (StorageError, RedisError, OSError, TimeoutError)


def rate_limit_storage(uri: str) -> Storage:
    """The async storage of `limits` for `RATE_LIMIT_STORAGE` (already `async+…`, see app/config.py)."""
    options: dict[str, object] = {}
    if uri.startswith("async+redis"):
        # redis-py's asyncio client, with bounded waits and no retries: a rate limiter must not hold requests up.
        options = {"implementation": "redispy", "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS,
                   "socket_timeout": STORAGE_TIMEOUT_SECONDS, "retry": Retry(NoBackoff(), 0), "wrap_exceptions": True}
    # limits types the options as float | str | bool, but passes them on to the client (redis-py takes a Retry).
    return cast(Storage, storage_from_string(uri, **options))  # type: ignore[arg-type]


@dataclass(frozen=True)
class Quota:
    """Where a client stands against one limit, for the RateLimit-* headers."""

    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until a request is counted no more (RateLimit-Reset, delta-seconds)

    def headers(self) -> list[tuple[bytes, bytes]]:
        values = {"ratelimit-limit": self.limit, "ratelimit-remaining": self.remaining, "ratelimit-reset": self.reset}
        if not self.allowed:
            values["retry-after"] = max(1, self.reset)
        return [(name.encode(), str(value).encode()) for name, value in values.items()]


class ClientLimits:
    """`per_minute` requests a minute per client address (and at most `burst` a second), in a moving window."""

    def __init__(self, *, per_minute: int, burst: int | None = None, storage: str = "async+memory://",
                 prefix: str = "post-internat") -> None:
        self.items: list[RateLimitItem] = [RateLimitItemPerMinute(per_minute)]
        if burst:
            self.items.insert(0, RateLimitItemPerSecond(burst))  # the shorter first: a refused burst costs no minute
        self.storage = rate_limit_storage(storage)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.prefix = prefix
        self.down_until = 0.0
        self.down = False

    async def hit(self, client: str) -> Quota | None:
        """Count one request; None when the storage does not answer (the request is let through)."""
        if time.monotonic() < self.down_until:
            return None
        try:
            quota = await self._hit(client)
        except STORAGE_ERRORS as exc:
            if not self.down:
                logger.warning("rate-limit storage unreachable, requests are not limited until it answers: %r", exc)
            self.down, self.down_until = True, time.monotonic() + RETRY_STORAGE_SECONDS
            return None
        if self.down:
            logger.warning("rate-limit storage answers again, requests are limited")
            self.down = False
        return quota

    async def _hit(self, client: str) -> Quota:
        tightest: Quota | None = None
        for item in self.items:
            allowed = await self.limiter.hit(item, self.prefix, client)
            stats = await self.limiter.get_window_stats(item, self.prefix, client)
            quota = Quota(allowed, item.amount, max(0, stats.remaining),
                          max(0, math.ceil(stats.reset_time - time.time())))
            if not allowed:
                return quota
            # Several limits: the headers describe the one closest to exhaustion (IETF RateLimit headers draft).
            if tightest is None or (quota.remaining, -quota.reset) < (tightest.remaining, -tightest.reset):
                tightest = quota
        assert tightest is not None
        return tightest

    async def check(self) -> bool:
        """Whether the storage answers (for /ready)."""
        try:
            return bool(await self.storage.check())
        except STORAGE_ERRORS:
            return False


class RateLimit:
    """Counts every request but the probes' against `limits`; adds the RateLimit headers; 429 past the limit."""

    def __init__(self, app: ASGIApp, *, limits: ClientLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        quota = await self.limits.hit((scope.get("client") or ("unknown",))[0])
        if quota is None:
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *quota.headers()]}
            await send(message)

        if quota.allowed:
            await self.app(scope, receive, with_headers)
        else:  # the problem's text in the language the client asks for, as everywhere
            await Language(functools.partial(_too_many, max(1, quota.reset)))(scope, receive, with_headers)


async def _too_many(retry_after: int, scope: Scope, receive: Receive, send: Send) -> None:
    query = scope.get("query_string", b"").decode("latin-1")
    body = Problem(
        title="Too Many Requests", status=429, instance=scope["path"] + (f"?{query}" if query else ""),
        detail=render(M(f"Trop de requêtes depuis cette adresse : réessayez dans {retry_after} s.",
                        f"Too many requests from this address; try again in {retry_after} s.")),
    ).model_dump_json(by_alias=True, exclude_none=True).encode()
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", PROBLEM_JSON.encode()), (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
