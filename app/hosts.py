"""Which Host the service answers (ALLOWED_HOSTS), and redirects that never name the request's Host.

The matching is Starlette's `TrustedHostMiddleware` (exact names, `*.example.fr`, `*`); this wrapper only changes
its refusal, plain text there, into our problem shape: a bilingual 400 `application/problem+json` naming the `host`
header. It sits outside every cache (HTTP validators, the in-memory snapshot), so an answer is never built, kept
or replayed for a refused Host. `/health` and `/ready` answer whatever the Host (probes call them by IP; they carry
no address and are never kept).

Redirects (Starlette's trailing-slash one builds `http://<Host>/…`) go out as relative references.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import errors
from app.messages import LANG, negotiate
from app.messages import Message as M

PROBES = frozenset({"/health", "/ready"})
MAX_PASSED = 64


class _Gate:
    """The send handed to Starlette's host check: what it sends itself (its plain-text refusal) is dropped; a
    request it lets through is answered on the real `send`, and `passed` says so."""

    def __init__(self, send: Send) -> None:
        self.send = send
        self.passed = False

    async def __call__(self, message: Message) -> None:
        """Starlette's own answer to a refused host (plain text) is never sent: ours replaces it."""


class TrustedHosts:
    def __init__(self, app: ASGIApp, *, allowed_hosts: Sequence[str], public_url: str) -> None:
        self.app = app
        self.allowed_hosts = list(allowed_hosts)
        self.public_url = public_url
        # Built once: the check parses its patterns when it is made, not per request.
        self.check = TrustedHostMiddleware(self._allowed, allowed_hosts=self.allowed_hosts, www_redirect=False)
        # Host header values already let through, as sent (app/fast_path.py serves kept answers to these only):
        # the same value always gets the same verdict. Bounded, since clients choose the values.
        self.passed: set[bytes] = set()

    async def _allowed(self, scope: Scope, receive: Receive, gate: Send) -> None:
        assert isinstance(gate, _Gate)
        gate.passed = True
        if len(self.passed) < MAX_PASSED:
            host = next((value for name, value in scope["headers"] if name == b"host"), None)
            if host is not None:
                self.passed.add(host)
        await self.app(scope, receive, _relative_redirects(scope, gate.send, self.public_url))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in PROBES:
            await self.app(scope, receive, _relative_redirects(scope, send, self.public_url))
            return
        gate = _Gate(send)
        await self.check(scope, receive, gate)
        if not gate.passed:
            await _refuse(scope, receive, send)


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    lang = negotiate(request.query_params.get("lang"), request.headers.get("accept-language"))
    token = LANG.set(lang)
    try:
        host = request.headers.get("host", "")[:100]
        refusal = errors.ApiError(
            400,
            M(f"Ce service ne répond pas à l'hôte « {host} » (en-tête Host) ; voir ALLOWED_HOSTS.",
              f"This service does not answer for host '{host}' (Host header); see ALLOWED_HOSTS."),
            field="host", location="header",
        )
    finally:
        LANG.reset(token)
    response = errors.problem_response(request, 400, refusal.detail, refusal.errors,
                                       headers={"Content-Language": lang, "Cache-Control": "no-store"})
    await response(scope, receive, send)


def _relative_redirects(scope: Scope, send: Send, public_url: str) -> Send:
    """Turn a `Location` that names the request's own scheme and Host into a path (`/schemes`, not http://host/…)."""
    own = f"{scope.get('scheme', 'http')}://{Headers(scope=scope).get('host', '')}".lower()

    async def relative(message: Message) -> None:
        if message["type"] == "http.response.start" and any(k == b"location" for k, _ in message["headers"]):
            headers = MutableHeaders(raw=list(message["headers"]))
            location = headers.get("location")
            if location is not None and location.lower().startswith(own):
                path = location[len(own):]
                if path == "" or path[0] in "/?#":
                    # `//x` would be read as another host: such a path is written under PUBLIC_URL instead.
                    headers["Location"] = public_url + path if path.startswith("//") else (path or "/")
                    message = {**message, "headers": headers.raw}
        await send(message)

    return relative
