"""HEAD on every GET (RFC 9110 §9.3.2): the GET answer's status and headers, Content-Length included, and no body.

A pure ASGI middleware outside the caches: the request goes in as a GET, so the routes, the in-memory snapshot and
the ETag/304 logic treat it as one (a HEAD may fill or use the snapshot like the GET it stands for), and only the
body is dropped on the way out. A path with no GET answers HEAD with the 405 a GET would get. The OpenAPI
document lists GET only.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class Head:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
