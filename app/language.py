"""The language of each answer: French by default, English with `lang=en` or `Accept-Language: en`.

A pure ASGI middleware sets `app.messages.LANG` for the request, so every message built while answering it (errors,
simulation notes, method checks) is rendered in that language, and marks responses `Content-Language` and
`Vary: Accept-Language` so caches keep the two apart.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.messages import LANG, negotiate


class Language:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        lang = negotiate((query.get("lang") or [None])[-1], Headers(scope=scope).get("accept-language"))
        token = LANG.set(lang)

        async def send_with_language(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Language", lang)
                if "accept-language" not in headers.get("vary", "").lower():
                    headers.append("Vary", "Accept-Language")
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            LANG.reset(token)
