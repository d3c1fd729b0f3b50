"""A responder that does almost nothing, to measure the load generator's own ceiling: `python -m bench.rawserver PORT`.

It answers every request on a keep-alive connection with the same canned HTTP/1.1 200 and the baseline's JSON body,
straight from a raw asyncio Protocol (uvloop), with no HTTP parsing beyond finding the end of each request head (the
generator's requests carry no body except POSTs, which this responder is never sent). Far cheaper per request than
any ASGI server, so the rate the generator reaches against it is the generator's limit, not the server's.
"""

from __future__ import annotations

import asyncio
import sys

from bench.baseline import BODY

RESPONSE = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
    + str(len(BODY)).encode()
    + b"\r\n\r\n"
    + BODY
)


class Responder(asyncio.Protocol):
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        count = self.buffer.count(b"\r\n\r\n")
        if count:
            self.buffer = self.buffer[self.buffer.rfind(b"\r\n\r\n") + 4 :]
            self.transport.write(RESPONSE * count)  # type: ignore[attr-defined]


async def serve(port: int) -> None:
    server = await asyncio.get_running_loop().create_server(Responder, "127.0.0.1", port)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    import uvloop

    uvloop.install()
    asyncio.run(serve(int(sys.argv[1])))


if __name__ == "__main__":
    main()
