"""Where a request's time goes: `python -m bench.profile [--db sqlite|postgres] [--requests N] [--top N]`.

Builds the app in-process on a fresh, seeded database, sends N requests of each kind through the whole ASGI
stack (middlewares, routing, validation, endpoint, serialisation) and profiles them with cProfile. FastAPI runs
sync endpoints and dependencies in a thread pool, which cProfile (one thread) would not see, so for the profile
`anyio.to_thread.run_sync` runs the function inline on the event loop's thread: same code, one thread.

Each request has an ignored `bench=` parameter of its own, so an in-process answer cache (if the app has one)
does not answer for the endpoint: the profile is of the work a new request costs. `--repeat` profiles the same
request repeated instead (what a cache hit costs).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.databases import DEFAULT_POSTGRES_URL, fresh_database
from bench.inproc import InProcess

REQUESTS = {
    "GET /schemes?region=28&audience=mg": ("GET", "/schemes?region=28&audience=mg", None),
    "GET /schemes/ccu-ah": ("GET", "/schemes/ccu-ah", None),
    "POST /simulate (24 months)": (
        "POST", "/simulate", {"scheme": "ccu-ah", "region": "32", "start": "2024-11-01", "months": 24}),
}

GROUPS = [
    ("app/simulation", "app: simulation"),
    ("app/catalogue", "app: catalogue"),
    ("/app/", "app: other (middlewares, errors, db)"),
    ("site-packages/fastapi", "fastapi"),
    ("site-packages/starlette", "starlette"),
    ("site-packages/pydantic", "pydantic"),
    ("site-packages/sqlmodel", "sqlalchemy / sqlmodel"),
    ("site-packages/sqlalchemy", "sqlalchemy / sqlmodel"),
    ("site-packages/psycopg", "database driver"),
    ("sqlite3", "database driver"),
    ("site-packages/anyio", "anyio / asyncio"),
    ("asyncio", "anyio / asyncio"),
    ("json", "json"),
    ("decimal", "decimal"),
]


def _inline_threads() -> None:
    import anyio.to_thread

    async def run_sync(func: Any, *args: Any, **_: Any) -> Any:
        return func(*args)

    anyio.to_thread.run_sync = run_sync  # type: ignore[assignment]


def _group(filename: str, function: str) -> str:
    if filename == "~":
        # C functions: attribute by name.
        name = function.lower()
        if "sqlite3" in name or "psycopg" in name:
            return "database driver"
        if "pydantic_core" in name or "validate" in name or "serializ" in name:
            return "pydantic"
        if "json" in name:
            return "json"
        return "builtins (C)"
    for needle, group in GROUPS:
        if needle in filename:
            return group
    return "other Python (stdlib…)"


def by_group(stats: pstats.Stats) -> list[tuple[str, float]]:
    totals: dict[str, float] = defaultdict(float)
    for (filename, _line, function), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        totals[_group(filename, function)] += tottime
    return sorted(totals.items(), key=lambda kv: -kv[1])


def profile_one(client: InProcess, method: str, path: str, body: Any, n: int, repeat: bool, top: int) -> dict[str, Any]:
    def url(i: int) -> str:
        if repeat:
            return path
        return path + ("&" if "?" in path else "?") + f"bench=profile{i}"

    for i in range(5):  # warm: imports, compiled SQL caches
        status, answer = client.call(method, url(-1 - i), body)
        if status != 200:
            raise RuntimeError(f"{method} {path} answered {status}: {answer[:300]!r}")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for i in range(n):
        client.call(method, url(i), body)
    profiler.disable()
    elapsed = time.perf_counter() - started
    # Unprofiled timing of the same work (cProfile slows Python code down).
    plain = time.perf_counter()
    for i in range(n):
        client.call(method, url(n + i), body)
    plain = time.perf_counter() - plain
    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values()) or 1.0  # type: ignore[attr-defined]
    text = io.StringIO()
    stats.stream = text  # type: ignore[attr-defined]
    stats.sort_stats("cumulative").print_stats(r"/app/", top)  # the app's own functions, inclusive time
    own = io.StringIO()
    stats.stream = own  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(top)
    return {
        "requests": n,
        "ms_per_request_unprofiled": round(1000 * plain / n, 3),
        "ms_per_request_profiled": round(1000 * elapsed / n, 3),
        "groups_pct": [(g, round(100 * t / total, 1)) for g, t in by_group(stats)],
        "cumulative": text.getvalue(),
        "own_time": own.getvalue(),
    }


def _table(text: str) -> str:
    """pstats output without its preamble, paths shortened to the package."""
    lines = [line for line in text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    out = []
    for line in lines[start:]:
        for marker in ("site-packages/", "/work/main/", str(Path(__file__).resolve().parent.parent) + "/"):
            if marker in line:
                line = line[: line.index(" ", line.index("percall") if "percall" in line else 40)] if False else line
                head, _, tail = line.rpartition(" ")
                line = head + " " + tail.split(marker, 1)[-1]
                break
        else:
            if "/lib/python3" in line:
                head, _, tail = line.rpartition(" ")
                line = head + " " + tail.split("/lib/", 1)[-1]
        out.append(line)
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    p.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    p.add_argument("--requests", type=int, default=200, help="requests of each kind (default 200)")
    p.add_argument("--top", type=int, default=25, help="functions listed per table (default 25)")
    p.add_argument("--repeat", action="store_true", help="the same URL every time (cache hits) instead of new ones")
    p.add_argument("--postgres-url", default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL))
    p.add_argument("--json", type=Path, help="also write the results to this JSON file")
    args = p.parse_args(argv)

    _inline_threads()
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-profile-") as tmp, \
            fresh_database(args.db, Path(tmp), postgres_url=args.postgres_url) as db:
        os.environ["DATABASE_URL"] = db.url  # the module-level app of app.main must use the bench database
        os.environ.setdefault("LOG_LEVEL", "warning")
        from app.config import Settings
        from app.main import create_app

        app = create_app(Settings(database_url=db.url, log_level="warning"), engine=db.engine)
        with InProcess(app) as client:
            for label, (method, path, body) in REQUESTS.items():
                r = profile_one(client, method, path, body, args.requests, args.repeat, args.top)
                results[label] = r
                print(f"\n=== {label} on {db.label}: {r['ms_per_request_unprofiled']:.2f} ms per request in-process "
                      f"({r['ms_per_request_profiled']:.2f} ms under cProfile), {args.requests} "
                      f"{'repeated' if args.repeat else 'different'} requests")
                print("share of profiled time by package (own time):")
                for group, pct in r["groups_pct"]:
                    if pct >= 0.5:
                        print(f"  {pct:5.1f}%  {group}")
                print(f"\nthe app's functions, top {args.top} by cumulative time:")
                print(_table(r["cumulative"]))
                print(f"\ntop {args.top} by own time:")
                print(_table(r["own_time"]))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
