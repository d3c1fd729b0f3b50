"""Request bodies are bounded at the edge: `MAX_BODY_BYTES` (1 MiB) for every route, `IMPORT_MAX_BYTES` (8 MiB)
for `POST /import`; past the limit the answer is a 413 problem, and the app never holds more than the limit.

- A `Content-Length` over the limit is refused before anything is read, and before the app (routing, keys) runs.
- A chunked body, or one whose length is not declared, is counted as the app reads it: as soon as the count passes
  the limit, reading raises `BodyTooLarge` and the middleware answers 413 in place of whatever the app made of that
  (FastAPI passes an HTTPException through as it is, and our handler makes a problem of it; the middleware sends
  its own, so every 413 reads the same).

The body is never read to its end by the app after a 413: the server (uvicorn) discards the rest of it as it comes
in, without keeping it, and the connection serves the next request once the client has finished sending.

Starlette's own `RequestBodyLimitMiddleware` answers in plain text, not as a problem in the request's language,
takes one limit per app or per route fixed at import time (ours come from the app's settings), and refuses an
oversized `Content-Length` only once the app reads the body or starts its answer: hence this module.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import ApiError, problem_response
from app.language import Language
from app.messages import Message as M

IMPORT = ("POST", "/import")


class BodyTooLarge(HTTPException):
    """Raised while the body is read, once it has passed the limit."""

    def __init__(self) -> None:
        super().__init__(413, "Content Too Large")


def _size(limit: int) -> M:
    for unit, fr, en in ((1 << 20, "Mio", "MiB"), (1 << 10, "Kio", "KiB")):
        if limit % unit == 0:
            return M(f"{limit // unit} {fr}", f"{limit // unit} {en}")
    return M(f"{limit} octets", f"{limit} bytes")


def _declared_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    return int(value) if value is not None and value.isdigit() else None


def _route(scope: Scope) -> tuple[str, str]:
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return scope["method"], path[len(root):] if root and path.startswith(root) else path


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int, import_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.import_max_bytes = import_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] in ("GET", "HEAD") and not any(
                name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"]):
            # No length and no chunked encoding: the request has no body (RFC 9112 §6.3), nothing to count.
            await self.app(scope, receive, send)
            return
        route = _route(scope)
        limit = self.import_max_bytes if route == IMPORT else self.max_bytes
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _too_large(scope, receive, send, route, limit)
            return
        received = 0
        exceeded = started = False

        async def counted() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise BodyTooLarge  # the chunk that passed the limit goes no further
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's own answer to the cut-off body: replaced by the 413 below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not exceeded or started:
                raise
            # Whatever the app raised once its body was cut off (BodyTooLarge itself, or what it made of it).
        if exceeded and not started:
            await _too_large(scope, receive, send, route, limit)


async def _too_large(scope: Scope, receive: Receive, send: Send, route: tuple[str, str], limit: int) -> None:
    async def answer(scope: Scope, receive: Receive, send: Send) -> None:
        size = _size(limit)
        detail = M(f"Le corps de la requête dépasse la limite de {size.fr} pour {' '.join(route)}.",
                   f"The request body is over the limit of {size.en} for {' '.join(route)}.")
        if route == IMPORT:
            detail += M(" Chargez un catalogue plus grand sur le serveur avec `python -m app.seed --file`.",
                        " Load a larger catalogue on the server with `python -m app.seed --file`.")
        error = ApiError(413, detail, field="body", location="body")
        await problem_response(Request(scope), 413, error.detail, error.errors)(scope, receive, send)

    # Outside the language middleware (the snapshot, inside, reads bodies): the answer is written in the language
    # the request asks for, and marked so, as every other answer is.
    await Language(answer)(scope, receive, send)
