"""Closed-loop HTTP/1.1 load generator, run as its own process: `python -m bench.loadgen < spec.json`.

N keep-alive connections to one loopback address, each with exactly one request in flight: a connection sends its
next request as soon as the previous answer is complete (so N is the number of concurrent clients). Requests are
pre-encoded bytes, answers are parsed by a small state machine on a raw asyncio Protocol (uvloop when present), so
the generator spends as little as possible per request. Requests completing inside the measured window (after a
warm-up) count; their latencies are kept and summarised (p50, p90, p99, max).

Input (JSON on stdin): {"host", "port", "concurrency", "duration", "warmup",
                        "requests": [{"method", "path", "body": str | null, "expect": 200}]}
Output (JSON on stdout): requests, errors, rps, latency percentiles in ms, and the generator's own CPU use.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import resource
import sys
import time
from collections import Counter
from typing import Any

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def encode_request(host: str, port: int, method: str, path: str, body: str | None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "User-Agent: bench-loadgen", "Accept: */*"]
    payload = b""
    if body is not None:
        payload = body.encode("utf-8")
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + payload


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(q * len(sorted_values)))
    return sorted_values[rank - 1]


class Run:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.host: str = spec["host"]
        self.port: int = int(spec["port"])
        if self.host not in LOOPBACK:
            raise SystemExit(f"refusing to load {self.host}: the load generator only targets loopback")
        self.concurrency = int(spec["concurrency"])
        self.duration = float(spec["duration"])
        self.warmup = float(spec.get("warmup", 1.0))
        self.requests = [
            encode_request(self.host, self.port, r.get("method", "GET"), r["path"], r.get("body"))
            for r in spec["requests"]
        ]
        self.expect = [int(r.get("expect", 200)) for r in spec["requests"]]
        self.latencies: list[float] = []
        self.statuses: Counter[int] = Counter()
        self.errors = 0
        self.error_kinds: Counter[str] = Counter()
        self.window_start = 0.0
        self.window_end = 0.0
        self.stopping = False
        self.open = 0
        self.all_closed: asyncio.Future[None] | None = None

    def record(self, started: float, finished: float, status: int, expected: int) -> None:
        if self.window_start <= started and finished <= self.window_end:
            self.statuses[status] += 1
            if status == expected:
                self.latencies.append(finished - started)
            else:
                self.errors += 1
                self.error_kinds[f"status {status}"] += 1

    async def reconnect(self, offset: int) -> None:
        try:
            await asyncio.get_running_loop().create_connection(lambda: Connection(self, offset), self.host, self.port)
        except OSError:
            self.failure("connect failed")

    def failure(self, kind: str) -> None:
        now = time.perf_counter()
        if self.window_start <= now <= self.window_end:
            self.errors += 1
            self.error_kinds[kind] += 1


class Connection(asyncio.Protocol):
    def __init__(self, run: Run, offset: int) -> None:
        self.run = run
        self.index = offset
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.started = 0.0
        self.current = 0
        self.reset_parser()

    def reset_parser(self) -> None:
        self.status = 0
        self.body_start = -1
        self.length = -1  # content length, or -2 for chunked
        self.scan_from = 0

    # -- asyncio callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.run.open += 1
        self.send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        self.run.open -= 1
        if not self.run.stopping:
            # The server closed a keep-alive connection: count it, and reconnect to keep N clients busy.
            self.run.failure("connection lost")
            asyncio.get_running_loop().create_task(self.run.reconnect(self.index))
        if self.run.open == 0 and self.run.all_closed is not None and not self.run.all_closed.done():
            self.run.all_closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.parse():
            pass

    # -- requests and answers
    def send_next(self) -> None:
        assert self.transport is not None
        if self.run.stopping:
            self.transport.close()
            return
        self.current = self.index % len(self.run.requests)
        self.index += 1
        self.started = time.perf_counter()
        self.transport.write(self.run.requests[self.current])

    def parse(self) -> bool:
        """Consume one complete answer from the buffer if there is one; True when one was consumed."""
        buf = self.buffer
        if self.body_start < 0:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                return False
            head = bytes(buf[:end]).lower()
            self.status = int(head[9:12])
            self.body_start = end + 4
            at = head.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = head.find(b"\r\n", at + 2)
                self.length = int(head[at + 17 : stop if stop >= 0 else len(head)])
            elif b"transfer-encoding: chunked" in head:
                self.length = -2
                self.scan_from = self.body_start
            else:
                self.length = 0
        if self.length >= 0:
            total = self.body_start + self.length
            if len(buf) < total:
                return False
        else:  # chunked: walk the chunk sizes until the zero-size chunk and its trailing CRLF
            pos = self.scan_from
            while True:
                line_end = buf.find(b"\r\n", pos)
                if line_end < 0:
                    return False
                size = int(bytes(buf[pos:line_end]).split(b";")[0], 16)
                if size == 0:
                    trailer_end = buf.find(b"\r\n\r\n", line_end)
                    if trailer_end < 0:
                        return False
                    total = trailer_end + 4
                    break
                chunk_end = line_end + 2 + size + 2
                if len(buf) < chunk_end:
                    return False
                pos = chunk_end
                self.scan_from = pos
        finished = time.perf_counter()
        del buf[:total]
        self.run.record(self.started, finished, self.status, self.run.expect[self.current])
        self.reset_parser()
        self.send_next()
        return bool(buf)


async def main_async(run: Run) -> None:
    loop = asyncio.get_running_loop()
    run.all_closed = loop.create_future()
    t0 = time.perf_counter()
    run.window_start = t0 + run.warmup
    run.window_end = run.window_start + run.duration
    step = max(1, len(run.requests) // max(1, run.concurrency))
    for i in range(run.concurrency):
        await loop.create_connection(lambda i=i: Connection(run, i * step), run.host, run.port)
    await asyncio.sleep(max(0.0, run.window_end - time.perf_counter()))
    run.stopping = True
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(run.all_closed), timeout=10)


def summarise(run: Run, cpu_seconds: float, wall_seconds: float) -> dict[str, Any]:
    lat = sorted(run.latencies)
    ms = lambda v: None if v is None else round(v * 1000, 3)  # noqa: E731
    return {
        "requests": len(lat),
        "errors": run.errors,
        "error_kinds": dict(run.error_kinds),
        "statuses": {str(k): v for k, v in sorted(run.statuses.items())},
        "duration_s": run.duration,
        "concurrency": run.concurrency,
        "rps": round(len(lat) / run.duration, 1),
        "p50_ms": ms(percentile(lat, 0.50)),
        "p90_ms": ms(percentile(lat, 0.90)),
        "p99_ms": ms(percentile(lat, 0.99)),
        "max_ms": ms(lat[-1] if lat else None),
        "mean_ms": ms(sum(lat) / len(lat) if lat else None),
        "generator_cpu_s": round(cpu_seconds, 3),
        "generator_cpu_pct": round(100 * cpu_seconds / wall_seconds, 1) if wall_seconds else None,
    }


def main() -> None:
    spec = json.load(sys.stdin)
    run = Run(spec)
    try:
        import uvloop  # shipped with uvicorn[standard]

        uvloop.install()
        loop_name = "uvloop"
    except ImportError:  # pragma: no cover - uvicorn[standard] brings it
        loop_name = "asyncio"
    before = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    asyncio.run(main_async(run))
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    out = summarise(run, cpu, wall)
    out["loop"] = loop_name
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
