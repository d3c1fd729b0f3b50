"""Request ids, structured JSON logs, and per-client rate limiting.

- Every answer carries `X-Request-ID` (the caller's, when it is a sane token, or a new one), and every log line
  written while serving the request carries it too.
- Logs are one JSON object per line (`LOG_FORMAT=text` for humans): one `request` line per answer with method,
  path, status and duration.
- `RATE_LIMIT_PER_MINUTE` (0: off) limits each client address with a token bucket, per worker; past it the
  answer is a 429 problem with `Retry-After`.
"""

from __future__ import annotations

import contextvars
import json
import logging
import math
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
access_logger = logging.getLogger("app.access")
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


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())


class RequestContext:
    """Request id in and out, and one access log line per answer."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def tagged(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(raw=list(message["headers"]))
                headers["X-Request-ID"] = request_id
                message = {**message, "headers": headers.raw}
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            access_logger.info(
                "request",
                extra={
                    "request_id": request_id, "method": scope["method"], "path": scope["path"], "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": (scope.get("client") or ("-",))[0],
                },
            )
            request_id_var.reset(token)


class RateLimit:
    """A token bucket per client address: `per_minute` requests a minute, bursts up to `burst`."""

    def __init__(self, app: ASGIApp, *, per_minute: int, burst: int | None = None, max_clients: int = 100_000) -> None:
        self.app = app
        self.rate = per_minute / 60.0
        self.capacity = float(burst or max(1, per_minute // 6))
        self.max_clients = max_clients
        self.buckets: dict[str, tuple[float, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(EXEMPT):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown",))[0]
        now = time.monotonic()
        tokens, last = self.buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - last) * self.rate)
        if tokens < 1:
            retry_after = max(1, math.ceil((1 - tokens) / self.rate))
            self.buckets[client] = (tokens, now)
            await _too_many(scope, send, retry_after)
            return
        if len(self.buckets) >= self.max_clients and client not in self.buckets:
            self.buckets.clear()  # bounded memory: forget everyone rather than grow without limit
        self.buckets[client] = (tokens - 1, now)
        await self.app(scope, receive, send)


async def _too_many(scope: Scope, send: Send, retry_after: int) -> None:
    body = json.dumps({
        "type": "about:blank", "title": "Too Many Requests", "status": 429,
        "detail": f"Too many requests from this address; try again in {retry_after} s.",
        "instance": scope["path"], "errors": [],
    }).encode()
    await send({"type": "http.response.start", "status": 429, "headers": [
        (b"content-type", b"application/problem+json"), (b"retry-after", str(retry_after).encode()),
        (b"content-length", str(len(body)).encode()),
    ]})
    await send({"type": "http.response.body", "body": body})
