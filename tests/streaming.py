"""Sending a body to the app chunk by chunk, counting what the app pulled: did it read the body, and how much?

httpx's ASGI transport hands the app one chunk each time it calls `receive()`, pulled from an async generator on
demand (Starlette's TestClient reads the whole body first), so the count is what the app itself read.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import httpx
from starlette.types import ASGIApp

CHUNK = 64 << 10


@dataclass
class Streamed:
    response: httpx.Response
    pulled: int  # bytes the app read


def send_streamed(app: ASGIApp, method: str, path: str, *, total: int, headers: dict[str, str] | None = None,
                  chunk: bytes = b" " * CHUNK, first: bytes = b"") -> Streamed:
    """`first`, then `chunk` again and again, `total` bytes in all; chunked unless headers give a Content-Length."""
    pulled = 0

    async def body():  # type: ignore[no-untyped-def]
        nonlocal pulled
        for piece in ([first] if first else []) + [chunk] * ((total - len(first)) // len(chunk)):
            pulled += len(piece)
            yield piece

    async def run() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            return await client.request(method, path, content=body(), headers=headers or {})

    response = asyncio.run(run())
    return Streamed(response, pulled)
