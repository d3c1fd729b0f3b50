"""The baseline: a bare ASGI app answering every request with the same small JSON body.

Served by the bench exactly like the service (`uvicorn bench.baseline:app` with the same flags, one worker), it
measures what uvicorn, the loopback and the load generator cost by themselves; every figure of the service is
reported as a ratio to it. `/health` answers too, so start-up is timed the same way.
"""

from __future__ import annotations

from typing import Any

BODY = b'{"status":"ok","version":"baseline"}'
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    # Drain the request body (POSTs), like any real app would.
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
