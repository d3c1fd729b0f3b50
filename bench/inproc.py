"""Drive an ASGI app in-process, without a server or an HTTP client library: for SQL capture and profiling.

`InProcess(app)` runs the app's lifespan startup once, then `call(method, path, body)` sends one request through
the whole middleware stack and returns (status, body bytes). Everything runs on one event loop in this thread.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class InProcess:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self._lifespan_queue: asyncio.Queue[dict[str, Any]] | None = None
        self._lifespan_task: asyncio.Task[None] | None = None
        self.loop.run_until_complete(self._startup())

    async def _startup(self) -> None:
        self._lifespan_queue = asyncio.Queue()
        sent: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._lifespan_sent = sent
        await self._lifespan_queue.put({"type": "lifespan.startup"})

        async def receive() -> dict[str, Any]:
            assert self._lifespan_queue is not None
            return await self._lifespan_queue.get()

        async def send(message: dict[str, Any]) -> None:
            await sent.put(message)

        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": {}}
        self._state = scope["state"]
        self._lifespan_task = asyncio.ensure_future(self.app(scope, receive, send))
        message = await sent.get()
        if message["type"] != "lifespan.startup.complete":
            raise RuntimeError(f"lifespan startup failed: {message}")

    async def _shutdown(self) -> None:
        assert self._lifespan_queue is not None and self._lifespan_task is not None
        await self._lifespan_queue.put({"type": "lifespan.shutdown"})
        await self._lifespan_sent.get()
        await self._lifespan_task

    def close(self) -> None:
        try:
            self.loop.run_until_complete(self._shutdown())
        finally:
            self.loop.close()

    async def _call(self, method: str, path: str, body: Any) -> tuple[int, bytes]:
        parts = urlsplit(path)
        payload = b"" if body is None else (body.encode() if isinstance(body, str) else json.dumps(body).encode())
        headers = [(b"host", b"127.0.0.1"), (b"accept", b"*/*")]
        if body is not None:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
            "path": parts.path, "raw_path": parts.path.encode(), "query_string": parts.query.encode(),
            "root_path": "", "headers": headers, "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 80),
            "state": dict(self._state),
        }
        sent_body = False
        status = 0
        chunks: list[bytes] = []

        async def receive() -> dict[str, Any]:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": payload, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status, b"".join(chunks)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        return self.loop.run_until_complete(self._call(method, path, body))

    def __enter__(self) -> InProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
